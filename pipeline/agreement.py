"""Agreement between two independent annotation passes: percent and Cohen's kappa per task.

`python -m pipeline.agreement data/annotations/passes/A-corpus data/annotations/passes/B-corpus`
prints the figures for one set (segments.csv and answers.csv in each folder, the formats of
data/annotations/passes). Segments are paired on their line span; answers on document, body name
(allowing for spelling) and nearest line, as two readers of a bill may cite a body on different
lines. Themes are compared per (answer, theme) pair.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from sklearn.metrics import cohen_kappa_score

from pipeline.annotations import read_labelled_csv, same_name
from pipeline.config import load_params
from pipeline.errors import report_errors

MAX_LINE_DISTANCE = 60  # lines between two citations of the same body's answer in one document


def _score(first: list, second: list) -> dict[str, float | int]:
    same = sum(a == b for a, b in zip(first, second, strict=True))
    kappa = cohen_kappa_score(first, second) if len(set(first) | set(second)) > 1 else 1.0
    return {"n": len(first), "percent": round(same / len(first), 4) if first else 0.0, "kappa": round(float(kappa), 4)}


def pair_answers(first: pd.DataFrame, second: pd.DataFrame) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs of row positions (first, second) naming the same answer, and the unpaired rows of each."""
    used: set[int] = set()
    pairs = []
    for i, row in enumerate(first.itertuples()):
        candidates = [(abs(int(row.line) - int(other.line)), j) for j, other in enumerate(second.itertuples())
                      if j not in used and other.doc == row.doc and same_name(row.body, other.body)]
        best = min(candidates, default=None)
        if best is not None and best[0] <= MAX_LINE_DISTANCE:
            used.add(best[1])
            pairs.append((i, best[1]))
    paired = {i for i, _ in pairs}
    return pairs, [i for i in range(len(first)) if i not in paired], [j for j in range(len(second)) if j not in used]


def agreement(first_dir: Path, second_dir: Path, theme_ids: list[str]) -> dict:
    segment_columns = ["doc", "start_line", "end_line", "stance"]
    a = read_labelled_csv(first_dir / "segments.csv", segment_columns)
    b = read_labelled_csv(second_dir / "segments.csv", segment_columns)
    joined = a.merge(b, on=["doc", "start_line", "end_line"], suffixes=("_a", "_b"))
    answer_columns = ["doc", "line", "body", "stance", "themes"]
    first = read_labelled_csv(first_dir / "answers.csv", answer_columns)
    second = read_labelled_csv(second_dir / "answers.csv", answer_columns)
    pairs, only_first, only_second = pair_answers(first, second)
    themes_a, themes_b = [], []
    for i, j in pairs:
        one, two = set(first["themes"].iloc[i].split("|")), set(second["themes"].iloc[j].split("|"))
        themes_a += [theme in one for theme in theme_ids]
        themes_b += [theme in two for theme in theme_ids]
    return {
        "segments_stance": _score(joined["stance_a"].tolist(), joined["stance_b"].tolist()),
        "answers_stance": {**_score([first["stance"].iloc[i] for i, _ in pairs],
                                    [second["stance"].iloc[j] for _, j in pairs]),
                           "only_first": len(only_first), "only_second": len(only_second)},
        "answers_themes": _score(themes_a, themes_b),
    }


@report_errors
def main(
    first: Path = typer.Argument(..., help="Folder of the first pass (segments.csv, answers.csv)."),
    second: Path = typer.Argument(..., help="Folder of the second pass."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Print the agreement of two annotation passes as JSON."""
    theme_ids = [t.id for t in load_params(params_file).themes]
    typer.echo(json.dumps(agreement(first, second, theme_ids), indent=1))


if __name__ == "__main__":
    typer.run(main)

"""The correction loop: a reviewer's corrections, kept for good, applied everywhere, learned from.

A reviewer writes a correction in the *Granskning* sheet of `exports/remissammanstallning.xlsx`
(column "Granskarens rättelse") or directly in `data/annotations/corrections.csv`. The
`corrections` stage, first in every `dvc repro`, copies new entries from the workbook into the CSV;
the CSV is the record, committed to git, never overwritten (entries are only added or updated,
never dropped). `classify` then applies every correction to its label, marks it as reviewed, and
trains on it: a corrected stance is a stance label, a theme a reviewer removed makes its evidence
sentence a negative example.

Corrections are keyed by document and line span, not by generated ids, so they survive changes
to the segmenter.

corrections.csv columns: doc, start_line, end_line, body, label ("stance" or "theme:<id>"),
value (a stance label, or "ja"/"nej" for a theme), comment.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from pipeline.annotations import read_labelled_csv
from pipeline.cues import STANCES
from pipeline.errors import ConfigError, report_errors
from pipeline.io import write_csv

COLUMNS = ["doc", "start_line", "end_line", "body", "label", "value", "comment"]
KEY = ["doc", "start_line", "end_line", "label"]
SHEET = "Granskning"
ID_COLUMN = "Etikett-id"
CORRECTION_COLUMN = "Granskarens rättelse"
COMMENT_COLUMN = "Kommentar"
YES = {"ja", "j", "yes", "1", "x", "sant", "true"}
NO = {"nej", "n", "no", "0", "falskt", "false", "-"}
STANCE_WORDS = {
    "positiv": "positive",
    "positiv med reservationer": "positive_with_reservations",
    "negativ": "negative",
    "inga synpunkter": "no_opinion",
    "ingen åsikt": "no_opinion",
}


def normalise_value(label: str, value: str) -> str:
    """A reviewer's free text as a canonical value, or a one-line error saying what is allowed."""
    text = " ".join(str(value).split()).lower()
    if label == "stance":
        if text in STANCES:
            return text
        if text in STANCE_WORDS:
            return STANCE_WORDS[text]
        allowed = ", ".join([*STANCE_WORDS, *STANCES])
        raise ConfigError(f"correction '{value}' for a stance is not one of: {allowed}")
    if text in YES:
        return "ja"
    if text in NO:
        return "nej"
    raise ConfigError(f"correction '{value}' for a theme must be ja or nej")


def read_corrections(path: Path) -> pd.DataFrame:
    frame = read_labelled_csv(path, COLUMNS)
    for row in frame.itertuples():
        normalise_value(row.label, row.value)
    return frame[COLUMNS]


def from_workbook(workbook: Path, segments: pd.DataFrame) -> pd.DataFrame:
    """Corrections a reviewer typed into the Granskning sheet, keyed by document and lines."""
    if not workbook.exists():
        return pd.DataFrame(columns=COLUMNS)
    try:
        sheet = pd.read_excel(workbook, sheet_name=SHEET, dtype=str, keep_default_na=False)
    except (ValueError, KeyError, OSError) as error:
        raise ConfigError(f"{workbook}: cannot read the {SHEET} sheet ({error})") from None
    if ID_COLUMN not in sheet.columns or CORRECTION_COLUMN not in sheet.columns:
        raise ConfigError(f"{workbook}: the {SHEET} sheet lacks the '{ID_COLUMN}' or '{CORRECTION_COLUMN}' column")
    filled = sheet[sheet[CORRECTION_COLUMN].str.strip() != ""]
    by_id = segments.set_index("segment_id")
    rows = []
    for entry in filled.to_dict("records"):
        segment_id, _, label = str(entry[ID_COLUMN]).partition("|")
        if segment_id not in by_id.index or not label:
            continue  # a row from an older run whose segment no longer exists
        segment = by_id.loc[segment_id]
        rows.append(
            {
                "doc": segment["doc"],
                "start_line": str(int(segment["start_line"])),
                "end_line": str(int(segment["end_line"])),
                "body": segment["body"],
                "label": label,
                "value": normalise_value(label, entry[CORRECTION_COLUMN]),
                "comment": str(entry.get(COMMENT_COLUMN, "")).strip(),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def merge(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Existing entries are kept; a new entry for the same label updates it; nothing is dropped."""
    combined = pd.concat([existing, new], ignore_index=True).drop_duplicates(KEY, keep="last")
    order = combined["start_line"].astype(int)
    return combined.assign(_order=order).sort_values(["doc", "_order", "label"]).drop(columns="_order")[COLUMNS]


def apply_to_segments(segments: pd.DataFrame, corrections: pd.DataFrame, theme_order: list[str]) -> pd.DataFrame:
    """Columns `stance_reviewed` and `themes_reviewed` plus corrected labels (probability 1 / 0)."""
    out = segments.copy()
    out["stance_reviewed"] = False
    out["themes_reviewed"] = ""
    index = {(r.doc, int(r.start_line), int(r.end_line)): i for i, r in enumerate(out.itertuples())}
    for correction in corrections.itertuples():
        position = index.get((correction.doc, int(correction.start_line), int(correction.end_line)))
        if position is None:
            continue
        row = out.index[position]
        if correction.label == "stance":
            out.at[row, "stance"] = correction.value
            out.at[row, "stance_probability"] = 1.0
            out.at[row, "stance_reviewed"] = True
            continue
        theme = correction.label.split(":", 1)[1]
        probabilities = json.loads(out.at[row, "theme_probabilities"])
        if theme not in probabilities:
            continue  # a theme since removed from params.yaml
        probabilities[theme] = 1.0 if correction.value == "ja" else 0.0
        current = set(filter(None, out.at[row, "themes"].split("|")))
        current = current | {theme} if correction.value == "ja" else current - {theme}
        out.at[row, "themes"] = "|".join(t for t in theme_order if t in current)
        out.at[row, "theme_probabilities"] = json.dumps(probabilities, ensure_ascii=False, sort_keys=True,
                                                         separators=(",", ":"))
        reviewed = set(filter(None, out.at[row, "themes_reviewed"].split("|"))) | {theme}
        out.at[row, "themes_reviewed"] = "|".join(sorted(reviewed))
    return out


def harvest(workbook: Path, segments_path: Path, record: Path) -> tuple[pd.DataFrame, int]:
    """Merge the workbook's new corrections into the record file; return the record and how many
    entries the workbook held. The record is rewritten only when something changed."""
    existing = read_corrections(record)
    new = pd.DataFrame(columns=COLUMNS)
    if workbook.exists() and segments_path.exists():
        new = from_workbook(workbook, pd.read_parquet(segments_path))
    merged = merge(existing, new)
    if not record.exists() or not merged.reset_index(drop=True).equals(existing.reset_index(drop=True)):
        write_csv(record, merged)
    return merged, len(new)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    workbook: Path = typer.Option(Path("exports/remissammanstallning.xlsx"), help="Workbook a reviewer filled in."),
    segments_path: Path = typer.Option(Path("exports/segments.parquet"), "--segments", help="Segments it was made from."),
    out: Path = typer.Option(Path("data/annotations/corrections.csv"), help="The corrections record."),
) -> None:
    """Copy new reviewer corrections from the workbook into corrections.csv (never dropping any)."""
    merged, read = harvest(workbook, segments_path, out)
    typer.echo(f"corrections: {len(merged)} in {out} ({read} read from {workbook.name})")


if __name__ == "__main__":
    app()

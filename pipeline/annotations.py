"""The project's own annotations, aligned to the pipeline's segments and sentences.

Annotations are keyed by document, line and text, not by generated ids, so they survive changes to
the segmenter or the sentence splitter; whatever no longer aligns is reported, never silently
dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.labels import OFFICIAL_SECTIONS, STANCES
from rapidfuzz import fuzz

from pipeline.textutil import fold, squash_spaces

FUZZY_MATCH = 85
ANNOTATIONS = Path("data/annotations")  # the project's own annotations (committed)
STANCE_FILE = "stance.csv"
THEME_FILE = "themes.csv"
ANSWER_FILE = "answers.csv"  # one row per answering body: its overall stance, decisive statement, themes
CORRECTIONS_FILE = "corrections.csv"  # a reviewer's corrections, harvested from the workbook


@dataclass
class Alignment:
    """Labels attached to pipeline rows, plus what could not be attached."""

    labels: pd.DataFrame
    unmatched: list[str] = field(default_factory=list)


def read_labelled_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """A hand-edited CSV as strings; a missing file is empty, a missing column one clear error."""
    if not path.exists():
        return pd.DataFrame(columns=columns)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConfigError(f"{path}: missing columns {', '.join(missing)}")
    return frame


def align_stance(directory: Path, segments: pd.DataFrame) -> Alignment:
    """segment_id -> stance for every annotated segment (matched on doc and line span)."""
    raw = read_labelled_csv(directory / STANCE_FILE, ["doc", "start_line", "end_line", "stance"])
    bad = sorted(set(raw["stance"]) - set(STANCES))
    if bad:
        raise ConfigError(f"{directory / STANCE_FILE}: unknown stance labels: {', '.join(bad)}")
    index = {(row.doc, int(row.start_line)): row for row in segments.itertuples()}
    rows, unmatched = [], []
    for ann in raw[raw["doc"].isin(set(segments["doc"]))].itertuples():  # only documents in this run
        segment = index.get((ann.doc, int(ann.start_line)))
        if segment is None or segment.end_line != int(ann.end_line):
            unmatched.append(f"{ann.doc}:{ann.start_line}-{ann.end_line}")
            continue
        rows.append({"segment_id": segment.segment_id, "stance": ann.stance})
    labels = pd.DataFrame(rows, columns=["segment_id", "stance"]).drop_duplicates("segment_id", keep="last")
    return Alignment(labels, unmatched)


def align_themes(directory: Path, sentences: pd.DataFrame, theme_ids: list[str]) -> Alignment:
    """sentence_id -> set of theme ids for every annotated sentence.

    A sentence matches on its document and text, the nearest to the annotated line when the same
    text recurs; near the annotated line, a sentence the splitter cut differently or whose OCR
    repair changed a few letters matches too.
    Theme ids that are not configured are ignored (a theme removed from params.yaml).
    """
    raw = read_labelled_csv(directory / THEME_FILE, ["doc", "line", "sentence", "themes"])
    by_text: dict[tuple[str, str], list] = {}
    for row in sentences.itertuples():
        by_text.setdefault((row.doc, squash_spaces(row.text)), []).append(row)
    by_doc = {doc: group for doc, group in sentences.groupby("doc", sort=False)}
    rows, unmatched = [], []
    for ann in raw[raw["doc"].isin(by_doc)].itertuples():  # only documents in this run
        line, text = int(ann.line), squash_spaces(ann.sentence)
        candidates = by_text.get((ann.doc, text))
        if not candidates and ann.doc in by_doc:
            near = by_doc[ann.doc]
            near = near[(near["start_line"] <= line + 1) & (near["end_line"] >= line - 1)]
            candidates = [r for r in near.itertuples() if _same_sentence(text, squash_spaces(r.text))]
        if not candidates:
            unmatched.append(f"{ann.doc}:{line}: {text[:60]}")
            continue
        best = min(candidates, key=lambda r: abs(r.start_line - line))
        themes = {t for t in ann.themes.split("|") if t in theme_ids}
        rows.append({"sentence_id": best.sentence_id, "themes": "|".join(sorted(themes, key=theme_ids.index))})
    labels = pd.DataFrame(rows, columns=["sentence_id", "themes"]).drop_duplicates("sentence_id", keep="last")
    return Alignment(labels, unmatched)


def _same_sentence(annotated: str, found: str) -> bool:
    """Containment (the splitter cut differently) or near-equality after folding (OCR repair of
    the text improved since the sentence was annotated)."""
    if annotated in found or found in annotated:
        return True
    return fuzz.ratio(fold(annotated), fold(found)) >= FUZZY_MATCH


def theme_label_matrix(labels: pd.DataFrame, theme_ids: list[str]) -> pd.DataFrame:
    """One 0/1 column per theme, indexed by sentence_id."""
    matrix = pd.DataFrame(0, index=labels["sentence_id"], columns=theme_ids, dtype=int)
    for sentence_id, themes in zip(labels["sentence_id"], labels["themes"], strict=True):
        for theme in filter(None, themes.split("|")):
            matrix.loc[sentence_id, theme] = 1
    return matrix


ANSWER_COLUMNS = ["doc", "line", "body", "remiss", "genre", "stance", "decisive_line", "decisive", "stance_parts",
                  "themes", "note"]


def align_answers(directory: Path, bodies: pd.DataFrame, theme_ids: list[str]) -> Alignment:
    """answer_id -> the annotated answer (remiss, stance, themes …) for every annotated answer.

    An answer matches the body of the same document whose answer starts at, or spans, the
    annotated line (for a body quoted in a bill: whose naming line it is) and whose name is the
    annotated one, allowing for spelling (OCR, abbreviations)."""
    raw = read_labelled_csv(directory / ANSWER_FILE, ANSWER_COLUMNS)
    bad = sorted(set(raw["stance"]) - set(STANCES))
    if bad:
        raise ConfigError(f"{directory / ANSWER_FILE}: unknown stance labels: {', '.join(bad)}")
    answered = bodies[bodies["answered"]]
    by_doc = {doc: group for doc, group in answered.groupby("doc", sort=False)}
    rows, unmatched = [], []
    for ann in raw[raw["doc"].isin(set(bodies["doc"]))].itertuples():  # only documents in this run
        body = _answering_body(by_doc.get(ann.doc), int(ann.line), ann.body)
        if body is None:
            unmatched.append(f"{ann.doc}:{ann.line}: {ann.body}")
            continue
        themes = [t for t in ann.themes.split("|") if t in theme_ids]
        rows.append({"answer_id": body.answer_id, "remiss": ann.remiss or ann.doc, "genre": body.genre,
                     "stance": ann.stance, "decisive_line": ann.decisive_line, "decisive": ann.decisive,
                     "themes": "|".join(themes)})
    labels = pd.DataFrame(rows, columns=["answer_id", "remiss", "genre", "stance", "decisive_line", "decisive",
                                         "themes"]).drop_duplicates("answer_id", keep="last")
    return Alignment(labels.reset_index(drop=True), unmatched)


def _answering_body(bodies: pd.DataFrame | None, line: int, name: str):
    if bodies is None:
        return None
    starts = bodies["start_line"].fillna(bodies["answer_line"]).astype("Int64")
    ends = bodies["end_line"].fillna(bodies["answer_line"]).astype("Int64")
    spanning = bodies[((starts <= line) & (ends >= line)).fillna(False).to_numpy()]
    named = [b for b in spanning.itertuples() if same_name(name, b.body) or same_name(name, b.organisation)]
    return min(named, key=lambda b: abs(int(starts[b.Index]) - line), default=None)


def same_name(annotated: str, found: str) -> bool:
    """The same body, allowing for spelling and for one name containing the other."""
    annotated, found = fold(annotated), fold(found)
    return bool(found) and (fuzz.ratio(annotated, found) >= FUZZY_MATCH or annotated in found or found in annotated)


def theme_training_labels(segments: pd.DataFrame, sentences: pd.DataFrame, answers: pd.DataFrame,
                          sentence_labels: pd.DataFrame, theme_ids: list[str]) -> pd.DataFrame:
    """Theme labels to train on, indexed by sentence_id (1, 0, or -1 for unknown).

    Annotated sentences give 1 or 0 for every theme. An answer annotated with the themes it
    discusses (`align_answers`) makes every sentence of its official text a known negative for each
    theme it does not discuss: that is how the models learn, from other remisser, that a
    detaljplan answer is not about informationssäkerhet."""
    official = segments[segments["section"].isin(OFFICIAL_SECTIONS)].set_index("segment_id")["answer_id"]
    answer_of_sentence = sentences["segment_id"].map(official).fillna("")
    themes_of = dict(zip(answers["answer_id"], answers["themes"], strict=True))
    rows = {}
    for sentence_id, answer_id in zip(sentences["sentence_id"], answer_of_sentence, strict=True):
        if answer_id in themes_of:
            discussed = set(filter(None, themes_of[answer_id].split("|")))
            rows[sentence_id] = [-1 if theme in discussed else 0 for theme in theme_ids]
    matrix = pd.DataFrame.from_dict(rows, orient="index", columns=theme_ids, dtype=int)
    annotated = theme_label_matrix(sentence_labels, theme_ids)
    matrix = pd.concat([matrix[~matrix.index.isin(annotated.index)], annotated])
    order = pd.Series(range(len(sentences)), index=sentences["sentence_id"])
    return matrix.loc[sorted(matrix.index, key=order.get)].astype(int)

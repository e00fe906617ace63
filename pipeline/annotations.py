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
from pipeline.labels import STANCES
from rapidfuzz import fuzz

from pipeline.textutil import fold, squash_spaces

FUZZY_MATCH = 85
ANNOTATIONS = Path("data/annotations")  # the project's own annotations (committed)
STANCE_FILE = "stance.csv"
THEME_FILE = "themes.csv"
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

"""The reviewers' corrections record (data/annotations/corrections.csv): reading, merging, applying.

Kept apart from the corrections stage so that classify can apply corrections without importing a
stage. Corrections are keyed by document and line span, not by generated ids, so they survive
changes to the segmenter.

Columns: doc, start_line, end_line, body, label ("stance" or "theme:<id>"), value (a stance id, or
"ja"/"nej" for a theme), comment.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.annotations import read_labelled_csv
from pipeline.review_sheet import STANCE, YES, label_theme, label_type, parse_correction
from pipeline.schemas import canonical_json, parse_probabilities

COLUMNS = ["doc", "start_line", "end_line", "body", "label", "value", "comment"]
KEY = ["doc", "start_line", "end_line", "label"]


def read_corrections(path: Path) -> pd.DataFrame:
    """The record with every value canonical (a hand-edited "Negativ" becomes "negative"); a value
    that cannot be understood is a one-line error."""
    frame = read_labelled_csv(path, COLUMNS)[COLUMNS].copy()
    frame["value"] = [parse_correction(label, value)
                      for label, value in zip(frame["label"], frame["value"], strict=True)]
    return frame


def merge(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Existing entries are kept; a new entry for the same label updates it; nothing is dropped.
    A new entry without a comment keeps the existing one: the re-exported review sheet shows a
    correction but not its comment, so harvesting it again must not blank what the reviewer wrote."""
    earlier = dict(zip(existing[KEY].itertuples(index=False, name=None), existing["comment"], strict=True))
    keys = new[KEY].itertuples(index=False, name=None)
    comments = [comment or earlier.get(key, "") for key, comment in zip(keys, new["comment"], strict=True)]
    new = new.assign(comment=comments)
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
        if label_type(correction.label) == STANCE:
            out.at[row, "stance"] = correction.value
            out.at[row, "stance_probability"] = 1.0
            out.at[row, "stance_reviewed"] = True
            continue
        theme = label_theme(correction.label)
        probabilities = parse_probabilities(out.at[row, "theme_probabilities"])
        if theme not in probabilities:
            continue  # a theme since removed from params.yaml
        applies = correction.value == YES
        probabilities[theme] = 1.0 if applies else 0.0
        current = set(filter(None, out.at[row, "themes"].split("|")))
        current = current | {theme} if applies else current - {theme}
        out.at[row, "themes"] = "|".join(t for t in theme_order if t in current)
        out.at[row, "theme_probabilities"] = canonical_json(probabilities)
        reviewed = set(filter(None, out.at[row, "themes_reviewed"].split("|"))) | {theme}
        out.at[row, "themes_reviewed"] = "|".join(sorted(reviewed))
    return out

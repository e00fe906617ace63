"""What the review pages show, read from a project's output folder, and the corrections they write.

The tables are the ones `remiss analyze` wrote (bodies, segments, lines). A correction is written
into the folder's `corrections.csv` exactly as the command-line correction loop keeps it (same
columns and keys: document and line span, `pipeline.correction_table`), and a new run is queued:
`remiss analyze` applies it, shows it in the workbook and trains on it. Until that run is done the
pages overlay the record on the last run's tables with the same functions classify uses
(`apply_to_segments`, `reviewed_stance`), so a click shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import Params
from pipeline.correction_table import COLUMNS, apply_to_segments, merge, read_corrections
from pipeline.export.data import ExportData, line_span, load_exports, number_or_none, split_list
from pipeline.export.report import body_row
from pipeline.io import read_parquet, write_csv
from pipeline.labelling import official_segments, reviewed_stance
from pipeline.labels import BODY_TYPE_LABELS, SECTION_LABELS, STANCE_LABELS, STANCES, UNCLASSIFIED
from pipeline.review_sheet import NO, STANCE, YES, parse_correction
from pipeline.schemas import evidence_json, parse_evidence, parse_probabilities

CORRECTIONS = "corrections.csv"
LOW_PROBABILITY = 0.6  # below this a label is flagged for a look


@dataclass(frozen=True)
class Filters:
    stance: str = ""
    body_type: str = ""
    theme: str = ""
    unreviewed: bool = False
    low_first: bool = False


def corrections_of(out: Path) -> pd.DataFrame:
    return read_corrections(out / CORRECTIONS)


def load(out: Path, params: Params) -> ExportData:
    """The last run's tables with the corrections record applied (see the module docstring)."""
    data = load_exports(out, params)
    corrections = corrections_of(out)
    if corrections.empty:
        return data
    segments = apply_to_segments(data.segments, corrections, list(data.themes))
    overlaid = [_overlay(body, segments) for body in data.bodies.itertuples(index=False)]
    bodies = pd.DataFrame(overlaid, columns=data.bodies.columns).astype(data.bodies.dtypes.to_dict())
    keep = set(data.counted["answer_id"])
    counted = bodies[bodies["answer_id"].isin(keep)].reset_index(drop=True)
    return ExportData(bodies, segments, data.themes, counted, counted[counted["answered"]].reset_index(drop=True))


def _overlay(body, segments: pd.DataFrame) -> dict[str, Any]:
    row = body._asdict()
    official = official_segments(segments[segments["answer_id"] == body.answer_id])
    reviewed = reviewed_stance(official)
    if reviewed is not None and body.answered:
        stance, probability, evidence, _ = reviewed
        quotes = parse_evidence(body.evidence)
        if evidence is not None:
            quotes["stance"] = evidence
        row |= {"stance": stance, "stance_probability": probability, "evidence": evidence_json(quotes)}
    row["reviewed"] = bool(body.reviewed or official["stance_reviewed"].any() or (official["themes_reviewed"] != "").any())
    return row


def overview(data: ExportData, filters: Filters) -> list[dict[str, Any]]:
    """The bodies table: every counted remissinstans, filtered and sorted as asked."""
    rows = []
    for b in data.counted.itertuples(index=False):
        stance_id = b.stance or UNCLASSIFIED
        if filters.stance and stance_id != filters.stance:
            continue
        if filters.body_type and b.body_type != filters.body_type:
            continue
        if filters.theme and filters.theme not in split_list(b.themes):
            continue
        if filters.unreviewed and bool(b.reviewed):
            continue
        row = body_row(b, data.themes)
        probability = number_or_none(b.stance_probability) if b.stance else None
        key = key_segment(data.segments, b)
        row |= {"answer_id": b.answer_id, "answered": bool(b.answered), "reviewed": bool(b.reviewed),
                "body_type": b.body_type, "doc": b.doc, "sort_probability": probability,
                "low": probability is not None and probability < LOW_PROBABILITY,
                "key_segment": key, "theme_ids": split_list(b.themes)}
        rows.append(row)
    if filters.low_first:
        rows.sort(key=lambda r: (r["sort_probability"] is None, r["sort_probability"] or 0.0))
    return rows


def key_segment(segments: pd.DataFrame, body) -> str:
    """The segment a stance correction of the whole answer goes to: the official segment holding
    the answer's stance quote, else its last official segment; "" when it has none."""
    official = official_segments(segments[segments["answer_id"] == body.answer_id])
    if official.empty or not body.answered:
        return ""
    quote = parse_evidence(body.evidence).get("stance")
    if quote is not None:
        holding = official[(official["start_line"] <= quote.line) & (official["end_line"] >= quote.line)]
        if not holding.empty:
            return str(holding.iloc[0]["segment_id"])
    return str(official.sort_values("start_line").iloc[-1]["segment_id"])


def choices(data: ExportData) -> dict[str, list[tuple[str, str]]]:
    """The filters' options: only values that occur."""
    stances = [s for s in (*STANCES, UNCLASSIFIED) if ((data.counted["stance"].replace("", UNCLASSIFIED)) == s).any()]
    types = sorted(set(data.counted["body_type"]))
    return {"stances": [(s, STANCE_LABELS[s]) for s in stances],
            "body_types": [(t, BODY_TYPE_LABELS.get(t, t)) for t in types],
            "themes": list(data.themes.items()),
            "stance_options": [(s, STANCE_LABELS[s]) for s in STANCES]}


def body_page(data: ExportData, lines: pd.DataFrame, answer_id: str) -> dict[str, Any]:
    """One answer: its labels, its segments with their labels and quotes, and its source text with
    every quoted line marked."""
    match = data.bodies[data.bodies["answer_id"] == answer_id]
    if match.empty:
        raise KeyError(answer_id)
    body = next(match.itertuples(index=False))
    own = data.segments[data.segments["answer_id"] == answer_id].sort_values("start_line")
    quoted: set[int] = set()
    segments = []
    for s in own.itertuples(index=False):
        evidence = parse_evidence(s.evidence)
        probabilities = parse_probabilities(s.theme_probabilities)
        for item in evidence.values():
            quoted |= set(range(item.line, item.end_line + 1))
        stance_quote = evidence.get("stance")
        reviewed_themes = set(split_list(s.themes_reviewed))
        segments.append({
            "segment_id": s.segment_id, "section": SECTION_LABELS.get(s.section, s.section),
            "lines": line_span(s.start_line, s.end_line), "author": s.author, "parties": s.parties.replace("|", ", "),
            "stance_id": s.stance or UNCLASSIFIED, "stance": STANCE_LABELS.get(s.stance or UNCLASSIFIED, s.stance),
            "probability": _decimal(number_or_none(s.stance_probability)) if s.stance else "",
            "stance_reviewed": bool(s.stance_reviewed), "has_stance": bool(s.stance),
            "quote": stance_quote.sentence if stance_quote else "",
            "quote_line": line_span(stance_quote.line, stance_quote.end_line) if stance_quote else "",
            "themes": [{"id": t, "label": label, "on": t in split_list(s.themes),
                        "probability": _decimal(probabilities.get(t)), "reviewed": t in reviewed_themes,
                        "quote": evidence[t].sentence if t in evidence else ""}
                       for t, label in data.themes.items()
                       if t in split_list(s.themes) or t in reviewed_themes],
        })
    shown: set[int] = set()  # the answer's own lines: its segments (a summary may stand far from it)
    for s in own.itertuples(index=False):
        shown |= set(range(int(s.start_line), int(s.end_line) + 1))
    text = lines[(lines["doc"] == body.doc) & lines["line"].isin(shown)]
    source, previous = [], None
    for r in text.itertuples(index=False):
        source.append({"number": int(r.line), "text": r.source_text, "quoted": int(r.line) in quoted,
                       "gap": previous is not None and int(r.line) != previous + 1})
        previous = int(r.line)
    stance_id = body.stance or UNCLASSIFIED
    return {"body": body_row(body, data.themes) | {
                "answer_id": body.answer_id, "doc": body.doc, "role": body.role, "answered": bool(body.answered),
                "reviewed": bool(body.reviewed), "stance_id": stance_id, "lines": line_span(body.start_line, body.end_line),
                "key_segment": key_segment(data.segments, body)},
            "segments": segments, "source": source}


def _decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def read_lines(out: Path) -> pd.DataFrame:
    return read_parquet(out / "lines.parquet")


def record_correction(out: Path, segments: pd.DataFrame, segment_id: str, label: str, value: str) -> None:
    """Add (or update) one correction in the folder's corrections.csv; never drops an entry."""
    match = segments[segments["segment_id"] == segment_id]
    if match.empty:
        raise KeyError(segment_id)
    segment = match.iloc[0]
    if label != STANCE and not (label.startswith("theme:") and label.split(":", 1)[1] in
                               parse_probabilities(segment["theme_probabilities"])):
        raise ValueError(f"unknown label {label}")
    canonical = parse_correction(label, value)
    if label != STANCE and canonical not in (YES, NO):
        raise ValueError(value)
    entry = pd.DataFrame([{"doc": segment["doc"], "start_line": str(int(segment["start_line"])),
                           "end_line": str(int(segment["end_line"])), "body": segment["body"], "label": label,
                           "value": canonical, "comment": ""}], columns=COLUMNS)
    write_csv(out / CORRECTIONS, merge(corrections_of(out), entry))

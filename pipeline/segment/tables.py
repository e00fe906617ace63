"""Turn a genre's result into the three tables every genre shares: segments, bodies, statement links."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline import schemas
from pipeline.labels import OFFICIAL_SECTIONS, STATEMENT_SECTIONS
from pipeline.segment.model import Answer, GenreResult
from pipeline.segment.text import Boundary, DocumentLines
from pipeline.textutil import fold, join_lines, match_key



def slug(doc: str) -> str:
    stem = Path(doc).stem
    return re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-") or "doc"


def answer_ids(lines: DocumentLines, result: GenreResult) -> dict[str, str]:
    """Stable ids of the document's answers: '<doc slug>:a01', in the order the genre found them."""
    return {answer.key: f"{slug(lines.doc)}:a{number:02d}" for number, answer in enumerate(result.answers, start=1)}


def _merge_heading_only(lines: DocumentLines, boundaries: list[Boundary]) -> list[Boundary]:
    """Join a lone heading to the segment after it when both are the same body's same kind of text.

    'Stadsledningskontoret' + 'Stadsledningskontorets tjänsteutlåtande …' is one text, not two.
    """
    kept: list[Boundary] = []
    for boundary in boundaries:
        if kept:
            last = kept[-1]
            same = (last.body, last.section, last.author, last.forwarded_by, last.answer) == (
                boundary.body, boundary.section, boundary.author, boundary.forwarded_by, boundary.answer)
            content = [i for i in range(last.index, boundary.index) if lines.content(i)]
            if same and len(content) <= 1:
                continue
        kept.append(boundary)
    return kept


def build_segments(lines: DocumentLines, result: GenreResult, ids: dict[str, str]) -> pd.DataFrame:
    """Boundaries to segments: spans end at the last non-blank line before the next boundary."""
    boundaries = sorted({b.index: b for b in result.boundaries}.values(), key=lambda b: b.index)
    boundaries = _merge_heading_only(lines, boundaries)
    organisations = {a.key: a.organisation for a in result.answers}
    rows = []
    stops = [b.index for b in boundaries[1:]] + [len(lines.texts)]
    prefix = slug(lines.doc)
    for boundary, stop in zip(boundaries, stops, strict=True):
        nonblank = [i for i in range(boundary.index, stop) if lines.kinds[i] != "blank"]
        if not nonblank:
            continue
        content = [lines.texts[i] for i in nonblank if lines.kinds[i] == "text"]
        rows.append(
            {
                "doc": lines.doc,
                "segment_id": f"{prefix}:{len(rows) + 1:04d}",
                "answer_id": ids.get(boundary.answer, ""),
                "item": boundary.item,
                "organisation": organisations.get(boundary.answer, result.organisation),
                "body": boundary.body.name,
                "body_type": boundary.body.type,
                "forwarded_by": boundary.forwarded_by,
                "section": boundary.section,
                "author": boundary.author,
                "parties": boundary.parties,
                "start_line": lines.numbers[nonblank[0]],
                "end_line": lines.numbers[nonblank[-1]],
                "text": join_lines(content),
            }
        )
    return pd.DataFrame(rows, columns=schemas.SEGMENT_COLUMNS)


def build_bodies(lines: DocumentLines, result: GenreResult, segments: pd.DataFrame, ids: dict[str, str]) -> pd.DataFrame:
    """One row per answer (or consulted body that did not answer), in the order the genre found them."""
    rows = [_body_row(lines, result, answer, ids[answer.key], segments) for answer in result.answers]
    frame = pd.DataFrame(rows, columns=schemas.BODY_COLUMNS)
    for column in ("start_line", "end_line", "answer_line"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _body_row(lines: DocumentLines, result: GenreResult, answer: Answer, answer_id: str,
              segments: pd.DataFrame) -> dict[str, object]:
    own = segments[segments["answer_id"] == answer_id]
    texts = own[own["section"].isin(OFFICIAL_SECTIONS)]
    note = answer.note
    if answer.answered is not None:
        answered = answer.answered
    elif not texts.empty:
        answered, note = True, ""
    elif answer.answer_line is not None:
        answered = True
    else:
        answered, note = False, "inget svar hittades i dokumentet"
    quoted = answer.answer_line is not None and texts.empty
    return {
        "doc": lines.doc,
        "answer_id": answer_id,
        "genre": result.genre,
        "item": answer.item,
        "matter": answer.matter,
        "remitted_by": answer.remitted_by,
        "organisation": answer.organisation,
        "body": answer.body.name,
        "body_type": answer.body.type,
        "in_registry": answer.body.known,
        "role": answer.role,
        "forwarded_by": answer.forwarded_by,
        "answered": answered,
        "reported_stance": answer.reported_stance,
        "segments": len(own),
        "start_line": int(texts["start_line"].min()) if not texts.empty else None,
        "end_line": int(texts["end_line"].max()) if not texts.empty else None,
        "answer_line": lines.numbers[answer.answer_line] if quoted else None,
        "note": note,
    }


def _author_key(author: str) -> str:
    return match_key(re.sub(r"m\.\s?fl\.?", "", author))


def build_links(lines: DocumentLines, result: GenreResult, segments: pd.DataFrame) -> pd.DataFrame:
    """Pair each '…, bilaga 1' reference with its statement text; report the unpaired."""
    references = result.references
    appendix_statements = segments[
        segments["section"].isin(STATEMENT_SECTIONS)
        & (segments["start_line"] > max((lines.numbers[r.index] for r in references), default=0))
    ]
    available = {row.segment_id: row for row in appendix_statements.itertuples()}
    used: set[str] = set()
    rows = []
    for ref in references:
        candidates = [row for row in available.values()
                      if row.body == ref.body.name and row.section == ref.kind and row.segment_id not in used]
        exact = [row for row in candidates if _author_key(row.author) == _author_key(ref.author)]
        by_party = [row for row in candidates if row.parties == ref.parties and ref.parties]
        match = (exact or by_party or [None])[0]
        if match is not None:
            used.add(match.segment_id)
        rows.append({
            "doc": lines.doc, "body": ref.body.name, "kind": ref.kind, "author": ref.author, "parties": ref.parties,
            "reference_line": lines.numbers[ref.index],
            "statement_segment_id": match.segment_id if match is not None else "",
            "statement_line": match.start_line if match is not None else None,
            "status": "linked" if match is not None else "missing_text",
        })
    if references:
        for row in available.values():
            if row.segment_id not in used:
                rows.append({
                    "doc": lines.doc, "body": row.body, "kind": row.section, "author": row.author,
                    "parties": row.parties, "reference_line": None, "statement_segment_id": row.segment_id,
                    "statement_line": row.start_line, "status": "unreferenced_text",
                })
    frame = pd.DataFrame(rows, columns=schemas.LINK_COLUMNS)
    for column in ("reference_line", "statement_line"):
        frame[column] = frame[column].astype("Int64")
    return frame

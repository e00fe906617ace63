"""What export reads: the classify tables (validated), the remissinstanser counted once,
and the helpers that turn cells into what people read. The JSON columns (evidence, probabilities,
party stances) are parsed by `pipeline.schemas`, which validated them on the way in.

Who is counted
--------------
The aggregated tables, the plots and the report count *remissinstanser*: answers with role
consulted, forwarded, unlisted, sender or reported (a stance a bill reports). A body that answers
the same remiss in several input documents (the compiled utlåtande and the body's own protocol) is
counted once, by organisation, body and remiss (`remiss_key`); the row kept is the answered one,
then by role, then by document name. Bodies of different organisations never merge. The
workbook's *Översikt* and *Partier* sheets keep every document's row (column *Dokument*).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import schemas
from pipeline.config import Params
from pipeline.io import read_parquet
from pipeline.labels import STATEMENT_SECTIONS
from pipeline.textutil import fold

# The roles that make a body a remissinstans, in the order one is preferred when a body answers twice.
COUNTED_ROLES = ("consulted", "forwarded", "unlisted", "sender", "reported")



@dataclass
class ExportData:
    bodies: pd.DataFrame  # every row of bodies.parquet, strings cleaned
    segments: pd.DataFrame
    themes: dict[str, str]  # theme id -> Swedish label, in params order
    counted: pd.DataFrame  # remissinstanser, one row per body and remiss (see module docstring)
    answering: pd.DataFrame  # counted rows that answered


# --------------------------------------------------------------------------------------------
# Cell values: lists, numbers, line spans
# --------------------------------------------------------------------------------------------


def split_list(value: str) -> list[str]:
    """A `a|b|c` cell (themes, parties) as its non-empty parts."""
    return [part for part in str(value).split("|") if part]


def number_or_none(value: Any) -> float | None:
    """A number rounded to 4 decimals, None for anything missing or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else round(number, 4)


def theme_labels(value: str, themes: dict[str, str]) -> str:
    """A themes cell as its Swedish labels, comma separated."""
    return ", ".join(themes.get(t, t) for t in split_list(value))


def line_span(start: Any, end: Any) -> str:
    """Lines as people cite them: "12", or "12–14"; "" when the start is unknown."""
    start, end = number_or_none(start), number_or_none(end)
    if start is None:
        return ""
    if end is None or int(end) == int(start):
        return str(int(start))
    return f"{int(start)}–{int(end)}"


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def theme_catalog(params: Params, *frames: pd.DataFrame) -> dict[str, str]:
    """Theme ids -> labels: params order first, then any id the data uses that params lacks."""
    themes = {t.id: t.label for t in params.themes}
    extra = sorted({t for frame in frames for value in frame["themes"] for t in split_list(value)} - set(themes))
    return {**themes, **{t: t for t in extra}}


def _role_rank(role: str) -> int:
    return COUNTED_ROLES.index(role) if role in COUNTED_ROLES else len(COUNTED_ROLES)


def remiss_key(matter: str) -> str:
    """What identifies the remiss an answer is to: its SOU/Ds/prop number, else the first words of its
    title after 'Svar på X:s remiss av betänkandet' (so a protocol and a compiled utlåtande agree)."""
    reference = re.search(r"\b(sou|ds|prop\.?)\s?(\d{4}(?:/\d{2})?:\d+)", matter, re.IGNORECASE)
    if reference:
        return f"{reference.group(1).lower().rstrip('.')} {reference.group(2)}"
    words = re.findall(r"\w+", fold(matter))
    text = " ".join(words)
    text = re.sub(r"^(?:svar pa|yttrande over|remissvar (?:pa|over)|remiss)\s+(?:\w+\s+){0,6}?remiss(?:en)?\s+"
                  r"(?:over|av|om|gallande|angaende)?\s*(?:promemorian|betankandet|slutbetankandet|forslag till)?\s*",
                  "", text)
    return " ".join(text.split()[:6])


def counted_bodies(bodies: pd.DataFrame) -> pd.DataFrame:
    """Remissinstanser, one row per body of an organisation and remiss, in the order the bodies table
    lists them (Kungsbacka's Kommunstyrelsen is not Stockholm's; one body's answers to two remisser
    are two rows)."""
    counted = bodies[bodies["role"].isin(COUNTED_ROLES)].copy()
    counted["_order"] = range(len(counted))
    counted["_unanswered"] = ~counted["answered"].astype(bool)
    counted["_role"] = counted["role"].map(_role_rank)
    counted["_key"] = [f"{fold(o)}|{fold(b)}|{remiss_key(m)}"
                       for o, b, m in zip(counted["organisation"], counted["body"], counted["matter"], strict=True)]
    keep = counted.sort_values(["_key", "_unanswered", "_role", "doc"], kind="stable").drop_duplicates("_key")
    return keep.sort_values("_order").drop(columns=["_order", "_unanswered", "_role", "_key"]).reset_index(drop=True)


def load_exports(exports_dir: Path, params: Params) -> ExportData:
    """The classify tables in `exports_dir`, validated against their schemas: from here on every
    column is there, every stance known and every JSON cell well formed."""
    bodies = schemas.validate_classified_bodies(read_parquet(exports_dir / "bodies.parquet"))
    segments = schemas.validate_classified_segments(read_parquet(exports_dir / "segments.parquet"))
    counted = counted_bodies(bodies)
    answering = counted[counted["answered"]].reset_index(drop=True)
    return ExportData(bodies, segments, theme_catalog(params, bodies, segments), counted, answering)


def resolved_statements(data: ExportData) -> pd.DataFrame:
    """Statement segments with the stance classify resolved for them (a statement that only joins
    another party's statement takes that statement's stance; see classify.statement_stances)."""
    statements = data.segments[data.segments["section"].isin(STATEMENT_SECTIONS)].copy()
    resolved = []
    lookup = {b.answer_id: schemas.parse_party_stances(b.party_statements) for b in data.bodies.itertuples(index=False)}
    keys_seen: dict[str, set[str]] = {}
    for segment in statements.itertuples(index=False):
        seen = keys_seen.setdefault(segment.answer_id, set())
        key = segment.parties or segment.author or segment.segment_id
        while key in seen:
            key += "*"
        seen.add(key)
        resolved.append(lookup.get(segment.answer_id, {}).get(key, segment.stance) or segment.stance)
    statements["resolved_stance"] = resolved
    return statements.reset_index(drop=True)

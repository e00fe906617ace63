"""The tables that cross stage boundaries, as pandera schemas, and their column orders.

Each stage validates what it reads and what it writes, so a broken table fails at the boundary
with a clear message instead of three stages later.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.errors import RemissError

SECTION_KINDS = (
    "summary",
    "decision",
    "tjansteutlatande",
    "party_statement",
    "reservation",
    "ersattaryttrande",
    "other",
)
# The registry's own types, then the kinds of organisation outside it (data/vocabulary/organisations.yaml).
BODY_TYPES = ("facknämnd", "stadsdelsnämnd", "bolag", "kommun", "region", "myndighet", "företag", "organisation", "other")
# reported: a stance a bill (or another summary) reports for the body, not the body's own text
BODY_ROLES = ("consulted", "forwarded", "unlisted", "sender", "reported")
GENRE_NAMES = ("compiled", "protocol", "bundle", "letter", "bill")
STANCES = ("positive", "positive_with_reservations", "negative", "no_opinion")
# metadata: a provenance header ("# source: …" up to "# =====BEGIN DOCUMENT=====") that is not the document
LINE_KINDS = ("text", "blank", "page_number", "running_header", "metadata")
LINK_STATUSES = ("linked", "missing_text", "unreferenced_text")

LINE_COLUMNS = ["doc", "line", "page", "source_text", "text", "kind", "ocr_repaired"]
DOCUMENT_COLUMNS = ["doc", "path", "format", "encoding", "lines", "ocr_repaired_tokens", "status", "message"]
SEGMENT_COLUMNS = [
    "doc",
    "segment_id",
    "answer_id",
    "item",
    "organisation",
    "body",
    "body_type",
    "forwarded_by",
    "section",
    "author",
    "parties",
    "start_line",
    "end_line",
    "text",
]
BODY_COLUMNS = [
    "doc",
    "answer_id",
    "genre",
    "item",
    "matter",
    "remitted_by",
    "organisation",
    "body",
    "body_type",
    "in_registry",
    "role",
    "forwarded_by",
    "answered",
    "reported_stance",
    "segments",
    "start_line",
    "end_line",
    "answer_line",
    "note",
]
GENRE_COLUMNS = ["doc", "genre", "genre_cue", "organisation", "answers", "not_answered", "notes"]
LINK_COLUMNS = [
    "doc",
    "body",
    "kind",
    "author",
    "parties",
    "reference_line",
    "statement_segment_id",
    "statement_line",
    "status",
]


class SchemaError(RemissError):
    """A table broke its contract: a bug, or a hand-edited intermediate file."""

    exit_code = 11


def _str(nullable: bool = False, **kwargs) -> pa.Column:
    return pa.Column(str, nullable=nullable, **kwargs)


LINES = pa.DataFrameSchema(
    {
        "doc": _str(),
        "line": pa.Column(int, pa.Check.ge(1)),
        "page": pa.Column("Int64", nullable=True),
        "source_text": _str(),
        "text": _str(),
        "kind": _str(checks=pa.Check.isin(LINE_KINDS)),
        "ocr_repaired": pa.Column(bool),
    },
    unique=["doc", "line"],
    strict=True,
    ordered=True,
)

SEGMENTS = pa.DataFrameSchema(
    {
        "doc": _str(),
        "segment_id": _str(unique=True),
        "answer_id": _str(),
        "item": _str(),
        "organisation": _str(),
        "body": _str(),
        "body_type": _str(checks=pa.Check.isin(BODY_TYPES)),
        "forwarded_by": _str(),
        "section": _str(checks=pa.Check.isin(SECTION_KINDS)),
        "author": _str(),
        "parties": _str(),
        "start_line": pa.Column(int, pa.Check.ge(1)),
        "end_line": pa.Column(int, pa.Check.ge(1)),
        "text": _str(),
    },
    checks=pa.Check(lambda df: df["end_line"] >= df["start_line"], error="end_line before start_line"),
    strict=True,
    ordered=True,
)

BODIES = pa.DataFrameSchema(
    {
        "doc": _str(),
        "answer_id": _str(unique=True),
        "genre": _str(checks=pa.Check.isin(GENRE_NAMES)),
        "item": _str(),
        "matter": _str(),
        "remitted_by": _str(),
        "organisation": _str(),
        "body": _str(),
        "body_type": _str(checks=pa.Check.isin(BODY_TYPES)),
        "in_registry": pa.Column(bool),
        "role": _str(checks=pa.Check.isin(BODY_ROLES)),
        "forwarded_by": _str(),
        "answered": pa.Column(bool),
        "reported_stance": _str(checks=pa.Check.isin(["", *STANCES])),
        "segments": pa.Column(int, pa.Check.ge(0)),
        "start_line": pa.Column("Int64", nullable=True),
        "end_line": pa.Column("Int64", nullable=True),
        "answer_line": pa.Column("Int64", nullable=True),
        "note": _str(),
    },
    strict=True,
    ordered=True,
)

GENRES = pa.DataFrameSchema(
    {
        "doc": _str(unique=True),
        "genre": _str(checks=pa.Check.isin(GENRE_NAMES)),
        "genre_cue": _str(),
        "organisation": _str(),
        "answers": pa.Column(int, pa.Check.ge(0)),
        "not_answered": pa.Column(int, pa.Check.ge(0)),
        "notes": _str(),
    },
    strict=True,
    ordered=True,
)

LINKS = pa.DataFrameSchema(
    {
        "doc": _str(),
        "body": _str(),
        "kind": _str(checks=pa.Check.isin(SECTION_KINDS)),
        "author": _str(),
        "parties": _str(),
        "reference_line": pa.Column("Int64", nullable=True),
        "statement_segment_id": _str(),
        "statement_line": pa.Column("Int64", nullable=True),
        "status": _str(checks=pa.Check.isin(LINK_STATUSES)),
    },
    strict=True,
    ordered=True,
)


def empty(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A table with no rows but the schema's columns and dtypes (for a run that found nothing)."""
    return pd.DataFrame({name: pd.Series(dtype=str(column.dtype)) for name, column in schema.columns.items()})


def _validate(schema: pa.DataFrameSchema, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    try:
        return schema.validate(frame)
    except (pa.errors.SchemaError, pa.errors.SchemaErrors) as error:
        first = str(error).strip().splitlines()[0]
        raise SchemaError(f"{name} table is invalid: {first}") from None


def validate_lines(frame: pd.DataFrame) -> pd.DataFrame:
    return _validate(LINES, frame, "lines")


def validate_segments(frame: pd.DataFrame) -> pd.DataFrame:
    return _validate(SEGMENTS, frame, "segments")


def validate_bodies(frame: pd.DataFrame) -> pd.DataFrame:
    return _validate(BODIES, frame, "bodies")


def validate_genres(frame: pd.DataFrame) -> pd.DataFrame:
    return _validate(GENRES, frame, "genres")


def validate_links(frame: pd.DataFrame) -> pd.DataFrame:
    return _validate(LINKS, frame, "links")

"""The tables that cross stage boundaries, as pandera schemas, and their column orders.

Each stage validates what it reads and what it writes, so a broken table fails at the boundary
with a clear message instead of three stages later.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Literal

import pandas as pd
import pandera.pandas as pa
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from pipeline.errors import RemissError
from pipeline.labels import BODY_ROLES, BODY_TYPES, GENRE_NAMES, LINE_KINDS, SECTION_KINDS, STANCES

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


def _stance_column() -> pa.Column:
    return _str(checks=pa.Check.isin(["", *STANCES]))


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
        "reported_stance": _stance_column(),
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


# ---- what classify writes: labels, probabilities and the evidence behind them ------------------


class Evidence(BaseModel):
    """The verbatim sentence behind a label, where it stands, and how sure the model is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sentence: str
    line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    probability: float = Field(ge=0, le=1)


EVIDENCE = TypeAdapter(dict[str, Evidence])  # label ("stance" or a theme id) -> its evidence
PROBABILITIES = TypeAdapter(dict[str, float])  # theme id -> probability
PARTY_STANCES = TypeAdapter(dict[str, str])  # party letters ("S|V") -> the stance of their statement


class StancePart(BaseModel):
    """A position an answer takes on one part of the proposal ("avstyrker förslaget om …")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    part: str
    stance: Literal["positive", "positive_with_reservations", "negative", "no_opinion"]
    sentence: str
    line: int = Field(ge=1)


STANCE_PARTS = TypeAdapter(list[StancePart])


def parse_stance_parts(value: str) -> list[StancePart]:
    """The bodies' `stance_parts` column."""
    return STANCE_PARTS.validate_json(value) if value else []


def parse_evidence(value: str) -> dict[str, Evidence]:
    """The `evidence` column of a classified table, as typed values ("" for none)."""
    return EVIDENCE.validate_json(value) if value else {}


def parse_probabilities(value: str) -> dict[str, float]:
    """The `theme_probabilities` column: theme id -> probability."""
    return PROBABILITIES.validate_json(value) if value else {}


def parse_party_stances(value: str) -> dict[str, str]:
    """The bodies' `party_statements` column: party letters -> stance."""
    return PARTY_STANCES.validate_json(value) if value else {}


def canonical_json(data: object) -> str:
    """JSON for a table cell: sorted keys, no spaces, so the same labels give the same bytes."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def evidence_json(evidence: dict[str, Evidence]) -> str:
    return canonical_json({label: item.model_dump() for label, item in evidence.items()})


def _each_json(adapter: TypeAdapter, name: str) -> pa.Check:
    def valid(value: str) -> bool:
        if value == "":
            return True
        try:
            adapter.validate_json(value)
        except ValidationError:
            return False
        return True

    return pa.Check(valid, element_wise=True, error=f"{name} is not valid JSON of its kind")


_THEME_COLUMNS = {
    "themes": _str(),  # assigned theme ids, "|"-separated
    "theme_probabilities": _str(checks=_each_json(PROBABILITIES, "theme_probabilities")),
}
_LABEL_COLUMNS = {  # a classified segment's or body's labels, in this order
    "stance": _stance_column(),
    "stance_probability": pa.Column(float, pa.Check.in_range(0, 1), nullable=True),
    **_THEME_COLUMNS,
    "evidence": _str(checks=_each_json(EVIDENCE, "evidence")),
}
SENTENCES = pa.DataFrameSchema(
    {
        "doc": _str(),
        "segment_id": _str(),
        "sentence_id": _str(unique=True),
        "body": _str(),
        "section": _str(checks=pa.Check.isin(SECTION_KINDS)),
        "start_line": pa.Column(int, pa.Check.ge(1)),
        "end_line": pa.Column(int, pa.Check.ge(1)),
        "text": _str(),
    },
    strict=True,
    ordered=True,
)
CLASSIFIED_SENTENCES = SENTENCES.add_columns(_THEME_COLUMNS)
CLASSIFIED_SEGMENTS = SEGMENTS.add_columns(
    {
        **_LABEL_COLUMNS,
        "stance_reviewed": pa.Column(bool),
        "themes_reviewed": _str(),  # the themes a reviewer set, "|"-separated
        "statement_group": _str(),  # "U1", … for statements repeated nearly word for word
        "statement_copies": pa.Column(int, pa.Check.ge(1)),
    }
)
CLASSIFIED_BODIES = BODIES.add_columns(
    {
        **_LABEL_COLUMNS,
        "stance_parts": _str(checks=_each_json(STANCE_PARTS, "stance_parts")),
        "party_statements": _str(checks=_each_json(PARTY_STANCES, "party_statements")),
        "reviewed": pa.Column(bool),
        "summary": _str(),
    }
)


def empty(schema: pa.DataFrameSchema) -> pd.DataFrame:
    """A table with no rows but the schema's columns and dtypes (for a run that found nothing)."""
    return pd.DataFrame({name: pd.Series(dtype=str(column.dtype)) for name, column in schema.columns.items()})


def _validate(schema: pa.DataFrameSchema, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    try:
        return schema.validate(frame)
    except pa.errors.SchemaErrors as errors:  # several problems: name the first
        first = str(errors.schema_errors[0]) if errors.schema_errors else str(errors)
    except pa.errors.SchemaError as error:
        first = str(error)
    raise SchemaError(f"{name} table is invalid: {first.strip().splitlines()[0]}")


def _validator(schema: pa.DataFrameSchema, name: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def validate(frame: pd.DataFrame) -> pd.DataFrame:
        return _validate(schema, frame, name)

    validate.__doc__ = f"The {name} table as it is, or a one-line SchemaError saying what is wrong."
    return validate


validate_lines = _validator(LINES, "lines")
validate_segments = _validator(SEGMENTS, "segments")
validate_bodies = _validator(BODIES, "bodies")
validate_genres = _validator(GENRES, "genres")
validate_links = _validator(LINKS, "links")
validate_sentences = _validator(SENTENCES, "sentences")
validate_classified_sentences = _validator(CLASSIFIED_SENTENCES, "classified sentences")
validate_classified_segments = _validator(CLASSIFIED_SEGMENTS, "classified segments")
validate_classified_bodies = _validator(CLASSIFIED_BODIES, "classified bodies")

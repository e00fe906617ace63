"""The genre vocabulary (data/vocabulary/*.yaml), loaded once and compiled into regexes.

Cue phrases live in data files so that a user can teach the segmenter a new heading or a new
decision formula without touching code; this module only checks and compiles them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError

VOCABULARY_DIR = Path(__file__).resolve().parents[2] / "data" / "vocabulary"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BillCues(_Strict):
    paragraph_start: str
    paragraph_end: str
    summary_appendix: str
    not_bodies: list[str]
    title_cues: list[str]


class CompiledCues(_Strict):
    heading: str
    requires_any: list[str]


class ProtocolCues(_Strict):
    header: str
    item: str
    item_rest: str


class BundleCues(_Strict):
    answer_headings: list[str]
    working_paper_headings: list[str]
    title: str


class Genres(_Strict):
    bill: BillCues
    compiled: CompiledCues
    protocol: ProtocolCues
    bundle: BundleCues


class RemissItemCues(_Strict):
    answer_cues: list[str]
    not_cues: list[str]
    declined: str


class SenderCues(_Strict):
    addressee: str
    not_sender: str
    postal_code: str
    signed_for: str
    sender_line: str
    document_words: list[str]


class ReportedStanceCues(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    negative: list[str]
    positive_with_reservations: list[str]
    positive: list[str]
    no_opinion: list[str]
    except_: str = Field(alias="except")
    answered_list: str
    declined_list: str


class GenreFile(_Strict):
    genres: Genres
    remiss_item: RemissItemCues
    sender: SenderCues
    reported_stance: ReportedStanceCues


class OrganisationKind(_Strict):
    type: Literal["kommun", "region", "myndighet", "företag", "organisation", "other"]  # reported as body_type
    patterns: list[str]


class OrganisationFile(_Strict):
    organisations: list[OrganisationKind]
    bodies: list[str]
    known_names: list[str] = []
    not_names: list[str] = []


def _load(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"vocabulary file not found: {path}") from None
    except (yaml.YAMLError, ValidationError) as error:
        raise ConfigError(f"vocabulary file {path} is invalid: {str(error).splitlines()[0]}") from None


def any_of(patterns: list[str]) -> re.Pattern[str]:
    """One regex that matches when any of the patterns does."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else re.compile(r"(?!x)x")


@cache
def genre_vocabulary(directory: Path = VOCABULARY_DIR) -> GenreFile:
    vocabulary = _load(directory / "genres.yaml", GenreFile)
    _check_patterns(vocabulary.model_dump(), directory / "genres.yaml")
    return vocabulary


@cache
def organisation_vocabulary(directory: Path = VOCABULARY_DIR) -> OrganisationFile:
    vocabulary = _load(directory / "organisations.yaml", OrganisationFile)
    _check_patterns(vocabulary.model_dump(), directory / "organisations.yaml")
    return vocabulary


def _check_patterns(value: object, path: Path) -> None:
    """Every string in a vocabulary file must compile: a bad pattern is a one-line error."""
    if isinstance(value, dict):
        for item in value.values():
            _check_patterns(item, path)
    elif isinstance(value, list):
        for item in value:
            _check_patterns(item, path)
    elif isinstance(value, str):
        try:
            re.compile(value)
        except re.error as error:
            raise ConfigError(f"vocabulary file {path}: bad pattern {value!r}: {error}") from None

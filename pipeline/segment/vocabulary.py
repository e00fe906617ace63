"""The genre vocabulary (data/vocabulary/*.yaml), loaded once and compiled into regexes.

Cue phrases live in data files so that a user can teach the segmenter a new heading or a new
decision formula without touching code; this module only checks and compiles them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.vocabulary_files import VOCABULARY_DIR, any_of, check_patterns, load_vocabulary

__all__ = ["VOCABULARY_DIR", "any_of", "genre_vocabulary", "organisation_vocabulary"]


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
    subject_verb: str
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


@cache
def genre_vocabulary(directory: Path = VOCABULARY_DIR) -> GenreFile:
    vocabulary = load_vocabulary(directory / "genres.yaml", GenreFile)
    check_patterns(vocabulary.model_dump(), directory / "genres.yaml")
    return vocabulary


@cache
def organisation_vocabulary(directory: Path = VOCABULARY_DIR) -> OrganisationFile:
    vocabulary = load_vocabulary(directory / "organisations.yaml", OrganisationFile)
    check_patterns(vocabulary.model_dump(), directory / "organisations.yaml")
    return vocabulary

"""Swedish remiss cue phrases: the words with which a body says yes, yes-but, no or nothing.

No embedding model separates "tillstyrker" from "avstyrker", so stance models get these counts as
features, and the cue-only baseline in `evaluate` shows how far the phrases alone go. The phrases
live in data/vocabulary/stance.yaml; they are matched on folded text (lower case, å/ä/ö -> a/a/o),
so OCR'd text that lost its diacritics matches too.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from pipeline.textutil import fold
from pipeline.vocabulary_files import VOCABULARY_DIR, check_patterns, load_vocabulary


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StanceGroups(_Strict):
    positive: list[str]
    reservation: list[str]
    negative: list[str]
    no_opinion: list[str]


class Positions(_Strict):
    negative: list[str]
    reservation: list[str]
    objection: list[str]
    positive: list[str]
    no_opinion: list[str]


class StanceVocabulary(_Strict):
    cues: StanceGroups
    negation: str
    positions: Positions
    part_object: str
    conclusion_markers: list[str]


@cache
def stance_vocabulary(directory: Path = VOCABULARY_DIR) -> StanceVocabulary:
    vocabulary = load_vocabulary(directory / "stance.yaml", StanceVocabulary)
    check_patterns(vocabulary.model_dump(), directory / "stance.yaml")
    return vocabulary


def word_start_pattern(patterns: list[str]) -> re.Pattern[str]:
    """One regex matching any of `patterns` at a word start."""
    return re.compile(r"\b(?:" + "|".join(patterns) + r")")


CUE_FEATURES = ("positive", "reservation", "negative", "no_opinion", "negated_positive")


@cache
def _cue_patterns() -> tuple[dict[str, re.Pattern[str]], re.Pattern[str]]:
    vocabulary = stance_vocabulary()
    groups = {name: word_start_pattern(patterns) for name, patterns in vocabulary.cues.model_dump().items()}
    negated = re.compile(r"\b" + vocabulary.negation + r"(?:" + "|".join(vocabulary.cues.positive) + r")")
    return groups, negated


def cue_counts(text: str) -> dict[str, int]:
    """How often each cue group occurs in `text` (a negated positive counts as such, not positive)."""
    groups, negated_positive = _cue_patterns()
    folded = fold(text)
    counts = {name: len(pattern.findall(folded)) for name, pattern in groups.items()}
    negated = len(negated_positive.findall(folded))
    counts["negated_positive"] = negated
    counts["positive"] = max(0, counts["positive"] - negated)
    return counts


def cue_matrix(texts: list[str]) -> np.ndarray:
    """Cue counts as features, squashed with log1p so long texts do not dominate."""
    rows = [[cue_counts(text)[name] for name in CUE_FEATURES] for text in texts]
    return np.log1p(np.array(rows, dtype=np.float32).reshape(len(texts), len(CUE_FEATURES)))


def cue_stance(text: str) -> str:
    """The cue-only baseline: read the stance off the cue phrases and nothing else."""
    counts = cue_counts(text)
    negative = counts["negative"] + counts["negated_positive"]
    if negative > counts["positive"]:
        return "negative"
    if counts["positive"]:
        return "positive_with_reservations" if counts["reservation"] else "positive"
    if counts["reservation"] and not counts["no_opinion"]:
        return "positive_with_reservations"
    return "no_opinion"

"""Stance from the decisive statement: the sentence in which a body says where it stands.

Remiss answers often open in a friendly tone and conclude against the proposal ("Kommunen ser
positivt på att … Kommunen avstyrker dock förslaget"), or welcome a proposal and then reject one
part of it. A model that weighs every sentence alike reads such an answer as positive; staff read
the conclusion. So the sentences that state a position in so many words (data/vocabulary/stance.yaml)
are found, a statement in a conclusion weighs double, statements about a part of the proposal are
kept as parts, and the overall stance follows from them by the rule in `decide`. The model's
probabilities still decide where no sentence states a position, and they are blended with the
decision where one does (`blend`), so a long answer's clear reservations are not lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from pipeline.cues import stance_vocabulary, word_start_pattern
from pipeline.labels import STANCES
from pipeline.textutil import fold

CONCLUSION_WEIGHT = 2.0  # a statement in a conclusion outweighs one in the opening
CLOSING_WEIGHT = 1.5  # a statement in the last third of the answer
CONCLUSION_REACH = 2  # sentences after a conclusion marker ("Sammanfattande inställning") that it covers
PART_WORDS = 8  # words kept to name the part a statement is about


@dataclass(frozen=True)
class Statement:
    """A sentence that states a position: its index among the sentences given, the position, how
    much it weighs, and the part of the proposal it is about ('' for the proposal as a whole)."""

    index: int
    stance: str
    weight: float
    part: str = ""
    objection: bool = False  # a criticism or demand (a reservation that is not also a yes)


@dataclass(frozen=True)
class Decision:
    stance: str
    evidence: int  # index of the decisive sentence
    parts: tuple[tuple[str, str, int], ...] = ()  # (part, stance, sentence index)


@cache
def _patterns() -> tuple[dict[str, re.Pattern[str]], re.Pattern[str], re.Pattern[str]]:
    vocabulary = stance_vocabulary()
    positions = {stance: word_start_pattern(patterns) for stance, patterns in _position_groups(vocabulary).items()}
    return positions, re.compile(vocabulary.part_object), word_start_pattern(vocabulary.conclusion_markers)


def _position_groups(vocabulary) -> dict[str, list[str]]:
    """The vocabulary's position groups, in the order they are tried (keys: a stance label, or
    "objection")."""
    groups = vocabulary.positions
    return {"negative": groups.negative, "positive_with_reservations": groups.reservation,
            "objection": groups.objection, "positive": groups.positive, "no_opinion": groups.no_opinion}


def statement_of(text: str) -> tuple[str, str] | None:
    """(stance, part) when the sentence states a position, else None (an objection's stance is
    positive_with_reservations)."""
    found = _statement(fold(text))
    return (found[0], found[1]) if found else None


@lru_cache(maxsize=100_000)
def _statement(folded: str) -> tuple[str, str, bool] | None:
    """(stance, part, whether it is an objection) of the first position group that matches the
    folded sentence. Remembered: a sentence is read for its segment and again for its body."""
    positions, part_object, _ = _patterns()
    for group, pattern in positions.items():
        match = pattern.search(folded)
        if match is None:
            continue
        stance = "positive_with_reservations" if group == "objection" else group
        rest = folded[match.end():].lstrip(" ,")
        part = ""
        if stance != "no_opinion" and part_object.match(rest):
            part = " ".join(re.findall(r"[^\W\d_]+", rest)[:PART_WORDS])
        return stance, part, group == "objection"
    return None


def find_statements(texts: list[str]) -> list[Statement]:
    """The decisive statements among an answer's sentences (in reading order)."""
    _, _, conclusion = _patterns()
    statements: list[Statement] = []
    reach = -1
    closing = len(texts) - max(1, len(texts) // 3)
    for index, text in enumerate(texts):
        folded = fold(text)
        if conclusion.search(folded):
            reach = index + CONCLUSION_REACH
        found = _statement(folded)
        if found is None:
            continue
        weight = CONCLUSION_WEIGHT if index <= reach else CLOSING_WEIGHT if index >= closing and len(texts) > 2 else 1.0
        statements.append(Statement(index, found[0], weight, found[1], found[2]))
    return statements


def decide(statements: list[Statement]) -> Decision | None:
    """The overall stance from the statements, by this rule:

    - a no to the proposal as a whole that weighs at least as much as every yes → negative;
    - only noes (to parts, or to the whole), with or without objections → negative: every position
      the body states is against;
    - a no to a part, a no outweighed by yeses, a yes with a reservation, or objections (criticism,
      demands to change) without a no → positive with reservations;
    - yeses only → positive; only "inga synpunkter" → no opinion.
    The evidence is the heaviest statement of the decided stance (the first of equals: a summary
    states the position before the reasons repeat it)."""
    if not statements:
        return None
    weight = dict.fromkeys(("negative_whole", "negative_part", "objection", *STANCES), 0.0)
    for statement in statements:
        if statement.stance == "negative":
            weight["negative_part" if statement.part else "negative_whole"] += statement.weight
        else:
            weight["objection" if statement.objection else statement.stance] += statement.weight
    support = weight["positive"] + weight["positive_with_reservations"]
    against = weight["negative_whole"] + weight["negative_part"]
    if weight["negative_whole"] and weight["negative_whole"] >= support:
        stance = "negative"
    elif against and not support:
        stance = "negative"
    elif against or weight["positive_with_reservations"] or weight["objection"]:
        stance = "positive_with_reservations"
    elif weight["positive"]:
        stance = "positive"
    else:
        stance = "no_opinion"
    reserved = weight["positive_with_reservations"] or weight["objection"]
    evidence_stance = stance if stance != "positive_with_reservations" or reserved else "negative"
    candidates = [s for s in statements if s.stance == evidence_stance] or statements
    evidence = max(candidates, key=lambda s: (s.weight, -s.index)).index
    parts = tuple((s.part, s.stance, s.index) for s in statements if s.part)
    return Decision(stance, evidence, parts)


def blend(probabilities: np.ndarray, decision: Decision | None, weight: float) -> np.ndarray:
    """The model's stance probabilities (in the order of STANCES) moved towards the decision:
    (1 - weight) * model + weight * target. Without a decision the model's stand.

    A no, a reservation or "inga synpunkter" stated in so many words is the target itself. A plain
    yes is not: whether support comes with reservations is seldom said in the sentence that states
    it, but in the demands and objections around it, which the model reads. So a yes moves the
    probability towards support, split between positive and positive-with-reservations as the
    model splits it."""
    if decision is None or weight <= 0:
        return probabilities.astype(np.float32)
    target = np.zeros(len(STANCES), dtype=np.float64)
    positive, reservations = STANCES.index("positive"), STANCES.index("positive_with_reservations")
    support = float(probabilities[positive] + probabilities[reservations])
    if decision.stance == "positive" and support > 0:
        target[positive] = probabilities[positive] / support
        target[reservations] = probabilities[reservations] / support
    else:
        target[STANCES.index(decision.stance)] = 1.0
    return ((1 - weight) * probabilities + weight * target).astype(np.float32)

"""Swedish remiss cue phrases: the words with which a body says yes, yes-but, no or nothing.

No embedding model separates "tillstyrker" from "avstyrker", so stance models get these counts as
features, and the cue-only baseline in `evaluate` shows how far the phrases alone go. Terms are
matched on folded text (lower case, å/ä/ö -> a/a/o), so OCR'd text that lost its diacritics
matches too.
"""

from __future__ import annotations

import re

import numpy as np

from pipeline.textutil import fold


_POSITIVE = [
    r"tillstyrk\w*",
    r"stall\w* sig (?:i \w+ )?positiv\w*",
    r"(?:ar|var) (?:overlag |mycket |i huvudsak |i stort |i grunden )?positiv\w*",
    r"ser (?:\w+ ){0,2}positiv\w*",
    r"valkomna\w*",
    r"stall\w* sig bakom",
    r"stod(?:jer|er)",
    r"instammer",
    r"(?:ar|blir) (?:bra|viktig\w*|angelag\w*) att",
    r"gott stod",
    r"bifall\w*",
]
_RESERVATION = [
    r"i huvudsak",
    r"i stort",
    r"overlag",
    r"med forbehall",
    r"\bdock\b",
    r"\bmen\b",
    r"saknar|saknas",
    r"(?:bor|behover|skulle kunna|kan|maste) (?:\w+ )?(?:fortydligas|forstarkas|kompletteras|utvecklas|tydliggoras|ses over|lyftas)",
    r"hade med fordel",
    r"behov av",
    r"(?<!inga )synpunkter pa",
    r"vill (?:dock )?(?:lyfta|framhalla|poangtera|betona|understryka)",
    r"otydlig\w*|brist\w*",
    r"risk\w*",
]
_NEGATIVE = [
    r"avstyrk\w*",
    r"stall\w* sig inte (?:bakom|positiv\w*)",
    r"(?:tillstyrker|stodjer|valkomnar) inte",
    r"avsla\w*",
    r"stall\w* sig (?:mycket )?(?:negativ\w*|kritisk\w*)",
    r"(?:ar|var) (?:mycket )?negativ\w*",
    r"kan inte (?:stalla sig bakom|tillstyrka|stodja)",
    r"motsatt\w*|motsatter",
    r"avvisa\w*",
    r"reserv\w+ (?:oss|sig|mig) mot",
    r"(?:bristfallig\w*|otillracklig\w*)",
]
_NO_OPINION = [
    r"inga (?:synpunkter|invandningar|kommentarer)",
    r"avst(?:att|ar) fran att",
    r"lagg\w* till handlingarna",
    r"anmal\w* och lagg\w*",
    r"besvaras med|besvarades med|overlamna\w*|hanvisa\w* till|godkann\w*",
]
_NEGATION = r"(?:inte|ej|icke|aldrig)\s+(?:\w+\s+){0,2}"

CUE_GROUPS: dict[str, re.Pattern[str]] = {
    name: re.compile(r"\b(?:" + "|".join(patterns) + r")")
    for name, patterns in (
        ("positive", _POSITIVE),
        ("reservation", _RESERVATION),
        ("negative", _NEGATIVE),
        ("no_opinion", _NO_OPINION),
    )
}
_NEGATED_POSITIVE = re.compile(r"\b" + _NEGATION + r"(?:" + "|".join(_POSITIVE) + r")")
CUE_FEATURES = ("positive", "reservation", "negative", "no_opinion", "negated_positive")


def cue_counts(text: str) -> dict[str, int]:
    """How often each cue group occurs in `text` (a negated positive counts as such, not positive)."""
    folded = fold(text)
    counts = {name: len(pattern.findall(folded)) for name, pattern in CUE_GROUPS.items()}
    negated = len(_NEGATED_POSITIVE.findall(folded))
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

"""Draft summaries: one to three sentences per body in the style of an utlåtande's Beredning part
("Nämnden ställer sig positiv till … men anser att …").

Extractive, from the body's own answer only (its tjänsteutlåtande, else its decision), never from
the city's summary of it, which is what the summaries are measured against: the opening sentences
and, where needed, the first reservation, with the administration as subject rewritten to the body
("Förvaltningen ställer sig positiv" -> "Norrmalms stadsdelsnämnd ställer sig positiv"), as the
city's own summaries do.
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.cues import cue_counts

MAX_SENTENCES = 3
MAX_WORDS = 90
_SUBJECT = re.compile(
    r"^(?:Förvaltningen|Kontoret|Bolaget|Nämnden|Stadsdelsförvaltningen|Stadsdelsnämnden|Styrelsen"
    r"|[A-ZÅÄÖ][\w-]*(?:förvaltningen|förvaltningarna|kontoret|förvaltning))\b"
)
_INTRO = re.compile(r"(tjänsteutlåtande|yttrande|remissvar)\b.*\b(daterat|lydelse)", re.IGNORECASE)


def _subject_for(body: str, body_type: str, first: bool) -> str:
    if first:
        return body
    return {"bolag": "Bolaget", "facknämnd": "Nämnden", "stadsdelsnämnd": "Nämnden"}.get(body_type, body)


def rewrite_subject(sentence: str, body: str, body_type: str, first: bool) -> str:
    """'Förvaltningen anser …' -> 'Nämnden anser …' (the body's name in the first sentence)."""
    return _SUBJECT.sub(_subject_for(body, body_type, first), sentence, count=1)


def draft_summary(body: str, body_type: str, sentences: list[str], reservations: bool = False) -> str:
    """The answer's opening sentences (where administrations state their verdict, and what the
    city's own summaries paraphrase); when the answer has reservations the opening does not show,
    the third sentence is the first one that states a reservation ("… men anser att …")."""
    candidates = [s for s in sentences if len(s.split()) >= 5 and not _INTRO.search(s)]
    if not candidates:
        return ""
    chosen = list(range(min(MAX_SENTENCES - 1, len(candidates))))
    has_reservation = any(cue_counts(candidates[i])["reservation"] for i in chosen)
    later = range(len(chosen), len(candidates))
    if reservations and not has_reservation:
        extra = next((i for i in later if cue_counts(candidates[i])["reservation"]), None)
    else:
        extra = len(chosen) if len(chosen) < len(candidates) else None
    if extra is not None:
        chosen.append(extra)
    picked: list[str] = []
    words = 0
    for rank, index in enumerate(chosen):
        sentence = candidates[index]
        if picked and words + len(sentence.split()) > MAX_WORDS:
            break
        picked.append(rewrite_subject(sentence, body, body_type, first=rank == 0))
        words += len(sentence.split())
    return " ".join(picked)


def draft_summaries(bodies: pd.DataFrame, segments: pd.DataFrame, sentences: pd.DataFrame) -> list[str]:
    """One draft per body row (empty for bodies that did not answer)."""
    by_segment = sentences.groupby("segment_id", sort=False)["text"].apply(list).to_dict()
    drafts = []
    for body in bodies.itertuples(index=False):
        own = segments[segments["answer_id"] == body.answer_id]
        source = own[own["section"] == "tjansteutlatande"]
        if source.empty:
            source = own[own["section"] == "decision"]
        texts = [text for segment_id in source["segment_id"] for text in by_segment.get(segment_id, [])]
        reservations = getattr(body, "stance", "") == "positive_with_reservations"
        drafts.append(draft_summary(body.body, body.body_type, texts, reservations) if body.answered else "")
    return drafts


def lead_summary(sentences: list[str], body: str, body_type: str, count: int = 2) -> str:
    """The baseline: the answer's first sentences (after its introductory line), with the same
    subject rewrite as the drafts, so the comparison measures the choice of sentences only."""
    lead = [s for s in sentences if not _INTRO.search(s)][:count]
    return " ".join(rewrite_subject(s, body, body_type, first=rank == 0) for rank, s in enumerate(lead))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def rouge_l(reference: str, candidate: str) -> float:
    """ROUGE-L F1 on lower-cased word tokens (longest common subsequence)."""
    ref, cand = _tokens(reference), _tokens(candidate)
    if not ref or not cand:
        return 0.0
    previous = [0] * (len(cand) + 1)
    for r in ref:
        current = [0]
        for j, c in enumerate(cand, start=1):
            current.append(previous[j - 1] + 1 if r == c else max(previous[j], current[j - 1]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(cand), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)

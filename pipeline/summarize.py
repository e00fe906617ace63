"""Draft summaries: one to three sentences per body in the style of an utlåtande's Beredning part
("Nämnden ställer sig positiv till … men anser att …").

Extractive, from the body's own answer only (its tjänsteutlåtande, else its decision), never from
the city's summary of it, which is what the summaries are measured against: the verdict sentence,
then the reservations, with the administration as subject rewritten to the body
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


def draft_summary(body: str, body_type: str, sentences: list[str]) -> str:
    """Pick the verdict and the reservations from a body's answer, in the answer's order."""
    candidates = [s for s in sentences if len(s.split()) >= 5 and not _INTRO.search(s)]
    if not candidates:
        return ""
    counts = [cue_counts(s) for s in candidates]
    verdict = next((i for i, c in enumerate(counts) if c["positive"] or c["negative"] or c["negated_positive"]), 0)
    chosen = [verdict]
    reservations = [i for i, c in enumerate(counts) if c["reservation"] and i != verdict]
    for index in reservations:
        if len(chosen) == MAX_SENTENCES:
            break
        chosen.append(index)
    if len(chosen) == 1 and verdict + 1 < len(candidates):
        chosen.append(verdict + 1)
    picked: list[str] = []
    words = 0
    for rank, index in enumerate(sorted(chosen)):
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
        own = segments[(segments["doc"] == body.doc) & (segments["body"] == body.body)]
        source = own[own["section"] == "tjansteutlatande"]
        if source.empty:
            source = own[own["section"] == "decision"]
        texts = [text for segment_id in source["segment_id"] for text in by_segment.get(segment_id, [])]
        drafts.append(draft_summary(body.body, body.body_type, texts) if body.answered else "")
    return drafts


def lead_summary(sentences: list[str], count: int = 2) -> str:
    """The baseline: the answer's first sentences (after its introductory line)."""
    return " ".join([s for s in sentences if not _INTRO.search(s)][:count])


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

"""Labels for every sentence, segment and body from the models' probabilities, with evidence.

Shared by `classify` (which trains on every annotation) and `evaluate` (which trains inside
cross-validation folds), so the labels scored are made exactly as the labels published. A stance
is the model's probabilities moved towards the body's decisive statement (`pipeline.stance`), and
its evidence is that statement; a theme's evidence is the sentence most about it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.cues import cue_stance
from pipeline.duplicates import near_copy_groups
from pipeline.labels import OFFICIAL_SECTIONS, STANCE_SECTIONS, STANCES, STATEMENT_SECTIONS
from pipeline.parties import endorsed_parties
from pipeline.schemas import Evidence, canonical_json
from pipeline.stance import Decision, blend, decide, find_statements, statement_of
from pipeline.textutil import fold


def _round(value: float) -> float:
    return round(float(value), 4)


def _evidence(sentence: pd.Series, probability: float) -> Evidence:
    return Evidence(sentence=sentence["text"], line=int(sentence["start_line"]), end_line=int(sentence["end_line"]),
                    probability=_round(probability))


def group_repeated_statements(segments: pd.DataFrame) -> pd.DataFrame:
    """Columns `statement_group` ("U1", "U2", … for statements made, nearly word for word, in more
    than one place) and `statement_copies` (how many places), so a report can say "the same
    statement was made in 14 bodies" instead of repeating it 14 times."""
    out = segments.copy()
    out["statement_group"] = ""
    out["statement_copies"] = 1
    statements = out[out["section"].isin(STATEMENT_SECTIONS) & (out["text"].str.split().str.len() >= 30)]
    if len(statements) < 2:
        return out
    groups = near_copy_groups(statements["text"].tolist())
    sizes = pd.Series(groups).value_counts()
    names = {g: f"U{k}" for k, g in enumerate(sorted(sizes[sizes > 1].index, key=list(groups).index), start=1)}
    for index, group in zip(statements.index, groups, strict=True):
        if group in names:
            out.at[index, "statement_group"] = names[group]
            out.at[index, "statement_copies"] = int(sizes[group])
    return out


def label_sentences(sentences: pd.DataFrame, probabilities: np.ndarray, theme_ids: list[str], threshold: float) -> pd.DataFrame:
    out = sentences.copy()
    rounded = [[_round(p) for p in row] for row in probabilities]  # labels follow the published values
    out["themes"] = ["|".join(t for t, p in zip(theme_ids, row, strict=True) if p >= threshold) for row in rounded]
    out["theme_probabilities"] = [canonical_json(dict(zip(theme_ids, row, strict=True))) for row in rounded]
    return out


SUPPORTING_SENTENCES = 2
MIN_EVIDENCE_WORDS = 4


def segment_theme_scores(block: np.ndarray) -> np.ndarray:
    """How strongly a segment raises each theme, from its sentences' probabilities (rows).

    A theme counts as *discussed* when at least two sentences are about it, not when one sentence
    mentions it in passing: the score is the second-highest sentence probability. A segment of
    one or two sentences needs only one."""
    if len(block) <= SUPPORTING_SENTENCES:
        return block.max(axis=0)
    return np.sort(block, axis=0)[-SUPPORTING_SENTENCES]


def drop_fragments(probabilities: np.ndarray, texts: list[str]) -> np.ndarray:
    """Fragments ('2.', a lone heading) cannot carry a theme or serve as evidence."""
    out = probabilities.copy()
    short = np.array([len(re.findall(r"[^\W\d_]+", t)) < MIN_EVIDENCE_WORDS for t in texts])
    out[short] = 0.0
    return out


def _decided(probabilities: np.ndarray, texts: list[str], decisive_weight: float) -> tuple[np.ndarray, Decision | None]:
    decision = decide(find_statements(texts)) if texts else None
    return blend(probabilities, decision, decisive_weight), decision


def label_segments(segments: pd.DataFrame, sentences: pd.DataFrame, theme_probabilities: np.ndarray,
                   segment_stance: np.ndarray | None, sentence_stance: np.ndarray | None, theme_ids: list[str],
                   threshold: float, decisive_weight: float) -> pd.DataFrame:
    """Themes (with the sentence most about each) and, where a stance model exists, the stance of
    every segment that carries one (with its decisive sentence, or the sentence the model finds
    most typical of the label)."""
    out = segments.copy()
    positions = sentences.reset_index(drop=True).groupby("segment_id", sort=False).indices
    stance, stance_probability, themes, theme_json, evidence_texts = [], [], [], [], []
    for index, segment in enumerate(segments.itertuples(index=False)):
        rows = positions.get(segment.segment_id, np.array([], dtype=int))
        evidence: dict[str, Evidence] = {}
        probabilities = {t: 0.0 for t in theme_ids}
        if len(rows):
            block = theme_probabilities[rows]
            best = block.argmax(axis=0)
            scores = segment_theme_scores(block)
            probabilities = {t: _round(scores[k]) for k, t in enumerate(theme_ids)}
            for k, theme in enumerate(theme_ids):
                if probabilities[theme] >= threshold:
                    evidence[theme] = _evidence(sentences.iloc[rows[best[k]]], block[best[k], k])
        label = ""
        probability = np.nan
        if segment_stance is not None and segment.section in STANCE_SECTIONS:
            texts = sentences["text"].iloc[rows].tolist()
            blended, decision = _decided(segment_stance[index], texts, decisive_weight)
            label_index = int(blended.argmax())
            label, probability = STANCES[label_index], _round(blended[label_index])
            if decision is not None and decision.stance == label:
                evidence["stance"] = _evidence(sentences.iloc[rows[decision.evidence]], blended[label_index])
            elif len(rows):
                pick = rows[int(sentence_stance[rows, label_index].argmax())]
                evidence["stance"] = _evidence(sentences.iloc[pick], sentence_stance[pick, label_index])
        stance.append(label)
        stance_probability.append(probability)
        themes.append("|".join(t for t in theme_ids if probabilities[t] >= threshold))
        theme_json.append(canonical_json(probabilities))
        evidence_texts.append(schemas.evidence_json(evidence))
    out["stance"] = stance
    out["stance_probability"] = stance_probability
    out["themes"] = themes
    out["theme_probabilities"] = theme_json
    out["evidence"] = evidence_texts
    return out


def segment_vote(official: pd.DataFrame) -> np.ndarray | None:
    """The answer's segments' stances as one distribution: a procedural decision does not outvote
    the text (it weighs a tenth)."""
    labelled = official[official["stance"] != ""]
    if labelled.empty:
        return None
    votes = np.zeros(len(STANCES), dtype=np.float64)
    total = 0.0
    for row in labelled.itertuples():
        weight = 1.0 if row.stance != "no_opinion" else 0.1
        votes[STANCES.index(row.stance)] += weight * row.stance_probability
        total += weight
    return votes / total


def body_stance(official: pd.DataFrame, headings: pd.DataFrame, sentences: pd.DataFrame, decisive_weight: float
                ) -> tuple[str, float, Evidence | None, list[dict]]:
    """The body's stance from its answer: the segments' vote moved towards the decisive statement
    of the whole answer, read in order (a conclusion late in the tjänsteutlåtande outweighs a
    friendly opening; a statement under a heading "Sammanfattande inställning", which may stand in
    the letter's head, `headings`, weighs as a conclusion). Returns the stance, its probability,
    the evidence and the stated parts."""
    reviewed = reviewed_stance(official)
    if reviewed is not None:
        return reviewed
    votes = segment_vote(official)
    if votes is None:
        return "", float("nan"), None, []
    answer = sentences[sentences["segment_id"].isin(set(official["segment_id"]) | set(headings["segment_id"]))]
    texts = answer["text"].tolist()
    blended, decision = _decided(votes, texts, decisive_weight)
    label_index = int(blended.argmax())
    label = STANCES[label_index]
    probability = _round(blended[label_index])
    parts = [] if decision is None else [
        {"part": part, "stance": stance, "sentence": texts[index], "line": int(answer["start_line"].iloc[index])}
        for part, stance, index in decision.parts
    ]
    if decision is not None and decision.stance == label:
        return label, probability, _evidence(answer.iloc[decision.evidence], probability), parts
    labelled = official[official["stance"] == label]
    if labelled.empty:
        return label, probability, None, parts
    source = labelled.sort_values("stance_probability", ascending=False).iloc[0]
    return label, probability, schemas.parse_evidence(source["evidence"]).get("stance"), parts


def reviewed_stance(official: pd.DataFrame) -> tuple[str, float, Evidence | None, list[dict]] | None:
    """A reviewer's word beats the model: when a reviewer set the stance of one of the answer's
    own segments, the body takes it (the last such segment in the document: conclusions come
    late), with probability 1 and that segment's quote. None when no stance was reviewed."""
    if "stance_reviewed" not in official or not official["stance_reviewed"].any():
        return None
    chosen = official[official["stance_reviewed"]].sort_values("start_line", kind="stable").iloc[-1]
    return str(chosen["stance"]), 1.0, schemas.parse_evidence(chosen["evidence"]).get("stance"), []


QUOTED_ANSWER_PROBABILITY = 0.8


def quoting_sentences(body, sentences: pd.DataFrame) -> pd.DataFrame:
    """The sentences at a quoted body's `answer_line` that name it (all of them if none does)."""
    line = int(body.answer_line)
    candidates = sentences[(sentences["doc"] == body.doc) & (sentences["start_line"] <= line)
                           & (sentences["end_line"] >= line)]
    naming = candidates[candidates["text"].map(lambda text: fold(body.body) in fold(text))]
    return naming if not naming.empty else candidates


def quoted_answer_stance(body, sentences: pd.DataFrame) -> tuple[str, float, Evidence | None]:
    """A body whose answer is only quoted in another's text ('AB Svenska Bostäder ställer sig bakom
    remissen', a bill's 'Justitiekanslern anser att …'): the sentence that names it decides.

    A stance a bill reports for the body (`reported_stance`, read from the clause that names it) is
    taken as it is; otherwise the sentence's decisive statement, else its cue phrases. A body
    quoted without any evaluation has no opinion. The evidence is the sentence that names it."""
    candidates = quoting_sentences(body, sentences)
    reported = getattr(body, "reported_stance", "")
    found = []
    for sentence in candidates.itertuples():
        stated = statement_of(sentence.text)
        stance = reported or (stated[0] if stated else cue_stance(sentence.text))
        item = Evidence(sentence=sentence.text, line=int(sentence.start_line), end_line=int(sentence.end_line),
                        probability=QUOTED_ANSWER_PROBABILITY)
        if stance != "no_opinion":
            return stance, QUOTED_ANSWER_PROBABILITY, item
        found.append(item)
    if found:
        return "no_opinion", QUOTED_ANSWER_PROBABILITY, found[0]
    return "", float("nan"), None


def official_segments(own: pd.DataFrame) -> pd.DataFrame:
    """An answer's own segments that give its stance and themes: decision and tjänsteutlåtande,
    else the summary a compiled utlåtande gives of it."""
    official = own[own["section"].isin(OFFICIAL_SECTIONS)]
    return official if not official.empty else own[own["section"] == "summary"]


def label_bodies(bodies: pd.DataFrame, segments: pd.DataFrame, sentences: pd.DataFrame, theme_ids: list[str],
                 threshold: float, decisive_weight: float) -> pd.DataFrame:
    rows = []
    for body in bodies.itertuples(index=False):
        own = segments[segments["answer_id"] == body.answer_id]
        official = official_segments(own)
        stance, probability, stance_evidence, parts = "", float("nan"), None, []
        if body.answered:
            headings = own[own["section"] == "other"]
            stance, probability, stance_evidence, parts = body_stance(official, headings, sentences, decisive_weight)
        if body.answered and official.empty and pd.notna(body.answer_line):
            stance, probability, stance_evidence = quoted_answer_stance(body, sentences)
        probabilities = dict.fromkeys(theme_ids, 0.0)
        evidence: dict[str, Evidence] = {"stance": stance_evidence} if stance_evidence else {}
        for segment in official.itertuples():
            segment_probabilities = schemas.PROBABILITIES.validate_json(segment.theme_probabilities)
            segment_evidence = schemas.parse_evidence(segment.evidence)
            for theme in theme_ids:
                if segment_probabilities[theme] > probabilities[theme]:
                    probabilities[theme] = segment_probabilities[theme]
                    if theme in segment_evidence:
                        evidence[theme] = segment_evidence[theme]
        statements = statement_stances(own[own["section"].isin(STATEMENT_SECTIONS)])
        reviewed = bool(official["stance_reviewed"].any() or (official["themes_reviewed"] != "").any()) \
            if "stance_reviewed" in official else False
        rows.append(
            {
                **body._asdict(),
                "stance": stance,
                "stance_probability": probability,
                "themes": "|".join(t for t in theme_ids if probabilities[t] >= threshold),
                "theme_probabilities": canonical_json({t: _round(p) for t, p in probabilities.items()}),
                "evidence": schemas.evidence_json(evidence),
                "stance_parts": canonical_json(parts),
                "party_statements": canonical_json(statements),
                "reviewed": reviewed,
            }
        )
    labelled = pd.DataFrame(rows, columns=[*bodies.columns, *BODY_LABEL_COLUMNS])
    # whole line numbers, blank where none (building rows from dicts turned them into floats)
    return labelled.astype({"start_line": "Int64", "end_line": "Int64", "answer_line": "Int64"})


BODY_LABEL_COLUMNS = ("stance", "stance_probability", "themes", "theme_probabilities", "evidence", "stance_parts",
                      "party_statements", "reviewed")


def statement_stances(statements: pd.DataFrame) -> dict[str, str]:
    """party letters -> stance for a body's statements; a statement that only joins another
    party's statement takes that statement's stance."""
    by_parties = {row.parties: row.stance for row in statements.itertuples() if row.stance not in ("", "no_opinion")}
    result: dict[str, str] = {}
    for row in statements.itertuples():
        stance = row.stance
        if stance in ("", "no_opinion"):
            joined = endorsed_parties(row.text)
            inherited = [v for k, v in by_parties.items() if joined & set(k.split("|"))]
            stance = inherited[0] if inherited else stance
        key = row.parties or row.author or row.segment_id
        while key in result:
            key += "*"
        result[key] = stance
    return result

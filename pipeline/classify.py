"""Stage 4, classify: stance and themes for every sentence, segment and body, with evidence.

Trains the models of `pipeline.models` on all of the project's annotations and applies them to
everything. Every label carries a probability and the verbatim sentence that supports it, with
its original line numbers, so staff can check it in the source. A body's official stance comes
from its own answer (decision and tjänsteutlåtande); each party statement keeps its own stance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from pipeline import schemas
from pipeline.annotations import ANNOTATIONS, CORRECTIONS_FILE, align_stance, align_themes, theme_label_matrix
from pipeline.config import ClassifyParams, Params, load_params
from pipeline.corpus import EmbeddedCorpus, read_corpus, read_training
from pipeline.correction_table import apply_to_segments, merge, read_corrections
from pipeline.cues import cue_stance
from pipeline.duplicates import near_copy_groups
from pipeline.encoder import Encoder, open_encoder
from pipeline.errors import report_errors
from pipeline.io import read_parquet, write_table
from pipeline.labels import OFFICIAL_SECTIONS, STANCE_SECTIONS, STANCES, STATEMENT_SECTIONS
from pipeline.models import StanceModel, ThemeModel, stance_features
from pipeline.parties import endorsed_parties
from pipeline.schemas import Evidence, canonical_json
from pipeline.summarize import draft_summaries
from pipeline.textutil import fold
from pipeline.themes import sentence_theme_features, theme_space


def _round(value: float) -> float:
    return round(float(value), 4)


@dataclass
class Classified:
    sentences: pd.DataFrame
    segments: pd.DataFrame
    bodies: pd.DataFrame
    theme_model: ThemeModel
    annotation_problems: list[str]


def fit_theme_model(sentences: pd.DataFrame, vectors: np.ndarray, features: np.ndarray, labels: pd.DataFrame,
                    theme_ids: list[str], params: ClassifyParams) -> ThemeModel:
    """Train on a label matrix indexed by sentence_id (1, 0, or -1 for not labelled)."""
    position = pd.Series(range(len(sentences)), index=sentences["sentence_id"])
    rows = position.loc[labels.index].to_numpy()
    return ThemeModel.fit(vectors[rows], features[rows], labels.to_numpy(), theme_ids, params.min_positive_examples,
                          params.regularization)


def add_theme_corrections(matrix: pd.DataFrame, corrections: pd.DataFrame, segments: pd.DataFrame,
                          sentences: pd.DataFrame, probabilities: np.ndarray, theme_ids: list[str]) -> pd.DataFrame:
    """A corrected theme becomes a label on the segment's sentence the model ranked highest for it."""
    matrix = matrix.copy()
    spans = {(r.doc, r.start_line, r.end_line): r.segment_id for r in segments.itertuples()}
    positions = sentences.reset_index(drop=True).groupby("segment_id", sort=False).indices
    for correction in corrections[corrections["label"].str.startswith("theme:")].itertuples():
        theme = correction.label.split(":", 1)[1]
        segment_id = spans.get((correction.doc, int(correction.start_line), int(correction.end_line)))
        if theme not in theme_ids or segment_id not in positions:
            continue
        rows = positions[segment_id]
        best = sentences["sentence_id"].iloc[rows[int(probabilities[rows, theme_ids.index(theme)].argmax())]]
        if best not in matrix.index:
            matrix.loc[best] = -1
        matrix.loc[best, theme] = 1 if correction.value == "ja" else 0
    return matrix


def _evidence(sentence: pd.Series, probability: float) -> Evidence:
    return Evidence(sentence=sentence["text"], line=int(sentence["start_line"]), end_line=int(sentence["end_line"]),
                    probability=_round(probability))


def classify(run: EmbeddedCorpus, bodies: pd.DataFrame, params: Params, encoder: Encoder,
             annotations: Path = ANNOTATIONS, extra_corrections: pd.DataFrame | None = None,
             training: EmbeddedCorpus | None = None) -> Classified:
    """Train on the annotations and the reviewers' corrections, then label sentences, segments
    and bodies of the run.

    `training` holds the annotated documents (the training stage's output); those the run does
    not contain itself are learned from too, so new remissvar are labelled by models trained on
    every annotation."""
    themes, settings = params.themes, params.classify
    theme_ids = [t.id for t in themes]
    corpus = run.plus(training.without(run.documents)) if training is not None else run
    segments, sentences = corpus.segments, corpus.sentences
    sentence_vectors, segment_vectors = corpus.sentence_vectors, corpus.segment_vectors
    space = theme_space(themes, encoder)
    features, _ = sentence_theme_features(sentences, sentence_vectors, themes, space)
    corrections = read_corrections(annotations / CORRECTIONS_FILE)
    if extra_corrections is not None and not extra_corrections.empty:
        corrections = merge(corrections, extra_corrections)
    theme_labels = align_themes(annotations, sentences, theme_ids)
    matrix = theme_label_matrix(theme_labels.labels, theme_ids)
    theme_model = fit_theme_model(sentences, sentence_vectors, features, matrix, theme_ids, settings)
    texts = sentences["text"].tolist()
    theme_probabilities = drop_fragments(theme_model.predict(sentence_vectors, features), texts)
    if corrections["label"].str.startswith("theme:").any():  # learn from the reviewer, then predict again
        matrix = add_theme_corrections(matrix, corrections, segments, sentences, theme_probabilities, theme_ids)
        theme_model = fit_theme_model(sentences, sentence_vectors, features, matrix, theme_ids, settings)
        theme_probabilities = drop_fragments(theme_model.predict(sentence_vectors, features), texts)

    stance_labels_ = align_stance(annotations, segments)
    stance_training = pd.concat([stance_labels_.labels, stance_corrections(corrections, segments)], ignore_index=True)
    stance_model = fit_stance_model(segments, segment_vectors, stance_training.drop_duplicates("segment_id", keep="last"),
                                    settings)
    # predict for the run's own rows only (they come first in the corpus)
    segments, sentences = run.segments, run.sentences
    theme_probabilities = theme_probabilities[: len(sentences)]
    sentence_vectors, segment_vectors = run.sentence_vectors, run.segment_vectors
    segment_stance = stance_model.predict_proba(
        stance_features(segment_vectors, segments["text"].tolist(), segments["section"].tolist()),
        segments["text"].tolist(),
    ) if stance_model else np.zeros((len(segments), len(STANCES)), dtype=np.float32)
    section_of_sentence = sentences["segment_id"].map(segments.set_index("segment_id")["section"]).tolist()
    sentence_stance = stance_model.predict_proba(
        stance_features(sentence_vectors, sentences["text"].tolist(), section_of_sentence),
        sentences["text"].tolist(),
    ) if stance_model else np.zeros((len(sentences), len(STANCES)), dtype=np.float32)

    labelled_sentences = label_sentences(sentences, theme_probabilities, theme_ids, settings.threshold)
    labelled_segments = label_segments(segments, labelled_sentences, theme_probabilities, segment_stance,
                                       sentence_stance, theme_ids, settings.threshold, stance_model is not None)
    labelled_segments = apply_to_segments(labelled_segments, corrections, theme_ids)
    labelled_segments = group_repeated_statements(labelled_segments)
    labelled_bodies = label_bodies(bodies, labelled_segments, sentences, theme_ids, settings.threshold)
    labelled_bodies["summary"] = draft_summaries(labelled_bodies, labelled_segments, sentences)
    problems = [f"annotated document not read for training: {name}" for name in (training.missing if training else ())]
    problems += [f"stance annotation not aligned: {u}" for u in stance_labels_.unmatched]
    problems += [f"theme annotation not aligned: {u}" for u in theme_labels.unmatched]
    return Classified(schemas.validate_classified_sentences(labelled_sentences),
                      schemas.validate_classified_segments(labelled_segments),
                      schemas.validate_classified_bodies(labelled_bodies), theme_model, problems)


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


def stance_corrections(corrections: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Corrected stances as training labels (segment_id, stance)."""
    spans = {(r.doc, r.start_line, r.end_line): r.segment_id for r in segments.itertuples()}
    rows = [
        {"segment_id": spans[key], "stance": c.value}
        for c in corrections[corrections["label"] == "stance"].itertuples()
        if (key := (c.doc, int(c.start_line), int(c.end_line))) in spans
    ]
    return pd.DataFrame(rows, columns=["segment_id", "stance"])


def fit_stance_model(segments: pd.DataFrame, vectors: np.ndarray, labels: pd.DataFrame,
                     params: ClassifyParams) -> StanceModel | None:
    if labels.empty or labels["stance"].nunique() < 2:
        return None
    position = pd.Series(range(len(segments)), index=segments["segment_id"])
    rows = position.loc[labels["segment_id"]].to_numpy()
    features = stance_features(vectors[rows], segments["text"].iloc[rows].tolist(), segments["section"].iloc[rows].tolist())
    return StanceModel.fit(features, labels["stance"].tolist(), params.regularization)


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


def label_segments(segments: pd.DataFrame, sentences: pd.DataFrame, theme_probabilities: np.ndarray,
                   segment_stance: np.ndarray, sentence_stance: np.ndarray, theme_ids: list[str], threshold: float,
                   has_stance_model: bool) -> pd.DataFrame:
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
        if has_stance_model and segment.section in STANCE_SECTIONS:
            label_index = int(segment_stance[index].argmax())
            label, probability = STANCES[label_index], _round(segment_stance[index, label_index])
            if len(rows):
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


def _body_stance(official: pd.DataFrame) -> tuple[str, float, Evidence | None]:
    """Weighted vote of the answer's segments: a procedural decision does not outvote the text."""
    labelled = official[official["stance"] != ""]
    if labelled.empty:
        return "", float("nan"), None
    votes = dict.fromkeys(STANCES, 0.0)
    total = 0.0
    for row in labelled.itertuples():
        weight = 1.0 if row.stance != "no_opinion" else 0.1
        votes[row.stance] += weight * row.stance_probability
        total += weight
    label = max(STANCES, key=lambda s: (votes[s], -STANCES.index(s)))
    source = labelled[labelled["stance"] == label].sort_values("stance_probability", ascending=False).iloc[0]
    return label, _round(votes[label] / total), schemas.parse_evidence(source["evidence"]).get("stance")


QUOTED_ANSWER_PROBABILITY = 0.8


def quoted_answer_stance(body, sentences: pd.DataFrame) -> tuple[str, float, Evidence | None]:
    """A body whose answer is only quoted in one sentence of another's text ('AB Svenska Bostäder
    ställer sig bakom remissen'): the cue phrases of that sentence decide.

    A stance a bill reports for the body (`reported_stance`, read from the clause that names it) is
    taken as it is; the evidence is the sentence that names the body."""
    line = int(body.answer_line)
    candidates = sentences[(sentences["doc"] == body.doc) & (sentences["start_line"] <= line)
                           & (sentences["end_line"] >= line)]
    reported = getattr(body, "reported_stance", "")
    if reported:
        naming = candidates[candidates["text"].map(lambda text: fold(body.body) in fold(text))]
        candidates = naming if not naming.empty else candidates
    for sentence in candidates.itertuples():
        stance = reported or cue_stance(sentence.text)
        if stance != "no_opinion" or reported:
            item = Evidence(sentence=sentence.text, line=int(sentence.start_line), end_line=int(sentence.end_line),
                            probability=QUOTED_ANSWER_PROBABILITY)
            return stance, QUOTED_ANSWER_PROBABILITY, item
    return "", float("nan"), None


def label_bodies(bodies: pd.DataFrame, segments: pd.DataFrame, sentences: pd.DataFrame, theme_ids: list[str],
                 threshold: float) -> pd.DataFrame:
    rows = []
    for body in bodies.itertuples(index=False):
        own = segments[segments["answer_id"] == body.answer_id]
        official = own[own["section"].isin(OFFICIAL_SECTIONS)]
        if official.empty:
            official = own[own["section"] == "summary"]
        stance, probability, stance_evidence = _body_stance(official) if body.answered else ("", float("nan"), None)
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
                "party_statements": canonical_json(statements),
                "reviewed": reviewed,
            }
        )
    labelled = pd.DataFrame(rows, columns=[*bodies.columns, "stance", "stance_probability", "themes",
                                           "theme_probabilities", "evidence", "party_statements", "reviewed"])
    # whole line numbers, blank where none (building rows from dicts turned them into floats)
    return labelled.astype({"start_line": "Int64", "end_line": "Int64", "answer_line": "Int64"})


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


def write_classified(result: Classified, out: Path) -> None:
    write_table(out, "sentences", result.sentences)
    write_table(out, "segments", result.segments)
    write_table(out, "bodies", result.bodies)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    processed: Path = typer.Option(Path("data/processed"), help="Segment stage output."),
    interim: Path = typer.Option(Path("data/interim"), help="Embed stage output."),
    training: Path = typer.Option(Path("data/training"), help="Training stage output (the annotated documents)."),
    annotations: Path = typer.Option(ANNOTATIONS, help="The project's annotations."),
    out: Path = typer.Option(Path("exports"), help="Directory for the classified tables."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Label stance and themes with evidence; write exports/segments, bodies and sentences."""
    params = load_params(params_file)
    run = read_corpus(processed / "segments.parquet", interim)
    bodies = schemas.validate_bodies(read_parquet(processed / "bodies.parquet"))
    with open_encoder(params.model, params.embed) as encoder:
        result = classify(run, bodies, params, encoder, annotations, training=read_training(training))
    write_classified(result, out)
    for problem in result.annotation_problems:
        typer.echo(f"classify: warning: {problem}", err=True)
    kinds = ", ".join(f"{t}: {result.theme_model.kind(t)}" for t in result.theme_model.ids)
    typer.echo(f"classify: {len(result.segments)} segments, {len(result.bodies)} bodies; themes ({kinds})")


if __name__ == "__main__":
    app()

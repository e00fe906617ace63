"""Stage 4, classify: stance and themes for every sentence, segment and body, with evidence.

Trains the models of `pipeline.models` on all of the project's annotations and applies them to
everything. Every label carries a probability and the verbatim sentence that supports it, with
its original line numbers, so staff can check it in the source. A body's official stance comes
from its own answer (decision and tjänsteutlåtande); each party statement keeps its own stance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from pipeline import schemas
from pipeline.annotations import (ANNOTATIONS, CORRECTIONS_FILE, align_answers, align_stance, align_themes,
                                  theme_training_labels)
from pipeline.config import ClassifyParams, Params, load_params
from pipeline.corpus import EmbeddedCorpus, read_corpus, read_training, read_training_bodies
from pipeline.correction_table import apply_to_segments, merge, read_corrections
from pipeline.encoder import Encoder, open_encoder
from pipeline.errors import report_errors
from pipeline.io import read_parquet, write_table
from pipeline.labelling import (drop_fragments, group_repeated_statements, label_bodies, label_segments,
                                label_sentences)
from pipeline.models import StanceModel, ThemeModel, stance_features
from pipeline.summarize import draft_summaries
from pipeline.themes import sentence_theme_features, theme_space


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


def classify(run: EmbeddedCorpus, bodies: pd.DataFrame, params: Params, encoder: Encoder,
             annotations: Path = ANNOTATIONS, extra_corrections: pd.DataFrame | None = None,
             training: EmbeddedCorpus | None = None, training_bodies: pd.DataFrame | None = None) -> Classified:
    """Train on the annotations and the reviewers' corrections, then label sentences, segments
    and bodies of the run.

    `training` holds the annotated documents (the training stage's output) and `training_bodies`
    their bodies; those the run does not contain itself are learned from too, so new remissvar are
    labelled by models trained on every annotation."""
    themes, settings = params.themes, params.classify
    theme_ids = [t.id for t in themes]
    corpus = run.plus(training.without(run.documents)) if training is not None else run
    all_bodies = bodies if training_bodies is None else pd.concat(
        [bodies, training_bodies[~training_bodies["doc"].isin(run.documents)]], ignore_index=True)
    segments, sentences = corpus.segments, corpus.sentences
    sentence_vectors, segment_vectors = corpus.sentence_vectors, corpus.segment_vectors
    space = theme_space(themes, encoder)
    features, _ = sentence_theme_features(sentences, sentence_vectors, themes, space)
    corrections = read_corrections(annotations / CORRECTIONS_FILE)
    if extra_corrections is not None and not extra_corrections.empty:
        corrections = merge(corrections, extra_corrections)
    theme_labels = align_themes(annotations, sentences, theme_ids)
    answers = align_answers(annotations, all_bodies, theme_ids)  # those not found: `evaluate` counts them
    matrix = theme_training_labels(segments, sentences, answers.labels, theme_labels.labels, theme_ids)
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
    segment_stance = sentence_stance = None
    if stance_model is not None:
        segment_stance = stance_model.predict_proba(
            stance_features(segment_vectors, segments["text"].tolist(), segments["section"].tolist()))
        section_of_sentence = sentences["segment_id"].map(segments.set_index("segment_id")["section"]).tolist()
        sentence_stance = stance_model.predict_proba(
            stance_features(sentence_vectors, sentences["text"].tolist(), section_of_sentence))

    labelled_sentences = label_sentences(sentences, theme_probabilities, theme_ids, settings.threshold)
    labelled_segments = label_segments(segments, labelled_sentences, theme_probabilities, segment_stance,
                                       sentence_stance, theme_ids, settings.threshold, settings.decisive_weight)
    labelled_segments = apply_to_segments(labelled_segments, corrections, theme_ids)
    labelled_segments = group_repeated_statements(labelled_segments)
    labelled_bodies = label_bodies(bodies, labelled_segments, sentences, theme_ids, settings.threshold,
                                    settings.decisive_weight)
    labelled_bodies["summary"] = draft_summaries(labelled_bodies, labelled_segments, sentences)
    problems = [f"annotated document not read for training: {name}" for name in (training.missing if training else ())]
    problems += [f"stance annotation not aligned: {u}" for u in stance_labels_.unmatched]
    problems += [f"theme annotation not aligned: {u}" for u in theme_labels.unmatched]
    return Classified(schemas.validate_classified_sentences(labelled_sentences),
                      schemas.validate_classified_segments(labelled_segments),
                      schemas.validate_classified_bodies(labelled_bodies), theme_model, problems)


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
        result = classify(run, bodies, params, encoder, annotations, training=read_training(training),
                          training_bodies=read_training_bodies(training))
    write_classified(result, out)
    for problem in result.annotation_problems:
        typer.echo(f"classify: warning: {problem}", err=True)
    kinds = ", ".join(f"{t}: {result.theme_model.kind(t)}" for t in result.theme_model.ids)
    typer.echo(f"classify: {len(result.segments)} segments, {len(result.bodies)} bodies; themes ({kinds})")


if __name__ == "__main__":
    app()

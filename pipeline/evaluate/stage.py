"""The evaluate stage: reads the training corpus (every annotated document, segmented and embedded
by the training stage) and writes metrics.json, the plot data and the predictions behind them."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from pipeline import schemas
from pipeline.annotations import ANNOTATIONS
from pipeline.config import load_params
from pipeline.corpus import read_training, read_training_bodies
from pipeline.encoder import open_encoder
from pipeline.errors import report_errors
from pipeline.evaluate.answers import evaluate_answers
from pipeline.evaluate.segments import evaluate_segment_stance
from pipeline.evaluate.sentences import evaluate_sentence_themes
from pipeline.evaluate.summaries import evaluate_summaries
from pipeline.io import read_parquet, write_csv, write_json
from pipeline.themes import theme_space

app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    training: Path = typer.Option(Path("data/training"), help="Training stage output (the annotated documents)."),
    annotations: Path = typer.Option(ANNOTATIONS),
    exports: Path = typer.Option(Path("exports"), help="Classify stage output (draft summaries)."),
    out: Path = typer.Option(Path("metrics"), help="Directory for metrics.json, plot data and predictions."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Stance and theme scores within and across remisser, with baselines (DVC metrics and plots)."""
    params = load_params(params_file)
    corpus = read_training(training)
    bodies = read_training_bodies(training)
    stance = evaluate_segment_stance(corpus.segments, corpus.sentences, corpus.segment_vectors, params, annotations)
    with open_encoder(params.model, params.embed) as encoder:
        space = theme_space(params.themes, encoder)
        themes, per_theme, theme_predictions = evaluate_sentence_themes(
            corpus.sentences, corpus.sentence_vectors, params, annotations, space)
        answers = evaluate_answers(corpus, bodies, params, annotations, space)
    summaries = {}
    if (exports / "bodies.parquet").exists():
        summaries = evaluate_summaries(schemas.validate_classified_bodies(read_parquet(exports / "bodies.parquet")),
                                       corpus.segments, corpus.sentences)
    write_json(out / "metrics.json", {"answers": answers.metrics, "stance": stance.metrics, "themes": themes,
                                      "summaries": summaries})
    write_csv(out / "stance_confusion.csv", stance.confusion)
    write_csv(out / "answer_predictions.csv", answers.predictions)
    write_csv(out / "theme_scores.csv", per_theme)
    write_csv(out / "theme_cv_predictions.csv", theme_predictions)
    brief = {scheme: {k: v for k, v in answers.metrics.get(scheme, {}).items() if k in ("model", "themes")}
             for scheme in ("leave_one_remiss_out", "within_remiss")}
    typer.echo(json.dumps({"answers": brief, "stance_segments": stance.metrics.get("model")}, ensure_ascii=False,
                          indent=1))

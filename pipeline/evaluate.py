"""Stage 6, evaluate: honest scores against the project's own annotations.

Grouped cross-validation: a body's text is never scored by a model trained on that body, and text
copied between bodies (the same party statement made in many nämnder) is scored once, not once per
copy, so a model cannot score well by remembering it. Beside
every model score stands a simple baseline (cue phrases or seed terms alone, and TF-IDF with
logistic regression), so the gain is visible, and a zero-shot score shows what a newly added theme
can expect: each theme scored by the generic model trained on the *other* themes only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

from pipeline import schemas
from pipeline.annotations import ANNOTATIONS, align_stance, align_themes, theme_label_matrix
from pipeline.config import Params, load_params
from pipeline.cues import cue_stance
from pipeline.duplicates import NEAR_COPY, near_copy_groups
from pipeline.encoder import open_encoder
from pipeline.errors import report_errors
from pipeline.io import read_parquet, read_vectors, write_csv, write_json
from pipeline.labels import STANCES
from pipeline.models import SEED, StanceModel, ThemeModel, stance_features, stance_labels
from pipeline.summarize import lead_summary, rouge_l
from pipeline.themes import sentence_theme_features, theme_space

DUPLICATE_SIMILARITY = NEAR_COPY


def without_copies(texts: list[str]) -> np.ndarray:
    """Positions of the first text of every near-copy cluster: a statement made word for word in
    fourteen bodies is scored once, so it can neither be remembered across folds nor count
    fourteen times."""
    clusters = near_copy_groups(texts, threshold=DUPLICATE_SIMILARITY)
    _, first = np.unique(clusters, return_index=True)
    return np.sort(first)


def body_groups(bodies: list[str]) -> np.ndarray:
    """Cross-validation groups: one per body, so no body is scored by a model trained on it."""
    codes = {body: k for k, body in enumerate(dict.fromkeys(bodies))}
    return np.array([codes[b] for b in bodies])


def folds(groups: np.ndarray, requested: int) -> list[tuple[np.ndarray, np.ndarray]]:
    splits = min(requested, len(set(groups)))
    return list(GroupKFold(n_splits=splits).split(np.zeros(len(groups)), groups=groups))


def _tfidf_stance(train_texts: list[str], train_y: list[str], test_texts: list[str], c: float) -> list[str]:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    model = LogisticRegression(C=c * 10, max_iter=2000, class_weight="balanced", random_state=SEED)
    model.fit(vectorizer.fit_transform(train_texts), train_y)
    return list(model.predict(vectorizer.transform(test_texts)))


def _stance_scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    """Accuracy and macro-F1 over the labels that occur (in the truth or the predictions)."""
    labels = [s for s in STANCES if s in set(truth) | set(predicted)]
    per_label = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(np.mean(per_label)), 4),
        **{f"f1_{label}": round(float(f), 4) for label, f in zip(labels, per_label, strict=True)},
    }


@dataclass
class StanceEvaluation:
    metrics: dict
    confusion: pd.DataFrame


def evaluate_stance(segments: pd.DataFrame, vectors: np.ndarray, params: Params, annotations: Path) -> StanceEvaluation:
    labels = align_stance(annotations, segments).labels
    position = pd.Series(range(len(segments)), index=segments["segment_id"])
    labels = labels.iloc[without_copies(segments["text"].iloc[position.loc[labels["segment_id"]]].tolist())]
    rows = position.loc[labels["segment_id"]].to_numpy()
    texts = segments["text"].iloc[rows].tolist()
    sections = segments["section"].iloc[rows].tolist()
    truth = labels["stance"].tolist()
    groups = body_groups(segments["body"].iloc[rows].tolist())
    features = stance_features(vectors[rows], texts, sections)
    model_pred = [""] * len(rows)
    tfidf_pred = [""] * len(rows)
    for train, test in folds(groups, params.classify.cv_folds):
        train_y = [truth[i] for i in train]
        if len(set(train_y)) < 2:
            predicted = [train_y[0]] * len(test)
            tfidf = predicted
        else:
            model = StanceModel.fit(features[train], train_y, params.classify.regularization)
            predicted = stance_labels(model.predict_proba(features[test], [texts[i] for i in test]))
            tfidf = _tfidf_stance([texts[i] for i in train], train_y, [texts[i] for i in test], params.classify.regularization)
        for k, i in enumerate(test):
            model_pred[i], tfidf_pred[i] = predicted[k], tfidf[k]
    cue_pred = [cue_stance(t) for t in texts]
    metrics = {
        "n_segments": len(rows),
        "n_groups": int(len(set(groups))),
        "model": _stance_scores(truth, model_pred),
        "baseline_cues": _stance_scores(truth, cue_pred),
        "baseline_tfidf": _stance_scores(truth, tfidf_pred),
    }
    confusion = pd.DataFrame({"actual": truth, "predicted": model_pred, "segment_id": labels["segment_id"].tolist()})
    return StanceEvaluation(metrics, confusion.sort_values("segment_id").reset_index(drop=True))


def _theme_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    return {
        "micro_f1": round(float(f1_score(truth, predicted, average="micro", zero_division=0)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
    }


def evaluate_themes(sentences: pd.DataFrame, vectors: np.ndarray, params: Params, annotations: Path,
                    encoder) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    theme_ids = [t.id for t in params.themes]
    labels = align_themes(annotations, sentences, theme_ids).labels
    matrix = theme_label_matrix(labels, theme_ids)
    position = pd.Series(range(len(sentences)), index=sentences["sentence_id"])
    matrix = matrix.iloc[without_copies(sentences["text"].iloc[position.loc[matrix.index]].tolist())]
    rows = position.loc[matrix.index].to_numpy()
    annotated = sentences.iloc[rows]
    truth = matrix.to_numpy()
    space = theme_space(params.themes, encoder)
    features, _ = sentence_theme_features(annotated, vectors[rows], params.themes, space)
    groups = body_groups(annotated["body"].tolist())
    threshold, settings = params.classify.threshold, params.classify
    model_pred = np.zeros_like(truth)
    zero_shot = np.zeros_like(truth)
    tfidf_pred = np.zeros_like(truth)
    for train, test in folds(groups, settings.cv_folds):
        model = ThemeModel.fit(vectors[rows][train], features[train], truth[train], theme_ids,
                               settings.min_positive_examples, settings.regularization)
        model_pred[test] = model.predict(vectors[rows][test], features[test]) >= threshold
        for k, theme in enumerate(theme_ids):
            others = truth[train].copy()
            others[:, k] = 0  # the generic model never sees this theme's labels
            generic = ThemeModel.fit(vectors[rows][train], features[train], others, theme_ids, 10**9,
                                     settings.regularization)
            zero_shot[test, k] = generic.predict(vectors[rows][test], features[test])[:, k] >= threshold
        texts = annotated["text"].tolist()
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        train_x = vectorizer.fit_transform([texts[i] for i in train])
        test_x = vectorizer.transform([texts[i] for i in test])
        for k in range(len(theme_ids)):
            y = truth[train, k]
            if y.min() == y.max():
                tfidf_pred[test, k] = y[0]
                continue
            tfidf = LogisticRegression(C=settings.regularization * 10, max_iter=2000, class_weight="balanced",
                                       solver="liblinear", random_state=SEED).fit(train_x, y)
            tfidf_pred[test, k] = tfidf.predict(test_x)
    term_pred = (features[:, :, 4] > 0).astype(int)
    methods = {"model": model_pred, "zero_shot": zero_shot, "baseline_terms": term_pred, "baseline_tfidf": tfidf_pred}
    metrics = {"n_sentences": len(rows), "n_groups": int(len(set(groups)))}
    metrics.update({name: _theme_scores(truth, predicted) for name, predicted in methods.items()})
    per_theme_rows = []
    for name, predicted in methods.items():
        precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, zero_division=0)
        for k, theme in enumerate(theme_ids):
            per_theme_rows.append({"theme": theme, "method": name, "precision": round(float(precision[k]), 4),
                                   "recall": round(float(recall[k]), 4), "f1": round(float(f1[k]), 4),
                                   "support": int(support[k])})
    per_theme = pd.DataFrame(per_theme_rows)
    metrics["per_theme"] = {
        row.theme: {"precision": row.precision, "recall": row.recall, "f1": row.f1, "support": row.support}
        for row in per_theme[per_theme["method"] == "model"].itertuples()
    }

    def names(row: np.ndarray) -> str:
        return "|".join(t for t, flag in zip(theme_ids, row, strict=True) if flag)

    predictions = pd.DataFrame(
        {
            "sentence_id": annotated["sentence_id"].tolist(),
            "body": annotated["body"].tolist(),
            "text": annotated["text"].tolist(),
            "annotated": [names(r) for r in truth],
            "predicted": [names(r) for r in model_pred],
        }
    ).sort_values("sentence_id")
    return metrics, per_theme, predictions


def evaluate_summaries(bodies: pd.DataFrame, segments: pd.DataFrame, sentences: pd.DataFrame) -> dict:
    """ROUGE-L of the draft summaries against the city's own summaries (the Beredning paragraphs),
    beside the lead-2 baseline (the answer's first two sentences)."""
    summaries = segments[(segments["section"] == "summary") & (segments["answer_id"] != "")]
    references = summaries.groupby("answer_id")["text"].apply(" ".join)
    by_segment = sentences.groupby("segment_id", sort=False)["text"].apply(list).to_dict()
    model, lead = [], []
    for body in bodies.itertuples():
        key = body.answer_id
        if key not in references.index or not body.summary:
            continue
        answer = segments[(segments["answer_id"] == key) & (segments["section"] == "tjansteutlatande")]
        texts = [t for segment_id in answer["segment_id"] for t in by_segment.get(segment_id, [])]
        model.append(rouge_l(references[key], body.summary))
        lead.append(rouge_l(references[key], lead_summary(texts)))
    return {
        "n_bodies": len(model),
        "model_rouge_l": round(float(np.mean(model)), 4) if model else 0.0,
        "baseline_lead2_rouge_l": round(float(np.mean(lead)), 4) if lead else 0.0,
    }


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    processed: Path = typer.Option(Path("data/processed")),
    interim: Path = typer.Option(Path("data/interim")),
    annotations: Path = typer.Option(ANNOTATIONS),
    exports: Path = typer.Option(Path("exports"), help="Classify stage output (draft summaries)."),
    out: Path = typer.Option(Path("metrics"), help="Directory for metrics.json and plot data."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Cross-validated stance and theme scores with baselines (DVC metrics and plots)."""
    params = load_params(params_file)
    segments = schemas.validate_segments(read_parquet(processed / "segments.parquet"))
    sentences = schemas.validate_sentences(read_parquet(interim / "sentences.parquet"))
    stance = evaluate_stance(segments, read_vectors(interim / "segment_embeddings.npy"), params, annotations)
    with open_encoder(params.model, params.embed) as encoder:
        themes, per_theme, theme_predictions = evaluate_themes(sentences, read_vectors(interim / "sentence_embeddings.npy"), params,
                                            annotations, encoder)
    summaries = {}
    if (exports / "bodies.parquet").exists():
        summaries = evaluate_summaries(schemas.validate_classified_bodies(read_parquet(exports / "bodies.parquet")),
                                       segments, sentences)
    write_json(out / "metrics.json", {"stance": stance.metrics, "themes": themes, "summaries": summaries})
    write_csv(out / "stance_confusion.csv", stance.confusion)
    write_csv(out / "theme_scores.csv", per_theme)
    write_csv(out / "theme_cv_predictions.csv", theme_predictions)
    brief = {"stance": stance.metrics, "themes": {k: v for k, v in themes.items() if k != "per_theme"},
             "summaries": summaries}
    typer.echo(json.dumps(brief, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    app()

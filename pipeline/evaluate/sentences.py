"""Sentence themes within the annotated remisser: grouped by body, copies scored once, beside the
seed terms alone, TF-IDF, and each theme zero-shot (the generic model trained on the other themes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support

from pipeline.annotations import align_themes, theme_label_matrix
from pipeline.config import Params
from pipeline.evaluate.folds import body_groups, folds, without_copies
from pipeline.models import SEED, ThemeModel, ThemeSpace, fit
from pipeline.themes import sentence_theme_features


def _theme_scores(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    return {
        "micro_f1": round(float(f1_score(truth, predicted, average="micro", zero_division=0)), 4),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
    }


def evaluate_sentence_themes(sentences: pd.DataFrame, vectors: np.ndarray, params: Params, annotations: Path,
                             space: ThemeSpace) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    theme_ids = [t.id for t in params.themes]
    labels = align_themes(annotations, sentences, theme_ids).labels
    matrix = theme_label_matrix(labels, theme_ids)
    position = pd.Series(range(len(sentences)), index=sentences["sentence_id"])
    matrix = matrix.iloc[without_copies(sentences["text"].iloc[position.loc[matrix.index]].tolist())]
    rows = position.loc[matrix.index].to_numpy()
    annotated = sentences.iloc[rows]
    truth = matrix.to_numpy()
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
            tfidf = fit(LogisticRegression(C=settings.regularization * 10, max_iter=2000, class_weight="balanced",
                                           solver="liblinear", random_state=SEED), train_x, y)
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

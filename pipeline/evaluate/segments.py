"""Segment stance within the annotated remisser: grouped by body, copies scored once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.annotations import align_stance
from pipeline.config import Params
from pipeline.cues import cue_stance
from pipeline.evaluate.folds import body_groups, folds, majority_by_section, stance_scores, without_copies
from pipeline.labels import STANCES
from pipeline.models import SEED, StanceModel, fit, stance_features
from pipeline.stance import blend, decide, find_statements


@dataclass
class StanceEvaluation:
    metrics: dict
    confusion: pd.DataFrame


def _tfidf_stance(train_texts: list[str], train_y: list[str], test_texts: list[str], c: float) -> list[str]:
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    model = LogisticRegression(C=c * 10, max_iter=2000, class_weight="balanced", random_state=SEED)
    model = fit(model, vectorizer.fit_transform(train_texts), train_y)
    return list(model.predict(vectorizer.transform(test_texts)))


def evaluate_segment_stance(segments: pd.DataFrame, sentences: pd.DataFrame, vectors: np.ndarray, params: Params,
                            annotations: Path) -> StanceEvaluation:
    labels = align_stance(annotations, segments).labels
    position = pd.Series(range(len(segments)), index=segments["segment_id"])
    labels = labels.iloc[without_copies(segments["text"].iloc[position.loc[labels["segment_id"]]].tolist())]
    rows = position.loc[labels["segment_id"]].to_numpy()
    texts = segments["text"].iloc[rows].tolist()
    sections = segments["section"].iloc[rows].tolist()
    sentence_texts = sentences.groupby("segment_id", sort=False)["text"].apply(list)
    decisions = [decide(find_statements(sentence_texts.get(segment_id, [])))
                 for segment_id in labels["segment_id"]]
    truth = labels["stance"].tolist()
    groups = body_groups(segments["body"].iloc[rows].tolist())
    features = stance_features(vectors[rows], texts, sections)
    predictions = {name: [""] * len(rows) for name in ("model", "baseline_tfidf", "baseline_section_majority")}
    for train, test in folds(groups, params.classify.cv_folds):
        train_y = [truth[i] for i in train]
        majority = majority_by_section([sections[i] for i in train], train_y)
        if len(set(train_y)) < 2:
            model_pred = tfidf = [train_y[0]] * len(test)
        else:
            model = StanceModel.fit(features[train], train_y, params.classify.regularization)
            probabilities = model.predict_proba(features[test])
            model_pred = [STANCES[int(blend(p, decisions[i], params.classify.decisive_weight).argmax())]
                          for p, i in zip(probabilities, test, strict=True)]
            tfidf = _tfidf_stance([texts[i] for i in train], train_y, [texts[i] for i in test],
                                  params.classify.regularization)
        for k, i in enumerate(test):
            predictions["model"][i] = model_pred[k]
            predictions["baseline_tfidf"][i] = tfidf[k]
            predictions["baseline_section_majority"][i] = majority.get(sections[i], STANCES[-1])
    predictions["baseline_cues"] = [cue_stance(t) for t in texts]
    metrics = {"n_segments": len(rows), "n_groups": int(len(set(groups)))}
    metrics |= {name: stance_scores(truth, predicted) for name, predicted in predictions.items()}
    confusion = pd.DataFrame({"actual": truth, "predicted": predictions["model"],
                              "segment_id": labels["segment_id"].tolist()})
    return StanceEvaluation(metrics, confusion.sort_values("segment_id").reset_index(drop=True))

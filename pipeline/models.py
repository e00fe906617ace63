"""The stance and theme models, shared by `classify` (train on everything, predict) and
`evaluate` (train and predict inside grouped cross-validation).

Themes: every (sentence, theme) pair gets theme-agnostic features — similarity of the sentence to
the theme's description and to its seed terms (absolute, and relative to the other themes, since
e5 similarities sit in a narrow band) and the number of seed terms found on lemmas. One logistic
regression over these features, trained on all annotated themes at once, recognises *any* theme
from its description and terms: that is how a newly added theme works zero-shot. A theme with
enough annotated examples also gets its own logistic regression on the sentence embedding plus
those features, with balanced class weights (most sentences are not about any one theme; without
them recall suffers). The generic model is left unweighted: it must stay calibrated across themes.

Stance: a multinomial logistic regression on the segment embedding, the cue-phrase counts and the
section kind, with balanced class weights (negative answers are rare but matter). The decisive
statement (`pipeline.stance`) is applied on top, in `pipeline.labelling`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from pipeline.cues import cue_matrix
from pipeline.disk_cache import cached
from pipeline.labels import SECTION_KINDS, STANCES

SEED = 0
Estimator = TypeVar("Estimator", bound=BaseEstimator)


def fit(estimator: Estimator, x: np.ndarray | sparse.spmatrix, y) -> Estimator:
    """`estimator.fit(x, y)`, or the same model fitted earlier on the same data with the same
    settings (pipeline/disk_cache.py): a re-run after a threshold change fits nothing."""
    return cached("models", (estimator, x, np.asarray(y)), lambda: estimator.fit(x, y))


@dataclass(frozen=True)
class ThemeSpace:
    """Embeddings of each theme's description and seed terms, in the sentence encoder's space."""

    ids: list[str]
    descriptions: np.ndarray  # (themes, dim)
    terms: list[np.ndarray]  # per theme: (terms, dim)


def theme_features(vectors: np.ndarray, term_counts: np.ndarray, space: ThemeSpace) -> np.ndarray:
    """(texts, themes, 5): description and term similarity, both also relative to the other
    themes, and the log count of seed terms found."""
    description = vectors @ space.descriptions.T
    term = np.stack([(vectors @ t.T).max(axis=1) for t in space.terms], axis=1)
    relative_description = description - description.mean(axis=1, keepdims=True)
    relative_term = term - term.mean(axis=1, keepdims=True)
    return np.stack([relative_description, relative_term, description, term, term_counts], axis=2).astype(np.float32)


def _logistic(c: float, balanced: bool = False) -> Pipeline:
    return make_pipeline(
        StandardScaler(),
        LogisticRegression(C=c, max_iter=2000, class_weight="balanced" if balanced else None, random_state=SEED),
    )


@dataclass
class ThemeModel:
    """Zero-shot model for every theme, plus a trained model for well-annotated themes."""

    ids: list[str]
    generic: Pipeline | None = None
    specific: dict[str, Pipeline] = field(default_factory=dict)

    @classmethod
    def fit(cls, vectors: np.ndarray, features: np.ndarray, labels: np.ndarray, ids: list[str],
            min_positive: int, c: float) -> ThemeModel:
        """`labels` (texts, themes) holds 1, 0, or -1 for "not labelled" (a reviewer's correction
        of one theme says nothing about the others); `features` comes from `theme_features`."""
        model = cls(ids)
        annotated = (labels == 1).any(axis=0)  # a theme nobody annotated teaches the generic model nothing
        pairs_x = features[:, annotated, :].reshape(-1, features.shape[2])
        pairs_y = labels[:, annotated].reshape(-1)
        known = pairs_y >= 0
        if len(set(pairs_y[known])) == 2:
            model.generic = fit(_logistic(c), pairs_x[known], pairs_y[known])
        for index, theme in enumerate(ids):
            rows = labels[:, index] >= 0
            y = labels[rows, index]
            if y.sum() >= min_positive and (len(y) - y.sum()) >= min_positive:
                x = np.hstack([vectors[rows], features[rows, index, :]])
                model.specific[theme] = fit(_logistic(c, balanced=True), x, y)
        return model

    def predict(self, vectors: np.ndarray, features: np.ndarray) -> np.ndarray:
        """(texts, themes) probabilities."""
        n, themes, width = features.shape
        if self.generic is not None:
            probabilities = self.generic.predict_proba(features.reshape(-1, width))[:, 1].reshape(n, themes)
        else:  # no annotations at all: seed terms alone decide
            probabilities = np.clip(features[:, :, 4] / np.log(2), 0, 1) * 0.75
        for index, theme in enumerate(self.ids):
            if theme in self.specific:
                x = np.hstack([vectors, features[:, index, :]])
                probabilities[:, index] = self.specific[theme].predict_proba(x)[:, 1]
        return probabilities.astype(np.float32)

    def kind(self, theme: str) -> str:
        return "trained" if theme in self.specific else "zero-shot"


def section_matrix(sections: list[str]) -> np.ndarray:
    return np.array([[float(s == kind) for kind in SECTION_KINDS] for s in sections], dtype=np.float32).reshape(
        len(sections), len(SECTION_KINDS)
    )


def stance_features(vectors: np.ndarray, texts: list[str], sections: list[str]) -> np.ndarray:
    return np.hstack([vectors, cue_matrix(texts) * 3.0, section_matrix(sections)]).astype(np.float32)


@dataclass
class StanceModel:
    pipeline: Pipeline

    @classmethod
    def fit(cls, features: np.ndarray, labels: list[str], c: float) -> StanceModel:
        return cls(fit(_logistic(c, balanced=True), features, labels))

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(texts, 4) probabilities in the order of `STANCES` (a class never seen in training: 0)."""
        raw = self.pipeline.predict_proba(features)
        out = np.zeros((len(features), len(STANCES)), dtype=np.float32)
        for column, label in enumerate(self.pipeline.classes_):
            out[:, STANCES.index(label)] = raw[:, column]
        return out


def stance_labels(probabilities: np.ndarray) -> list[str]:
    return [STANCES[i] for i in probabilities.argmax(axis=1)]

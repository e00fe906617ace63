"""Cross-validation groups and the scores every evaluation reports."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.model_selection import GroupKFold

from pipeline.duplicates import NEAR_COPY, near_copy_groups
from pipeline.labels import STANCES

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


def stance_scores(truth: list[str], predicted: list[str]) -> dict[str, float]:
    """Accuracy, macro-F1 over the labels that occur (in the truth or the predictions), F1 per
    label, and the recall of `negative` (finding the bodies that say no comes first)."""
    if not truth:
        return {}
    labels = [s for s in STANCES if s in set(truth) | set(predicted)]
    per_label = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    scores = {
        "n": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(float(np.mean(per_label)), 4),
        **{f"f1_{label}": round(float(f), 4) for label, f in zip(labels, per_label, strict=True)},
    }
    if "negative" in truth:
        scores["negative_recall"] = round(float(recall_score(truth, predicted, labels=["negative"], average="micro",
                                                             zero_division=0)), 4)
    support = [(t, p) for t, p in zip(truth, predicted, strict=True)
               if t in ("positive", "positive_with_reservations")]
    if support:  # where the line between the two lies: the answers annotated as either
        scores["positive_vs_reservations_agreement"] = round(sum(t == p for t, p in support) / len(support), 4)
    return scores


def majority_by_section(sections: list[str], labels: list[str]) -> dict[str, str]:
    """The section-majority baseline's table: each section's most common label (ties: STANCES order)."""
    table: dict[str, str] = {}
    for section in sorted(set(sections)):
        counts = {s: 0 for s in STANCES}
        for sec, label in zip(sections, labels, strict=True):
            if sec == section:
                counts[label] += 1
        table[section] = max(STANCES, key=lambda s: (counts[s], -STANCES.index(s)))
    return table


def overall_majority(labels: list[str]) -> str:
    return max(STANCES, key=lambda s: (labels.count(s), -STANCES.index(s)))

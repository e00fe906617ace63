"""Near-copies of a text: the same party statement made in many bodies, a summary that quotes
its answer. Used to group repeated statements in the report and to keep copies in one
cross-validation fold, so a model cannot score well by remembering them."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

NEAR_COPY = 0.8


def near_copy_groups(texts: list[str], owners: list[str] | None = None, threshold: float = NEAR_COPY) -> np.ndarray:
    """Group numbers (0, 1, … in order of first appearance) joining texts whose character n-gram
    TF-IDF cosine reaches `threshold`, and, when `owners` is given, texts with the same owner."""
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    if owners is not None:
        first_of: dict[str, int] = {}
        for i, owner in enumerate(owners):
            union(i, first_of.setdefault(owner, i))
    if len(texts) > 1:
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
        rows, cols = (cosine_similarity(matrix, dense_output=False) >= threshold).nonzero()
        for i, j in zip(rows, cols, strict=True):
            if i < j:
                union(int(i), int(j))
    roots = [find(i) for i in range(len(texts))]
    order = {root: k for k, root in enumerate(dict.fromkeys(roots))}
    return np.array([order[r] for r in roots], dtype=int)

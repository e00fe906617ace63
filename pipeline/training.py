"""The training corpus: the documents the project's annotations were made on.

The models are trained on every annotated document, not only on the documents of the current run:
`remiss analyze` on a folder of new remissvar still learns from the annotated seeds. Annotated
documents missing from the run are read from `paths.training` (default `data/raw/`), segmented and
embedded (from the embedding cache, after the first time) and appended after the run's own rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.annotations import STANCE_FILE, THEME_FILE
from pipeline.config import PROJECT_ROOT, Params
from pipeline.encoder import Encoder
from pipeline.ingest import ingest_paths
from pipeline.registry import Registry
from pipeline.segment import segment_all


@dataclass
class Corpus:
    """The run's rows first (`current_*` of them), then the extra annotated documents."""

    segments: pd.DataFrame
    sentences: pd.DataFrame
    sentence_vectors: np.ndarray
    segment_vectors: np.ndarray
    current_segments: int
    current_sentences: int
    missing: list[str]


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def annotated_documents(annotations: Path) -> set[str]:
    names: set[str] = set()
    for file in (STANCE_FILE, THEME_FILE, "corrections.csv"):
        path = annotations / file
        if path.exists():
            names |= set(pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["doc"])["doc"])
    return names


def training_corpus(segments: pd.DataFrame, sentences: pd.DataFrame, sentence_vectors: np.ndarray,
                    segment_vectors: np.ndarray, params: Params, encoder: Encoder, annotations: Path) -> Corpus:
    corpus = Corpus(segments, sentences, sentence_vectors, segment_vectors, len(segments), len(sentences), [])
    wanted = sorted(annotated_documents(annotations) - set(segments["doc"]))
    if not wanted:
        return corpus
    folder = _resolve(params.paths.training)
    paths = [folder / name for name in wanted if (folder / name).is_file()]
    corpus.missing = [name for name in wanted if not (folder / name).is_file()]
    if not paths:
        return corpus
    documents, failures = ingest_paths(paths, params.ingest)
    corpus.missing += [f.path.name for f in failures]
    if not documents:
        return corpus
    from pipeline.embed import embed_tables  # here: embed imports this stage's neighbours

    lines = pd.concat([d.lines for d in documents], ignore_index=True)
    extra, _ = segment_all(lines, Registry.load(_resolve(params.paths.registry)), params.segment)
    extra_sentences, extra_sentence_vectors, extra_segment_vectors = embed_tables(extra.segments, lines, encoder)
    corpus.segments = pd.concat([segments, extra.segments], ignore_index=True)
    corpus.sentences = pd.concat([sentences, extra_sentences], ignore_index=True)
    corpus.sentence_vectors = np.vstack([sentence_vectors, extra_sentence_vectors]).astype(np.float32)
    corpus.segment_vectors = np.vstack([segment_vectors, extra_segment_vectors]).astype(np.float32)
    return corpus

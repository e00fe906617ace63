"""Segments and sentences with their vectors, as one value: what the embed stage produces and
what classification trains on.

The models learn from every annotated document, not only from the documents of the current run,
so classify joins the run's corpus with the training corpus (the annotated documents, written by
the training stage). Rows and vectors travel together, so they can never fall out of step.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.io import read_csv, read_parquet, read_vectors, write_csv, write_table, write_vectors

SENTENCE_VECTORS = "sentence_embeddings.npy"
SEGMENT_VECTORS = "segment_embeddings.npy"
TRAINING_DOCUMENTS = "documents.csv"
TRAINING_COLUMNS = ("doc", "status", "message")  # status: used | failed (message: why)


@dataclass(frozen=True)
class EmbeddedCorpus:
    segments: pd.DataFrame
    sentences: pd.DataFrame
    sentence_vectors: np.ndarray
    segment_vectors: np.ndarray
    missing: tuple[str, ...] = field(default=())  # annotated documents that could not be read

    def __post_init__(self) -> None:
        if len(self.segments) != len(self.segment_vectors) or len(self.sentences) != len(self.sentence_vectors):
            raise ValueError("corpus rows and vectors differ in number")

    @property
    def documents(self) -> set[str]:
        return set(self.segments["doc"])

    def without(self, documents: Collection[str]) -> EmbeddedCorpus:
        """The corpus less the rows (and vectors) of these documents."""
        keep_segments = ~self.segments["doc"].isin(list(documents)).to_numpy()
        keep_sentences = ~self.sentences["doc"].isin(list(documents)).to_numpy()
        return EmbeddedCorpus(self.segments[keep_segments].reset_index(drop=True),
                              self.sentences[keep_sentences].reset_index(drop=True),
                              self.sentence_vectors[keep_sentences], self.segment_vectors[keep_segments], self.missing)

    def plus(self, other: EmbeddedCorpus) -> EmbeddedCorpus:
        """This corpus's rows first, then the other's."""
        return EmbeddedCorpus(pd.concat([self.segments, other.segments], ignore_index=True),
                              pd.concat([self.sentences, other.sentences], ignore_index=True),
                              np.vstack([self.sentence_vectors, other.sentence_vectors]).astype(np.float32),
                              np.vstack([self.segment_vectors, other.segment_vectors]).astype(np.float32),
                              self.missing + other.missing)


def write_corpus(folder: Path, corpus: EmbeddedCorpus, with_segments: bool = True) -> None:
    """Sentences and both vector files (and the segments, unless another stage owns them)."""
    if with_segments:
        write_table(folder, "segments", corpus.segments)
    write_table(folder, "sentences", corpus.sentences)
    write_vectors(folder / SENTENCE_VECTORS, corpus.sentence_vectors)
    write_vectors(folder / SEGMENT_VECTORS, corpus.segment_vectors)


def read_corpus(segments_file: Path, folder: Path, missing: tuple[str, ...] = ()) -> EmbeddedCorpus:
    """Segments from `segments_file`, sentences and both vector files from `folder`."""
    return EmbeddedCorpus(schemas.validate_segments(read_parquet(segments_file)),
                          schemas.validate_sentences(read_parquet(folder / "sentences.parquet")),
                          read_vectors(folder / SENTENCE_VECTORS), read_vectors(folder / SEGMENT_VECTORS), missing)


def write_training(folder: Path, corpus: EmbeddedCorpus, bodies: pd.DataFrame, documents: pd.DataFrame) -> None:
    """The training corpus with its bodies, and which annotated documents it holds or lacks
    (documents.csv)."""
    write_corpus(folder, corpus)
    write_table(folder, "bodies", bodies)
    write_csv(folder / TRAINING_DOCUMENTS, documents[list(TRAINING_COLUMNS)])


def unused_documents(documents: pd.DataFrame) -> tuple[str, ...]:
    """The annotated documents a training table (TRAINING_COLUMNS) could not use, each with why."""
    return tuple(f"{row.doc} ({row.message})" for row in documents.itertuples() if row.status != "used")


def read_training_bodies(folder: Path) -> pd.DataFrame:
    """The bodies of the annotated documents (what their answers are evaluated against)."""
    return schemas.validate_bodies(read_parquet(folder / "bodies.parquet"))


def read_training(folder: Path) -> EmbeddedCorpus:
    """What the training stage wrote: the annotated documents, segmented and embedded."""
    documents = read_csv(folder / TRAINING_DOCUMENTS)
    return read_corpus(folder / "segments.parquet", folder, unused_documents(documents))

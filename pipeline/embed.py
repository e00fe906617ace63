"""Stage 3, embed: every sentence and every segment as a vector, cached by text.

Sentences are what themes are recognised in and what evidence quotes; segments are what stance is
decided on. Both are embedded with the configured model (pipeline/encoder.py). A segment longer
than the model's limit is packed into sentence chunks that fit and pooled, never truncated.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from pipeline import schemas
from pipeline.config import load_params
from pipeline.corpus import EmbeddedCorpus, write_corpus
from pipeline.encoder import Encoder, open_encoder
from pipeline.errors import report_errors
from pipeline.io import read_parquet
from pipeline.sentences import sentences_table


def embed_tables(segments: pd.DataFrame, lines: pd.DataFrame, encoder: Encoder) -> EmbeddedCorpus:
    """The segments with their sentences, and a vector for each sentence and each segment."""
    sentences = sentences_table(segments, lines)
    sentence_vectors = encoder.encode(sentences["text"].tolist())
    grouped = sentences.groupby("segment_id", sort=False)["text"].apply(list).to_dict()
    passages = [grouped.get(segment_id) or [text] for segment_id, text in zip(segments["segment_id"], segments["text"], strict=True)]
    segment_vectors = encoder.encode_passages(passages)
    return EmbeddedCorpus(segments, schemas.validate_sentences(sentences), sentence_vectors, segment_vectors)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    segments_path: Path = typer.Option(Path("data/processed/segments.parquet"), "--segments"),
    lines_path: Path = typer.Option(Path("data/interim/lines.parquet"), "--lines"),
    out: Path = typer.Option(Path("data/interim"), help="Directory for sentences and vectors."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Embed sentences and segments with the configured model (cached by text)."""
    params = load_params(params_file)
    segments = schemas.validate_segments(read_parquet(segments_path))
    lines = schemas.validate_lines(read_parquet(lines_path))
    started = time.perf_counter()
    with open_encoder(params.model, params.embed) as encoder:
        corpus = embed_tables(segments, lines, encoder)
        stats = encoder.stats
    write_corpus(out, corpus, with_segments=False)
    typer.echo(
        f"embed: {len(corpus.sentences)} sentences, {len(segments)} segments in {time.perf_counter() - started:.1f} s; "
        f"{stats.embedded} texts embedded, {stats.from_cache} from cache, {stats.windows} extra windows"
    )


if __name__ == "__main__":
    app()

"""Scale out with Dask: read, segment and embed documents on a cluster's workers.

Why: one machine reads a remiss round in minutes, but a national archive (thousands of remissvar a
year, many scanned and OCR'd page by page) needs more cores than a laptop has. `remiss analyze
--workers N` starts a `LocalCluster` of N single-threaded worker processes; `--scheduler ADDRESS`
uses a cluster someone started with `dask scheduler` and `dask worker ADDRESS` (every worker needs
this project installed, the model built, and the documents at the same paths).

What runs where, so that the result is byte-identical to a serial run:
* workers read and segment one document each (OCR included) and return its tables, which the
  client puts together in input order, as the serial path does;
* the client looks up the embedding cache and sends only the texts it lacks to the workers in
  chunks; workers return vectors and the client alone writes the cache (one SQLite writer);
* the ONNX backend embeds one text at a time, so a text's vector is the same on any worker.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from pipeline.config import IngestParams, ModelParams, SegmentParams
from pipeline.errors import RemissError
from pipeline.ingest import Document, Failure, ingest_file
from pipeline.registry import Registry
from pipeline.segment import Segmentation, segment_document

if TYPE_CHECKING:
    from distributed import Client


class ClusterUnavailableError(RemissError):
    """--scheduler names a Dask scheduler that cannot be reached."""

    exit_code = 18

SCHEDULER_TIMEOUT_S = 10
EMBED_CHUNK = 64
"""Texts per embedding task: big enough to keep a worker busy, small enough to spread the work."""


@dataclass
class DocumentResult:
    """What a worker returns for one input: the document and its segmentation, or why not."""

    path: Path
    document: Document | None = None
    segmentation: Segmentation | None = None
    ingest_error: RemissError | None = None
    segment_error: RemissError | None = None


def read_and_segment(path: Path, doc: str, ingest: IngestParams, registry: Registry,
                     segment: SegmentParams) -> DocumentResult:
    """One document, ingested and segmented; a bad file is a result with its error, never a crash."""
    try:
        document = ingest_file(path, ingest, doc=doc)
    except RemissError as error:
        return DocumentResult(path, ingest_error=error)
    try:
        return DocumentResult(path, document, segment_document(document.lines, registry, segment))
    except RemissError as error:
        return DocumentResult(path, document, segment_error=error)


@contextmanager
def open_client(workers: int = 0, scheduler: str | None = None) -> Iterator[Client]:
    """A client of a new LocalCluster with `workers` processes, or of the cluster at `scheduler`."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterUnavailableError(f"cannot reach the Dask scheduler at {scheduler} "
                                          f"({type(error).__name__}); is `dask scheduler` running there?") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=40) as cluster, Client(cluster) as client:
        yield client


def _gather_in_order(client: Client, futures: list, label: str, unit: str) -> list:
    """Wait for every future, showing `label` done / total, and return the results in input order."""
    from distributed import as_completed

    with tqdm(total=len(futures), desc=label, unit=unit, file=sys.stderr, disable=None) as bar:
        for _ in as_completed(futures):
            bar.update(1)
    return client.gather(futures)


def read_and_segment_all(client: Client, planned: Sequence[tuple[Path, str]], ingest: IngestParams,
                         registry: Registry, segment: SegmentParams) -> list[DocumentResult]:
    """Every planned (path, doc name) read and segmented on the workers, in input order."""
    registry_future = client.scatter(registry, broadcast=True)
    futures = [client.submit(read_and_segment, path, doc, ingest, registry_future, segment, key=f"read-{index}-{doc}",
                             pure=False) for index, (path, doc) in enumerate(planned)]
    return _gather_in_order(client, futures, "documents", "doc")


@lru_cache(maxsize=2)
def _worker_model(model_json: str):
    """The model, loaded once per worker process (keyed by its parameters)."""
    from pipeline.encoder import load_model, resolve_model

    params = ModelParams.model_validate_json(model_json)
    return load_model(resolve_model(params), params.device)


def embed_chunk(texts: list[str], model_json: str) -> np.ndarray:
    return _worker_model(model_json).encode(texts, batch_size=len(texts), convert_to_numpy=True,
                                            normalize_embeddings=True, show_progress_bar=False)


def model_runner(client: Client, params: ModelParams) -> Callable[[list[str]], np.ndarray]:
    """A function that embeds texts on the workers: what the Encoder calls for uncached texts."""
    worker_params = params.model_copy(update={"threads": 1}).model_dump_json()

    def run(texts: list[str]) -> np.ndarray:
        chunks = [texts[start : start + EMBED_CHUNK] for start in range(0, len(texts), EMBED_CHUNK)]
        futures = client.map(embed_chunk, chunks, model_json=worker_params, pure=False)
        return np.concatenate(_gather_in_order(client, futures, "embedding", "chunk")).astype(np.float32)

    return run


def failures_of(results: Sequence[DocumentResult]) -> tuple[list[Failure], list[tuple[str, RemissError]]]:
    """The inputs that could not be read, and the documents that could not be segmented."""
    unread = [Failure(r.path, r.ingest_error) for r in results if r.ingest_error is not None]
    unsegmented = [(r.document.doc, r.segment_error) for r in results if r.segment_error is not None and r.document]
    return unread, unsegmented

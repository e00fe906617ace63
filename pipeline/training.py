"""The training stage: the documents the project's annotations were made on, ingested, segmented
and embedded, so classify can learn from every annotation whatever the run's own input is.

`remiss analyze` on a folder of new remissvar still learns from the annotated seeds. Like the CLI,
this module runs other stages in one process (ingest -> segment -> embed, on `paths.training`);
it is an orchestrator, and no stage imports it. Embeddings come from the cache after the first
time, so the stage is cheap when the annotated documents are the run's own input.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from pipeline import schemas
from pipeline.annotations import ANNOTATIONS, ANSWER_FILE, CORRECTIONS_FILE, STANCE_FILE, THEME_FILE
from pipeline.config import PROJECT_ROOT, Params, load_params
from pipeline.corpus import (TRAINING_COLUMNS, TRAINING_DOCUMENTS, EmbeddedCorpus, read_training,
                             read_training_bodies, unused_documents, write_training)
from pipeline.embed import embed_tables
from pipeline.encoder import Encoder, open_encoder
from pipeline.errors import report_errors
from pipeline.io import add_files_to_digest, read_csv
from pipeline.ingest import ingest_paths
from pipeline.registry import Registry
from pipeline.segment import segment_all


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def annotated_documents(annotations: Path) -> set[str]:
    """The documents named in the stance, answer, theme and correction annotations."""
    names: set[str] = set()
    for file in (STANCE_FILE, ANSWER_FILE, THEME_FILE, CORRECTIONS_FILE):
        path = annotations / file
        if path.exists():
            names |= set(pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["doc"])["doc"])
    return names


def empty_corpus(dimension: int) -> EmbeddedCorpus:
    return EmbeddedCorpus(schemas.empty(schemas.SEGMENTS), schemas.empty(schemas.SENTENCES),
                          np.zeros((0, dimension), np.float32), np.zeros((0, dimension), np.float32))


def _find(name: str, folders: list[Path]) -> Path | None:
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def training_corpus(params: Params, encoder: Encoder, annotations: Path = ANNOTATIONS,
                    skip: Collection[str] = ()) -> tuple[EmbeddedCorpus, pd.DataFrame, pd.DataFrame]:
    """The annotated documents found in `paths.training` or `paths.corpus` (less those in `skip`,
    which the caller already has), their bodies, and a table saying for each annotated document
    whether it was used, and if not, why."""
    wanted = sorted(annotated_documents(annotations) - set(skip))
    folders = [_resolve(params.paths.training), _resolve(params.paths.corpus)]
    found = {name: path for name in wanted if (path := _find(name, folders)) is not None}
    problems = {name: f"not found in {params.paths.training} or {params.paths.corpus}"
                for name in wanted if name not in found}
    documents, failures = ingest_paths(list(found.values()), params.ingest)
    problems |= {failure.path.name: str(failure.error) for failure in failures}
    corpus, bodies = empty_corpus(encoder.dimension), schemas.empty(schemas.BODIES)
    if documents:
        lines = pd.concat([d.lines for d in documents], ignore_index=True)
        segmentation, unsegmented = segment_all(lines, Registry.load(_resolve(params.paths.registry)), params.segment)
        problems |= {doc: str(error) for doc, error in unsegmented}
        corpus, bodies = embed_tables(segmentation.segments, lines, encoder), segmentation.bodies
    table = pd.DataFrame([(name, "failed" if name in problems else "used", problems.get(name, "")) for name in wanted],
                         columns=list(TRAINING_COLUMNS))
    return replace(corpus, missing=unused_documents(table)), bodies, table


def _fingerprint(params: Params, encoder: Encoder, annotations: Path, skip: Collection[str]) -> str:
    """Everything the training corpus depends on: the annotations, the annotated documents, the
    registry and vocabulary, the params of the stages it runs, the model, and the code."""
    digest = hashlib.sha256()
    folders = [_resolve(params.paths.training), _resolve(params.paths.corpus)]
    files = [annotations / name for name in (STANCE_FILE, ANSWER_FILE, THEME_FILE, CORRECTIONS_FILE)]
    files += [found for name in sorted(annotated_documents(annotations) - set(skip))
              if (found := _find(name, folders)) is not None]
    files += [_resolve(params.paths.registry), *sorted((PROJECT_ROOT / "data" / "vocabulary").glob("*.yaml")),
              *sorted((PROJECT_ROOT / "pipeline").rglob("*.py"))]
    add_files_to_digest(digest, files, PROJECT_ROOT)
    settings = {name: getattr(params, name).model_dump(mode="json") for name in ("ingest", "segment", "embed")}
    del settings["embed"]["cache_dir"]  # where vectors are kept does not change them
    digest.update(json.dumps([settings, encoder.spec.fingerprint, sorted(skip)], sort_keys=True).encode())
    return digest.hexdigest()[:16]


TRAINING_CACHE = PROJECT_ROOT / ".cache" / "training"


def cached_training_corpus(params: Params, encoder: Encoder, annotations: Path = ANNOTATIONS,
                           skip: Collection[str] = (), cache: Path = TRAINING_CACHE
                           ) -> tuple[EmbeddedCorpus, pd.DataFrame, pd.DataFrame]:
    """`training_corpus`, kept under .cache/training/<fingerprint of every input>/: `remiss
    analyze` run again (staff correcting labels re-run often) reads it instead of ingesting,
    segmenting and looking up the annotated documents again. Written like the training stage's
    output, documents.csv last, so a half-written folder is never read."""
    folder = cache / _fingerprint(params, encoder, annotations, skip)
    if (folder / TRAINING_DOCUMENTS).exists():
        documents = read_csv(folder / TRAINING_DOCUMENTS)
        return read_training(folder), read_training_bodies(folder), documents
    corpus, bodies, documents = training_corpus(params, encoder, annotations, skip)
    write_training(folder, corpus, bodies, documents)
    _prune(folder.parent, keep=KEPT_TRAINING_CORPORA)
    return corpus, bodies, documents


KEPT_TRAINING_CORPORA = 4  # the cache keeps the most recently written ones (each is ~30 MB)


def _prune(cache: Path, keep: int) -> None:
    folders = sorted((f for f in cache.iterdir() if f.is_dir()), key=lambda f: f.stat().st_mtime, reverse=True)
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    annotations: Path = typer.Option(ANNOTATIONS, help="The project's annotations."),
    out: Path = typer.Option(Path("data/training"), help="Directory for the training corpus."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Ingest, segment and embed the annotated documents (from paths.training and paths.corpus)."""
    params = load_params(params_file)
    with open_encoder(params.model, params.embed) as encoder:
        corpus, bodies, documents = training_corpus(params, encoder, annotations)
    write_training(out, corpus, bodies, documents)
    used = int((documents["status"] == "used").sum())
    typer.echo(f"training: {used} of {len(documents)} annotated documents, {len(corpus.segments)} segments, "
               f"{len(corpus.sentences)} sentences")
    for row in documents[documents["status"] != "used"].itertuples():
        typer.echo(f"training: warning: {row.doc}: {row.message}", err=True)


if __name__ == "__main__":
    app()

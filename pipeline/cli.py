"""The `remiss` command line for staff: one command from documents to tables.

`remiss segment` splits documents into per-body segments; `remiss analyze` runs every stage
(ingest, segment, embed, classify, export) on any files or folders, without DVC, with the same
functions the DVC stages run, and writes everything into one output directory.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import typer

from pipeline.config import PROJECT_ROOT, Params, load_params
from pipeline.errors import report_errors, settle_failures
from pipeline.ingest import documents_table, ingest_paths, plan_inputs
from pipeline.io import ensure_writable_dir, write_parquet, write_table
from pipeline.progress import Progress
from pipeline.registry import Registry
from pipeline.segment import Segmentation, combine, segment_all, summary_lines, write_segmentation

if TYPE_CHECKING:
    from distributed import Client

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="remissanalys: turn remiss documents into a remissammanställning.",
)

INPUTS = typer.Argument(..., help="Documents (.txt, .pdf, .docx) or folders of documents.", show_default=False)
OUT = typer.Option(Path("out"), "--out", "-o", help="Output directory.")
PARAMS = typer.Option(Path("params.yaml"), "--params", help="Parameters file (defaults if missing).")
REGISTRY = typer.Option(None, "--registry", help="Body registry YAML (default: from params.yaml).")
WORKERS = typer.Option(0, "--workers", min=0, help="Read, segment and embed on a local Dask cluster of N "
                       "worker processes (0: in this process). For archives; see the README.")
SCHEDULER = typer.Option(None, "--scheduler", help="Use the Dask cluster at this address (tcp://host:8786) "
                         "instead of a local one.")
PROGRESS = typer.Option(None, "--progress", help="Write progress events (JSON lines, one per document and stage) "
                        "to this file, for a program that shows them.")


@app.callback()
def _root() -> None:
    """remissanalys: who answered a remiss, what they think and what they raise."""


def _resolve(path: Path) -> Path:
    """Project files named relatively in params.yaml are found from any working directory."""
    return path if path.is_absolute() or path.exists() else PROJECT_ROOT / path


def ingest_and_segment(inputs: list[Path], out: Path, params: Params, registry_file: Path | None,
                       client: Client | None = None, progress: Progress | None = None
                       ) -> tuple[pd.DataFrame, Segmentation]:
    """Read and segment the inputs (on the cluster's workers when `client` is given), report skipped
    files, write the documents table into `out`."""
    ensure_writable_dir(out)
    progress = progress or Progress()
    registry = Registry.load(registry_file or _resolve(params.paths.registry))
    if client is None:
        documents, failures = ingest_paths(inputs, params.ingest,
                                           on_document=lambda doc, error: progress.document("ingest", doc, error))
    else:  # the workers read and segment in one go; the failures are settled in the same order
        from pipeline.cluster import failures_of, read_and_segment_all

        results = read_and_segment_all(client, plan_inputs(inputs), params.ingest, registry, params.segment)
        documents = [r.document for r in results if r.document is not None]
        failures, segment_failures = failures_of(results)
        for failure in failures:
            progress.document("ingest", failure.path.name, failure.error)
        for document in documents:
            progress.document("ingest", document.doc)
    settle_failures([(str(f.path), f.error) for f in failures], len(documents))
    lines = pd.concat([d.lines for d in documents], ignore_index=True)
    if client is None:
        result, segment_failures = segment_all(lines, registry, params.segment,
                                               on_document=lambda doc, error: progress.document("segment", doc, error))
    else:
        result = combine(r.segmentation for r in results if r.segmentation is not None)
        failed = dict(segment_failures)
        for document in documents:
            progress.document("segment", document.doc, failed.get(document.doc))
    settle_failures(segment_failures, result.segments["doc"].nunique())
    genres = result.documents[["doc", "genre", "genre_cue"]]
    table = documents_table(documents, failures).merge(genres, on="doc", how="left").fillna({"genre": "", "genre_cue": ""})
    write_table(out, "documents", table)
    return lines, result


@app.command()
@report_errors
def segment(inputs: list[Path] = INPUTS, out: Path = OUT, params_file: Path = PARAMS,
            registry_file: Path | None = REGISTRY) -> None:
    """Split documents into per-body segments: segments.csv, bodies.csv (and Parquet twins)."""
    _, result = ingest_and_segment(inputs, out, load_params(params_file), registry_file)
    write_segmentation(result, out)
    for line in summary_lines(result):
        typer.echo(line)
    typer.echo(f"wrote {out}/segments.csv, {out}/bodies.csv, {out}/statement_links.csv")


@app.command()
@report_errors
def analyze(
    inputs: list[Path] = INPUTS,
    out: Path = OUT,
    params_file: Path = PARAMS,
    registry_file: Path | None = REGISTRY,
    annotations: Path = typer.Option(Path("data/annotations"), help="Annotations to train on (the project's own)."),
    workers: int = WORKERS,
    scheduler: str | None = SCHEDULER,
    progress_file: Path | None = PROGRESS,
) -> None:
    """Run every stage: segments, stance and themes with evidence, workbook, report and plots.

    Corrections a reviewer typed into DIR/remissammanstallning.xlsx (sheet Granskning) are kept in
    DIR/corrections.csv and applied on the next run into the same DIR."""
    from pipeline.classify import classify, write_classified
    from pipeline.cluster import model_runner
    from pipeline.corrections import harvest
    from pipeline.embed import embed_tables
    from pipeline.encoder import open_encoder
    from pipeline.export import export_all
    from pipeline.training import cached_training_corpus

    params = load_params(params_file)
    # A reviewer's corrections in this directory's workbook, from the previous run, are kept in
    # DIR/corrections.csv and applied (and learned from) in this run.
    reviewed, _ = harvest(out / "remissammanstallning.xlsx", out / "segments.parquet", out / "corrections.csv") \
        if (out / "remissammanstallning.xlsx").exists() or (out / "corrections.csv").exists() else (None, 0)
    progress = Progress(progress_file)
    try:
        with _cluster(workers, scheduler) as client:
            lines, segmentation = ingest_and_segment(inputs, out, params, registry_file, client, progress)
            write_parquet(out / "lines.parquet", lines)  # the text the line numbers cite (the web app shows it)
            write_table(out, "statement_links", segmentation.links)
            for line in summary_lines(segmentation):
                typer.echo(line)
            runner = model_runner(client, params.model) if client is not None else None
            with open_encoder(params.model, params.embed, runner=runner) as encoder:
                progress.event("embed", "started")
                run = embed_tables(segmentation.segments, lines, encoder)
                embedded = (f"{encoder.stats.embedded} texts embedded, {encoder.stats.from_cache} re-used from the "
                            "cache")
                typer.echo(f"embeddings: {embedded} ({encoder.cache.path if encoder.cache else 'no cache'})")
                progress.event("embed", "done", embedded)
                progress.event("training", "started")
                training, training_bodies, _ = cached_training_corpus(params, encoder, _resolve(annotations),
                                                                      skip=run.documents)
                progress.event("training", "done", f"{len(training_bodies)} annotated answers")
                progress.event("classify", "started")
                result = classify(run, segmentation.bodies, params, encoder, _resolve(annotations), reviewed,
                                  training, training_bodies)
        write_classified(result, out)
        progress.event("classify", "done")
        for problem in result.annotation_problems:
            typer.echo(f"remiss: warning: {problem}", err=True)
        progress.event("export", "started")
        written = [out / "segments.csv", out / "bodies.csv", out / "sentences.csv", *export_all(out, params)]
        progress.event("export", "done")
        typer.echo("wrote " + ", ".join(str(p) for p in written))
    finally:
        progress.close()


@app.command()
@report_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on. Anything but 127.0.0.1/localhost needs the "
                             "token printed at start on every request."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port."),
    data: Path | None = typer.Option(None, "--data", help="Where projects are kept, across restarts "
                                     "(default: data/web/ in this project)."),
    max_upload_mb: int = typer.Option(500, min=1, help="Largest upload (one request), in MB."),
    max_file_mb: int = typer.Option(100, min=1, help="Largest single file (or zip member), in MB."),
    max_files: int = typer.Option(200, min=1, help="Most files in one upload, zip members counted."),
) -> None:
    """A local web app for staff: projects, drag-and-drop upload, progress, review and corrections,
    downloads. Runs `remiss analyze` for each analysis; nothing leaves the machine."""
    import uvicorn

    from pipeline.web.app import Settings, create_app
    from pipeline.web.security import is_loopback, new_token
    from pipeline.web.uploads import UploadLimits

    data = (data or PROJECT_ROOT / "data" / "web").resolve()
    ensure_writable_dir(data)
    token = None if is_loopback(host) else new_token()
    limits = UploadLimits(max_files=max_files, max_file_bytes=max_file_mb * 2**20, max_total_bytes=max_upload_mb * 2**20)
    application = create_app(Settings(data, token, limits))
    shown = f"[{host}]" if ":" in host else host
    link = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"remiss serve: öppna {link}  (projekt i {data}; Ctrl+C avslutar)")
    if token:
        typer.echo("remiss serve: appen lyssnar på ett annat nätverk än den egna datorn; varje förfrågan kräver "
                   "token-länken ovan")
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _cluster(workers: int, scheduler: str | None):
    """A Dask client when asked for (--workers / --scheduler), else nothing: the serial path."""
    if not workers and not scheduler:
        return nullcontext(None)
    from pipeline.cluster import open_client

    return open_client(workers, scheduler)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

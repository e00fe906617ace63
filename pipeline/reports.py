"""Stage 7, reports: the notebooks executed on the pipeline's outputs and written as HTML.

The notebooks are stored without outputs (so diffs show code, not numbers), which means a reviewer
who opens them sees no result. This stage runs each one on the current `exports/` and `metrics/`
and writes `reports/<notebook>.html`: self-contained (styles and figures inline, no scripts or
links to fetch), so it can be read anywhere, offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import typer
from nbconvert import HTMLExporter
from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor

from pipeline.config import PROJECT_ROOT
from pipeline.errors import RemissError, report_errors
from pipeline.io import write_text

CELL_TIMEOUT = 900  # seconds; a notebook on a fresh clone runs the pipeline once (pipeline.results)
_SCRIPT = re.compile(r"<script\b.*?</script>\s*", re.DOTALL | re.IGNORECASE)


class NotebookFailed(RemissError):
    exit_code = 17


def execute(notebook: Path) -> nbformat.NotebookNode:
    """The notebook with fresh outputs, run in its own folder (as Jupyter would)."""
    node = nbformat.read(notebook, as_version=4)
    runner = ExecutePreprocessor(timeout=CELL_TIMEOUT, kernel_name="python3", record_timing=False)
    try:
        runner.preprocess(node, {"metadata": {"path": str(notebook.parent)}})
    except CellExecutionError as error:
        last = next((line for line in reversed(str(error).splitlines()) if line.strip()), "")
        raise NotebookFailed(f"{notebook.name}: a cell failed: {last}") from None
    return node


def to_html(node: nbformat.NotebookNode, title: str) -> str:
    """Static HTML: inline styles and images, without the scripts a notebook page would load
    from the web (require.js, MathJax), so nothing is fetched when it is opened."""
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    node.metadata["title"] = title
    html, _ = exporter.from_notebook_node(node)
    return _SCRIPT.sub("", html)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    notebooks: Path = typer.Option(PROJECT_ROOT / "notebooks", help="Folder of the notebooks to run."),
    out: Path = typer.Option(PROJECT_ROOT / "reports", help="Folder for the HTML reports."),
) -> None:
    """Execute every notebook and write it, with its outputs, as self-contained HTML."""
    for notebook in sorted(notebooks.glob("*.ipynb")):
        html = to_html(execute(notebook), notebook.stem)
        target = out / f"{notebook.stem}.html"
        write_text(target, html)
        typer.echo(f"reports: wrote {target}")


if __name__ == "__main__":
    app()

"""Stage 5, export, as run by DVC and `remiss analyze`: every output from the classify tables."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.config import Params, load_params
from pipeline.errors import report_errors
from pipeline.export.data import load_exports
from pipeline.export.plots import make_plots, write_plots
from pipeline.export.report import write_report
from pipeline.export.tables import write_tables
from pipeline.export.workbook import write_workbook
from pipeline.io import ensure_writable_dir


def export_all(exports_dir: Path, params: Params) -> list[Path]:
    """Write the workbook, the aggregated tables, the plots and the report; return the files, sorted."""
    exports_dir = Path(exports_dir)
    data = load_exports(exports_dir, params)
    ensure_writable_dir(exports_dir)
    plots = make_plots(data)
    written = [write_workbook(data, exports_dir)]
    written += write_tables(data, exports_dir)
    written += write_plots(data, exports_dir, plots)
    written.append(write_report(data, exports_dir, plots, params.classify.threshold))
    return sorted(written)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    exports: Path = typer.Option(Path("exports"), "--exports", help="Classify output; the export files go here too."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params", help="Parameters (theme labels, threshold)."),
) -> None:
    """Write remissammanstallning.xlsx, the aggregated tables, plots and report.html."""
    written = export_all(exports, load_params(params_file))
    typer.echo(f"export: {len(written)} files written to {exports}")

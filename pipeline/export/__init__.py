"""Stage 5, export: the remissammanställning for people — workbook, tables, plots and a report.

Reads what `pipeline.classify` wrote (`bodies.parquet` and `segments.parquet` in the exports
directory; every quote needed is already in their evidence columns) and writes, next to them:

* `remissammanstallning.xlsx` — sheets *Översikt*, *Teman*, *Partier*, *Citat*, *Granskning*
  (`workbook`, `sheets`; the review sheet's layout and words are `pipeline.review_sheet`'s);
* `stance_by_body_type`, `theme_by_body_type`, `theme_by_stance` — CSV + Parquet (`tables`);
* `plots/stance_by_body_type`, `plots/theme_frequency`, `plots/theme_body_heatmap` — PNG + SVG,
  and the DVC plot data `plots/theme_frequency.csv` (theme,bodies) and
  `plots/stance_by_body_type.csv` (body_type,stance,count) (`plots`);
* `report.html` — a self-contained Swedish draft (inline CSS and SVG, no external resources),
  from `templates/report.html.j2` (`report`).

Who is counted is explained in `data`. Every file is written atomically and deterministically: the
same input gives byte-identical files (fixed workbook timestamps and zip dates, no dates in PNG/SVG
metadata, salted SVG ids).
"""

from pipeline.export.data import ExportData, counted_bodies, load_exports, remiss_key, theme_catalog
from pipeline.export.plots import make_plots, plot_data, write_plots
from pipeline.export.report import render_report, write_report
from pipeline.export.sheets import SHEETS, WORKBOOK
from pipeline.export.stage import app, export_all, main
from pipeline.export.tables import stance_by_body_type, theme_by_body_type, theme_by_stance, write_tables
from pipeline.export.workbook import build_workbook, write_workbook

__all__ = [
    "SHEETS", "WORKBOOK", "ExportData", "app", "build_workbook", "counted_bodies", "export_all",
    "load_exports", "main", "make_plots", "plot_data", "remiss_key", "render_report", "stance_by_body_type",
    "theme_by_body_type", "theme_by_stance", "theme_catalog", "write_plots", "write_report", "write_tables",
    "write_workbook",
]

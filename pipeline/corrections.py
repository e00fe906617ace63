"""The correction loop: a reviewer's corrections, kept for good, applied everywhere, learned from.

A reviewer writes a correction in the *Granskning* sheet of `exports/remissammanstallning.xlsx`
(column "Granskarens rättelse"; layout and accepted words in `pipeline.review_sheet`) or directly
in `data/annotations/corrections.csv`. The `corrections` stage, first in every `dvc repro`, copies
new entries from the workbook into the CSV; the CSV is the record, committed to git, never
overwritten (entries are only added or updated, never dropped). `classify` then applies every
correction to its label, marks it as reviewed, and trains on it: a corrected stance is a stance
label, a theme a reviewer removed makes its evidence sentence a negative example.

Corrections are keyed by document and line span, not by generated ids, so they survive changes
to the segmenter. The record's reading, merging and applying live in `pipeline.correction_table`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from pipeline.correction_table import COLUMNS, merge, read_corrections
from pipeline.errors import report_errors
from pipeline.io import write_csv
from pipeline.review_sheet import read_review_sheet


def from_workbook(workbook: Path, segments: pd.DataFrame) -> pd.DataFrame:
    """Corrections a reviewer typed into the review sheet, keyed by document and lines."""
    by_id = segments.set_index("segment_id")
    rows = []
    for entry in read_review_sheet(workbook):
        if entry.segment_id not in by_id.index:
            continue  # a row from an older run whose segment no longer exists
        segment = by_id.loc[entry.segment_id]
        rows.append({
            "doc": segment["doc"],
            "start_line": str(int(segment["start_line"])),
            "end_line": str(int(segment["end_line"])),
            "body": segment["body"],
            "label": entry.label,
            "value": entry.value,
            "comment": entry.comment,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def harvest(workbook: Path, segments_path: Path, record: Path) -> tuple[pd.DataFrame, int]:
    """Merge the workbook's new corrections into the record file; return the record and how many
    entries the workbook held. The record is rewritten only when something changed."""
    existing = read_corrections(record)
    new = pd.DataFrame(columns=COLUMNS)
    if workbook.exists() and segments_path.exists():
        new = from_workbook(workbook, pd.read_parquet(segments_path))
    merged = merge(existing, new)
    if not record.exists() or not merged.reset_index(drop=True).equals(existing.reset_index(drop=True)):
        write_csv(record, merged)
    return merged, len(new)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    workbook: Path = typer.Option(Path("exports/remissammanstallning.xlsx"), help="Workbook a reviewer filled in."),
    segments_path: Path = typer.Option(Path("exports/segments.parquet"), "--segments", help="Segments it was made from."),
    out: Path = typer.Option(Path("data/annotations/corrections.csv"), help="The corrections record."),
) -> None:
    """Copy new reviewer corrections from the workbook into corrections.csv (never dropping any)."""
    merged, read = harvest(workbook, segments_path, out)
    typer.echo(f"corrections: {len(merged)} in {out} ({read} read from {workbook.name})")


if __name__ == "__main__":
    app()

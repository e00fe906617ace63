"""The workbook `remissammanstallning.xlsx`: sheets *Översikt*, *Teman*, *Partier*, *Citat* and
*Granskning*, formatted for reading and filtering, written byte for byte the same for the same input
(fixed document times and zip entry dates)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline import review_sheet
from pipeline.export.data import ExportData, resolved_statements
from pipeline.export.sheets import (
    OVERVIEW_COLUMNS,
    PARTY_COLUMNS,
    QUOTE_COLUMNS,
    SHEETS,
    WORKBOOK,
    overview_rows,
    party_rows,
    quote_rows,
    review_rows,
    theme_matrix_headers,
    theme_matrix_rows,
)
from pipeline.export.tables import body_type_order, theme_by_body_type
from pipeline.io import write_atomic
from pipeline.labels import BODY_TYPE_PLURALS

# Fixed workbook and zip-entry timestamps: the same input gives the same bytes.
FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

HEADER_COLOUR = "D9E1F2"
REVIEWER_COLOUR = "FFF2CC"  # the columns a reviewer fills in
WIDTHS = {"Nyckelcitat": 70, "Citat": 70, "Anmärkning": 36, "Teman": 40, "Författare": 36, review_sheet.LABEL_ID: 34,
          "Segment": 30, "Dokument": 26, review_sheet.CORRECTION: 24, review_sheet.COMMENT: 36}
NUMBER_FORMATS = {"Sannolikhet": "0.00"}
THEME_COLUMN_WIDTH = 14


def _fill(colour: str):
    from openpyxl.styles import PatternFill

    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _width(header: str, values: list[Any]) -> float:
    if header in WIDTHS:
        return WIDTHS[header]
    longest = max([len(str(v)) for v in values if v is not None] + [len(header)], default=len(header))
    return float(min(max(longest + 2, 8), 45))


def _write_sheet(ws, headers: tuple[str, ...] | list[str], rows: list[list[Any]],
                 highlight: tuple[str, ...] = ()) -> None:
    """Header row in bold on grey, frozen, with an autofilter; wrapped text; sensible widths."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    header_fill, review_fill = _fill(HEADER_COLOUR), _fill(REVIEWER_COLOUR)
    wrap = Alignment(wrap_text=True, vertical="top")
    line = Border(bottom=Side(style="thin", color="808080"))
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    for index, header in enumerate(headers, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = review_fill if header in highlight else header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.border = line
        ws.column_dimensions[letter].width = _width(header, [r[index - 1] for r in rows[:500]])
        for row_index in range(2, len(rows) + 2):
            body_cell = ws.cell(row=row_index, column=index)
            body_cell.alignment = wrap
            if header in NUMBER_FORMATS:
                body_cell.number_format = NUMBER_FORMATS[header]
            if header in highlight:
                body_cell.fill = review_fill
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def _write_theme_sheet(ws, data: ExportData) -> None:
    """The body × theme matrix, and below it the number of bodies per theme and body type."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    headers = theme_matrix_headers(data)
    rows = theme_matrix_rows(data)
    _write_sheet(ws, headers, rows)
    centre = Alignment(horizontal="center", vertical="top")
    for index in range(4, len(headers) + 1):
        ws.column_dimensions[get_column_letter(index)].width = THEME_COLUMN_WIDTH
        for row_index in range(2, len(rows) + 2):
            ws.cell(row=row_index, column=index).alignment = centre
    ws.row_dimensions[1].height = 48
    totals = theme_by_body_type(data.answering, data.themes).set_index("theme")
    start = len(rows) + 3
    title = ws.cell(row=start, column=1, value="Antal remissinstanser per tema och typ")
    title.font = Font(bold=True)
    for offset, body_type in enumerate([*body_type_order(data.answering["body_type"]), "total"], start=1):
        label = "Totalt" if body_type == "total" else BODY_TYPE_PLURALS.get(body_type, body_type)
        ws.cell(row=start + offset, column=1, value=label).font = Font(bold=body_type == "total")
        for index, theme in enumerate(data.themes, start=4):
            count = int(totals.loc[theme, body_type]) if theme in totals.index else 0
            cell = ws.cell(row=start + offset, column=index, value=count)
            cell.alignment = centre
            cell.font = Font(bold=body_type == "total")


def _sqref(rows: list[int], column: str) -> str:
    """Compact cell ranges for consecutive rows: E2:E9 E12."""
    parts, start = [], None
    for i, row in enumerate(rows):
        if start is None:
            start = row
        if i + 1 == len(rows) or rows[i + 1] != row + 1:
            parts.append(f"{column}{start}" if start == row else f"{column}{start}:{column}{row}")
            start = None
    return " ".join(parts)


def _add_review_validation(ws, rows: list[list[Any]]) -> None:
    """Drop-down lists in the correction column: the stance words on stance rows, Ja/Nej on theme rows."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    column = get_column_letter(review_sheet.COLUMNS.index(review_sheet.CORRECTION) + 1)
    kind = review_sheet.COLUMNS.index(review_sheet.LABEL_TYPE)
    choices = {
        review_sheet.STANCE: ",".join(review_sheet.STANCE_CHOICES),
        review_sheet.THEME: ",".join(review_sheet.THEME_ANSWERS.values()),
    }
    for label_type, options in choices.items():
        cells = [i + 2 for i, row in enumerate(rows) if row[kind] == label_type]
        if not cells:
            continue
        validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True, errorStyle="warning",
                                    showErrorMessage=True, error="Välj ett värde ur listan eller lämna tomt.",
                                    errorTitle="Okänt värde")
        validation.sqref = _sqref(cells, column)  # type: ignore[assignment]
        ws.add_data_validation(validation)


def build_workbook(data: ExportData):
    from openpyxl import Workbook

    workbook = Workbook()
    overview = workbook.active
    overview.title = SHEETS[0]
    _write_sheet(overview, OVERVIEW_COLUMNS, overview_rows(data))
    _write_theme_sheet(workbook.create_sheet(SHEETS[1]), data)
    _write_sheet(workbook.create_sheet(SHEETS[2]), PARTY_COLUMNS, party_rows(resolved_statements(data), data.themes))
    _write_sheet(workbook.create_sheet(SHEETS[3]), QUOTE_COLUMNS, quote_rows(data))
    review = workbook.create_sheet(review_sheet.SHEET)
    rows = review_rows(data)
    _write_sheet(review, review_sheet.COLUMNS, rows, highlight=review_sheet.REVIEWER_COLUMNS)
    _add_review_validation(review, rows)
    properties = workbook.properties
    properties.creator = "remissanalys"
    properties.title = "Remissammanställning (utkast)"
    properties.created = FIXED_TIME
    properties.modified = FIXED_TIME
    return workbook


def _deterministic_zip(raw: bytes) -> bytes:
    """Rewrite an xlsx with fixed entry dates and the fixed modified time openpyxl overwrote on save."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def write_workbook(data: ExportData, exports_dir: Path) -> Path:
    buffer = io.BytesIO()
    build_workbook(data).save(buffer)
    content = _deterministic_zip(buffer.getvalue())
    target = exports_dir / WORKBOOK
    write_atomic(target, lambda temp: temp.write_bytes(content))
    return target

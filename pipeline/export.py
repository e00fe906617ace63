"""Stage 5, export: the remissammanställning for people — workbook, tables, plots and a report.

Reads what `pipeline.classify` wrote (`bodies.parquet` and `segments.parquet` in the exports
directory; every quote needed is already in their evidence columns) and writes, next to them:

* `remissammanstallning.xlsx` — sheets *Översikt*, *Teman*, *Partier*, *Citat*, *Granskning*;
* `stance_by_body_type`, `theme_by_body_type`, `theme_by_stance` — CSV + Parquet;
* `plots/stance_by_body_type`, `plots/theme_frequency`, `plots/theme_body_heatmap` — PNG + SVG,
  and the DVC plot data `plots/theme_frequency.csv` (theme,bodies) and
  `plots/stance_by_body_type.csv` (body_type,stance,count);
* `report.html` — a self-contained Swedish draft (inline CSS and SVG, no external resources).

Every file is written atomically and deterministically: the same input gives byte-identical files
(fixed workbook timestamps and zip dates, no dates in PNG/SVG metadata, salted SVG ids).

Who is counted
--------------
The aggregated tables, the plots and the report count *remissinstanser*: answers with role
consulted, forwarded, unlisted, sender or reported (a stance a bill reports). A body that answers
the same remiss in several input documents (the compiled utlåtande and the body's own protocol) is
counted once, by organisation, body and remiss (`remiss_key`); the row kept is the answered one,
then by role, then by document name. Bodies of different organisations never merge. The
workbook's *Översikt* and *Partier* sheets keep every document's row (column *Dokument*).

The review sheet (*Granskning*) — contract for reading it back
-------------------------------------------------------------
One row per label the models proposed: each segment's stance and each theme assigned to a
segment. The column names (`REVIEW_COLUMNS`) and the id format are stable:

===========================  ===================================================================
Etikett-id                   `<segment_id>|stance` or `<segment_id>|theme:<theme id>`
Dokument, Segment            input file name; segment_id (as in segments.csv)
Remissinstans, Avsnitt       body; section in Swedish (`SECTION_LABELS`)
Etikett-typ                  `stance` or `theme`
Föreslaget värde             stance: a Swedish word of `STANCE_LABELS`; theme: its Swedish label
Sannolikhet                  the model's probability for the proposed value (0–1)
Citat, Rad                   the evidence sentence and its first line in the original file
Granskarens rättelse         empty; the reviewer fills it in (yellow). Empty = accepted as
                             proposed. stance: one of the four Swedish words of `STANCE_LABELS`
                             (or a stance id); theme: "Nej" = the theme does not apply,
                             "Ja" = confirmed
Kommentar                    empty, free text (e.g. a theme the model missed)
===========================  ===================================================================

The header is row 1 and data start on row 2; `parse_stance` maps a correction back to a stance id.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import typer
from markupsafe import Markup

from pipeline.config import Params, load_params
from pipeline.errors import InputNotFoundError, report_errors
from pipeline.io import ensure_writable_dir, write_atomic, write_csv, write_table, write_text
from pipeline.schemas import BODY_TYPES, SchemaError
from pipeline.textutil import fold

STANCES = ("positive", "positive_with_reservations", "negative", "no_opinion")
UNCLASSIFIED = "unclassified"
STANCE_LABELS = {
    "positive": "Positiv",
    "positive_with_reservations": "Positiv med reservationer",
    "negative": "Negativ",
    "no_opinion": "Inga synpunkter",
    UNCLASSIFIED: "Ej klassad",
}
STANCE_COLOURS = {
    "positive": "#1a9850",
    "positive_with_reservations": "#a6d96a",
    "negative": "#d73027",
    "no_opinion": "#bdbdbd",
    UNCLASSIFIED: "#f0f0f0",
}
BODY_TYPE_LABELS = {"facknämnd": "Facknämnd", "stadsdelsnämnd": "Stadsdelsnämnd", "bolag": "Bolag", "kommun": "Kommun",
                    "region": "Region", "myndighet": "Myndighet", "företag": "Företag",
                    "organisation": "Organisation", "other": "Övrig"}
BODY_TYPE_PLURALS = {"facknämnd": "Facknämnder", "stadsdelsnämnd": "Stadsdelsnämnder", "bolag": "Bolag",
                     "kommun": "Kommuner", "region": "Regioner", "myndighet": "Myndigheter", "företag": "Företag",
                     "organisation": "Organisationer", "other": "Övriga"}
COUNTED_ROLES = ("consulted", "forwarded", "unlisted", "sender", "reported")
ROLE_PHRASES = {"consulted": "remitterade direkt", "forwarded": "via underremiss",
                "unlisted": "svarade utan att vara remitterade", "sender": "med eget dokument",
                "reported": "återgivna i en proposition"}
SECTION_LABELS = {
    "summary": "Sammanfattning (beredning)",
    "decision": "Beslut",
    "tjansteutlatande": "Tjänsteutlåtande",
    "party_statement": "Särskilt uttalande",
    "reservation": "Reservation",
    "ersattaryttrande": "Ersättaryttrande",
    "other": "Övrigt",
}
STATEMENT_SECTIONS = ("party_statement", "reservation", "ersattaryttrande")
PARTY_ORDER = ("V", "S", "MP", "C", "L", "KD", "M", "SD", "Fi")
PARTY_NAMES = {
    "V": "Vänsterpartiet", "S": "Socialdemokraterna", "MP": "Miljöpartiet", "C": "Centerpartiet",
    "L": "Liberalerna", "KD": "Kristdemokraterna", "M": "Moderaterna", "SD": "Sverigedemokraterna",
    "Fi": "Feministiskt initiativ",
}

WORKBOOK = "remissammanstallning.xlsx"
REPORT = "report.html"
PLOTS = "plots"
SHEETS = ("Översikt", "Teman", "Partier", "Citat", "Granskning")
OVERVIEW_COLUMNS = ("Remissinstans", "Organisation", "Ärende", "Typ", "Besvarad", "Ställningstagande", "Sannolikhet",
                    "Teman", "Nyckelcitat", "Rad", "Dokument", "Vidarebefordrad av", "Anmärkning")
PARTY_COLUMNS = ("Remissinstans", "Typ av uttalande", "Parti(er)", "Författare", "Ställningstagande", "Teman",
                 "Rader", "Dokument")
QUOTE_COLUMNS = ("Tema", "Remissinstans", "Citat", "Rad", "Sannolikhet", "Avsnitt", "Dokument")
REVIEW_SHEET = "Granskning"
REVIEW_CORRECTION = "Granskarens rättelse"
REVIEW_COMMENT = "Kommentar"
REVIEW_COLUMNS = ("Etikett-id", "Dokument", "Segment", "Remissinstans", "Avsnitt", "Etikett-typ", "Föreslaget värde",
                  "Sannolikhet", "Citat", "Rad", REVIEW_CORRECTION, REVIEW_COMMENT)
THEME_ANSWERS = ("Ja", "Nej")

# Fixed workbook and zip-entry timestamps: the same input gives the same bytes.
FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SVG_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}
PNG_METADATA: dict[str, Any] = {"Software": None}
PLOT_RC = {"svg.hashsalt": "remissanalys", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 10}

BODY_COLUMNS = ("doc", "answer_id", "organisation", "matter", "body", "body_type", "role", "forwarded_by", "answered", "note", "stance", "stance_probability",
                "themes", "theme_probabilities", "evidence", "party_statements")
SEGMENT_COLUMNS = ("doc", "segment_id", "answer_id", "body", "body_type", "section", "author", "parties", "start_line", "end_line",
                   "stance", "stance_probability", "themes", "theme_probabilities", "evidence")


def parse_stance(value: str) -> str | None:
    """A reviewer's stance correction (Swedish word or id, any case) -> stance id; None if unknown."""
    key = " ".join(str(value).split()).casefold()
    for stance, label in STANCE_LABELS.items():
        if stance != UNCLASSIFIED and key in (stance, label.casefold()):
            return stance
    return None


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass
class ExportData:
    bodies: pd.DataFrame  # every row of bodies.parquet, strings cleaned
    segments: pd.DataFrame
    themes: dict[str, str]  # theme id -> Swedish label, in params order
    counted: pd.DataFrame  # remissinstanser, one row per body name (see module docstring)
    answering: pd.DataFrame  # counted rows that answered


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputNotFoundError(f"{path} not found (run the classify stage first)")
    return pd.read_parquet(path)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{name}: missing columns {', '.join(missing)}")


def _clean_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).where(out[column].notna(), "").astype(str)
    return out


def _split(value: str) -> list[str]:
    return [part for part in str(value).split("|") if part]


def _json(value: str) -> dict:
    try:
        data = json.loads(value) if value else {}
    except json.JSONDecodeError:
        raise SchemaError(f"not valid JSON: {value[:60]!r}") from None
    return data if isinstance(data, dict) else {}


def theme_catalog(params: Params, *frames: pd.DataFrame) -> dict[str, str]:
    """Theme ids -> labels: params order first, then any id the data uses that params lacks."""
    themes = {t.id: t.label for t in params.themes}
    extra = sorted({t for frame in frames for value in frame["themes"] for t in _split(value)} - set(themes))
    return {**themes, **{t: t for t in extra}}


def _role_rank(role: str) -> int:
    return COUNTED_ROLES.index(role) if role in COUNTED_ROLES else len(COUNTED_ROLES)


def remiss_key(matter: str) -> str:
    """What identifies the remiss an answer is to: its SOU/Ds/prop number, else the first words of its
    title after 'Svar på X:s remiss av betänkandet' (so a protocol and a compiled utlåtande agree)."""
    reference = re.search(r"\b(sou|ds|prop\.?)\s?(\d{4}(?:/\d{2})?:\d+)", matter, re.IGNORECASE)
    if reference:
        return f"{reference.group(1).lower().rstrip('.')} {reference.group(2)}"
    words = re.findall(r"\w+", fold(matter))
    text = " ".join(words)
    text = re.sub(r"^(?:svar pa|yttrande over|remissvar (?:pa|over)|remiss)\s+(?:\w+\s+){0,6}?remiss(?:en)?\s+"
                  r"(?:over|av|om|gallande|angaende)?\s*(?:promemorian|betankandet|slutbetankandet|forslag till)?\s*",
                  "", text)
    return " ".join(text.split()[:6])


def counted_bodies(bodies: pd.DataFrame) -> pd.DataFrame:
    """Remissinstanser, one row per body of an organisation and remiss, in the order the bodies table
    lists them (Kungsbacka's Kommunstyrelsen is not Stockholm's; one body's answers to two remisser
    are two rows)."""
    counted = bodies[bodies["role"].isin(COUNTED_ROLES)].copy()
    counted["_order"] = range(len(counted))
    counted["_unanswered"] = ~counted["answered"].astype(bool)
    counted["_role"] = counted["role"].map(_role_rank)
    counted["_key"] = [f"{fold(o)}|{fold(b)}|{remiss_key(m)}"
                       for o, b, m in zip(counted["organisation"], counted["body"], counted["matter"], strict=True)]
    keep = counted.sort_values(["_key", "_unanswered", "_role", "doc"], kind="stable").drop_duplicates("_key")
    return keep.sort_values("_order").drop(columns=["_order", "_unanswered", "_role", "_key"]).reset_index(drop=True)


def load_exports(exports_dir: Path, params: Params) -> ExportData:
    bodies = _clean_strings(_read(exports_dir / "bodies.parquet"))
    segments = _clean_strings(_read(exports_dir / "segments.parquet"))
    _require(bodies, BODY_COLUMNS, "bodies")
    _require(segments, SEGMENT_COLUMNS, "segments")
    bodies["answered"] = bodies["answered"].astype(bool)
    for name, frame in (("bodies", bodies), ("segments", segments)):
        unknown = sorted(set(frame["stance"]) - set(STANCES) - {""})
        if unknown:
            raise SchemaError(f"{name}: unknown stance {', '.join(unknown)}")
    counted = counted_bodies(bodies)
    answering = counted[counted["answered"]].reset_index(drop=True)
    return ExportData(bodies, segments, theme_catalog(params, bodies, segments), counted, answering)


# --------------------------------------------------------------------------------------------
# Aggregated tables
# --------------------------------------------------------------------------------------------


def _body_type_order(values: Any) -> list[str]:
    present = set(values)
    return [t for t in BODY_TYPES if t in present] + sorted(present - set(BODY_TYPES))


def _stance_key(stance: str) -> str:
    return stance if stance in STANCES else UNCLASSIFIED


def stance_by_body_type(answering: pd.DataFrame) -> pd.DataFrame:
    """Rows: body type; columns: number of answering bodies per stance, and the total."""
    columns = [*STANCES, UNCLASSIFIED]
    rows = []
    for body_type in _body_type_order(answering["body_type"]):
        stances = answering.loc[answering["body_type"] == body_type, "stance"].map(_stance_key)
        counts = {s: int((stances == s).sum()) for s in columns}
        rows.append({"body_type": body_type, **counts, "total": int(len(stances))})
    frame = pd.DataFrame(rows, columns=["body_type", *columns, "total"])
    return frame.astype({c: "int64" for c in [*columns, "total"]})


def theme_by_body_type(answering: pd.DataFrame, themes: dict[str, str]) -> pd.DataFrame:
    """Rows: theme; columns: number of answering bodies of each type with the theme, and the total."""
    types = [*BODY_TYPES, *sorted(set(answering["body_type"]) - set(BODY_TYPES))]
    sets = [set(_split(v)) for v in answering["themes"]]
    rows = []
    for theme, label in themes.items():
        has = [theme in s for s in sets]
        counts = {t: int(sum(h and bt == t for h, bt in zip(has, answering["body_type"], strict=True))) for t in types}
        rows.append({"theme": theme, "label": label, **counts, "total": int(sum(has))})
    frame = pd.DataFrame(rows, columns=["theme", "label", *types, "total"])
    return frame.astype({c: "int64" for c in [*types, "total"]})


def theme_by_stance(answering: pd.DataFrame, themes: dict[str, str]) -> pd.DataFrame:
    """Rows: theme; columns: number of answering bodies with the theme per stance, and the total."""
    columns = [*STANCES, UNCLASSIFIED]
    sets = [set(_split(v)) for v in answering["themes"]]
    stances = [_stance_key(s) for s in answering["stance"]]
    rows = []
    for theme, label in themes.items():
        with_theme = [st for s, st in zip(sets, stances, strict=True) if theme in s]
        rows.append({"theme": theme, "label": label, **{c: with_theme.count(c) for c in columns},
                     "total": len(with_theme)})
    frame = pd.DataFrame(rows, columns=["theme", "label", *columns, "total"])
    return frame.astype({c: "int64" for c in [*columns, "total"]})


def write_tables(data: ExportData, exports_dir: Path) -> list[Path]:
    tables = {
        "stance_by_body_type": stance_by_body_type(data.answering),
        "theme_by_body_type": theme_by_body_type(data.answering, data.themes),
        "theme_by_stance": theme_by_stance(data.answering, data.themes),
    }
    written = []
    for name, frame in tables.items():
        write_table(exports_dir, name, frame)
        written += [exports_dir / f"{name}.csv", exports_dir / f"{name}.parquet"]
    return written


# --------------------------------------------------------------------------------------------
# Sheet contents (plain rows; the workbook writer formats them)
# --------------------------------------------------------------------------------------------


def _probability(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else round(number, 4)


def _line(evidence: dict) -> int | None:
    line = evidence.get("line") if isinstance(evidence, dict) else None
    return int(line) if isinstance(line, int | float) and not (isinstance(line, float) and math.isnan(line)) else None


def _theme_labels(value: str, themes: dict[str, str]) -> str:
    return ", ".join(themes.get(t, t) for t in _split(value))


def _parties(value: str) -> str:
    return ", ".join(_split(value))


def _span(start: Any, end: Any) -> str:
    start, end = _probability(start), _probability(end)
    if start is None:
        return ""
    if end is None or int(end) == int(start):
        return str(int(start))
    return f"{int(start)}–{int(end)}"


def overview_rows(data: ExportData) -> list[list[Any]]:
    rows = []
    for body in data.bodies[data.bodies["role"].isin(COUNTED_ROLES)].itertuples(index=False):
        stance_evidence = _json(body.evidence).get("stance", {})
        rows.append([
            body.body,
            body.organisation,
            " ".join(part for part in (getattr(body, "item", ""), body.matter) if part),
            BODY_TYPE_LABELS.get(body.body_type, body.body_type),
            "Ja" if body.answered else "Nej",
            STANCE_LABELS.get(body.stance, ""),
            _probability(body.stance_probability) if body.stance else None,
            _theme_labels(body.themes, data.themes),
            stance_evidence.get("sentence", ""),
            _line(stance_evidence),
            body.doc,
            body.forwarded_by,
            body.note,
        ])
    return rows


def theme_matrix_rows(data: ExportData) -> list[list[Any]]:
    rows = []
    for body in data.answering.itertuples(index=False):
        has = set(_split(body.themes))
        rows.append([body.body, BODY_TYPE_LABELS.get(body.body_type, body.body_type), body.doc,
                     *["✓" if t in has else None for t in data.themes], len(has & set(data.themes))])
    return rows


def resolved_statements(data: ExportData) -> pd.DataFrame:
    """Statement segments with the stance classify resolved for them (a statement that only joins
    another party's statement takes that statement's stance; see classify.statement_stances)."""
    statements = data.segments[data.segments["section"].isin(STATEMENT_SECTIONS)].copy()
    resolved = []
    lookup = {b.answer_id: _json(b.party_statements) for b in data.bodies.itertuples(index=False)}
    keys_seen: dict[str, set[str]] = {}
    for segment in statements.itertuples(index=False):
        seen = keys_seen.setdefault(segment.answer_id, set())
        key = segment.parties or segment.author or segment.segment_id
        while key in seen:
            key += "*"
        seen.add(key)
        resolved.append(lookup.get(segment.answer_id, {}).get(key, segment.stance) or segment.stance)
    statements["resolved_stance"] = resolved
    return statements.reset_index(drop=True)


def party_rows(statements: pd.DataFrame, themes: dict[str, str]) -> list[list[Any]]:
    return [[s.body, SECTION_LABELS.get(s.section, s.section), _parties(s.parties), s.author,
             STANCE_LABELS.get(s.resolved_stance, ""), _theme_labels(s.themes, themes), _span(s.start_line, s.end_line),
             s.doc] for s in statements.itertuples(index=False)]


def _answer_segments(data: ExportData) -> pd.DataFrame:
    """Segments of consulted bodies (their own text and statements, not the city's 'other' text)."""
    answers = set(data.bodies.loc[data.bodies["role"].isin(COUNTED_ROLES), "answer_id"])
    return data.segments[data.segments["answer_id"].isin(answers) & (data.segments["section"] != "other")]


def quote_rows(data: ExportData) -> list[list[Any]]:
    order = {t: i for i, t in enumerate(data.themes)}
    rows = []
    for segment in _answer_segments(data).itertuples(index=False):
        for theme, evidence in _json(segment.evidence).items():
            if theme == "stance" or not isinstance(evidence, dict):
                continue
            rows.append((order.get(theme, len(order)), theme, segment.body, _line(evidence) or 0, segment.doc, [
                data.themes.get(theme, theme), segment.body, evidence.get("sentence", ""), _line(evidence),
                _probability(evidence.get("probability")), SECTION_LABELS.get(segment.section, segment.section),
                segment.doc]))
    rows.sort(key=lambda r: r[:5])
    return [r[5] for r in rows]


def review_rows(data: ExportData) -> list[list[Any]]:
    """One row per proposed label. A label a reviewer already corrected (classify marks it in
    `stance_reviewed` / `themes_reviewed`) shows the correction in the reviewer's column, so a
    re-run never blanks what was written; a theme the reviewer removed keeps its row with "Nej"."""
    rows = []
    for segment in data.segments.itertuples(index=False):
        evidence = _json(segment.evidence)
        probabilities = _json(segment.theme_probabilities)
        common = [segment.doc, segment.segment_id, segment.body, SECTION_LABELS.get(segment.section, segment.section)]
        stance_reviewed = bool(getattr(segment, "stance_reviewed", False))
        themes_reviewed = set(_split(getattr(segment, "themes_reviewed", "") or ""))
        if segment.stance:
            quote = evidence.get("stance", {})
            correction = STANCE_LABELS[segment.stance] if stance_reviewed else None
            rows.append([f"{segment.segment_id}|stance", *common, "stance", STANCE_LABELS[segment.stance],
                         _probability(segment.stance_probability), quote.get("sentence", ""), _line(quote),
                         correction, None])
        assigned = _split(segment.themes)
        for theme in [*assigned, *sorted(themes_reviewed - set(assigned))]:
            quote = evidence.get(theme, {})
            correction = ("Ja" if theme in assigned else "Nej") if theme in themes_reviewed else None
            rows.append([f"{segment.segment_id}|theme:{theme}", *common, "theme", data.themes.get(theme, theme),
                         _probability(probabilities.get(theme)), quote.get("sentence", ""), _line(quote),
                         correction, None])
    return rows


# --------------------------------------------------------------------------------------------
# Workbook
# --------------------------------------------------------------------------------------------

_WIDTHS = {"Nyckelcitat": 70, "Citat": 70, "Anmärkning": 36, "Teman": 40, "Författare": 36, "Etikett-id": 34,
           "Segment": 30, "Dokument": 26, REVIEW_CORRECTION: 24, REVIEW_COMMENT: 36}
_NUMBER_FORMATS = {"Sannolikhet": "0.00"}


def _fill(colour: str):
    from openpyxl.styles import PatternFill

    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _width(header: str, values: list[Any]) -> float:
    if header in _WIDTHS:
        return _WIDTHS[header]
    longest = max([len(str(v)) for v in values if v is not None] + [len(header)], default=len(header))
    return float(min(max(longest + 2, 8), 45))


def _write_sheet(ws, headers: tuple[str, ...] | list[str], rows: list[list[Any]],
                 highlight: tuple[str, ...] = ()) -> None:
    """Header row in bold on grey, frozen, with an autofilter; wrapped text; sensible widths."""
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    header_fill, review_fill = _fill("D9E1F2"), _fill("FFF2CC")
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
            if header in _NUMBER_FORMATS:
                body_cell.number_format = _NUMBER_FORMATS[header]
            if header in highlight:
                body_cell.fill = review_fill
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


def _write_theme_sheet(ws, data: ExportData) -> None:
    """The body × theme matrix, and below it the number of bodies per theme and body type."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    headers = ["Remissinstans", "Typ", "Dokument", *data.themes.values(), "Antal teman"]
    rows = theme_matrix_rows(data)
    _write_sheet(ws, headers, rows)
    centre = Alignment(horizontal="center", vertical="top")
    for index in range(4, len(headers) + 1):
        ws.column_dimensions[get_column_letter(index)].width = 14
        for row_index in range(2, len(rows) + 2):
            ws.cell(row=row_index, column=index).alignment = centre
    ws.row_dimensions[1].height = 48
    totals = theme_by_body_type(data.answering, data.themes).set_index("theme")
    start = len(rows) + 3
    title = ws.cell(row=start, column=1, value="Antal remissinstanser per tema och typ")
    title.font = Font(bold=True)
    types = [t for t in _body_type_order(data.answering["body_type"])]
    for offset, body_type in enumerate([*types, "total"], start=1):
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
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    column = get_column_letter(REVIEW_COLUMNS.index(REVIEW_CORRECTION) + 1)
    kind = REVIEW_COLUMNS.index("Etikett-typ")
    choices = {
        "stance": ",".join(STANCE_LABELS[s] for s in STANCES),
        "theme": ",".join(THEME_ANSWERS),
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
    review = workbook.create_sheet(SHEETS[4])
    rows = review_rows(data)
    _write_sheet(review, REVIEW_COLUMNS, rows, highlight=(REVIEW_CORRECTION, REVIEW_COMMENT))
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


# --------------------------------------------------------------------------------------------
# Plots
# --------------------------------------------------------------------------------------------


@dataclass
class Plot:
    name: str
    title: str
    png: bytes
    svg: bytes


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _render(name: str, title: str, figure) -> Plot:
    import matplotlib

    with matplotlib.rc_context(PLOT_RC):
        png, svg = io.BytesIO(), io.BytesIO()
        figure.savefig(png, format="png", dpi=120, metadata=PNG_METADATA)
        figure.savefig(svg, format="svg", metadata=SVG_METADATA)
    return Plot(name, title, png.getvalue(), svg.getvalue())


def _no_data(ax) -> None:
    ax.text(0.5, 0.5, "Inga data", ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_axis_off()


def plot_stance_by_body_type(table: pd.DataFrame) -> Plot:
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(PLOT_RC):
        figure = _figure(9, 1.2 + 0.55 * max(len(table), 1))
        ax = figure.add_subplot()
        if table.empty:
            _no_data(ax)
        else:
            labels = [BODY_TYPE_PLURALS.get(t, t) for t in table["body_type"]][::-1]
            left = [0] * len(table)
            for stance in [*STANCES, UNCLASSIFIED]:
                values = table[stance].tolist()[::-1]
                if not any(values):
                    continue
                edge = "#9e9e9e" if stance == UNCLASSIFIED else "white"
                bars = ax.barh(labels, values, left=left, color=STANCE_COLOURS[stance], label=STANCE_LABELS[stance],
                               edgecolor=[edge if v else "none" for v in values])
                ax.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center", fontsize=9)
                left = [a + b for a, b in zip(left, values, strict=True)]
            ax.set_xlabel("Antal remissinstanser som svarat")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.spines[["top", "right"]].set_visible(False)
            handles, names = ax.get_legend_handles_labels()
            figure.legend(handles, names, loc="outside lower center", ncols=len(handles), frameon=False)
        ax.set_title("Ställningstagande per typ av remissinstans", loc="left")
    return _render("stance_by_body_type", "Ställningstagande per typ av remissinstans", figure)


def plot_theme_frequency(table: pd.DataFrame, total_bodies: int) -> Plot:
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(PLOT_RC):
        ordered = table.sort_values(["total", "label"], ascending=[True, False], kind="stable")
        figure = _figure(9, 1.4 + 0.38 * max(len(ordered), 1))
        ax = figure.add_subplot()
        if ordered.empty:
            _no_data(ax)
        else:
            bars = ax.barh(ordered["label"], ordered["total"], color="#4472c4")
            ax.bar_label(bars, padding=3, fontsize=9)
            ax.set_xlim(0, max(int(ordered["total"].max()), 1) * 1.12)
            ax.set_xlabel(f"Antal remissinstanser som tar upp temat (av {total_bodies} som svarat)")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.spines[["top", "right"]].set_visible(False)
        ax.set_title("Teman", loc="left")
    return _render("theme_frequency", "Hur många remissinstanser som tar upp varje tema", figure)


def plot_theme_body_heatmap(data: ExportData) -> Plot:
    import matplotlib
    import numpy as np

    bodies, themes = data.answering, list(data.themes)
    with matplotlib.rc_context(PLOT_RC):
        figure = _figure(max(7.0, 3.6 + 0.5 * len(themes)), 2.6 + 0.27 * max(len(bodies), 1))
        ax = figure.add_subplot()
        if bodies.empty or not themes:
            _no_data(ax)
        else:
            values = np.array([[float(_json(p).get(t, 0.0) or 0.0) for t in themes]
                               for p in bodies["theme_probabilities"]])
            image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
            for i, assigned in enumerate(bodies["themes"]):
                for j, theme in enumerate(themes):
                    if theme in _split(assigned):
                        ax.text(j, i, "✓", ha="center", va="center", fontsize=8,
                                color="white" if values[i, j] > 0.6 else "black")
            ax.set_yticks(range(len(bodies)), bodies["body"].tolist(), fontsize=8)
            ax.xaxis.tick_top()
            ax.set_xticks(range(len(themes)), [data.themes[t] for t in themes], rotation=40, ha="left",
                          rotation_mode="anchor", fontsize=8)
            ax.tick_params(length=0)
            colorbar = figure.colorbar(image, ax=ax, shrink=0.5, pad=0.01)
            colorbar.set_label("Sannolikhet")
        ax.set_title("Teman per remissinstans (✓ = temat tilldelat)", loc="left")
    return _render("theme_body_heatmap", "Teman per remissinstans (sannolikhet, ✓ = tilldelat)", figure)


def make_plots(data: ExportData) -> list[Plot]:
    return [
        plot_stance_by_body_type(stance_by_body_type(data.answering)),
        plot_theme_frequency(theme_by_body_type(data.answering, data.themes), len(data.answering)),
        plot_theme_body_heatmap(data),
    ]


def plot_data(data: ExportData) -> dict[str, pd.DataFrame]:
    """The DVC plot data: theme_frequency (theme,bodies) and stance_by_body_type (body_type,stance,count)."""
    themes = theme_by_body_type(data.answering, data.themes)
    frequency = pd.DataFrame({"theme": themes["label"], "bodies": themes["total"]}, columns=["theme", "bodies"])
    stances = stance_by_body_type(data.answering)
    long = [{"body_type": BODY_TYPE_PLURALS.get(row["body_type"], row["body_type"]), "stance": STANCE_LABELS[s],
             "count": int(row[s])} for _, row in stances.iterrows() for s in [*STANCES, UNCLASSIFIED]]
    return {"theme_frequency": frequency,
            "stance_by_body_type": pd.DataFrame(long, columns=["body_type", "stance", "count"])}


def write_plots(data: ExportData, exports_dir: Path, plots: list[Plot] | None = None) -> list[Path]:
    directory = exports_dir / PLOTS
    ensure_writable_dir(directory)
    written = []
    for plot in plots if plots is not None else make_plots(data):
        for suffix, content in (("png", plot.png), ("svg", plot.svg)):
            target = directory / f"{plot.name}.{suffix}"
            write_atomic(target, lambda temp, content=content: temp.write_bytes(content))
            written.append(target)
    for name, frame in plot_data(data).items():
        write_csv(directory / f"{name}.csv", frame)
        written.append(directory / f"{name}.csv")
    return written


def inline_svg(plot: Plot) -> str:
    """The SVG for embedding in HTML: no XML prolog, no namespace URLs, ids prefixed per plot."""
    text = plot.svg.decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", text)
    prefix = f"{plot.name}-"
    text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', text)
    text = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", text)
    text = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}{m.group(1)}"', text)
    return text.replace("<svg", f'<svg role="img" aria-label="{html.escape(plot.title)}" class="plot"', 1)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

REPORT_TEMPLATE = """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Remissammanställning (utkast)</title>
<style>
  :root { --ink: #1d2330; --muted: #5b6475; --line: #d7dce5; --accent: #1f4e8c; --soft: #f4f6fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font-family: "Segoe UI", "Liberation Sans", Arial, sans-serif; color: var(--ink);
         background: #fff; line-height: 1.5; font-size: 15px; }
  main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 64px; }
  h1 { font-size: 30px; margin: 0 0 4px; color: var(--accent); }
  h2 { font-size: 22px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--accent); }
  h3 { font-size: 17px; margin: 26px 0 8px; }
  .subtitle { color: var(--muted); margin: 0 0 18px; }
  .draft { background: #fff4d6; border-left: 5px solid #e0a100; padding: 12px 16px; margin: 18px 0; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 16px 0; }
  .card { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .card .number { font-size: 28px; font-weight: 700; color: var(--accent); display: block; }
  .card .what { color: var(--muted); font-size: 13px; }
  table { border-collapse: collapse; width: 100%; margin: 10px 0 18px; font-size: 14px; }
  th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
  th { background: #e7ecf5; font-weight: 600; }
  tbody tr:nth-child(even) td { background: #fafbfd; }
  td.num, th.num { text-align: right; white-space: nowrap; }
  td.body { font-weight: 600; min-width: 170px; }
  .stance { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 13px; white-space: nowrap; }
  .stance-positive { background: #d4efdc; }
  .stance-positive_with_reservations { background: #eef6cf; }
  .stance-negative { background: #f8d4d1; }
  .stance-no_opinion, .stance-unclassified { background: #eceef2; }
  .prob { color: var(--muted); font-size: 12px; white-space: nowrap; }
  .quote { font-style: italic; }
  .line { color: var(--muted); font-size: 12px; white-space: nowrap; }
  .note { color: var(--muted); font-size: 13px; }
  .themes { font-size: 13px; }
  ul.quotes { list-style: none; padding: 0; margin: 6px 0 0; }
  ul.quotes li { border-left: 3px solid var(--line); padding: 4px 10px; margin: 6px 0; }
  ul.quotes .who { font-weight: 600; }
  figure { margin: 18px 0 28px; }
  figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
  svg.plot { max-width: 100%; height: auto; display: block; }
  ul.docs { margin: 4px 0 0; }
  nav ol { columns: 2; margin: 6px 0; }
  @media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } tr, li { break-inside: avoid; } }
</style>
</head>
<body>
<main>
<h1>Remissammanställning – utkast</h1>
<p class="subtitle">Automatiskt framtagen sammanställning av remissvar. Källdokument:</p>
<ul class="docs">
{% for doc in documents %}  <li><code>{{ doc.name }}</code> – {{ doc.bodies }}</li>
{% endfor %}</ul>
<div class="draft"><strong>Utkast.</strong> Ställningstaganden och teman är förslag från en statistisk modell, med
sannolikheter. De ska granskas mot källtexten innan sammanställningen används (fliken <em>Granskning</em> i
<code>remissammanstallning.xlsx</code>). Radnummer hänvisar till raderna i källdokumentet.</div>

<nav><strong>Innehåll</strong>
<ol>
  <li><a href="#oversikt">Översikt</a></li>
  <li><a href="#remissinstanser">Remissinstansernas svar</a></li>
  <li><a href="#teman">Teman</a></li>
  <li><a href="#diagram">Diagram</a></li>
  <li><a href="#ej-svar">Remissinstanser som inte svarat</a></li>
  <li><a href="#partier">Partiernas uttalanden</a></li>
  <li><a href="#metod">Om metoden</a></li>
</ol></nav>

<h2 id="oversikt">Översikt</h2>
<div class="cards">
{% for card in cards %}  <div class="card"><span class="number">{{ card.number }}</span><span class="what">{{ card.what }}</span></div>
{% endfor %}</div>
<p>{{ consulted_text }}</p>
<h3>Ställningstagande per typ av remissinstans</h3>
<table>
  <thead><tr><th>Typ</th>{% for s in stance_columns %}<th class="num">{{ s }}</th>{% endfor %}<th class="num">Totalt</th></tr></thead>
  <tbody>
{% for row in stance_table %}    <tr><td>{{ row.label }}</td>{% for v in row.counts %}<td class="num">{{ v }}</td>{% endfor %}<td class="num"><strong>{{ row.total }}</strong></td></tr>
{% endfor %}  </tbody>
</table>
{% if duplicates %}<p class="note">Förekommer i flera dokument och räknas en gång: {{ duplicates }}.</p>{% endif %}

<h2 id="remissinstanser">Remissinstansernas svar</h2>
<table>
  <thead><tr><th>Remissinstans</th><th>Typ</th><th>Ställningstagande</th><th>Teman</th><th>Nyckelcitat</th></tr></thead>
  <tbody>
{% for b in bodies %}    <tr>
      <td class="body">{{ b.body }}{% if b.forwarded_by %}<br><span class="note">via {{ b.forwarded_by }}</span>{% endif %}</td>
      <td>{{ b.type }}</td>
      <td><span class="stance stance-{{ b.stance_id }}">{{ b.stance }}</span>{% if b.probability %}<br><span class="prob">sannolikhet {{ b.probability }}</span>{% endif %}</td>
      <td class="themes">{{ b.themes }}</td>
      <td>{% if b.quote %}<span class="quote">”{{ b.quote }}”</span> <span class="line">(rad {{ b.line }})</span>{% endif %}{% if b.note %}{% if b.quote %}<br>{% endif %}<span class="note">{{ b.note }}</span>{% endif %}</td>
    </tr>
{% endfor %}  </tbody>
</table>

<h2 id="teman">Teman</h2>
{% for t in themes %}<section class="theme">
<h3 id="tema-{{ t.id }}">{{ t.heading }}</h3>
{% if t.quotes %}<ul class="quotes">
{% for q in t.quotes %}  <li><span class="who">{{ q.body }}:</span> <span class="quote">”{{ q.quote }}”</span> <span class="line">(rad {{ q.line }})</span></li>
{% endfor %}</ul>{% endif %}
</section>
{% endfor %}{% if empty_themes %}<p class="note">Ingen remissinstans tar upp: {{ empty_themes }}.</p>{% endif %}

<h2 id="diagram">Diagram</h2>
{% for p in plots %}<figure>
{{ p.svg }}
<figcaption>{{ p.title }}</figcaption>
</figure>
{% endfor %}

<h2 id="ej-svar">Remissinstanser som inte svarat</h2>
{% if not_answered %}<table>
  <thead><tr><th>Remissinstans</th><th>Typ</th><th>Anmärkning</th><th>Dokument</th></tr></thead>
  <tbody>
{% for b in not_answered %}    <tr><td class="body">{{ b.body }}{% if b.forwarded_by %}<br><span class="note">via {{ b.forwarded_by }}</span>{% endif %}</td><td>{{ b.type }}</td><td>{{ b.note }}</td><td><code>{{ b.doc }}</code></td></tr>
{% endfor %}  </tbody>
</table>{% else %}<p>Alla remissinstanser har svarat.</p>{% endif %}

<h2 id="partier">Partiernas uttalanden</h2>
{% if parties %}<p>Särskilda uttalanden, reservationer och ersättaryttranden i remissinstansernas protokoll.
Ett uttalande som bara ansluter sig till ett annat partis uttalande får det uttalandets ställningstagande.</p>
{% for p in parties %}<h3>{{ p.heading }}</h3>
<p>{{ p.summary }}</p>
<table>
  <thead><tr><th>Remissinstans</th><th>Typ av uttalande</th><th>Tillsammans med</th><th>Ställningstagande</th><th>Teman</th><th class="num">Rader</th></tr></thead>
  <tbody>
{% for s in p.statements %}    <tr><td class="body">{{ s.body }}</td><td>{{ s.kind }}</td><td>{{ s.with }}</td><td><span class="stance stance-{{ s.stance_id }}">{{ s.stance }}</span></td><td class="themes">{{ s.themes }}</td><td class="num">{{ s.lines }}</td></tr>
{% endfor %}  </tbody>
</table>
{% endfor %}{% else %}<p>Inga partiuttalanden hittades.</p>{% endif %}

<h2 id="metod">Om metoden</h2>
<p>Sammanställningen är gjord automatiskt med <code>remissanalys</code>. Dokumenten delas upp per
remissinstans och avsnitt; varje mening och avsnitt klassas av modeller som tränats på projektets annoteringar.
En remissinstans ställningstagande bygger på dess beslut och tjänsteutlåtande; ett tema räknas när modellens
sannolikhet når {{ threshold }}. Varje etikett har ett citat ur källtexten med radnummer som belägg.</p>
<p><strong>Etiketterna är modellens förslag, inte granskade bedömningar.</strong> Sannolikheterna visar hur säker
modellen är, inte att den har rätt. Granska och rätta etiketterna i fliken <em>Granskning</em> i
<code>remissammanstallning.xlsx</code> innan texten används i ett ärende.</p>
</main>
</body>
</html>
"""


def _sv_number(value: float | None, decimals: int = 2) -> str:
    return "" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def _count_phrase(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _party_sort_key(party: str) -> tuple[int, str]:
    return (PARTY_ORDER.index(party) if party in PARTY_ORDER else len(PARTY_ORDER), party)


def report_context(data: ExportData, plots: list[Plot], threshold: float) -> dict[str, Any]:
    counted, answering = data.counted, data.answering
    documents = []
    for doc in sorted(set(data.bodies["doc"]) | set(data.segments["doc"])):
        n = int(((data.bodies["doc"] == doc) & data.bodies["role"].isin(COUNTED_ROLES)).sum())
        documents.append({"name": doc, "bodies": _count_phrase(n, "remissinstans", "remissinstanser")})
    stance_counts = stance_by_body_type(answering)
    stance_columns = [s for s in [*STANCES, UNCLASSIFIED] if s in STANCES[:3] or int(stance_counts[s].sum())]
    stance_table = [{"label": BODY_TYPE_PLURALS.get(r["body_type"], r["body_type"]),
                     "counts": [int(r[s]) for s in stance_columns], "total": int(r["total"])}
                    for _, r in stance_counts.iterrows()]
    stance_table.append({"label": "Totalt", "counts": [int(stance_counts[s].sum()) for s in stance_columns],
                         "total": int(stance_counts["total"].sum())})
    cards = [{"number": len(counted), "what": "remissinstanser"},
             {"number": len(answering), "what": "har svarat"},
             {"number": len(counted) - len(answering), "what": "har inte svarat"}]
    cards += [{"number": int(stance_counts[s].sum()), "what": STANCE_LABELS[s].lower()}
              for s in STANCES if int(stance_counts[s].sum())]
    roles = [f"{int((counted['role'] == r).sum())} {ROLE_PHRASES[r]}" for r in COUNTED_ROLES
             if (counted["role"] == r).any()]
    total = _count_phrase(len(counted), "remissinstans", "remissinstanser")
    consulted_text = f"Av {total} har {len(answering)} svarat."
    if roles:
        consulted_text += " Av dem är " + (" och ".join(roles) if len(roles) < 3 else ", ".join(roles[:-1])
                                           + " och " + roles[-1]) + "."
    name_counts = data.bodies[data.bodies["role"].isin(COUNTED_ROLES)]["body"].value_counts()
    duplicates = ", ".join(sorted(name_counts[name_counts > 1].index))

    body_rows = []
    for b in answering.itertuples(index=False):
        evidence = _json(b.evidence).get("stance", {})
        stance_id = b.stance or UNCLASSIFIED
        body_rows.append({
            "body": b.body, "type": BODY_TYPE_LABELS.get(b.body_type, b.body_type), "forwarded_by": b.forwarded_by,
            "stance_id": stance_id, "stance": STANCE_LABELS[stance_id],
            "probability": _sv_number(_probability(b.stance_probability)) if b.stance else "",
            "themes": _theme_labels(b.themes, data.themes), "quote": evidence.get("sentence", ""),
            "line": _span(evidence.get("line"), evidence.get("end_line")), "note": b.note,
        })

    theme_sections, empty = [], []
    for theme, label in data.themes.items():
        quotes = []
        for b in answering.itertuples(index=False):
            if theme not in _split(b.themes):
                continue
            evidence = _json(b.evidence).get(theme, {})
            quotes.append({"body": b.body, "quote": evidence.get("sentence", "(inget citat)"),
                           "line": _span(evidence.get("line"), evidence.get("end_line"))})
        if not quotes:
            empty.append(label)
            continue
        heading = f"{label} — {_count_phrase(len(quotes), 'remissinstans tar', 'remissinstanser tar')} upp temat"
        theme_sections.append({"id": theme, "heading": heading, "quotes": quotes, "n": len(quotes)})
    theme_sections.sort(key=lambda t: -t["n"])  # stable: params order among equals

    not_answered = [{"body": b.body, "type": BODY_TYPE_LABELS.get(b.body_type, b.body_type),
                     "note": b.note or "inget svar", "doc": b.doc, "forwarded_by": b.forwarded_by}
                    for b in counted[~counted["answered"]].itertuples(index=False)]

    statements = resolved_statements(data)
    statements = statements[statements["answer_id"].isin(set(counted["answer_id"]))]
    by_party: dict[str, list[dict[str, str]]] = {}
    for s in statements.itertuples(index=False):
        letters = _split(s.parties) or ["?"]
        for party in letters:
            stance_id = s.resolved_stance or UNCLASSIFIED
            by_party.setdefault(party, []).append({
                "body": s.body, "kind": SECTION_LABELS.get(s.section, s.section),
                "with": ", ".join(p for p in letters if p != party), "stance_id": stance_id,
                "stance": STANCE_LABELS.get(stance_id, stance_id), "themes": _theme_labels(s.themes, data.themes),
                "lines": _span(s.start_line, s.end_line)})
    parties = []
    for party in sorted(by_party, key=_party_sort_key):
        rows = by_party[party]
        tally = {s: sum(r["stance_id"] == s for r in rows) for s in [*STANCES, UNCLASSIFIED]}
        summary = ", ".join(f"{STANCE_LABELS[s].lower()}: {n}" for s, n in tally.items() if n)
        name = PARTY_NAMES.get(party, "okänt parti" if party == "?" else party)
        parties.append({"heading": f"{name} ({party}) — {_count_phrase(len(rows), 'uttalande', 'uttalanden')}",
                        "summary": f"Ställningstagande i uttalandena: {summary}.", "statements": rows})

    return {
        "documents": documents, "cards": cards, "consulted_text": consulted_text,
        "stance_columns": [STANCE_LABELS[s] for s in stance_columns], "stance_table": stance_table,
        "duplicates": duplicates, "bodies": body_rows, "themes": theme_sections, "empty_themes": ", ".join(empty),
        "plots": [{"title": p.title, "svg": Markup(inline_svg(p))} for p in plots],
        "not_answered": not_answered, "parties": parties, "threshold": _sv_number(threshold),
    }


def render_report(data: ExportData, plots: list[Plot], threshold: float) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.from_string(REPORT_TEMPLATE).render(**report_context(data, plots, threshold))


def write_report(data: ExportData, exports_dir: Path, plots: list[Plot], threshold: float) -> Path:
    target = exports_dir / REPORT
    write_text(target, render_report(data, plots, threshold))
    return target


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


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


if __name__ == "__main__":
    app()

"""What each workbook sheet holds, as plain rows (headers and values); `workbook` formats them.

*Översikt* and *Partier* keep every document's row; *Teman* has the counted bodies that answered;
*Citat* the theme quotes of the remissinstanser; *Granskning* one row per proposed label, laid out
as `pipeline.review_sheet` says so that the corrections stage can read it back.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipeline import review_sheet
from pipeline.export.data import COUNTED_ROLES, ExportData, line_span, number_or_none, split_list, theme_labels
from pipeline.labels import BODY_TYPE_LABELS, SECTION_LABELS, STANCE_LABELS
from pipeline.schemas import Evidence, parse_evidence, parse_probabilities

WORKBOOK = "remissammanstallning.xlsx"
SHEETS = ("Översikt", "Teman", "Partier", "Citat", review_sheet.SHEET)
OVERVIEW_COLUMNS = ("Remissinstans", "Organisation", "Ärende", "Typ", "Besvarad", "Ställningstagande", "Sannolikhet",
                    "Teman", "Nyckelcitat", "Rad", "Dokument", "Vidarebefordrad av", "Anmärkning")
PARTY_COLUMNS = ("Remissinstans", "Typ av uttalande", "Parti(er)", "Författare", "Ställningstagande", "Teman",
                 "Rader", "Dokument")
QUOTE_COLUMNS = ("Tema", "Remissinstans", "Citat", "Rad", "Sannolikhet", "Avsnitt", "Dokument")
ANSWERED = {True: "Ja", False: "Nej"}
HAS_THEME = "✓"


def _quote(evidence: dict[str, Evidence], label: str) -> tuple[str, int | None]:
    """The sentence and first line behind a label ("", None when it has none)."""
    quote = evidence.get(label)
    return (quote.sentence, quote.line) if quote else ("", None)


def overview_rows(data: ExportData) -> list[list[Any]]:
    rows = []
    for body in data.bodies[data.bodies["role"].isin(COUNTED_ROLES)].itertuples(index=False):
        sentence, line = _quote(parse_evidence(body.evidence), "stance")
        rows.append([
            body.body,
            body.organisation,
            " ".join(part for part in (getattr(body, "item", ""), body.matter) if part),
            BODY_TYPE_LABELS.get(body.body_type, body.body_type),
            ANSWERED[bool(body.answered)],
            STANCE_LABELS.get(body.stance, ""),
            number_or_none(body.stance_probability) if body.stance else None,
            theme_labels(body.themes, data.themes),
            sentence,
            line,
            body.doc,
            body.forwarded_by,
            body.note,
        ])
    return rows


def theme_matrix_headers(data: ExportData) -> list[str]:
    return ["Remissinstans", "Typ", "Dokument", *data.themes.values(), "Antal teman"]


def theme_matrix_rows(data: ExportData) -> list[list[Any]]:
    rows = []
    for body in data.answering.itertuples(index=False):
        has = set(split_list(body.themes))
        rows.append([body.body, BODY_TYPE_LABELS.get(body.body_type, body.body_type), body.doc,
                     *[HAS_THEME if t in has else None for t in data.themes], len(has & set(data.themes))])
    return rows


def party_rows(statements: pd.DataFrame, themes: dict[str, str]) -> list[list[Any]]:
    return [[s.body, SECTION_LABELS.get(s.section, s.section), ", ".join(split_list(s.parties)), s.author,
             STANCE_LABELS.get(s.resolved_stance, ""), theme_labels(s.themes, themes),
             line_span(s.start_line, s.end_line), s.doc] for s in statements.itertuples(index=False)]


def _answer_segments(data: ExportData) -> pd.DataFrame:
    """Segments of consulted bodies (their own text and statements, not the city's 'other' text)."""
    answers = set(data.bodies.loc[data.bodies["role"].isin(COUNTED_ROLES), "answer_id"])
    return data.segments[data.segments["answer_id"].isin(answers) & (data.segments["section"] != "other")]


def quote_rows(data: ExportData) -> list[list[Any]]:
    """Every theme quote of the remissinstanser, by theme (params order), body, line and document."""
    order = {t: i for i, t in enumerate(data.themes)}
    rows = []
    for segment in _answer_segments(data).itertuples(index=False):
        for theme, quote in parse_evidence(segment.evidence).items():
            if theme == "stance":
                continue
            rows.append((order.get(theme, len(order)), theme, segment.body, quote.line, segment.doc, [
                data.themes.get(theme, theme), segment.body, quote.sentence, quote.line, quote.probability,
                SECTION_LABELS.get(segment.section, segment.section), segment.doc]))
    rows.sort(key=lambda r: r[:5])
    return [r[5] for r in rows]


def review_rows(data: ExportData) -> list[list[Any]]:
    """One row per proposed label, in `review_sheet.COLUMNS` order. A label a reviewer already
    corrected (classify marks it in `stance_reviewed` / `themes_reviewed`) shows the correction in
    the reviewer's column, so a re-run never blanks what was written; a theme the reviewer removed
    keeps its row with "Nej"."""
    rows = []
    for segment in data.segments.itertuples(index=False):
        evidence = parse_evidence(segment.evidence)
        probabilities = parse_probabilities(segment.theme_probabilities)
        common = [segment.doc, segment.segment_id, segment.body, SECTION_LABELS.get(segment.section, segment.section)]
        stance_reviewed = bool(segment.stance_reviewed)
        themes_reviewed = set(split_list(segment.themes_reviewed))
        if segment.stance:
            sentence, line = _quote(evidence, "stance")
            correction = STANCE_LABELS[segment.stance] if stance_reviewed else None
            rows.append([review_sheet.label_id(segment.segment_id, review_sheet.STANCE), *common, review_sheet.STANCE,
                         STANCE_LABELS[segment.stance], number_or_none(segment.stance_probability), sentence,
                         line, correction, None])
        assigned = split_list(segment.themes)
        for theme in [*assigned, *sorted(themes_reviewed - set(assigned))]:
            sentence, line = _quote(evidence, theme)
            answer = review_sheet.YES if theme in assigned else review_sheet.NO
            correction = review_sheet.THEME_ANSWERS[answer] if theme in themes_reviewed else None
            rows.append([review_sheet.label_id(segment.segment_id, review_sheet.theme_label(theme)), *common,
                         review_sheet.THEME, data.themes.get(theme, theme), number_or_none(probabilities.get(theme)),
                         sentence, line, correction, None])
    return rows

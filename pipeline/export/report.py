"""`report.html`: a self-contained Swedish draft of the remissammanställning (inline CSS and SVG,
no external resources), rendered with Jinja2 from `templates/report.html.j2`, autoescaped so that
no quote from a document can become markup."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pipeline.export.data import (
    COUNTED_ROLES,
    ExportData,
    line_span,
    number_or_none,
    resolved_statements,
    split_list,
    theme_labels,
)
from pipeline.export.plots import Plot, inline_svg
from pipeline.export.tables import STANCE_COLUMNS, stance_by_body_type
from pipeline.io import write_text
from pipeline.labels import (
    BODY_TYPE_LABELS,
    BODY_TYPE_PLURALS,
    PARTY_CODES,
    PARTY_NAMES,
    SECTION_LABELS,
    STANCE_LABELS,
    STANCES,
    UNCLASSIFIED,
)
from pipeline.schemas import parse_evidence

REPORT = "report.html"
TEMPLATE = "report.html.j2"
ROLE_PHRASES = {"consulted": "remitterade direkt", "forwarded": "via underremiss",
                "unlisted": "svarade utan att vara remitterade", "sender": "med eget dokument",
                "reported": "återgivna i en proposition"}
ALWAYS_SHOWN_STANCES = STANCES[:3]  # columns of the stance table even when zero
NO_QUOTE = "(inget citat)"


@cache
def _environment() -> jinja2.Environment:
    """Templates from the installed package (works from a wheel as well as from the source tree)."""
    return jinja2.Environment(loader=jinja2.PackageLoader("pipeline.export", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def _sv_number(value: float | None, decimals: int = 2) -> str:
    return "" if value is None else f"{value:.{decimals}f}".replace(".", ",")


def _count_phrase(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _party_sort_key(party: str) -> tuple[int, str]:
    return (PARTY_CODES.index(party) if party in PARTY_CODES else len(PARTY_CODES), party)


def _listing(parts: list[str]) -> str:
    """"a och b", "a, b och c"."""
    return " och ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " och " + parts[-1]


def _overview(data: ExportData) -> dict[str, Any]:
    """The documents, the key numbers, the stance table and who is counted once."""
    counted, answering = data.counted, data.answering
    documents = []
    for doc in sorted(set(data.bodies["doc"]) | set(data.segments["doc"])):
        n = int(((data.bodies["doc"] == doc) & data.bodies["role"].isin(COUNTED_ROLES)).sum())
        documents.append({"name": doc, "bodies": _count_phrase(n, "remissinstans", "remissinstanser")})
    stance_counts = stance_by_body_type(answering)
    stance_columns = [s for s in STANCE_COLUMNS if s in ALWAYS_SHOWN_STANCES or int(stance_counts[s].sum())]
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
        consulted_text += " Av dem är " + _listing(roles) + "."
    name_counts = data.bodies[data.bodies["role"].isin(COUNTED_ROLES)]["body"].value_counts()
    return {"documents": documents, "cards": cards, "consulted_text": consulted_text,
            "stance_columns": [STANCE_LABELS[s] for s in stance_columns], "stance_table": stance_table,
            "duplicates": ", ".join(sorted(name_counts[name_counts > 1].index))}


def body_row(b: Any, themes: dict[str, str]) -> dict[str, Any]:
    """One answer as the report's table (and the web app's overview) shows it."""
    quote = parse_evidence(b.evidence).get("stance")
    stance_id = b.stance or UNCLASSIFIED
    return {
        "body": b.body, "type": BODY_TYPE_LABELS.get(b.body_type, b.body_type), "forwarded_by": b.forwarded_by,
        "stance_id": stance_id, "stance": STANCE_LABELS[stance_id],
        "probability": _sv_number(number_or_none(b.stance_probability)) if b.stance else "",
        "themes": theme_labels(b.themes, themes), "quote": quote.sentence if quote else "",
        "line": line_span(quote.line, quote.end_line) if quote else "", "note": b.note,
    }


def _body_rows(data: ExportData) -> list[dict[str, Any]]:
    return [body_row(b, data.themes) for b in data.answering.itertuples(index=False)]


def _theme_sections(data: ExportData) -> tuple[list[dict[str, Any]], list[str]]:
    """Per theme, every answering body's quote, most discussed theme first; and the themes no one raised."""
    sections, empty = [], []
    for theme, label in data.themes.items():
        quotes = []
        for b in data.answering.itertuples(index=False):
            if theme not in split_list(b.themes):
                continue
            quote = parse_evidence(b.evidence).get(theme)
            quotes.append({"body": b.body, "quote": (quote.sentence if quote else "") or NO_QUOTE,
                           "line": line_span(quote.line, quote.end_line) if quote else ""})
        if not quotes:
            empty.append(label)
            continue
        heading = f"{label} — {_count_phrase(len(quotes), 'remissinstans tar', 'remissinstanser tar')} upp temat"
        sections.append({"id": theme, "heading": heading, "quotes": quotes, "n": len(quotes)})
    sections.sort(key=lambda t: -t["n"])  # stable: params order among equals
    return sections, empty


def _not_answered(data: ExportData) -> list[dict[str, Any]]:
    return [{"body": b.body, "type": BODY_TYPE_LABELS.get(b.body_type, b.body_type),
             "note": b.note or "inget svar", "doc": b.doc, "forwarded_by": b.forwarded_by}
            for b in data.counted[~data.counted["answered"]].itertuples(index=False)]


def _parties(data: ExportData) -> list[dict[str, Any]]:
    """Per party, in protocol order, its statements in the remissinstansers' protocols."""
    statements = resolved_statements(data)
    statements = statements[statements["answer_id"].isin(set(data.counted["answer_id"]))]
    by_party: dict[str, list[dict[str, str]]] = {}
    for s in statements.itertuples(index=False):
        letters = split_list(s.parties) or ["?"]
        for party in letters:
            stance_id = s.resolved_stance or UNCLASSIFIED
            by_party.setdefault(party, []).append({
                "body": s.body, "kind": SECTION_LABELS.get(s.section, s.section),
                "with": ", ".join(p for p in letters if p != party), "stance_id": stance_id,
                "stance": STANCE_LABELS.get(stance_id, stance_id), "themes": theme_labels(s.themes, data.themes),
                "lines": line_span(s.start_line, s.end_line)})
    parties = []
    for party in sorted(by_party, key=_party_sort_key):
        rows = by_party[party]
        tally = {s: sum(r["stance_id"] == s for r in rows) for s in STANCE_COLUMNS}
        summary = ", ".join(f"{STANCE_LABELS[s].lower()}: {n}" for s, n in tally.items() if n)
        name = PARTY_NAMES.get(party, "okänt parti" if party == "?" else party)
        parties.append({"heading": f"{name} ({party}) — {_count_phrase(len(rows), 'uttalande', 'uttalanden')}",
                        "summary": f"Ställningstagande i uttalandena: {summary}.", "statements": rows})
    return parties


def report_context(data: ExportData, plots: list[Plot], threshold: float) -> dict[str, Any]:
    """Everything the template shows, as plain strings and numbers (the SVGs as trusted markup)."""
    themes, empty = _theme_sections(data)
    return {
        **_overview(data), "bodies": _body_rows(data), "themes": themes, "empty_themes": ", ".join(empty),
        "plots": [{"title": p.title, "svg": Markup(inline_svg(p))} for p in plots],
        "not_answered": _not_answered(data), "parties": _parties(data), "threshold": _sv_number(threshold),
    }


def render_report(data: ExportData, plots: list[Plot], threshold: float) -> str:
    return _environment().get_template(TEMPLATE).render(**report_context(data, plots, threshold))


def write_report(data: ExportData, exports_dir: Path, plots: list[Plot], threshold: float) -> Path:
    target = exports_dir / REPORT
    write_text(target, render_report(data, plots, threshold))
    return target

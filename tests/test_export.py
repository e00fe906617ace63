"""Stage 5, export: workbook, aggregated tables, plots and report from small synthetic tables."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from pipeline import schemas
from pipeline.config import Params, ThemeParams
from pipeline.export import SHEETS, app, export_all
from pipeline.review_sheet import COLUMNS as REVIEW_COLUMNS
from pipeline.review_sheet import CORRECTION as REVIEW_CORRECTION
from pipeline.review_sheet import parse_correction

CHROMIUM = Path("/usr/bin/chromium")
DOC = "remiss-utlatande.txt"
PROTOCOL = "sdn-protokoll.txt"
SEG = "remiss-utlatande"

THEMES = [
    ThemeParams(id="informationssakerhet", label="Informationssäkerhet", description="d", terms=["it-säkerhet"]),
    ThemeParams(id="finansiering", label="Finansiering", description="d", terms=["budget"]),
    ThemeParams(id="jamstalldhet", label="Jämställdhet", description="d", terms=["kön"]),
]
PARAMS = Params(themes=THEMES)


def _j(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _ev(sentence: str, line: int, p: float = 0.9) -> dict:
    return {"sentence": sentence, "line": line, "end_line": line + 1, "probability": p}


def _probs(**assigned: float) -> str:
    return _j({t.id: assigned.get(t.id, 0.01) for t in THEMES})


def _conform(frame: pd.DataFrame, schema, **defaults) -> pd.DataFrame:
    """The columns a test does not care about, filled in (blank, false, none), in the schema's order."""
    blank = {"bool": False, "int64": 0, "Int64": pd.NA, "float64": float("nan")}
    for name, column in schema.columns.items():
        if name not in frame:
            frame[name] = defaults.get(name, blank.get(str(column.dtype), ""))
    return frame[list(schema.columns)].astype({n: str(c.dtype) for n, c in schema.columns.items()
                                               if not str(c.dtype).startswith("str")})


QUOTE_A_STANCE = "Nämnden ställer sig positiv men vill se en tydligare plan."
QUOTE_A_INFO = "Informationssäkerheten måste stärkas i alla verksamheter."
QUOTE_A_FIN = "Kostnader < 5 % & mer måste finansieras inom ramen."  # must be escaped in HTML
QUOTE_C_STANCE = "Förvaltningen avstyrker förslaget i sin helhet."
QUOTE_D_STANCE = "Bolaget tillstyrker förslaget."


# one answer per body and document, as the segment stage numbers them
ANSWER_IDS = {
    (DOC, "Kulturnämnden"): f"{SEG}:a01", (DOC, "Valnämnden"): f"{SEG}:a02",
    (DOC, "Farsta stadsdelsnämnd"): f"{SEG}:a03", (DOC, "Stockholms Stadshus AB"): f"{SEG}:a04",
    (DOC, "AB Svenska Bostäder"): f"{SEG}:a05", (PROTOCOL, "Farsta stadsdelsnämnd"): "sdn-protokoll:a01",
}


def _bodies() -> pd.DataFrame:
    rows = [
        # doc, body, body_type, role, forwarded_by, answered, segments, start_line, end_line, note,
        # stance, stance_probability, themes, theme_probabilities, evidence, party_statements
        (DOC, "Kulturnämnden", "facknämnd", "consulted", "", True, 3, 10.0, 40.0, "", "positive_with_reservations",
         0.91, "informationssakerhet|finansiering", _probs(informationssakerhet=0.95, finansiering=0.8),
         _j({"stance": _ev(QUOTE_A_STANCE, 20), "informationssakerhet": _ev(QUOTE_A_INFO, 22),
             "finansiering": _ev(QUOTE_A_FIN, 30)}), _j({"S|V": "positive_with_reservations"})),
        (DOC, "Valnämnden", "facknämnd", "consulted", "", False, 0, None, None, "avstått från att svara (rad 8)", "",
         None, "", _probs(), "{}", "{}"),
        (DOC, "Farsta stadsdelsnämnd", "stadsdelsnämnd", "consulted", "", True, 3, 41.0, 70.0, "", "negative", 0.8,
         "finansiering", _probs(finansiering=0.7), _j({"stance": _ev(QUOTE_C_STANCE, 50),
                                                      "finansiering": _ev("Budgeten räcker inte.", 52)}),
         _j({"M": "positive"})),
        (DOC, "Stockholms Stadshus AB", "bolag", "consulted", "", True, 1, 71.0, 90.0, "", "positive", 0.88,
         "informationssakerhet", _probs(informationssakerhet=0.6),
         _j({"stance": _ev(QUOTE_D_STANCE, 75), "informationssakerhet": _ev("It-säkerhet är viktigt.", 80)}), "{}"),
        (DOC, "AB Svenska Bostäder", "bolag", "forwarded", "Stockholms Stadshus AB", True, 0, None, None,
         "svaret återges i Stockholms Stadshus AB (rad 85)", "", None, "", _probs(), "{}", "{}"),
        # the same stadsdelsnämnd again, as the sender of its own protocol: counted once
        (PROTOCOL, "Farsta stadsdelsnämnd", "stadsdelsnämnd", "sender", "", True, 1, 1.0, 20.0, "", "negative", 0.75,
         "finansiering", _probs(finansiering=0.7), _j({"stance": _ev(QUOTE_C_STANCE, 5)}), "{}"),
    ]
    columns = ["doc", "body", "body_type", "role", "forwarded_by", "answered", "segments", "start_line", "end_line",
               "note", "stance", "stance_probability", "themes", "theme_probabilities", "evidence", "party_statements"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.insert(3, "in_registry", True)
    frame.insert(1, "answer_id", [ANSWER_IDS[(doc, body)] for doc, body in zip(frame["doc"], frame["body"], strict=True)])
    frame.insert(2, "organisation", "Stockholms stad")
    frame.insert(3, "matter", "Stockholms stads kvalitetsprogram")
    return _conform(frame, schemas.CLASSIFIED_BODIES, genre="compiled", remitted_by="Kommunstyrelsen")


def _segments() -> pd.DataFrame:
    def seg(n, doc, body, body_type, section, start, end, stance="", p=None, themes="", probs=None, evidence=None,
            author="", parties="", forwarded_by=""):
        slug = SEG if doc == DOC else "sdn-protokoll"
        return {"doc": doc, "segment_id": f"{slug}:{n:04d}", "answer_id": ANSWER_IDS.get((doc, body), ""),
                "body": body, "body_type": body_type,
                "forwarded_by": forwarded_by, "section": section, "author": author, "parties": parties,
                "start_line": start, "end_line": end, "text": f"text {n}", "stance": stance, "stance_probability": p,
                "themes": themes, "theme_probabilities": probs or _probs(), "evidence": _j(evidence or {})}

    rows = [
        seg(1, DOC, "Kommunstyrelsen", "other", "other", 1, 9),
        seg(2, DOC, "Kulturnämnden", "facknämnd", "decision", 10, 12, "positive", 0.97, evidence={
            "stance": _ev("Nämnden godkänner förvaltningens svar.", 11)}),
        seg(3, DOC, "Kulturnämnden", "facknämnd", "tjansteutlatande", 13, 35, "positive_with_reservations", 0.91,
            "informationssakerhet|finansiering", _probs(informationssakerhet=0.95, finansiering=0.8),
            {"stance": _ev(QUOTE_A_STANCE, 20), "informationssakerhet": _ev(QUOTE_A_INFO, 22),
             "finansiering": _ev(QUOTE_A_FIN, 30)}),
        seg(4, DOC, "Kulturnämnden", "facknämnd", "party_statement", 36, 40, "positive_with_reservations", 0.9,
            "finansiering", _probs(finansiering=0.85), {"stance": _ev("Vi vill se mer resurser.", 37),
                                                        "finansiering": _ev("Resurserna räcker inte.", 38)},
            author="Anna Andersson m.fl. (S) och Bo Berg (V)", parties="S|V"),
        seg(5, DOC, "Farsta stadsdelsnämnd", "stadsdelsnämnd", "tjansteutlatande", 41, 65, "negative", 0.8,
            "finansiering", _probs(finansiering=0.7), {"stance": _ev(QUOTE_C_STANCE, 50),
                                                       "finansiering": _ev("Budgeten räcker inte.", 52)}),
        seg(6, DOC, "Farsta stadsdelsnämnd", "stadsdelsnämnd", "reservation", 66, 70, "positive", 0.7,
            evidence={"stance": _ev("Vi tillstyrker förslaget.", 67)}, author="Cecilia Ek (M)", parties="M"),
        seg(7, DOC, "Stockholms Stadshus AB", "bolag", "tjansteutlatande", 71, 90, "positive", 0.88,
            "informationssakerhet", _probs(informationssakerhet=0.6),
            {"stance": _ev(QUOTE_D_STANCE, 75), "informationssakerhet": _ev("It-säkerhet är viktigt.", 80)}),
        seg(1, PROTOCOL, "Farsta stadsdelsnämnd", "stadsdelsnämnd", "tjansteutlatande", 1, 20, "negative", 0.75,
            "finansiering", _probs(finansiering=0.7), {"stance": _ev(QUOTE_C_STANCE, 5),
                                                       "finansiering": _ev("Budgeten räcker inte.", 7)}),
    ]
    return _conform(pd.DataFrame(rows), schemas.CLASSIFIED_SEGMENTS, organisation="Stockholms stad", statement_copies=1)


def _sentences(segments: pd.DataFrame) -> pd.DataFrame:
    rows = [{"doc": s.doc, "segment_id": s.segment_id, "sentence_id": f"{s.segment_id}:001", "body": s.body,
             "section": s.section, "start_line": s.start_line, "end_line": s.end_line, "text": s.text,
             "themes": s.themes, "theme_probabilities": s.theme_probabilities} for s in segments.itertuples()]
    return pd.DataFrame(rows)


def _write_inputs(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    segments = _segments()
    _bodies().to_parquet(directory / "bodies.parquet", index=False)
    segments.to_parquet(directory / "segments.parquet", index=False)
    _sentences(segments).to_parquet(directory / "sentences.parquet", index=False)


INPUTS = {"bodies.parquet", "segments.parquet", "sentences.parquet"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, list[Path]]:
    directory = tmp_path_factory.mktemp("exports")
    _write_inputs(directory)
    return directory, export_all(directory, PARAMS)


def _outputs(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file() and p.name not in INPUTS}


def _sheet(directory: Path, name: str) -> list[dict]:
    ws = openpyxl.load_workbook(directory / "remissammanstallning.xlsx")[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_files_written(exported):
    directory, written = exported
    names = {str(p.relative_to(directory)) for p in written}
    expected = {"remissammanstallning.xlsx", "report.html"}
    expected |= {f"{t}.{s}" for t in ("stance_by_body_type", "theme_by_body_type", "theme_by_stance")
                 for s in ("csv", "parquet")}
    expected |= {f"plots/{p}.{s}" for p in ("stance_by_body_type", "theme_frequency", "theme_body_heatmap")
                 for s in ("png", "svg")}
    expected |= {"plots/theme_frequency.csv", "plots/stance_by_body_type.csv"}
    assert names == expected
    assert set(_outputs(directory)) == expected  # no temporary files left behind


def test_workbook_layout(exported):
    directory, _ = exported
    workbook = openpyxl.load_workbook(directory / "remissammanstallning.xlsx")
    assert workbook.sheetnames == list(SHEETS)
    for ws in workbook:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws["A1"].font.b, ws.title
        assert ws.column_dimensions["A"].width >= 8
    assert workbook.properties.created.year == 2000 and workbook.properties.modified.year == 2000


def test_overview_one_row_per_body_with_swedish_stances(exported):
    directory, _ = exported
    rows = _sheet(directory, "Översikt")
    assert len(rows) == len(_bodies())  # every document's row, the duplicate body included
    by_body = {(r["Remissinstans"], r["Dokument"]): r for r in rows}
    culture = by_body[("Kulturnämnden", DOC)]
    assert culture["Ställningstagande"] == "Positiv med reservationer"
    assert culture["Besvarad"] == "Ja"
    assert culture["Teman"] == "Informationssäkerhet, Finansiering"
    assert culture["Nyckelcitat"] == QUOTE_A_STANCE and culture["Rad"] == 20
    assert by_body[("Farsta stadsdelsnämnd", DOC)]["Ställningstagande"] == "Negativ"
    assert by_body[("Stockholms Stadshus AB", DOC)]["Ställningstagande"] == "Positiv"
    silent = by_body[("Valnämnden", DOC)]
    assert silent["Besvarad"] == "Nej" and not silent["Ställningstagande"]
    assert silent["Anmärkning"] == "avstått från att svara (rad 8)"
    assert by_body[("AB Svenska Bostäder", DOC)]["Vidarebefordrad av"] == "Stockholms Stadshus AB"


def test_review_sheet_one_row_per_label(exported):
    directory, _ = exported
    segments = _segments()
    expected = {f"{s.segment_id}|stance" for s in segments.itertuples() if s.stance}
    expected |= {f"{s.segment_id}|theme:{t}" for s in segments.itertuples() for t in s.themes.split("|") if t}
    rows = _sheet(directory, "Granskning")
    assert tuple(rows[0]) == REVIEW_COLUMNS
    ids = [r["Etikett-id"] for r in rows]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert all(r[REVIEW_CORRECTION] is None and r["Kommentar"] is None for r in rows)
    row = next(r for r in rows if r["Etikett-id"] == f"{SEG}:0003|theme:finansiering")
    assert (row["Etikett-typ"], row["Föreslaget värde"], row["Citat"], row["Rad"]) == (
        "theme", "Finansiering", QUOTE_A_FIN, 30)
    stance = next(r for r in rows if r["Etikett-id"] == f"{SEG}:0005|stance")
    assert stance["Föreslaget värde"] == "Negativ" and stance["Sannolikhet"] == pytest.approx(0.8)
    assert parse_correction("stance", stance["Föreslaget värde"]) == "negative"
    ws = openpyxl.load_workbook(directory / "remissammanstallning.xlsx")["Granskning"]
    column = REVIEW_COLUMNS.index(REVIEW_CORRECTION) + 1
    assert ws.cell(1, column).fill.fgColor.rgb != ws.cell(1, 1).fill.fgColor.rgb  # reviewer columns stand out
    assert ws.cell(2, column).fill.fill_type == "solid"


def test_other_sheets(exported):
    directory, _ = exported
    parties = _sheet(directory, "Partier")
    assert [(r["Remissinstans"], r["Typ av uttalande"], r["Parti(er)"]) for r in parties] == [
        ("Kulturnämnden", "Särskilt uttalande", "S, V"), ("Farsta stadsdelsnämnd", "Reservation", "M")]
    assert parties[0]["Rader"] == "36–40" and parties[1]["Ställningstagande"] == "Positiv"
    quotes = _sheet(directory, "Citat")
    assert [q["Tema"] for q in quotes] == sorted((q["Tema"] for q in quotes),
                                                 key=["Informationssäkerhet", "Finansiering"].index)
    assert {q["Citat"] for q in quotes} >= {QUOTE_A_INFO, QUOTE_A_FIN, "Resurserna räcker inte."}
    themes = _sheet(directory, "Teman")
    culture = next(r for r in themes if r["Remissinstans"] == "Kulturnämnden")
    assert culture["Informationssäkerhet"] == "✓" and culture["Jämställdhet"] is None


def test_aggregated_tables_sum_correctly(exported):
    directory, _ = exported
    answering = 4  # Kulturnämnden, Farsta (once), Stadshus AB, Svenska Bostäder (no stance)
    stance = pd.read_csv(directory / "stance_by_body_type.csv")
    assert stance["body_type"].tolist() == ["facknämnd", "stadsdelsnämnd", "bolag"]
    stance_columns = ["positive", "positive_with_reservations", "negative", "no_opinion", "unclassified"]
    assert (stance[stance_columns].sum(axis=1) == stance["total"]).all()
    assert stance["total"].sum() == answering
    assert stance.set_index("body_type").loc["stadsdelsnämnd", "negative"] == 1
    assert stance.set_index("body_type").loc["bolag", "unclassified"] == 1
    by_type = pd.read_csv(directory / "theme_by_body_type.csv").set_index("theme")
    types = ["facknämnd", "stadsdelsnämnd", "bolag", "other"]
    assert (by_type[types].sum(axis=1) == by_type["total"]).all()
    assert by_type["total"].to_dict() == {"informationssakerhet": 2, "finansiering": 2, "jamstalldhet": 0}
    by_stance = pd.read_csv(directory / "theme_by_stance.csv").set_index("theme")
    assert (by_stance[stance_columns].sum(axis=1) == by_stance["total"]).all()
    assert by_stance["total"].equals(by_type["total"])
    pd.testing.assert_frame_equal(pd.read_parquet(directory / "theme_by_stance.parquet").set_index("theme"), by_stance)
    frequency = pd.read_csv(directory / "plots/theme_frequency.csv")
    assert frequency.columns.tolist() == ["theme", "bodies"] and frequency["bodies"].sum() == 4
    long = pd.read_csv(directory / "plots/stance_by_body_type.csv")
    assert long.columns.tolist() == ["body_type", "stance", "count"] and long["count"].sum() == answering


def test_plots(exported):
    directory, _ = exported
    for name in ("stance_by_body_type", "theme_frequency", "theme_body_heatmap"):
        with Image.open(directory / "plots" / f"{name}.png") as image:
            assert image.width > 300 and image.height > 150
        svg = (directory / "plots" / f"{name}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "<dc:date>" not in svg


def test_report(exported):
    directory, _ = exported
    html = (directory / "report.html").read_text(encoding="utf-8")
    for text in ("Kulturnämnden", "Farsta stadsdelsnämnd", "Stockholms Stadshus AB", QUOTE_A_STANCE, QUOTE_A_INFO,
                 "Positiv med reservationer", "Negativ", "(rad 20–21)", DOC, PROTOCOL):
        assert text in html, text
    assert "Informationssäkerhet — 2 remissinstanser tar upp temat" in html
    assert "Kostnader &lt; 5 % &amp; mer" in html and QUOTE_A_FIN not in html  # escaped
    not_answered = html.split('id="ej-svar"')[1].split("<h2")[0]
    assert "Valnämnden" in not_answered and "avstått från att svara (rad 8)" in not_answered
    assert "Kulturnämnden" not in not_answered
    parties = html.split('id="partier"')[1].split("<h2")[0]
    assert "Socialdemokraterna (S)" in parties and "Moderaterna (M)" in parties
    assert html.count("<svg") == 3
    assert "granskas" in html  # the method note
    lowered = html.lower()
    for resource in ("http", "<script", "<link", "@import", "<img", "<iframe"):
        assert resource not in lowered, resource


def test_deterministic(exported, tmp_path):
    directory, _ = exported
    again = tmp_path / "again"
    again.mkdir()
    for name in INPUTS:
        shutil.copy(directory / name, again / name)
    export_all(again, PARAMS)
    first, second = _outputs(directory), _outputs(again)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    export_all(again, PARAMS)  # rerun in place
    assert _outputs(again) == second


def test_no_answers_and_themes_from_data(tmp_path):
    """Nobody answered and params.yaml has no themes: every file is still written, tables are empty."""
    segments = _segments()
    bodies = _bodies().assign(answered=False, stance="", themes="")
    bodies.to_parquet(tmp_path / "bodies.parquet", index=False)
    segments.to_parquet(tmp_path / "segments.parquet", index=False)
    written = export_all(tmp_path, Params())
    assert len(written) == 16
    assert pd.read_csv(tmp_path / "stance_by_body_type.csv").empty
    themes = pd.read_csv(tmp_path / "theme_by_body_type.csv")
    assert set(themes["theme"]) == {"informationssakerhet", "finansiering"} and themes["total"].sum() == 0
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Valnämnden" in html.split('id="ej-svar"')[1]


def test_cli(tmp_path):
    _write_inputs(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["--exports", str(tmp_path), "--params", str(tmp_path / "none.yaml")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.html").exists()
    missing = runner.invoke(app, ["--exports", str(tmp_path / "empty")])
    assert missing.exit_code == 2


def _chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, env=env, check=False)


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium missing (Debian package 'chromium')")
def test_report_in_headless_chromium(exported, tmp_path):
    directory, _ = exported
    url = (directory / "report.html").resolve().as_uri()
    dom = _chromium(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for text in ("Remissammanställning", "Kulturnämnden", "Valnämnden", "Remissinstanser som inte svarat",
                 QUOTE_A_STANCE, "Kostnader &lt; 5 % &amp; mer"):
        assert text in dom.stdout, text
    assert dom.stdout.count("<svg") == 3
    shot = tmp_path / "shot.png"
    result = _chromium([f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", url], tmp_path)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").resize((64, 100)).getcolors(maxcolors=64 * 100)
        assert colours is not None and len(colours) > 20  # rendered content, not a blank page


def test_bodies_of_different_organisations_and_remisser_are_counted_apart():
    from pipeline.export import counted_bodies, remiss_key

    row = {"doc": "a.txt", "body": "Kommunstyrelsen", "role": "sender", "answered": True}
    bodies = pd.DataFrame([
        {**row, "answer_id": "a:a01", "organisation": "Stockholms stad", "matter": "Kvalitetsprogram – Utveckling"},
        {**row, "answer_id": "b:a01", "organisation": "Kungsbacka kommun", "matter": "Kvalitetsprogram – Utveckling"},
        {**row, "answer_id": "b:a02", "organisation": "Kungsbacka kommun",
         "matter": "Svar på Finansdepartementets remiss av betänkandet Nätt och jämnt (SOU 2024:50)"},
        {**row, "answer_id": "c:a01", "organisation": "Kungsbacka kommun", "doc": "c.txt",
         "matter": "Yttrande över Finansdepartementets remiss: Nätt och jämnt (SOU 2024:50)"},
    ])
    assert counted_bodies(bodies)["answer_id"].tolist() == ["a:a01", "b:a01", "b:a02"]
    assert remiss_key("Stockholms stads kvalitetsprogram – Utveckling genom ständiga förbättringar") == remiss_key(
        "Stockholms stads kvalitetsprogram — Utveckling genom ständiga förbättringar, innovation")
    assert remiss_key("Svar på Finansdepartementets remiss av betänkandet Nätt och jämnt") != remiss_key(
        "Svar på Finansdepartementets remiss av slutbetänkandet Kompletterande bestämmelser")

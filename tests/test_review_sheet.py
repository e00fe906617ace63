"""The review sheet's contract: what export writes, the corrections stage reads back exactly; the one
parser understands every word the sheet offers and rejects anything else in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.correction_table import apply_to_segments
from pipeline.correction_table import COLUMNS
from pipeline.corrections import harvest
from pipeline.errors import ConfigError
from pipeline.export.data import load_exports
from pipeline.export.workbook import write_workbook
from pipeline.labels import STANCE_LABELS, STANCES, UNCLASSIFIED
from pipeline.review_sheet import COLUMNS as SHEET_COLUMNS
from pipeline.review_sheet import (
    CORRECTION,
    COMMENT,
    LABEL_ID,
    SHEET,
    STANCE_WORDS,
    THEME_ANSWERS,
    parse_correction,
)
from tests.test_export import DOC, PARAMS, SEG, _write_inputs

WORKBOOK = "remissammanstallning.xlsx"
ROOT = Path(__file__).resolve().parent.parent


def _export_workbook(directory: Path) -> Path:
    write_workbook(load_exports(directory, PARAMS), directory)
    return directory / WORKBOOK


def _fill_in(workbook: Path, answers: dict[str, tuple[str, str | None]]) -> None:
    """Write (correction, comment) into the review sheet's rows with these label ids, as a reviewer would."""
    book = openpyxl.load_workbook(workbook)
    sheet = book[SHEET]
    header = [cell.value for cell in sheet[1]]
    id_column, fix_column, note_column = (header.index(name) + 1 for name in (LABEL_ID, CORRECTION, COMMENT))
    found = set()
    for row in range(2, sheet.max_row + 1):
        label_id = sheet.cell(row, id_column).value
        if label_id in answers:
            sheet.cell(row, fix_column).value, sheet.cell(row, note_column).value = answers[label_id]
            found.add(label_id)
    assert found == set(answers)
    book.save(workbook)


def _sheet_corrections(workbook: Path) -> dict[str, str]:
    sheet = pd.read_excel(workbook, sheet_name=SHEET, dtype=str, keep_default_na=False)
    return {r[LABEL_ID]: r[CORRECTION] for r in sheet.to_dict("records") if r[CORRECTION]}


def test_written_corrections_are_read_back_exactly(tmp_path: Path):
    _write_inputs(tmp_path)
    workbook = _export_workbook(tmp_path)
    record = tmp_path / "corrections.csv"
    _fill_in(workbook, {
        f"{SEG}:0003|stance": ("Negativ", None),
        f"{SEG}:0005|stance": ("  ingen   ÅSIKT ", "Nämnden avstår"),
        f"{SEG}:0003|theme:finansiering": ("Nej", "Handlar om resurser, inte finansiering"),
    })

    merged, read = harvest(workbook, tmp_path / "segments.parquet", record)

    expected = [dict(zip(COLUMNS, row, strict=True)) for row in [
        (DOC, "13", "35", "Kulturnämnden", "stance", "negative", ""),
        (DOC, "13", "35", "Kulturnämnden", "theme:finansiering", "nej", "Handlar om resurser, inte finansiering"),
        (DOC, "41", "65", "Farsta stadsdelsnämnd", "stance", "no_opinion", "Nämnden avstår"),
    ]]
    assert read == 3
    assert merged.to_dict("records") == expected
    assert pd.read_csv(record, dtype=str, keep_default_na=False).to_dict("records") == expected

    # the next run applies them; the re-exported sheet shows each correction in the sheet's own words
    segments = pd.read_parquet(tmp_path / "segments.parquet")
    theme_order = [t.id for t in PARAMS.themes]
    apply_to_segments(segments, merged, theme_order).to_parquet(tmp_path / "segments.parquet", index=False)
    _export_workbook(tmp_path)
    assert _sheet_corrections(workbook) == {
        f"{SEG}:0003|stance": STANCE_LABELS["negative"],
        f"{SEG}:0005|stance": STANCE_LABELS["no_opinion"],
        f"{SEG}:0003|theme:finansiering": THEME_ANSWERS["nej"],
    }
    # and reading that sheet again changes nothing
    again, _ = harvest(workbook, tmp_path / "segments.parquet", record)
    assert again.to_dict("records") == expected


def test_drop_down_offers_only_words_the_parser_accepts(tmp_path: Path):
    _write_inputs(tmp_path)
    sheet = openpyxl.load_workbook(_export_workbook(tmp_path))[SHEET]
    header = [cell.value for cell in sheet[1]]
    assert tuple(header) == SHEET_COLUMNS
    kinds = {"stance": set(STANCES), "theme": {"ja", "nej"}}
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 2
    for validation in validations:
        options = validation.formula1.strip('"').split(",")
        first_cell = str(validation.sqref).split()[0].split(":")[0]
        kind = sheet.cell(int(first_cell[1:]), header.index("Etikett-typ") + 1).value
        assert {parse_correction(kind, option) for option in options} == kinds[kind]


@pytest.mark.parametrize("stance", [s for s in STANCE_LABELS if s != UNCLASSIFIED])
def test_parser_accepts_every_stance_word_and_id(stance: str):
    word = STANCE_LABELS[stance]
    for written in (word, word.upper(), f"  {word.lower()} ", stance):
        assert parse_correction("stance", written) == stance


def test_parser_accepts_synonyms_and_yes_no():
    assert parse_correction("stance", "Ingen åsikt") == "no_opinion"
    assert set(STANCE_WORDS.values()) == set(STANCES)
    for yes in ("Ja", "j", "X", "true"):
        assert parse_correction("theme:ILS", yes) == "ja"
    for no in ("Nej", "NEJ", "-", "falskt"):
        assert parse_correction("theme", no) == "nej"


@pytest.mark.parametrize(("label", "value", "allowed"), [
    ("stance", "kanske", "Positiv, Positiv med reservationer, Negativ, Inga synpunkter, ingen åsikt"),
    ("stance", STANCE_LABELS[UNCLASSIFIED], "Negativ"),  # not a stance a reviewer can set
    ("theme:ILS", "kanske", "ja or nej"),
    ("foo", "Ja", "neither 'stance' nor 'theme:<theme id>'"),
])
def test_parser_rejects_nonsense_in_one_line(label: str, value: str, allowed: str):
    with pytest.raises(ConfigError) as error:
        parse_correction(label, value)
    message = str(error.value)
    assert "\n" not in message and allowed in message


def test_bad_value_in_the_sheet_names_its_row(tmp_path: Path):
    _write_inputs(tmp_path)
    workbook = _export_workbook(tmp_path)
    _fill_in(workbook, {f"{SEG}:0005|stance": ("kanske", None)})
    with pytest.raises(ConfigError, match=rf"row \d+ \({SEG}:0005\|stance\): correction 'kanske'"):
        harvest(workbook, tmp_path / "segments.parquet", tmp_path / "corrections.csv")


def test_review_sheet_and_correction_table_import_no_stage():
    """Helpers, not stages: classify and export can import them without importing another stage."""
    helpers = {"pipeline", "pipeline.labels", "pipeline.errors", "pipeline.textutil", "pipeline.io", "pipeline.config",
               "pipeline.schemas"}
    code = ("import sys\n"
            "def loaded(): return ' '.join(m for m in sys.modules if m.startswith('pipeline'))\n"
            "import pipeline.review_sheet; print(loaded())\n"
            "import pipeline.correction_table; print(loaded())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    sheet, table = (set(line.split()) for line in result.stdout.splitlines())
    assert sheet <= helpers | {"pipeline.review_sheet"}
    assert table <= helpers | {"pipeline.review_sheet", "pipeline.correction_table", "pipeline.annotations",
                               "pipeline.cues"}

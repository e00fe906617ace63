"""The correction loop, round trip: a reviewer corrects labels in the workbook, the next run
applies them everywhere and learns from them, and nothing the reviewer wrote is lost on a re-run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline.correction_table import COLUMNS, merge, read_corrections
from pipeline.errors import ConfigError
from pipeline.labelling import reviewed_stance
from pipeline.review_sheet import parse_correction
from tests.conftest import PROTOCOL, ROOT


def analyze(out: Path, annotations: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(PROTOCOL), "--out", str(out), "--annotations", str(annotations)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def review_sheet(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name="Granskning", dtype=str, keep_default_na=False)


def test_reviewer_values_are_normalised():
    assert parse_correction("stance", "Positiv med reservationer") == "positive_with_reservations"
    assert parse_correction("stance", " negative ") == "negative"
    assert parse_correction("theme:ILS", "Nej") == "nej"
    with pytest.raises(ConfigError, match="ja or nej"):
        parse_correction("theme:ILS", "kanske")


def test_merge_updates_and_never_drops():
    row = dict(doc="d", start_line="1", end_line="2", body="B", label="stance", value="positive", comment="")
    old = pd.DataFrame([row, {**row, "label": "theme:ILS", "value": "nej"}], columns=COLUMNS)
    new = pd.DataFrame([{**row, "value": "negative"}], columns=COLUMNS)
    merged = merge(old, new)
    assert len(merged) == 2
    assert merged.set_index("label").loc["stance", "value"] == "negative"


def test_a_reviewed_segment_decides_the_body_stance():
    evidence = '{"stance":{"end_line":5,"line":5,"probability":0.9,"sentence":"Nämnden avstyrker."}}'
    official = pd.DataFrame([
        {"segment_id": "a", "start_line": 1, "stance": "positive", "stance_reviewed": False, "evidence": "{}"},
        {"segment_id": "b", "start_line": 5, "stance": "negative", "stance_reviewed": True, "evidence": evidence},
        {"segment_id": "c", "start_line": 9, "stance": "positive", "stance_reviewed": False, "evidence": "{}"},
    ])
    stance, probability, quote, _ = reviewed_stance(official)
    assert (stance, probability, quote.sentence) == ("negative", 1.0, "Nämnden avstyrker.")
    assert reviewed_stance(official.assign(stance_reviewed=False)) is None


def test_correction_round_trip(tmp_path: Path, embedded_model_dir):
    annotations = tmp_path / "annotations"
    shutil.copytree(ROOT / "data" / "annotations", annotations)
    (annotations / "corrections.csv").write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    analyze(out, annotations)

    segments = pd.read_csv(out / "segments.csv", keep_default_na=False)
    decision = segments[segments["section"] == "tjansteutlatande"].iloc[0]
    assert decision["stance"] != "negative"
    theme = decision["themes"].split("|")[0]
    assert theme

    # the reviewer disagrees twice in the workbook's Granskning sheet
    workbook = openpyxl.load_workbook(out / "remissammanstallning.xlsx")
    sheet = workbook["Granskning"]
    header = [cell.value for cell in sheet[1]]
    id_col, fix_col = header.index("Etikett-id") + 1, header.index("Granskarens rättelse") + 1
    targets = {f"{decision['segment_id']}|stance": "Negativ", f"{decision['segment_id']}|theme:{theme}": "Nej"}
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, id_col).value in targets:
            sheet.cell(row, fix_col).value = targets[sheet.cell(row, id_col).value]
    workbook.save(out / "remissammanstallning.xlsx")

    for _ in range(2):  # the correcting run, then a plain re-run: the correction must hold
        analyze(out, annotations)
        segments = pd.read_csv(out / "segments.csv", keep_default_na=False).set_index("segment_id")
        corrected = segments.loc[decision["segment_id"]]
        assert corrected["stance"] == "negative" and float(corrected["stance_probability"]) == 1.0
        assert str(corrected["stance_reviewed"]) == "True"
        assert theme not in corrected["themes"].split("|")
        assert theme in corrected["themes_reviewed"].split("|")
        bodies = pd.read_csv(out / "bodies.csv", keep_default_na=False)
        assert str(bodies.iloc[0]["reviewed"]) == "True"
        # the reviewer's stance of the answer's own text is the body's stance
        assert bodies.iloc[0]["stance"] == "negative" and float(bodies.iloc[0]["stance_probability"]) == 1.0
        record = read_corrections(out / "corrections.csv")
        assert sorted(record["value"]) == ["negative", "nej"]
        sheet = review_sheet(out / "remissammanstallning.xlsx").set_index("Etikett-id")
        assert sheet.loc[f"{decision['segment_id']}|stance", "Granskarens rättelse"] == "Negativ"
        assert sheet.loc[f"{decision['segment_id']}|theme:{theme}", "Granskarens rättelse"] == "Nej"

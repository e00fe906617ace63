"""End to end: `remiss analyze` on corpus documents of other genres (a multi-item protocol and a bill),
and what staff rely on: one answer per remiss item, declined items without a stance, a bill's reported
stance with the sentence that names the body as evidence."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

CORPUS = ROOT / "data" / "corpus"
PROTOCOL = "kungsbacka-ks-2024-01-23-protokoll-p18-23.txt"
BILL = "prop-2013-14-34-sanktionsavgift-kreditprovningar.txt"


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory, embedded_model_dir) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")
    for name in (PROTOCOL, BILL):
        shutil.copy(CORPUS / name, inputs / name)
    out = tmp_path_factory.mktemp("analyze-corpus")
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(inputs), "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def _bodies(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "bodies.csv", keep_default_na=False)


def test_each_remiss_item_of_a_protocol_is_one_answer_with_its_own_evidence(analyzed: Path):
    bodies = _bodies(analyzed)
    protocol = bodies[bodies["doc"] == PROTOCOL]
    answered = protocol[protocol["answered"].astype(str) == "True"]
    assert answered["item"].tolist() == ["§ 18", "§ 20", "§ 21"]
    assert (answered["organisation"] == "Kungsbacka kommun").all() and (answered["body"] == "Kommunstyrelsen").all()
    segments = pd.read_csv(analyzed / "segments.csv", keep_default_na=False)
    for row in answered.itertuples():
        own = segments[segments["answer_id"] == row.answer_id]
        assert set(own["item"]) == {row.item}
        evidence = json.loads(row.evidence).get("stance", {})
        assert own["start_line"].min() <= evidence["line"] <= own["end_line"].max()
    declined = protocol[protocol["answered"].astype(str) == "False"]
    assert len(declined) == 2 and (declined["stance"] == "").all()
    documents = pd.read_csv(analyzed / "documents.csv", keep_default_na=False).set_index("doc")
    assert documents.loc[PROTOCOL, "genre"] == "protocol" and documents.loc[BILL, "genre"] == "bill"


def test_a_bill_reports_each_named_body_with_the_sentence_naming_it(analyzed: Path):
    bodies = _bodies(analyzed)
    reported = bodies[(bodies["doc"] == BILL) & (bodies["role"] == "reported")]
    assert len(reported) >= 2
    for row in reported.itertuples():
        assert row.stance == row.reported_stance
        assert row.body in json.loads(row.evidence)["stance"]["sentence"]
    declined = bodies[(bodies["doc"] == BILL) & (bodies["answered"].astype(str) == "False")]
    assert {"UC AB", "Sveriges Konsumenter"} <= set(declined["organisation"])

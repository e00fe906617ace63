"""Three answers staff must read right, run through `remiss analyze` as staff run it, with models
that were not trained on them (their annotations are removed from the training set):

* a real negative answer: Kungsbacka kommun "godkänner inte" and "motsätter sig" a budget;
* a friendly opening and a negative conclusion: Kammarkollegiet "ställer sig positivt till …" and
  then "avstyrker föreslagen förändring …", published as a web page without letterhead;
* a positive answer with minor suggestions: Kungsbacka kommun "ställer sig positiv till det
  föreslagna handlingsprogrammet" and adds wishes, which staff read as positive.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

CORPUS = ROOT / "data" / "corpus"
NEGATIVE = "kungsbacka-ks-2024-05-28-yttrande-rsg-budget-2025.txt"
FRIENDLY_THEN_NO = "kammarkollegiet-sou-2022-15-friendly-opening-then-no.txt"
MINOR_SUGGESTIONS = "kungsbacka-ks-2024-05-28-yttrande-rsg-handlingsprogram.txt"


@pytest.fixture(scope="module")
def answers(tmp_path_factory, embedded_model_dir) -> pd.DataFrame:
    work = tmp_path_factory.mktemp("stance-e2e")
    inputs, annotations, out = work / "in", work / "annotations", work / "out"
    inputs.mkdir()
    annotations.mkdir()
    shutil.copy(CORPUS / NEGATIVE, inputs)
    shutil.copy(CORPUS / MINOR_SUGGESTIONS, inputs)
    shutil.copy(ROOT / "tests" / "fixtures" / "answers" / FRIENDLY_THEN_NO, inputs)
    for source in (ROOT / "data" / "annotations").glob("*.csv"):  # everything but these documents
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
        table[~table["doc"].isin([NEGATIVE, MINOR_SUGGESTIONS])].to_csv(annotations / source.name, index=False)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(inputs), "--out", str(out), "--annotations",
         str(annotations)], cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stderr[-3000:]
    bodies = pd.read_csv(out / "bodies.csv", keep_default_na=False)
    return bodies[bodies["answered"].astype(str) == "True"].set_index("doc")


def _stance_quote(answers: pd.DataFrame, doc: str) -> str:
    return json.loads(answers.loc[doc, "evidence"])["stance"]["sentence"]


def test_a_real_negative_answer_is_negative_with_its_no_as_evidence(answers):
    assert answers.loc[NEGATIVE, "body"] == "Kommunstyrelsen"
    assert answers.loc[NEGATIVE, "stance"] == "negative"
    quote = _stance_quote(answers, NEGATIVE)
    assert "godkänner inte" in quote or "motsätter sig" in quote
    parts = json.loads(answers.loc[NEGATIVE, "stance_parts"])
    assert parts and all(part["stance"] == "negative" for part in parts)


def test_a_friendly_opening_does_not_hide_a_negative_conclusion(answers):
    assert answers.loc[FRIENDLY_THEN_NO, "body"] == "Kammarkollegiet"
    assert answers.loc[FRIENDLY_THEN_NO, "body_type"] == "myndighet"
    assert answers.loc[FRIENDLY_THEN_NO, "stance"] == "negative"
    assert "avstyrker" in _stance_quote(answers, FRIENDLY_THEN_NO)


def test_welcome_with_minor_suggestions_is_positive(answers):
    assert answers.loc[MINOR_SUGGESTIONS, "stance"] == "positive"
    assert "ställer sig positiv" in _stance_quote(answers, MINOR_SUGGESTIONS)

"""The contracts between stages: a hand-edited or broken table fails where it is read, in one line."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import schemas
from pipeline.schemas import Evidence, SchemaError


def _segment(**changes) -> pd.DataFrame:
    row = {"doc": "a.txt", "segment_id": "a:0001", "answer_id": "a:a01", "item": "", "organisation": "Kungsbacka kommun",
           "body": "Kommunstyrelsen", "body_type": "kommun", "forwarded_by": "", "section": "decision", "author": "",
           "parties": "", "start_line": 3, "end_line": 5, "text": "Kommunstyrelsen avstyrker förslaget.",
           "stance": "negative", "stance_probability": 0.9, "themes": "", "theme_probabilities": '{"ILS":0.1}',
           "evidence": schemas.evidence_json({"stance": Evidence(sentence="Kommunstyrelsen avstyrker förslaget.",
                                                                  line=3, end_line=3, probability=0.9)}),
           "stance_reviewed": False, "themes_reviewed": "", "statement_group": "", "statement_copies": 1}
    return pd.DataFrame([{**row, **changes}])


def test_a_classified_segment_passes_and_its_evidence_reads_back_typed():
    frame = schemas.validate_classified_segments(_segment())
    evidence = schemas.parse_evidence(frame["evidence"].iloc[0])["stance"]
    assert evidence.line == 3 and evidence.probability == 0.9 and evidence.sentence.endswith("förslaget.")


@pytest.mark.parametrize("changes, named", [
    ({"evidence": '{"stance": {"sentence": "x", "line": 3}}'}, "evidence"),  # end_line and probability missing
    ({"evidence": '{"stance": {"sentence": "x", "line": 3, "end_line": 3, "probability": 1.5}}'}, "evidence"),
    ({"evidence": "not json"}, "evidence"),
    ({"theme_probabilities": '{"ILS": "high"}'}, "theme_probabilities"),
    ({"stance": "avstyrker"}, "stance"),
    ({"body_type": "nämnd"}, "body_type"),
])
def test_a_broken_cell_is_one_line_naming_the_column(changes, named):
    with pytest.raises(SchemaError) as error:
        schemas.validate_classified_segments(_segment(**changes))
    message = str(error.value)
    assert "\n" not in message and named in message and message.startswith("classified segments table is invalid")


def test_a_missing_column_is_named():
    with pytest.raises(SchemaError, match="statement_copies"):
        schemas.validate_classified_segments(_segment().drop(columns=["statement_copies"]))

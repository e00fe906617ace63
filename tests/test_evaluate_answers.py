"""Answers across remisser (pipeline/evaluate/answers.py) and what it rests on: aligning the
annotated answers to the pipeline's bodies, theme labels from answers, and the agreement of two
annotation passes. Quick: the fake encoder stands in for the model (the plumbing is tested here,
the real model's scores are `dvc metrics show`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.agreement import agreement
from pipeline.annotations import ANSWER_COLUMNS, align_answers, align_themes, theme_training_labels
from pipeline.labels import STANCES
from tests.conftest import ROOT, _segment

NEGATIVE = ROOT / "data" / "corpus" / "kungsbacka-ks-2024-05-28-yttrande-rsg-budget-2025.txt"
THEMES = ["informationssakerhet", "finansiering"]


@pytest.fixture(scope="module")
def two_remisser(utlatande, protocol, registry, params, fake_encoder):
    """The seed remiss and a Kungsbacka answer to another remiss, embedded with the fake model."""
    from pipeline.embed import embed_tables
    from pipeline.segment import combine

    negative = _segment(NEGATIVE, registry, params.ingest, params.segment)
    parts = [utlatande, protocol, negative]
    lines = pd.concat([document.lines for document, _ in parts], ignore_index=True)
    segmentation = combine([result for _, result in parts])
    return embed_tables(segmentation.segments, lines, fake_encoder), segmentation.bodies


def _answers(tmp_path: Path, rows: list[dict]) -> Path:
    pd.DataFrame([{column: row.get(column, "") for column in ANSWER_COLUMNS} for row in rows]).to_csv(
        tmp_path / "answers.csv", index=False)
    return tmp_path


def test_an_annotated_answer_aligns_to_its_body_by_line_and_name(two_remisser, tmp_path):
    _, bodies = two_remisser
    directory = _answers(tmp_path, [
        {"doc": NEGATIVE.name, "line": "180", "body": "Kommunstyrelsen", "remiss": "RSG budget", "stance": "negative",
         "themes": "finansiering|ILS"},
        {"doc": NEGATIVE.name, "line": "180", "body": "Länsstyrelsen", "remiss": "RSG budget", "stance": "positive"},
    ])
    aligned = align_answers(directory, bodies, THEMES)
    assert aligned.labels[["remiss", "genre", "stance", "themes"]].values.tolist() == [
        ["RSG budget", "bundle", "negative", "finansiering"]]  # a theme not configured is dropped
    assert aligned.unmatched == [f"{NEGATIVE.name}:180: Länsstyrelsen"]


def test_an_unknown_stance_in_answers_is_one_clear_error(two_remisser, tmp_path):
    from pipeline.errors import ConfigError

    _, bodies = two_remisser
    directory = _answers(tmp_path, [{"doc": NEGATIVE.name, "line": "180", "body": "Kommunstyrelsen",
                                     "stance": "nej"}])
    with pytest.raises(ConfigError, match="unknown stance labels: nej"):
        align_answers(directory, bodies, THEMES)


def test_an_answer_without_a_theme_makes_its_sentences_negatives_for_it(two_remisser, tmp_path):
    run, bodies = two_remisser
    directory = _answers(tmp_path, [{"doc": NEGATIVE.name, "line": "180", "body": "Kommunstyrelsen",
                                     "stance": "negative", "themes": "finansiering"}])
    answers = align_answers(directory, bodies, THEMES).labels
    sentence_labels = align_themes(directory, run.sentences, THEMES).labels  # no themes.csv: none
    labels = theme_training_labels(run.segments, run.sentences, answers, sentence_labels, THEMES)
    assert len(labels) > 10 and set(labels.index) <= set(run.sentences[run.sentences["doc"] == NEGATIVE.name]
                                                         ["sentence_id"])
    assert (labels["informationssakerhet"] == 0).all()  # not discussed: a known negative everywhere
    assert (labels["finansiering"] == -1).all()  # discussed: which sentence says so is unknown


def test_every_annotated_answer_is_scored_across_and_within_remisser(two_remisser, params, fake_encoder):
    from pipeline.evaluate.answers import STANCE_METHODS, evaluate_answers
    from pipeline.themes import theme_space

    run, bodies = two_remisser
    result = evaluate_answers(run, bodies, params, ROOT / "data" / "annotations",
                              theme_space(params.themes, fake_encoder))
    assert result.metrics["n_remisser"] == 2 and result.metrics["n_answers"] >= 30
    for scheme in ("leave_one_remiss_out", "within_remiss"):
        rows = result.predictions[result.predictions["scheme"] == scheme]
        assert len(rows) == result.metrics["n_answers"]
        assert set(rows["genre"]) == {"compiled", "protocol", "bundle"}
        for method in STANCE_METHODS:
            assert set(rows[method]) <= set(STANCES) | {""}
        scores = result.metrics[scheme]
        assert 0 <= scores["baseline_section_majority"]["macro_f1"] <= 1
        assert "negative_recall" in scores["model"]  # the corpus answer is negative
        assert set(scores["per_genre"]) == {"compiled", "protocol", "bundle"}
    negative = result.predictions[result.predictions["doc"] == NEGATIVE.name]
    assert (negative["annotated"] == "negative").all()
    # the decisive statement decides even with a model that knows nothing (fake vectors)
    assert (negative["decisive_only"] == "negative").all()


def test_agreement_of_two_passes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, stances, themes in ((first, ["positive", "negative"], ["finansiering", ""]),
                                    (second, ["positive", "positive"], ["finansiering", "ILS"])):
        folder.mkdir()
        pd.DataFrame({"doc": ["d", "d"], "start_line": ["1", "5"], "end_line": ["4", "9"],
                      "stance": stances}).to_csv(folder / "segments.csv", index=False)
        pd.DataFrame({"doc": ["d", "d"], "line": ["1", "5"], "body": ["Kommunstyrelsen", "Länsstyrelsen"],
                      "stance": stances, "themes": themes}).to_csv(folder / "answers.csv", index=False)
    (second / "answers.csv").write_text((second / "answers.csv").read_text().replace("Länsstyrelsen",
                                                                                     "Länsstyrelsen i Hallands län"))
    result = agreement(first, second, ["finansiering", "ILS"])
    assert result["segments_stance"] == {"n": 2, "percent": 0.5, "kappa": 0.0}
    assert result["answers_stance"]["n"] == 2 and result["answers_stance"]["only_first"] == 0
    assert result["answers_themes"]["percent"] == 0.75

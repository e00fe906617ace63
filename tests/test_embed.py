"""Sentence splitting, the encoder (prefix, windows, pooling) and the embedding cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import ModelParams
from pipeline.encoder import EmbeddingCache, Encoder, load_model, resolve_model
from pipeline.errors import ModelUnavailableError
from pipeline.sentences import sentences_table, split_sentences


def test_abbreviations_do_not_end_sentences():
    text = (
        "Förslaget bör enl. nämnden förtydligas, jfr. kap. 3 i programmet. Det gäller bl.a. it-säkerhet, "
        "t.ex. säkerhetskopior, resp. inkl. kostnader. Dnr. KS 2021/866 gäller s.k. ILS. "
        "Salar Rashid m.fl. (S) instämmer."
    )
    sentences = [s.text for s in split_sentences([(1, text)])]
    assert sentences == [
        "Förslaget bör enl. nämnden förtydligas, jfr. kap. 3 i programmet.",
        "Det gäller bl.a. it-säkerhet, t.ex. säkerhetskopior, resp. inkl. kostnader.",
        "Dnr. KS 2021/866 gäller s.k. ILS.",
        "Salar Rashid m.fl. (S) instämmer.",
    ]


def test_sentences_keep_their_original_line_numbers():
    lines = [(10, "Nämnden är positiv. Förvaltningen anser att man-"), (11, "datet bör"), (13, "förtydligas. Slut.")]
    sentences = split_sentences(lines)
    assert [(s.text, s.start_line, s.end_line) for s in sentences] == [
        ("Nämnden är positiv.", 10, 10),
        ("Förvaltningen anser att mandatet bör förtydligas.", 10, 13),
        ("Slut.", 13, 13),
    ]


def test_sentences_table_on_the_seed(utlatande):
    document, result = utlatande
    table = sentences_table(result.segments, document.lines)
    assert table["sentence_id"].is_unique
    lines = document.lines.set_index("line")["text"]
    for row in table.sample(50, random_state=0).itertuples():
        first_word = row.text.split()[0].rstrip("-")
        assert first_word[:4] in lines.loc[row.start_line], (row.text, row.start_line)
        assert row.start_line <= row.end_line
    # every word of every segment is in some sentence (nothing dropped by the splitter)
    joined = table.groupby("segment_id")["text"].apply(lambda s: " ".join(s).split())
    for segment in result.segments.itertuples():
        if segment.segment_id in joined:
            assert joined[segment.segment_id] == segment.text.split()


def test_e5_prefix_is_applied_only_for_models_that_need_it(embedded_model_dir):
    assert resolve_model(ModelParams(embedded_path=embedded_model_dir)).prefix == "query: "
    assert resolve_model(ModelParams(name="intfloat/multilingual-e5-base", backend="torch")).prefix == "query: "
    assert resolve_model(ModelParams(name="KBLab/sentence-bert-swedish-cased", backend="torch")).prefix == ""
    assert resolve_model(ModelParams(name="KBLab/x", backend="torch", query_prefix="fråga: ")).prefix == "fråga: "


def test_hub_model_offline_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = resolve_model(ModelParams(name="KBLab/sentence-bert-swedish-cased", backend="torch"))
    with pytest.raises(ModelUnavailableError, match="model.name: embedded"):
        load_model(spec)


def test_missing_embedded_model_says_how_to_build_it(tmp_path: Path):
    with pytest.raises(ModelUnavailableError, match="build_model"):
        resolve_model(ModelParams(embedded_path=tmp_path / "nothing"))


def test_cache_second_run_embeds_nothing(e5, tmp_path: Path):
    spec, model = e5
    texts = ["Nämnden tillstyrker förslaget.", "Förvaltningen saknar en analys av kostnaderna.", "Nämnden tillstyrker förslaget."]
    first = Encoder(spec, model, EmbeddingCache(tmp_path), progress=False)
    vectors = first.encode(texts)
    assert first.stats.embedded == 2  # the repeated text is embedded once
    second = Encoder(spec, model, EmbeddingCache(tmp_path), progress=False)
    again = second.encode(texts)
    assert second.stats.embedded == 0 and second.stats.from_cache == 3
    assert np.array_equal(vectors, again)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    direct = model.encode(["query: " + texts[0]], normalize_embeddings=True)[0]
    assert float(vectors[0] @ direct) > 0.9999


def test_long_texts_are_windowed_and_pooled_not_truncated(e5, tmp_path: Path):
    spec, model = e5
    encoder = Encoder(spec, model, None, overlap=16, progress=False)
    sentence = "Förvaltningen anser att informationssäkerheten måste stärkas i alla verksamheter. "
    long_text = sentence * 60 + "Slutligen avstyrker nämnden hela förslaget om finansiering."
    windows = encoder.windows(long_text)
    assert len(windows) >= 2
    assert all(len(ids) <= encoder.max_tokens for ids in encoder.tokenize(windows))
    assert windows[-1].endswith("finansiering.")  # the end is kept, not cut off
    pooled = encoder.encode([long_text])[0]
    parts = encoder.encode(windows)
    weights = np.array([len(ids) for ids in encoder.tokenize(windows)], dtype=np.float32)
    expected = (parts * weights[:, None]).sum(axis=0)
    assert np.allclose(pooled, expected / np.linalg.norm(expected), atol=1e-5)
    changed_end = encoder.encode([sentence * 60 + "Slutligen tillstyrker nämnden förslaget om kultur."])[0]
    assert not np.allclose(pooled, changed_end, atol=1e-4)  # truncation would make these equal


def test_passages_pack_sentences_into_chunks_that_fit(e5):
    spec, model = e5
    encoder = Encoder(spec, model, None, progress=False)
    sentences = [f"Mening nummer {i} handlar om kvalitetsarbete och digitalisering i staden." for i in range(80)]
    chunks = encoder.pack(sentences)
    assert len(chunks) >= 2
    assert " ".join(chunks).split() == " ".join(sentences).split()
    assert all(len(ids) <= encoder.max_tokens for ids in encoder.tokenize(chunks))
    vector = encoder.encode_passages([sentences])[0]
    assert np.isclose(np.linalg.norm(vector), 1, atol=1e-5)


def test_embed_stage_outputs_are_aligned(e5, utlatande, tmp_path: Path):
    from pipeline.embed import embed_tables

    spec, model = e5
    document, result = utlatande
    segments = result.segments[result.segments["body"] == "Norrmalms stadsdelsnämnd"].reset_index(drop=True)
    encoder = Encoder(spec, model, EmbeddingCache(tmp_path), progress=False)
    corpus = embed_tables(segments, document.lines, encoder)
    sentences, sentence_vectors, segment_vectors = corpus.sentences, corpus.sentence_vectors, corpus.segment_vectors
    assert len(sentences) == len(sentence_vectors) and len(segments) == len(segment_vectors)
    assert set(sentences["segment_id"]) <= set(segments["segment_id"])
    assert isinstance(sentences, pd.DataFrame) and sentence_vectors.dtype == np.float32

"""The ONNX Runtime backend keeps every figure: its vectors are the fp32 model's, text by text.

The fidelity rule: cosine >= 0.99 to the sentence-transformers fp32 vectors on seed and corpus
sentences for the int8 variant, >= 0.9999 for the default fp32 one. A text's vector depends on the text alone (not on what it is
embedded with, nor on the thread count), which the Dask path's equality with a serial run needs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.config import ModelParams
from pipeline.encoder import load_model, resolve_model
from pipeline.errors import ModelUnavailableError
from pipeline.ingest import ingest_file
from pipeline.onnx_model import OnnxSentenceModel, onnx_path
from pipeline.segment import segment_document
from pipeline.sentences import sentences_table

from tests.conftest import ROOT

CORPUS = ["kungsbacka-ks-2024-05-28-yttrande-rsg-budget-2025.txt", "prop-2005-06-173-oversyn-av-personuppgiftslagen.txt",
          "kungsbacka-ks-2024-10-22-protokoll-p233-242.txt"]


@pytest.fixture(scope="module")
def sentences(utlatande, protocol, registry, params) -> list[str]:
    """About 400 seed and corpus sentences, short and long, prefixed as the encoder does."""
    tables = [sentences_table(segmentation.segments, document.lines) for document, segmentation in (utlatande, protocol)]
    for name in CORPUS:
        document = ingest_file(ROOT / "data" / "corpus" / name, params.ingest, doc=name)
        tables.append(sentences_table(segment_document(document.lines, registry, params.segment).segments, document.lines))
    texts = sorted({text for table in tables for text in table["text"]})
    return ["query: " + text for text in texts[:: max(1, len(texts) // 400)]]


@pytest.fixture(scope="module")
def reference(e5, sentences) -> np.ndarray:
    """sentence-transformers on torch, fp32: what the ONNX variants must reproduce."""
    spec, _ = e5
    torch_model = load_model(resolve_model(ModelParams(embedded_path=Path(spec.source), backend="torch")))
    return torch_model.encode(sentences, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


@pytest.mark.parametrize(("precision", "minimum"), [("int8", 0.99), ("fp32", 0.9999)])
def test_onnx_vectors_keep_the_fp32_geometry(embedded_model_dir, sentences, reference, precision, minimum):
    model = OnnxSentenceModel(embedded_model_dir, onnx_path(embedded_model_dir, precision))
    cosines = (model.encode(sentences) * reference).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= minimum, f"{cosines.min():.4f} for {sentences[worst][:80]!r}"
    assert len(sentences) >= 300 and max(map(len, sentences)) > 500  # long sentences are in the sample


def test_a_texts_vector_depends_on_the_text_alone(embedded_model_dir, sentences):
    texts = sentences[:12]
    one_thread = OnnxSentenceModel(embedded_model_dir, onnx_path(embedded_model_dir, "int8"), threads=1)
    two_threads = OnnxSentenceModel(embedded_model_dir, onnx_path(embedded_model_dir, "int8"), threads=2)
    together = one_thread.encode(texts)
    alone = np.stack([one_thread.encode([text])[0] for text in reversed(texts)])[::-1]
    assert np.array_equal(together, alone)
    assert np.array_equal(together, two_threads.encode(texts))


def test_default_backend_is_onnx_fp32_and_each_variant_has_its_own_cache_key(embedded_model_dir):
    default = resolve_model(ModelParams(embedded_path=embedded_model_dir))
    assert default.onnx_file == onnx_path(embedded_model_dir, "fp32")
    int8 = resolve_model(ModelParams(embedded_path=embedded_model_dir, precision="int8"))
    torch_spec = resolve_model(ModelParams(embedded_path=embedded_model_dir, backend="torch"))
    assert torch_spec.onnx_file is None
    assert len({default.fingerprint, int8.fingerprint, torch_spec.fingerprint}) == 3


def test_a_folder_without_an_onnx_export_says_to_use_torch(tmp_path: Path):
    (tmp_path / "modules.json").write_text("[]")
    with pytest.raises(ModelUnavailableError, match="model.backend: torch"):
        resolve_model(ModelParams(name=str(tmp_path)))
    with pytest.raises(ModelUnavailableError, match="model.backend: torch"):
        resolve_model(ModelParams(name="intfloat/multilingual-e5-base"))

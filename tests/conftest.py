"""Shared fixtures: the registry, the seed documents and their segmentation (computed once), the
real embedded model, and a fake one for the quick edit loop.

Tests that need the real model, another process or a notebook are marked `slow` here, from the
fixtures they use or in their module; `pytest -m "not slow"` runs the rest in under a minute.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.config import IngestParams, SegmentParams, load_params
from pipeline.ingest import Document, ingest_file
from pipeline.registry import Registry
from pipeline.segment import Segmentation, segment_document

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "data" / "raw"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UTLATANDE = RAW / "ks-2021-866-utlatande-kvalitetsprogram.txt"
PROTOCOL = RAW / "norrmalm-sdn-protokoll-2021-10-21-p12.txt"
MINI = FIXTURES / "mini_utlatande.txt"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load(ROOT / "data" / "registry" / "bodies.yaml")


@pytest.fixture(scope="session")
def params():
    return load_params(ROOT / "params.yaml")


def _segment(path: Path, registry: Registry, ingest: IngestParams, segment: SegmentParams) -> tuple[Document, Segmentation]:
    document = ingest_file(path, ingest)
    return document, segment_document(document.lines, registry, segment)


@pytest.fixture(scope="session")
def utlatande(registry, params) -> tuple[Document, Segmentation]:
    return _segment(UTLATANDE, registry, params.ingest, params.segment)


@pytest.fixture(scope="session")
def protocol(registry, params) -> tuple[Document, Segmentation]:
    return _segment(PROTOCOL, registry, params.ingest, params.segment)


@pytest.fixture(scope="session")
def mini(registry, params) -> tuple[Document, Segmentation]:
    return _segment(MINI, registry, params.ingest, params.segment)


def assert_every_line_in_one_segment(lines: pd.DataFrame, segments: pd.DataFrame) -> None:
    """The 'nothing is lost' invariant: each non-blank line lies in exactly one segment span."""
    owners: dict[int, list[str]] = {}
    for row in segments.itertuples():
        for number in range(row.start_line, row.end_line + 1):
            owners.setdefault(number, []).append(row.segment_id)
    nonblank = lines.loc[lines["kind"] != "blank", "line"].tolist()
    lost = [n for n in nonblank if n not in owners]
    doubled = {n: ids for n, ids in owners.items() if len(ids) > 1}
    assert not lost, f"lines in no segment: {lost[:20]}"
    assert not doubled, f"lines in several segments: {list(doubled.items())[:5]}"


@pytest.fixture(scope="session")
def embedded_model_dir(tmp_path_factory) -> Path:
    """The embedded e5 model: the project's built copy if current, else built once for the tests."""
    from pipeline.embedded_model import build_model, is_up_to_date

    built = ROOT / "models" / "multilingual-e5-small"
    if is_up_to_date(built):
        return built
    return build_model(tmp_path_factory.mktemp("model") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def e5(embedded_model_dir):
    """The loaded embedded model and its spec (loaded once per test session)."""
    from pipeline.config import ModelParams
    from pipeline.encoder import load_model, resolve_model

    spec = resolve_model(ModelParams(embedded_path=embedded_model_dir))
    return spec, load_model(spec)


# ---- the quick edit loop -------------------------------------------------------------------------

# A test that uses one of these fixtures builds or loads the real model: slow.
REAL_MODEL_FIXTURES = {"embedded_model_dir", "e5", "built"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        is_notebook = item.path.suffix == ".ipynb"
        if is_notebook or REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


class _FakeTokenizer:
    """Words and punctuation as tokens, with character offsets, like a Hugging Face tokenizer."""

    _TOKEN = re.compile(r"\w+|[^\w\s]")

    def __call__(self, texts, add_special_tokens: bool = False, return_offsets_mapping: bool = False):
        def one(text: str) -> tuple[list[int], list[tuple[int, int]]]:
            matches = list(self._TOKEN.finditer(text))
            return [len(m.group()) for m in matches], [m.span() for m in matches]

        if isinstance(texts, str):
            ids, offsets = one(texts)
            return {"input_ids": ids, "offset_mapping": offsets} if return_offsets_mapping else {"input_ids": ids}
        return {"input_ids": [one(text)[0] for text in texts]}


class FakeModel:
    """Stands in for a SentenceTransformer: each text's vector is drawn from a hash of it, so the
    same text always gets the same vector and nothing is loaded. Only for tests of plumbing."""

    max_seq_length = 128

    def __init__(self, dimension: int = 32) -> None:
        self.tokenizer = _FakeTokenizer()
        self._dimension = dimension

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def encode(self, texts, **_: object) -> np.ndarray:
        vectors = np.stack([
            np.random.default_rng(int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little"))
            .standard_normal(self._dimension)
            for text in texts
        ])
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="session")
def fake_encoder():
    """The project's Encoder (windows, pooling, prefix) around the fake model, without a cache."""
    from pipeline.encoder import Encoder, ModelSpec

    return Encoder(ModelSpec("fake", "query: ", "fake-1", True), FakeModel(), cache=None, progress=False)

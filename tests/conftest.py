"""Shared fixtures: the registry, the seed documents and their segmentation (computed once)."""

from __future__ import annotations

from pathlib import Path

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
    from pipeline.build_model import build_model, is_up_to_date

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

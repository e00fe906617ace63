"""Fitted models (and seed-term hits) are cached by what they were computed from, so a re-run that
changes only a threshold or the export loads them instead of computing again, with the same result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline import disk_cache, models


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REMISS_CACHE", str(tmp_path))
    return tmp_path / "models"


def _data(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(60, 5)).astype(np.float32)
    return x, ["negative" if v < -0.5 else "positive" if v > 0.5 else "no_opinion" for v in x[:, 0]]


def test_same_data_and_settings_load_the_same_model(cache: Path, monkeypatch: pytest.MonkeyPatch):
    x, y = _data()
    first = models.StanceModel.fit(x, y, c=1.0)
    assert len(list(cache.glob("*.pkl"))) == 1

    def never(*_: object, **__: object) -> None:
        raise AssertionError("fitted again although the model was cached")

    monkeypatch.setattr(models.Pipeline, "fit", never)
    again = models.StanceModel.fit(x, y, c=1.0)
    assert np.array_equal(first.predict_proba(x), again.predict_proba(x))


def test_other_data_labels_or_settings_fit_a_new_model(cache: Path):
    x, y = _data()
    models.StanceModel.fit(x, y, c=1.0)
    models.StanceModel.fit(x, y, c=0.5)
    models.StanceModel.fit(x, list(reversed(y)), c=1.0)
    models.StanceModel.fit(_data(1)[0], y, c=1.0)
    assert len(list(cache.glob("*.pkl"))) == 4


def test_a_torn_cache_file_is_fitted_again(cache: Path):
    x, y = _data()
    models.StanceModel.fit(x, y, c=1.0)
    (path,) = cache.glob("*.pkl")
    path.write_bytes(b"\x80\x05 torn")
    model = models.StanceModel.fit(x, y, c=1.0)
    assert model.predict_proba(x).shape == (60, 4)
    assert path.read_bytes() != b"\x80\x05 torn"


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(disk_cache, "DEFAULT_ROOT", tmp_path / "default")
    monkeypatch.delenv("REMISS_CACHE", raising=False)
    x, y = _data()
    models.StanceModel.fit(x, y, c=1.0)
    assert len(list((tmp_path / "default" / "models").glob("*.pkl"))) == 1  # the default place
    monkeypatch.setenv("REMISS_CACHE", "off")
    models.StanceModel.fit(x, y, c=2.0)
    assert len(list((tmp_path / "default" / "models").glob("*.pkl"))) == 1


def test_term_hits_are_cached_by_texts_and_terms(cache: Path):
    import pandas as pd

    from pipeline.config import ThemeParams
    from pipeline.models import ThemeSpace
    from pipeline.themes import sentence_theme_features

    themes = [ThemeParams(id="finansiering", label="Finansiering", description="Pengar.", terms=["finansiering"])]
    space = ThemeSpace(["finansiering"], np.ones((1, 3), dtype=np.float32), [np.ones((1, 3), dtype=np.float32)])
    sentences = pd.DataFrame({"text": ["Finansieringen saknas.", "Inget om pengar."]})
    _, hits = sentence_theme_features(sentences, np.ones((2, 3), dtype=np.float32), themes, space)
    assert hits == [[["finansiering"]], [[]]]
    assert len(list((cache.parent / "term_hits").glob("*.pkl"))) == 1
    _, again = sentence_theme_features(sentences, np.ones((2, 3), dtype=np.float32), themes, space)
    assert again == hits
    other = [themes[0].model_copy(update={"terms": ["pengar"]})]
    _, hits_other = sentence_theme_features(sentences, np.ones((2, 3), dtype=np.float32), other, space)
    assert hits_other == [[[]], [["pengar"]]]
    assert len(list((cache.parent / "term_hits").glob("*.pkl"))) == 2


def test_a_full_namespace_loses_its_oldest_half(cache: Path, monkeypatch: pytest.MonkeyPatch):
    import os

    monkeypatch.setattr(disk_cache, "MAX_ENTRIES", 4)
    folder = cache.parent / "numbers"
    for value in range(6):
        disk_cache.cached("numbers", (value,), lambda value=value: value)
    entries = sorted(folder.glob("*.pkl"))
    for age, entry in enumerate(entries):
        os.utime(entry, (1_000_000 + age, 1_000_000 + age))
    monkeypatch.setattr(disk_cache, "_pruned", set())  # a new process
    disk_cache.cached("numbers", ("new",), lambda: "new")
    left = set(folder.glob("*.pkl"))
    assert len(left) == 4 and not left & set(entries[:3]) and set(entries[3:]) <= left

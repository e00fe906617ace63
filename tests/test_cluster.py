"""`remiss analyze --workers 2` (a Dask LocalCluster) writes exactly what a serial run writes.

Each run gets its own copy of the project's embedding cache (so the training corpus is not embedded
again), and one input carries a sentence new to any cache (a fresh number), so both the serial run
and the cluster's workers really embed; a bad file among the inputs is skipped by both with the
same message.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow


def _analyze(folder: Path, out: Path, params: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(folder), "--out", str(out), "--params", str(params), *extra],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _params_with_cache(tmp_path: Path, name: str) -> Path:
    settings = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    cache = tmp_path / name / "embeddings"
    cache.mkdir(parents=True)
    project_cache = ROOT / settings["embed"]["cache_dir"] / "embeddings.sqlite"
    if project_cache.is_file():
        shutil.copy(project_cache, cache / "embeddings.sqlite")
    settings["embed"]["cache_dir"] = str(cache)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


def test_two_workers_write_what_a_serial_run_writes(tmp_path: Path, embedded_model_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FIXTURES / "mini_utlatande.txt", folder / "mini_utlatande.txt")
    letter = (FIXTURES / "remissvar_myndighet.txt").read_text(encoding="utf-8")
    fresh = f"Kammarkollegiet tillstyrker förslaget om gemensam infrastruktur i ärende {uuid.uuid4().int % 10**12}."
    (folder / "remissvar.txt").write_text(letter.replace("Kammarkollegiet tillstyrker förslaget.", fresh), encoding="utf-8")
    (folder / "trasig.pdf").write_bytes(b"%PDF-1.4 not really")

    serial = _analyze(folder, tmp_path / "serial", _params_with_cache(tmp_path, "serial"))
    cluster = _analyze(folder, tmp_path / "cluster", _params_with_cache(tmp_path, "cluster"), "--workers", "2")

    for run in (serial, cluster):  # both embedded the new sentence (the cluster: on its workers)
        assert "embeddings: 0 texts embedded" not in run.stdout and "embeddings: " in run.stdout
    written = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*") if p.is_file())
    assert len(written) > 20 and Path("bodies.parquet") in written and Path("remissammanstallning.xlsx") in written
    different = [str(p) for p in written if (tmp_path / "serial" / p).read_bytes() != (tmp_path / "cluster" / p).read_bytes()]
    assert not different, f"differ between the serial and the 2-worker run: {different}"
    assert sorted(p.relative_to(tmp_path / "cluster") for p in (tmp_path / "cluster").rglob("*") if p.is_file()) == written
    skipped = [line for line in serial.stderr.splitlines() if "skipped" in line]
    assert skipped and skipped == [line for line in cluster.stderr.splitlines() if "skipped" in line]


def test_an_unreachable_scheduler_is_one_line_and_its_exit_code(tmp_path: Path):
    (tmp_path / "svar.txt").write_text((FIXTURES / "remissvar_myndighet.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "analyze", str(tmp_path / "svar.txt"), "--out", str(tmp_path / "ut"),
         "--scheduler", "tcp://127.0.0.1:9"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 18, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.stderr.strip().splitlines()[-1]

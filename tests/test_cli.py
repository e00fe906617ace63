"""The `remiss` command as staff use it: real process, real files, exit codes, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, UTLATANDE

pytestmark = pytest.mark.slow  # every test runs the CLI in a new process

REMISS = [sys.executable, "-m", "pipeline.cli"]


def remiss(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*REMISS, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_segment_writes_tables_and_reports_the_bodies(tmp_path: Path):
    result = remiss("segment", str(UTLATANDE), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "29 bodies, 28 answered, not answered: Valnämnden" in result.stdout
    for name in ("segments", "bodies", "statement_links", "documents"):
        assert (tmp_path / f"{name}.csv").exists()
        assert (tmp_path / f"{name}.parquet").exists()
    bodies = pd.read_csv(tmp_path / "bodies.csv")
    assert pd.read_parquet(tmp_path / "bodies.parquet").shape == bodies.shape
    assert (bodies["role"] == "consulted").sum() == 29


def test_segment_is_deterministic(tmp_path: Path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert remiss("segment", "data/raw", "--out", str(out)).returncode == 0
    for name in ("segments.csv", "bodies.csv", "statement_links.csv", "segments.parquet", "bodies.parquet"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize(
    ("setup", "code", "message"),
    [
        (lambda d: d / "missing.txt", 2, "input not found"),
        (lambda d: _write(d / "empty.txt", b"\n  \n"), 3, "is empty"),
        (lambda d: _write(d / "junk.txt", bytes(range(256)) * 8), 4, "not a text document"),
        (lambda d: _write(d / "scan.png", b"\x89PNG\r\n"), 5, "unsupported file type"),
        (lambda d: _write(d / "anon.txt", "Det här är en text utan avsändare.\n".encode()), 6, "no answering body"),
        (lambda d: _write(d / "english.txt", ("The committee supports the proposal and asks the city to fund "
                                              "the work of the new programme in the coming years. ").encode() * 8),
         7, "does not look like Swedish"),
    ],
)
def test_bad_input_gives_one_line_and_a_distinct_exit_code(tmp_path: Path, setup, code: int, message: str):
    path = setup(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "segments.csv").write_text("good old output\n", encoding="utf-8")
    result = remiss("segment", str(path), "--out", str(out))
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert (out / "segments.csv").read_text(encoding="utf-8") == "good old output\n"


def test_output_directory_that_is_not_writable(tmp_path: Path):
    if os.geteuid() == 0:
        target = Path("/proc/remiss-out")  # even root cannot create a directory here
    else:
        target = tmp_path / "locked"
        target.mkdir(mode=0o500)
    result = remiss("segment", str(UTLATANDE), "--out", str(target))
    assert result.returncode == 8
    assert "Traceback" not in result.stderr


def test_a_bad_file_in_a_batch_is_skipped(tmp_path: Path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_bytes(UTLATANDE.read_bytes())
    (batch / "junk.txt").write_bytes(bytes(range(256)) * 8)
    result = remiss("segment", str(batch), "--out", str(tmp_path / "out"))
    assert result.returncode == 0
    assert "skipped" in result.stderr and "junk.txt" in result.stderr
    documents = pd.read_csv(tmp_path / "out" / "documents.csv")
    assert documents.set_index("doc")["status"].to_dict() == {"good.txt": "ok", "junk.txt": "skipped"}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path

"""Writing outputs so that a failed run never leaves a half-written file over a good one.

Every file is written to a temporary name in the same directory and renamed into place, which is
atomic on POSIX. Tables are written deterministically: fixed column order, sorted rows, "\\n" line
ends and no timestamps, so that the same input gives byte-identical outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import InputNotFoundError, OutputNotWritableError


def add_files_to_digest(digest: Any, files: Iterable[Path], root: Path) -> None:
    """Each file's name (relative to `root` when inside it) and bytes, "-" for a missing one: what
    a cache key needs to change whenever an input file does."""
    for path in files:
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")


def file_sha256(path: Path) -> str:
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def ensure_writable_dir(directory: Path) -> None:
    """Create `directory` if needed and fail with one clear line if it cannot be written."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputNotWritableError(f"cannot create output directory {directory}: {error.strerror}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputNotWritableError(f"output directory is not writable: {directory}")


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; rename it over `target` only on success."""
    ensure_writable_dir(target.parent)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_atomic(target: Path, writer: Callable[[Path], Any]) -> None:
    with atomic_path(target) as temp:
        writer(temp)


def write_text(target: Path, text: str) -> None:
    write_atomic(target, lambda temp: temp.write_text(text, encoding="utf-8", newline="\n"))


def write_json(target: Path, data: Any) -> None:
    write_text(target, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_csv(target: Path, frame: pd.DataFrame) -> None:
    write_atomic(target, lambda temp: frame.to_csv(temp, index=False, lineterminator="\n", encoding="utf-8"))


def write_parquet(target: Path, frame: pd.DataFrame) -> None:
    """Parquet with the pandas dtypes kept (nullable integers stay Int64) and no timestamps."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    write_atomic(target, lambda temp: pq.write_table(table, temp, compression="zstd"))


def write_table(directory: Path, name: str, frame: pd.DataFrame) -> None:
    """Write `name`.csv and its `name`.parquet twin."""
    write_csv(directory / f"{name}.csv", frame)
    write_parquet(directory / f"{name}.parquet", frame)


def _existing(path: Path, stage: str = "the earlier stages") -> Path:
    """An earlier stage's output; a missing file is a one-line error, not a traceback."""
    if not path.exists():
        raise InputNotFoundError(f"{path} not found (run {stage} first)")
    return path


def read_vectors(path: Path) -> np.ndarray:
    """A stage's saved embeddings."""
    return np.load(_existing(path, "the embed stage"), allow_pickle=False)


def write_vectors(target: Path, vectors: np.ndarray) -> None:
    write_atomic(target, lambda temp: np.save(temp.open("wb"), vectors.astype(np.float32), allow_pickle=False))


def read_parquet(path: Path) -> pd.DataFrame:
    """An earlier stage's table."""
    return pd.read_parquet(_existing(path))


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV table as strings (blank cells as ""), as the stages write them."""
    return pd.read_csv(_existing(path), dtype=str, keep_default_na=False)

"""Results kept on disk by the hash of everything they were computed from.

Why: staff and researchers re-run after changing a threshold or a correction; the fitted models
(the evaluation's folds included) and the seed-term hits of thousands of training sentences do not
change then, and recomputing them was most of a re-run. Entries live in `.cache/<namespace>/`
(REMISS_CACHE=off turns the cache off; another path moves it), are written to a temporary file and
renamed, and an unreadable entry (torn, or from another library version) is computed again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import numpy as np
from scipy import sparse

from pipeline.config import PROJECT_ROOT

Result = TypeVar("Result")
DEFAULT_ROOT = PROJECT_ROOT / ".cache"
MAX_ENTRIES = 20_000  # per namespace; past it, the least recently written half goes (checked once a process)
_pruned: set[Path] = set()
_VERSIONS = "|".join(f"{name}={version(name)}" for name in ("scikit-learn", "numpy", "scipy", "spacy", "simplemma"))


def cache_root() -> Path | None:
    setting = os.environ.get("REMISS_CACHE", "")
    return None if setting == "off" else Path(setting) if setting else DEFAULT_ROOT


def digest_of(parts: Iterable[object]) -> str:
    """A hash of arrays (dense or sparse, by dtype, shape and bytes), strings and anything with a
    stable repr."""
    digest = hashlib.sha256(_VERSIONS.encode())
    for part in parts:
        if sparse.issparse(part):
            part = sparse.csr_matrix(part)
            digest.update(f"csr{part.shape}".encode())
            for array in (part.data, part.indices, part.indptr):
                digest.update(np.ascontiguousarray(array).tobytes())
        elif isinstance(part, np.ndarray):
            digest.update(f"{part.dtype}{part.shape}".encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
        digest.update(b"\x00")
    return digest.hexdigest()[:40]


def cached(namespace: str, parts: Iterable[object], compute: Callable[[], Result]) -> Result:
    """`compute()`, or its result from an earlier call with the same `parts`."""
    root = cache_root()
    if root is None:
        return compute()
    path = root / namespace / f"{digest_of(parts)}.pkl"
    if path.is_file():
        try:
            return pickle.loads(path.read_bytes())  # noqa: S301 - our own cache, written below
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
            pass
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    _prune_once(path.parent)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
        handle.write(pickle.dumps(result))
    os.replace(handle.name, path)
    return result


def _prune_once(folder: Path) -> None:
    if folder in _pruned:
        return
    _pruned.add(folder)
    entries = list(folder.glob("*.pkl"))
    if len(entries) > MAX_ENTRIES:
        entries.sort(key=lambda entry: entry.stat().st_mtime)
        for entry in entries[: len(entries) // 2]:
            entry.unlink(missing_ok=True)

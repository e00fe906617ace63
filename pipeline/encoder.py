"""The sentence encoder: which model, how texts are prepared, chunking, and the embedding cache.

One code path for every model: the embedded multilingual-e5-small (rebuilt offline by the
build_model stage), any local sentence-transformers folder, or a hub id for users with internet.
Two backends run it: ONNX Runtime (`model.backend: onnx`, the default: the export build_model writes,
int8 or fp32, pipeline/onnx_model.py) and sentence-transformers on torch (hub models, GPUs).
Inputs longer than the model's limit are never truncated silently: they are cut into windows that
fit, embedded, and pooled (token-weighted mean, then L2-normalised), which is what e5's own engine
does. Every vector is cached by (model fingerprint, text hash), so a re-run embeds only new text.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from pipeline.config import PROJECT_ROOT, EmbedParams, ModelParams
from pipeline.errors import ModelUnavailableError
from pipeline.io import file_sha256
from pipeline.onnx_model import ONNX_DIR, OnnxSentenceModel, onnx_path

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

EMBEDDED = "embedded"
E5_PREFIX = "query: "


@dataclass(frozen=True)
class ModelSpec:
    """A model to load: where from, the text put before inputs, and a fingerprint for the cache.

    `onnx_file` is set for the ONNX Runtime backend (None: sentence-transformers on torch)."""

    source: str
    prefix: str
    fingerprint: str
    is_local: bool
    onnx_file: Path | None = None
    threads: int = 0


def _versions(backend: str) -> str:
    names = ("transformers", "onnxruntime") if backend == "onnx" else ("sentence-transformers", "transformers", "torch")
    return ";".join(f"{name}={version(name)}" for name in names)


def _folder_fingerprint(folder: Path) -> str:
    """Cheap but faithful: the small config files in full, the weight files by size (the ONNX
    exports are not part of the torch model; the ONNX backend hashes the file it runs)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.relative_to(folder).parts[0] == ONNX_DIR:
            continue
        digest.update(str(path.relative_to(folder)).encode())
        if path.suffix in {".json", ".txt", ".model"} and path.stat().st_size < 5_000_000:
            digest.update(path.read_bytes())
        else:
            digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()


def resolve_model(params: ModelParams, root: Path = PROJECT_ROOT, build: bool = False) -> ModelSpec:
    """Turn params.yaml's `model` section into a loadable ModelSpec (no loading yet).

    With `build`, a missing embedded model is built first (what `remiss analyze` wants)."""
    name = params.name.strip()
    if name == EMBEDDED:
        folder = params.embedded_path if params.embedded_path.is_absolute() else root / params.embedded_path
        from pipeline.embedded_model import build_model, is_up_to_date

        if not is_up_to_date(folder):
            if not build:
                raise ModelUnavailableError(
                    f"the embedded model is not built (or was built by an older version) in {folder}; run "
                    f"`make run` or `python -m pipeline.build_model --output {params.embedded_path}`"
                )
            print(f"building the embedded model into {folder} (once)", file=sys.stderr)
            build_model(folder)
        source, is_local, e5 = str(folder), True, True
    else:
        folder = Path(name).expanduser()
        if not folder.is_absolute() and not folder.exists():
            folder = root / name
        is_local = folder.is_dir()
        source = str(folder) if is_local else name
        e5 = "e5" in name.lower()
    prefix = (E5_PREFIX if e5 else "") if params.query_prefix == "auto" else params.query_prefix
    identity = _folder_fingerprint(Path(source)) if is_local else f"hub:{name}"
    onnx_file = None
    if params.backend == "onnx":
        onnx_file = onnx_path(Path(source), params.precision)
        if not (is_local and onnx_file.is_file()):
            raise ModelUnavailableError(
                f"no ONNX export of '{source}' ({onnx_file.relative_to(source) if is_local else 'a hub model'}); "
                "set `model.backend: torch` in params.yaml for this model"
            )
        identity += "|onnx:" + file_sha256(onnx_file)
    fingerprint = hashlib.sha256(f"{identity}|{prefix}|{_versions(params.backend)}".encode()).hexdigest()[:32]
    return ModelSpec(source=source, prefix=prefix, fingerprint=fingerprint, is_local=is_local, onnx_file=onnx_file,
                     threads=params.threads)


def load_model(spec: ModelSpec, device: str = "cpu") -> SentenceTransformer | OnnxSentenceModel:
    """Load the model with its backend; offline, a missing hub model is one clear error."""
    if spec.onnx_file is not None:
        return OnnxSentenceModel(Path(spec.source), spec.onnx_file, spec.threads)
    from sentence_transformers import SentenceTransformer

    offline = os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("TRANSFORMERS_OFFLINE") == "1"
    try:
        return SentenceTransformer(spec.source, device=device, local_files_only=spec.is_local or offline)
    except Exception as error:  # noqa: BLE001 - any loading failure means the same thing to the user
        where = "folder" if spec.is_local else "hub model"
        raise ModelUnavailableError(
            f"cannot load {where} '{spec.source}' ({type(error).__name__}); without internet set "
            "`model.name: embedded` in params.yaml (the bundled multilingual-e5-small) or a local folder"
        ) from None


class EmbeddingCache:
    """Vectors by (model fingerprint, sha256 of the exact input text) in one SQLite file."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "embeddings.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash))"
        )

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, model: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        keys = sorted({self.key(t) for t in texts})
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE model = ? AND hash IN ({marks})", [model, *chunk]
            )
            for digest, blob in rows:
                found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(model, self.key(t), np.asarray(v, dtype=np.float32).tobytes()) for t, v in zip(texts, vectors, strict=True)],
            )

    def close(self) -> None:
        self._db.close()


def _explode(items: Sequence, split: Callable[..., list[str]]) -> tuple[list[str], list[int]]:
    """Every part of every item, with the position of the item it came from."""
    parts: list[str] = []
    owners: list[int] = []
    for index, item in enumerate(items):
        for part in split(item):
            parts.append(part)
            owners.append(index)
    return parts, owners


@dataclass
class EncodeStats:
    requested: int = 0
    embedded: int = 0
    from_cache: int = 0
    windows: int = 0


class Encoder:
    """Embeds texts with a model, the right prefix, windows for long inputs, and the cache."""

    def __init__(self, spec: ModelSpec, model: SentenceTransformer | OnnxSentenceModel, cache: EmbeddingCache | None,
                 batch_size: int = 32, overlap: int = 32, progress: bool | None = None,
                 runner: Callable[[list[str]], np.ndarray] | None = None) -> None:
        """`runner`, if given, embeds the uncached texts instead of `model` (the Dask workers: see
        pipeline/cluster.py); `model` still tokenises, windows and packs."""
        self.spec = spec
        self.runner = runner
        self.model = model
        self.cache = cache
        self.batch_size = batch_size
        self.overlap = overlap
        self.progress = progress
        self.stats = EncodeStats()
        prefix_tokens = len(self.tokenize([spec.prefix])[0]) if spec.prefix else 0
        # room for the text: the model's limit less <s>, </s> and the prefix
        self.max_tokens = max(8, int(model.max_seq_length) - 2 - prefix_tokens)

    @property
    def dimension(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        return self.model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]

    def windows(self, text: str) -> list[str]:
        """`text` itself if it fits the model, else overlapping windows cut at token boundaries."""
        encoding = self.model.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoding["offset_mapping"]
        if len(offsets) <= self.max_tokens:
            return [text]
        step = max(1, self.max_tokens - self.overlap)
        pieces = []
        for start in range(0, len(offsets), step):
            stop = min(start + self.max_tokens, len(offsets))
            pieces.append(text[offsets[start][0] : offsets[stop - 1][1]].strip())
            if stop == len(offsets):
                break
        return [p for p in pieces if p]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 vector per text; long texts are windowed and pooled."""
        self.stats.requested += len(texts)
        pieces, owners = _explode(texts, self.windows)
        self.stats.windows += len(pieces) - len(texts)
        return self._pool(self._encode_pieces(pieces), pieces, owners, len(texts))

    def encode_passages(self, passages: Sequence[Sequence[str]]) -> np.ndarray:
        """One vector per passage given as its sentences: sentences are packed into chunks that
        fit the model, each chunk is embedded, and the chunks are pooled by their token counts."""
        chunks, owners = _explode(passages, self.pack)
        return self._pool(self.encode(chunks), chunks, owners, len(passages))

    def pack(self, sentences: Sequence[str]) -> list[str]:
        """Greedily join consecutive sentences while the chunk stays within the model's limit."""
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        for sentence, ids in zip(sentences, self.tokenize(sentences) if sentences else [], strict=True):
            if current and used + len(ids) > self.max_tokens:
                chunks.append(" ".join(current))
                current, used = [], 0
            current.append(sentence)
            used += len(ids)
        if current:
            chunks.append(" ".join(current))
        return chunks

    def _pool(self, vectors: np.ndarray, pieces: list[str], owners: list[int], count: int) -> np.ndarray:
        """Token-weighted mean of the pieces' vectors per owner, L2-normalised."""
        pooled = np.zeros((count, self.dimension), dtype=np.float32)
        if pieces:
            weights = np.array([max(1, len(ids)) for ids in self.tokenize(pieces)], dtype=np.float32)
            np.add.at(pooled, np.array(owners, dtype=int), vectors * weights[:, None])
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.where(norms == 0, 1, norms)).astype(np.float32)

    def _encode_pieces(self, pieces: list[str]) -> np.ndarray:
        inputs = [self.spec.prefix + piece for piece in pieces]
        cached = self.cache.get_many(self.spec.fingerprint, inputs) if self.cache else {}
        missing = sorted({text for text in inputs if EmbeddingCache.key(text) not in cached}, key=lambda t: (len(t), t))
        self.stats.from_cache += len(inputs) - sum(1 for t in inputs if EmbeddingCache.key(t) not in cached)
        if missing:
            fresh = self._run_model(missing)
            self.stats.embedded += len(missing)
            if self.cache:
                self.cache.put_many(self.spec.fingerprint, missing, fresh)
            cached.update({EmbeddingCache.key(t): v for t, v in zip(missing, fresh, strict=True)})
        if not inputs:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([cached[EmbeddingCache.key(text)] for text in inputs]).astype(np.float32)

    def _run_model(self, texts: list[str]) -> np.ndarray:
        if self.runner is not None:
            return self.runner(texts)
        batches = range(0, len(texts), self.batch_size)
        out = []
        disable = None if self.progress is None else not self.progress  # None: only on a terminal
        for start in tqdm(batches, desc="embedding", unit="batch", disable=disable):
            batch = texts[start : start + self.batch_size]
            out.append(
                self.model.encode(batch, batch_size=len(batch), convert_to_numpy=True, normalize_embeddings=True,
                                  show_progress_bar=False)
            )
        return np.concatenate(out).astype(np.float32)


@contextmanager
def open_encoder(model_params: ModelParams, embed_params: EmbedParams, use_cache: bool = True,
                 progress: bool | None = None, runner: Callable[[list[str]], np.ndarray] | None = None
                 ) -> Iterator[Encoder]:
    """Resolve, load and wrap the configured model; the cache is closed afterwards."""
    spec = resolve_model(model_params, build=True)
    model = load_model(spec, model_params.device)
    cache_dir = embed_params.cache_dir if embed_params.cache_dir.is_absolute() else PROJECT_ROOT / embed_params.cache_dir
    cache = EmbeddingCache(cache_dir) if use_cache else None
    try:
        yield Encoder(spec, model, cache, model_params.batch_size, embed_params.window_overlap_tokens, progress, runner)
    finally:
        if cache:
            cache.close()


def describe(spec: ModelSpec) -> str:
    return json.dumps({"source": spec.source, "prefix": spec.prefix, "fingerprint": spec.fingerprint})

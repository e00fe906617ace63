"""Readers: a document file in, its lines (and the page of each line) out, within the ingest limits.

Later stages cite "page N, line M" of what these readers return, so every reader is faithful to the
document's own lines: nothing is joined, dropped or reordered, and the output is deterministic.
One module per format (`text`, `pdf`, `docx`, with `ocr` for scans and `archive` for ZIP
packages); `source` holds what they share: `SourceText` and the limits on text.

Every reader runs within params.yaml's ingest limits (`IngestParams`), so that no file can exhaust
memory or time: a DOCX is checked against max_archive_bytes and max_compression_ratio before it is
inflated, a PDF against max_pages before its pages are read, every document against
max_document_chars, and a line longer than max_line_chars is wrapped (see `source`). A file over a
limit raises a `RemissError` with its own exit code, which ingest reports and skips like any other
unreadable file.

This package imports no stage: ingest imports it, never the other way round.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import IngestParams
from pipeline.errors import EmptyInputError, InputNotFoundError, NotTextError, UnsupportedFormatError
from pipeline.readers.docx import read_docx
from pipeline.readers.ocr import OcrUnavailableError, ocr_image, tesseract_available
from pipeline.readers.pdf import PDF_TEXT_SETTINGS, page_needs_ocr, read_pdf
from pipeline.readers.source import Reader, SourceText, apply_text_limits, wrap_line, wrap_long_lines
from pipeline.readers.text import decode_text, read_txt

__all__ = [
    "PDF_TEXT_SETTINGS",
    "READERS",
    "OcrUnavailableError",
    "Reader",
    "SourceText",
    "apply_text_limits",
    "decode_text",
    "ocr_image",
    "page_needs_ocr",
    "read_docx",
    "read_pdf",
    "read_source",
    "read_txt",
    "tesseract_available",
    "wrap_line",
    "wrap_long_lines",
]

READERS: dict[str, Reader] = {".txt": read_txt, ".text": read_txt, ".pdf": read_pdf, ".docx": read_docx}
"""The reader for each file suffix (lower case)."""


def read_source(path: Path, limits: IngestParams | None = None) -> SourceText:
    """Read any supported file into lines within the limits; the reader is chosen by the file's suffix."""
    limits = limits if limits is not None else IngestParams()
    if not path.exists():
        raise InputNotFoundError(f"input not found: {path}")
    if not path.is_file():
        raise InputNotFoundError(f"input is not a file: {path}")
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise UnsupportedFormatError(f"{path.name}: unsupported file type '{path.suffix}' (supported: {supported})")
    try:
        source = reader(path, limits)
    except OSError as error:
        raise NotTextError(f"{path.name}: cannot be read: {error.strerror}") from None
    if not any(line.strip() for line in source.lines):
        raise EmptyInputError(f"{path.name} is empty (no text found)")
    return apply_text_limits(source, path.name, limits)

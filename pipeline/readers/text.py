"""Plain text files: any common encoding, one line per line of the file, form feeds as pages."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.config import IngestParams
from pipeline.errors import DocumentTooLongError, NotTextError
from pipeline.readers.source import SourceText

_BYTES_PER_CHAR_MAX = 4  # UTF-8 and UTF-16 take at most four bytes for a character
_LINE_END = re.compile(r"\r\n|\r|\n")


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode a text file written in any common encoding; return the text and the encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:8192]:
        raise NotTextError(f"{name} is not a text document (it contains binary data)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        encoding = "cp1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\r\n\t\f") + text.count("\x7f")
    if controls > max(3, len(text) // 50):
        raise NotTextError(f"{name} is not a text document (it looks like binary data)")
    return text, encoding


def read_txt(path: Path, limits: IngestParams | None = None) -> SourceText:
    """Read a text file; one that must hold more than ingest.max_document_chars is refused unread."""
    limits = limits if limits is not None else IngestParams()
    size = path.stat().st_size  # an OSError here is reported by read_source
    if size > _BYTES_PER_CHAR_MAX * limits.max_document_chars:
        raise DocumentTooLongError(
            f"{path.name} is {size:,} bytes, more text than ingest.max_document_chars "
            f"({limits.max_document_chars:,} characters) allows; raise it in params.yaml to read this file"
        )
    text, encoding = decode_text(path.read_bytes(), path.name)
    # splitlines() would also split on \x0b, \x1c… and U+2028, shifting line numbers against what
    # editors show; only \r\n, \r and \n end a line. A form feed starts a new page.
    raw_lines = _LINE_END.split(text)
    if raw_lines and raw_lines[-1] == "":
        raw_lines.pop()
    pages: list[int | None] = []
    page = 1
    has_form_feeds = "\f" in text
    for line in raw_lines:
        page += line.count("\f")
        pages.append(page if has_form_feeds else None)
    return SourceText(lines=[line.replace("\f", "") for line in raw_lines], pages=pages, format="txt", encoding=encoding)

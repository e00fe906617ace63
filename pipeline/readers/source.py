"""What every reader returns, and the limits on text applied to it before any later step runs.

Ingest, segmentation and classification all work line by line and document by document, and some
of their steps cost more than linear time in the length of a line (a long word searched with a
backtracking pattern). Two limits keep that cost bounded:

* ``max_document_chars``: a document with more text is refused (``DocumentTooLongError``). Refusing
  is the only honest choice: wrapping or truncating would analyse a document nobody wrote.
* ``max_line_chars``: a longer line is *wrapped*, not refused: it becomes several lines of at most
  that many characters, each cut after a space where one lies in the second half of the window, else
  cut hard. Wrapping is linear and deterministic, keeps every character (joined, the pieces are the
  line again, so ``source_text`` stays faithful) and changes nothing for lines under the limit. The
  price: line numbers after a wrapped line count the wrapped pieces, so ingest notes how many lines
  were wrapped in documents.csv. A real document never has such a line (a paragraph of 10 000
  characters is four printed pages), so this is for exports with no line breaks at all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.config import IngestParams
from pipeline.errors import DocumentTooLongError


@dataclass
class SourceText:
    """What a reader returns: the document's lines, and the page of each line where known."""

    lines: list[str]
    pages: list[int | None]
    format: str
    encoding: str = ""
    wrapped_lines: int = 0  # lines longer than max_line_chars, each wrapped into several


Reader = Callable[[Path, IngestParams], SourceText]
"""A reader: a file and the ingest limits in, its lines out (raising a `RemissError` when it cannot)."""


def document_too_long(name: str, chars: int, cap: int, where: str = "") -> DocumentTooLongError:
    return DocumentTooLongError(
        f"{name} has {chars:,} characters of text{where}, more than ingest.max_document_chars ({cap:,}); "
        "raise it in params.yaml to read this file"
    )


def check_document_length(source: SourceText, name: str, cap: int) -> None:
    """Refuse a document with more characters of text than `cap` (ingest.max_document_chars)."""
    chars = sum(map(len, source.lines))
    if chars > cap:
        raise document_too_long(name, chars, cap)


def wrap_line(line: str, width: int) -> list[str]:
    """Cut `line` into pieces of at most `width` characters; joined, they are `line` again.

    Each piece ends after the last space or tab of its window when that lies in the window's second
    half (so no piece is shorter than half the width), otherwise at the width, stepping back over
    combining marks so that a letter keeps its accent. Each window is searched once: linear time.
    """
    if len(line) <= width:
        return [line]
    pieces: list[str] = []
    start = 0
    while len(line) - start > width:
        limit = start + width
        space = max(line.rfind(" ", start + width // 2, limit), line.rfind("\t", start + width // 2, limit))
        if space >= 0:
            cut = space + 1
        else:
            cut = limit
            while cut > start + 1 and unicodedata.combining(line[cut]):
                cut -= 1
        pieces.append(line[start:cut])
        start = cut
    pieces.append(line[start:])
    return pieces


def wrap_long_lines(source: SourceText, width: int) -> SourceText:
    """`source` with every line longer than `width` wrapped (see `wrap_line`); pages follow."""
    if all(len(line) <= width for line in source.lines):
        return source
    lines: list[str] = []
    pages: list[int | None] = []
    wrapped = 0
    for line, page in zip(source.lines, source.pages, strict=True):
        pieces = wrap_line(line, width)
        wrapped += len(pieces) > 1
        lines.extend(pieces)
        pages.extend([page] * len(pieces))
    return replace(source, lines=lines, pages=pages, wrapped_lines=source.wrapped_lines + wrapped)


def apply_text_limits(source: SourceText, name: str, limits: IngestParams) -> SourceText:
    """The document-length cap, then line wrapping: what every reader's output passes through."""
    check_document_length(source, name, limits.max_document_chars)
    return wrap_long_lines(source, limits.max_line_chars)

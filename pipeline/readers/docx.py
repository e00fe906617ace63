"""DOCX: the body in document order, paragraphs and tables interleaved.

Each paragraph is one line (a manual line break starts another), an empty paragraph is an empty
line, a table row is one line with its cells joined by `` | ``. Content controls, tracked
insertions, hyperlinks and fields are read; deleted text, field codes, headers, footers, footnotes
and comments are not.

The package is unpacked by `pipeline.readers.archive` within the archive limits before python-docx
sees it, so a zip bomb is refused instead of inflated.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.config import IngestParams
from pipeline.errors import NotTextError, RemissError
from pipeline.readers.archive import repack, too_large_on_disk, unpack_within_limits
from pipeline.readers.source import SourceText

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _w(tag: str) -> str:
    return f"{{{_W}}}{tag}"


_P, _TBL, _TR, _TC, _R, _T = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("r"), _w("t")
_SDT, _SDT_CONTENT, _TXBX = _w("sdt"), _w("sdtContent"), _w("txbxContent")
_ALTERNATE, _CHOICE, _FALLBACK = f"{{{_MC}}}AlternateContent", f"{{{_MC}}}Choice", f"{{{_MC}}}Fallback"
# Containers whose children are read as if they stood in the parent (block or inline level).
_TRANSPARENT = {_w(tag) for tag in ("customXml", "smartTag", "hyperlink", "ins", "moveTo", "fldSimple", "dir", "bdo")}
# Never read: deleted or moved-away text, and paragraph/run properties.
_SKIPPED = {_w(tag) for tag in ("del", "moveFrom", "pPr", "rPr", "sectPr", "tblPr", "tblGrid", "trPr", "tcPr")}


def _alternate_choice(element: Any) -> Any | None:
    """The branch of an mc:AlternateContent to read: the first Choice, else the Fallback."""
    choice = element.find(_CHOICE)
    return choice if choice is not None else element.find(_FALLBACK)


def _block_lines(container: Any) -> Iterator[str]:
    """Lines of block-level content (body, table cell, text box, content control) in order."""
    for child in container:
        tag = child.tag
        if tag == _P:
            yield from _paragraph_lines(child)
        elif tag == _TBL:
            yield from _table_lines(child)
        elif tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _block_lines(content)
        elif tag == _ALTERNATE:
            branch = _alternate_choice(child)
            if branch is not None:
                yield from _block_lines(branch)
        elif tag in _TRANSPARENT:
            yield from _block_lines(child)


def _text_boxes(element: Any) -> Iterator[Any]:
    """Outermost text boxes inside a drawing or picture (one branch of each AlternateContent)."""
    for child in element:
        if child.tag == _TXBX:
            yield child
        elif child.tag == _ALTERNATE:
            branch = _alternate_choice(child)
            if branch is not None:
                yield from _text_boxes(branch)
        else:
            yield from _text_boxes(child)


def _run_text(run: Any, parts: list[str], boxes: list[Any]) -> None:
    for child in run:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag in (_w("tab"), _w("ptab")):
            parts.append("\t")
        elif tag == _w("br"):
            # a page or column break ends no line of text; a text-wrapping break does
            parts.append("" if child.get(_w("type")) in ("page", "column") else "\n")
        elif tag == _w("cr"):
            parts.append("\n")
        elif tag == _w("noBreakHyphen"):
            parts.append("-")
        elif tag == _w("softHyphen"):
            parts.append("\u00ad")
        elif tag in (_w("drawing"), _w("pict"), _w("object"), _ALTERNATE):
            boxes.extend(_text_boxes(child))


def _inline_text(element: Any, parts: list[str], boxes: list[Any]) -> None:
    for child in element:
        tag = child.tag
        if tag == _R:
            _run_text(child, parts, boxes)
        elif tag in _SKIPPED:
            continue
        elif tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _inline_text(content, parts, boxes)
        elif tag == _ALTERNATE:
            branch = _alternate_choice(child)
            if branch is not None:
                _inline_text(branch, parts, boxes)
        elif tag in _TRANSPARENT:
            _inline_text(child, parts, boxes)


def _paragraph_lines(paragraph: Any) -> Iterator[str]:
    """One line per paragraph (more where it has manual line breaks), then its text boxes' lines."""
    parts: list[str] = []
    boxes: list[Any] = []
    _inline_text(paragraph, parts, boxes)
    yield from "".join(parts).split("\n")
    for box in boxes:
        yield from _block_lines(box)


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Children with `tag`, looking through content controls and transparent wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag in _TRANSPARENT:
            yield from _children(child, tag)


def _table_rows(table: Any) -> Iterator[Any]:
    return _children(table, _TR)


def _row_cells(row: Any) -> Iterator[Any]:
    return _children(row, _TC)


def _table_lines(table: Any) -> Iterator[str]:
    """One line per row, cells joined by ' | ' (a cell's own paragraphs joined by spaces)."""
    for row in _table_rows(table):
        cells = [" ".join(line.strip() for line in _block_lines(cell) if line.strip()) for cell in _row_cells(row)]
        yield " | ".join(cells) if any(cells) else ""



def read_docx(path: Path, limits: IngestParams | None = None) -> SourceText:
    """Read a Word document's body in document order: paragraphs, headings and table rows."""
    import docx

    limits = limits if limits is not None else IngestParams()
    name = path.name
    too_large_on_disk(path, limits)  # before the file is loaded; an OSError is reported by read_source
    data = path.read_bytes()
    if data.startswith(_OLE_SIGNATURE):
        raise NotTextError(
            f"{name} is a password-protected Word file or an old Word 97-2003 document renamed to .docx; "
            "save an unprotected .docx copy"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise NotTextError(f"{name} is not a Word document (not a DOCX package); it may be damaged or renamed")
    try:
        document = docx.Document(repack(unpack_within_limits(data, name, limits)))
        lines = list(_block_lines(document.element.body))
    except RemissError:
        raise
    except Exception as error:  # noqa: BLE001 - python-docx, zipfile and lxml all raise their own errors
        detail = " ".join(str(error).split())[:80] or type(error).__name__
        raise NotTextError(f"{name} is a damaged Word document that cannot be read ({detail})") from None
    return SourceText(lines=lines, pages=[None] * len(lines), format="docx")

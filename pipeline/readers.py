"""Readers for PDF and DOCX: a document in, its lines (and the page of each line) out.

Later stages cite "page N, line M" of what these readers return, so both are faithful to the
document's own lines: nothing is joined, dropped or reordered, and the output is deterministic.

PDF: the text layer, page by page, one line per printed line (pdfplumber). A vertical gap clearly
wider than the document's usual line spacing becomes an empty line, as a paragraph break does in a
text file. A page without a usable text layer (a scan) is rendered at 300 dpi and read by tesseract
in Swedish; the document's format is then ``pdf-ocr``.

DOCX: the body in document order, paragraphs and tables interleaved. Each paragraph is one line
(a manual line break starts another), an empty paragraph is an empty line, a table row is one line
with its cells joined by `` | ``. Content controls, tracked insertions, hyperlinks and fields are
read; deleted text, field codes, headers, footers, footnotes and comments are not.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import NotTextError, RemissError

if TYPE_CHECKING:
    # imported where used, so that pipeline.ingest can import this module at its top (READERS)
    from pipeline.ingest import SourceText

OCR_LANGUAGE = "swe"
"""Tesseract language used for scanned pages (Debian package ``tesseract-ocr-swe``)."""
OCR_RESOLUTION = 300
"""Dots per inch at which a scanned page is rendered for OCR."""
OCR_MAX_PIXELS = 7000
"""Longest side, in pixels, of a rendered page; very large pages are rendered at a lower dpi."""
OCR_TIMEOUT = 300
"""Seconds tesseract may spend on one page."""
TESSERACT_APT_PACKAGES = ("tesseract-ocr", "tesseract-ocr-swe")
TESSERACT_INSTALL_HINT = f"apt-get install {' '.join(TESSERACT_APT_PACKAGES)} (or make system-deps)"

# pdfplumber settings. x_tolerance_ratio: a gap wider than 15 % of the font size separates two
# words even where the PDF has no space glyph (tight 10-11 pt text has gaps of about 2.5 pt, below
# pdfplumber's fixed default of 3 pt); y_tolerance: characters whose tops differ by at most 3 pt
# share a line.
PDF_TEXT_SETTINGS: dict[str, Any] = {"x_tolerance": 3, "x_tolerance_ratio": 0.15, "y_tolerance": 3}
# A page is a scan when its text layer has (almost) nothing usable and images cover it.
_MIN_TEXT_CHARS = 10  # fewer usable characters than this: no text layer to speak of
_FEW_TEXT_CHARS = 60  # fewer than this on a page mostly covered by images: a scan with a stamp
# An empty line marks a paragraph break where the gap between two lines exceeds the document's
# usual gap by this many line heights (Word and LibreOffice put 7-10 pt after a paragraph).
_PARAGRAPH_GAP = 0.4


class OcrUnavailableError(RemissError):
    """A page needs OCR but tesseract, or its Swedish language data, is not installed."""

    exit_code = 12


# ----- OCR -----------------------------------------------------------------------------------


def _tesseract_languages() -> set[str] | None:
    """The languages tesseract has data for, or None when tesseract cannot be run."""
    command = _tesseract_command()
    if shutil.which(command) is None:
        return None
    try:
        result = subprocess.run([command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    lines = (result.stdout + "\n" + result.stderr).splitlines()
    return {line.strip() for line in lines if line.strip() and " " not in line.strip()}


def tesseract_available(language: str = OCR_LANGUAGE) -> bool:
    """True when tesseract runs and has data for `language` (Swedish by default)."""
    languages = _tesseract_languages()
    return languages is not None and language in languages


def _require_tesseract(name: str, page: int) -> None:
    languages = _tesseract_languages()
    if languages is None:
        raise OcrUnavailableError(
            f"{name}: page {page} is scanned (no text layer) and needs OCR, but tesseract is not "
            f"installed; install it with: {TESSERACT_INSTALL_HINT}"
        )
    if OCR_LANGUAGE not in languages:
        raise OcrUnavailableError(
            f"{name}: page {page} is scanned and needs OCR, but tesseract has no Swedish language "
            f"data ({OCR_LANGUAGE}); install it with: {TESSERACT_INSTALL_HINT}"
        )


def _tesseract_command() -> str:
    import pytesseract

    return pytesseract.pytesseract.tesseract_cmd  # "tesseract", unless a user configured a path


def ocr_image(image: Any, language: str = OCR_LANGUAGE) -> list[str]:
    """OCR one page image into lines; tesseract's paragraph breaks become single empty lines.

    Tesseract runs single-threaded (OMP_THREAD_LIMIT=1 unless set): on a few cores its OpenMP
    threads made a page two to three times slower here, for the same text.
    """
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    environment = {**os.environ}
    environment.setdefault("OMP_THREAD_LIMIT", "1")
    result = subprocess.run(
        [_tesseract_command(), "stdin", "stdout", "-l", language, "--psm", "3"],
        input=buffer.getvalue(),
        capture_output=True,
        env=environment,
        timeout=OCR_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise RuntimeError(message[-1] if message else f"tesseract exited with status {result.returncode}")
    text = result.stdout.decode("utf-8", errors="replace")
    lines: list[str] = []
    for raw in text.replace("\f", "\n").split("\n"):
        line = raw.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


# ----- PDF -----------------------------------------------------------------------------------


@dataclass
class _PdfLine:
    text: str
    top: float
    bottom: float


@dataclass
class _PdfPage:
    number: int
    lines: list[_PdfLine] | None  # None: OCR'd, see ocr_lines
    ocr_lines: list[str]


def _usable_chars(page: Any) -> tuple[int, int]:
    """Non-blank characters of the text layer, and how many of them have no Unicode mapping."""
    usable = unmapped = 0
    for char in page.chars:
        text = char.get("text", "")
        if not text or text.isspace():
            continue
        if text.startswith("(cid:"):
            unmapped += 1
        else:
            usable += 1
    return usable, unmapped


def _image_cover(page: Any) -> float:
    """Fraction of the page covered by images (overlaps counted twice, capped at 1)."""
    x0, top, x1, bottom = page.bbox
    area = max((x1 - x0) * (bottom - top), 1.0)
    covered = 0.0
    for image in page.images:
        width = min(image["x1"], x1) - max(image["x0"], x0)
        height = min(image["bottom"], bottom) - max(image["top"], top)
        if width > 0 and height > 0:
            covered += width * height
    return min(covered / area, 1.0)


def page_needs_ocr(page: Any) -> bool:
    """A scanned page: (almost) no usable text layer, and images on it or unmapped glyphs."""
    usable, unmapped = _usable_chars(page)
    if unmapped >= _MIN_TEXT_CHARS and unmapped > usable:
        return True  # glyphs without Unicode mapping: the text layer is there but unreadable
    if usable >= _FEW_TEXT_CHARS:
        return False
    cover = _image_cover(page)
    return (usable < _MIN_TEXT_CHARS and cover >= 0.1) or cover >= 0.5


def _render(page: Any) -> Any:
    resolution = min(OCR_RESOLUTION, OCR_MAX_PIXELS * 72 / max(page.width, page.height, 1))
    return page.to_image(resolution=resolution, antialias=True).original.convert("L")


def _text_lines(page: Any) -> list[_PdfLine]:
    lines = []
    for line in page.extract_text_lines(return_chars=False, **PDF_TEXT_SETTINGS):
        if line["text"].strip():
            lines.append(_PdfLine(line["text"].rstrip(), float(line["top"]), float(line["bottom"])))
    return lines


def _check_pdf_bytes(data: bytes, name: str) -> None:
    if b"%PDF-" not in data[:1024]:
        raise NotTextError(f"{name} is not a PDF (no %PDF header); it may be a different kind of file renamed to .pdf")
    if b"%%EOF" not in data[-4096:]:
        raise NotTextError(
            f"{name} is an incomplete PDF (truncated: no end-of-file marker); download or export it again"
        )


def _pdf_error(name: str, error: BaseException) -> NotTextError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    cause: BaseException = error
    while isinstance(cause, PdfminerException) and cause.args and isinstance(cause.args[0], BaseException):
        cause = cause.args[0]
    if isinstance(cause, PDFPasswordIncorrect):
        return NotTextError(f"{name} is an encrypted PDF (password protected); export an unprotected copy")
    if isinstance(cause, PDFEncryptionError):
        return NotTextError(
            f"{name} is an encrypted PDF with an unsupported protection scheme; export an unprotected copy"
        )
    detail = " ".join(str(cause).split())[:80] or type(cause).__name__
    return NotTextError(f"{name} is a damaged PDF that cannot be read ({detail}); export or download it again")


def _paragraph_threshold(pages: list[_PdfPage]) -> float | None:
    """The gap between two lines above which a paragraph break is marked, for the whole document."""
    heights: list[float] = []
    gaps: list[float] = []
    for page in pages:
        if page.lines is None:
            continue
        for index, line in enumerate(page.lines):
            heights.append(line.bottom - line.top)
            if index:
                gaps.append(line.top - page.lines[index - 1].bottom)
    if not heights or not gaps:
        return None
    return max(statistics.median(gaps), 0.0) + _PARAGRAPH_GAP * statistics.median(heights)


def read_pdf(path: Path) -> SourceText:
    """Read a PDF's text layer, OCR-ing scanned pages; one line per printed line."""
    import pdfplumber

    from pipeline.ingest import SourceText

    name = path.name
    data = path.read_bytes()  # an OSError here is reported by ingest.read_source
    _check_pdf_bytes(data, name)
    pages: list[_PdfPage] = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                number = page.page_number
                if page_needs_ocr(page):
                    _require_tesseract(name, number)
                    pages.append(_PdfPage(number, None, _ocr_page(page, name)))
                else:
                    pages.append(_PdfPage(number, _text_lines(page), []))
                page.close()
    except RemissError:
        raise
    except Exception as error:  # noqa: BLE001 - pdfminer raises anything from KeyError to PSEOF on a damaged file
        raise _pdf_error(name, error) from None

    threshold = _paragraph_threshold(pages)
    lines: list[str] = []
    numbers: list[int | None] = []
    for page in pages:
        if page.lines is None:
            texts = page.ocr_lines
        else:
            texts = []
            for index, line in enumerate(page.lines):
                gap = line.top - page.lines[index - 1].bottom if index else 0.0
                if index and threshold is not None and gap > threshold:
                    texts.append("")
                texts.append(line.text)
        lines.extend(texts)
        numbers.extend([page.number] * len(texts))
    ocr = any(page.lines is None for page in pages)
    return SourceText(lines=lines, pages=numbers, format="pdf-ocr" if ocr else "pdf")


def _ocr_page(page: Any, name: str) -> list[str]:
    image = _render(page)
    try:
        return ocr_image(image)
    except FileNotFoundError:
        raise OcrUnavailableError(
            f"{name}: page {page.page_number} needs OCR, but tesseract is not installed; "
            f"install it with: {TESSERACT_INSTALL_HINT}"
        ) from None
    except subprocess.TimeoutExpired:
        raise NotTextError(f"{name}: OCR of scanned page {page.page_number} took over {OCR_TIMEOUT} s") from None
    except (OSError, RuntimeError) as error:
        detail = " ".join(str(error).split())[:100]
        raise NotTextError(f"{name}: OCR of scanned page {page.page_number} failed ({detail})") from None


# ----- DOCX ----------------------------------------------------------------------------------

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


def read_docx(path: Path) -> SourceText:
    """Read a Word document's body in document order: paragraphs, headings and table rows."""
    import docx

    from pipeline.ingest import SourceText

    name = path.name
    data = path.read_bytes()  # an OSError here is reported by ingest.read_source
    if data.startswith(_OLE_SIGNATURE):
        raise NotTextError(
            f"{name} is a password-protected Word file or an old Word 97-2003 document renamed to .docx; "
            "save an unprotected .docx copy"
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise NotTextError(f"{name} is not a Word document (not a DOCX package); it may be damaged or renamed")
    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_block_lines(document.element.body))
    except RemissError:
        raise
    except Exception as error:  # noqa: BLE001 - python-docx, zipfile and lxml all raise their own errors
        detail = " ".join(str(error).split())[:80] or type(error).__name__
        raise NotTextError(f"{name} is a damaged Word document that cannot be read ({detail})") from None
    return SourceText(lines=lines, pages=[None] * len(lines), format="docx")

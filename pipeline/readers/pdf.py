"""PDF: the text layer, page by page, one line per printed line (pdfplumber).

A vertical gap clearly wider than the document's usual line spacing becomes an empty line, as a
paragraph break does in a text file. A page without a usable text layer (a scan) is rendered at
300 dpi and read by tesseract in Swedish; the document's format is then ``pdf-ocr``.

Limits: the page count is read from the page tree before any page is parsed and refused above
ingest.max_pages; characters are counted page by page and reading stops once the document passes
ingest.max_document_chars, so a huge PDF costs neither the time to read it all nor its OCR. The
file is read from disk as pdfminer needs it, never loaded whole.
"""

from __future__ import annotations

import os
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pipeline.config import IngestParams
from pipeline.errors import NotTextError, RemissError, TooManyPagesError
from pipeline.readers.ocr import (
    OCR_MAX_PIXELS,
    OCR_RESOLUTION,
    OCR_TIMEOUT,
    TESSERACT_INSTALL_HINT,
    OcrUnavailableError,
    ocr_image,
    require_tesseract,
)
from pipeline.readers.source import SourceText, document_too_long

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


def _check_pdf_ends(stream: BinaryIO, name: str) -> None:
    """A PDF starts with %PDF- and ends with %%EOF; read only the two ends, not the whole file."""
    head = stream.read(1024)
    stream.seek(0, os.SEEK_END)
    stream.seek(max(stream.tell() - 4096, 0))
    tail = stream.read()
    stream.seek(0)
    if b"%PDF-" not in head:
        raise NotTextError(f"{name} is not a PDF (no %PDF header); it may be a different kind of file renamed to .pdf")
    if b"%%EOF" not in tail:
        raise NotTextError(
            f"{name} is an incomplete PDF (truncated: no end-of-file marker); download or export it again"
        )


def _declared_page_count(pdf: Any) -> int | None:
    """The page count the page tree declares (/Count), read without visiting a single page."""
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"])
    except Exception:  # noqa: BLE001 - a damaged tree is reported when the pages are read
        return None
    return count if isinstance(count, int) else None


def _check_page_count(count: int | None, name: str, cap: int) -> None:
    if count is not None and count > cap:
        raise TooManyPagesError(
            f"{name} has {count:,} pages, more than ingest.max_pages ({cap:,}); raise it in params.yaml to read this file"
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


def read_pdf(path: Path, limits: IngestParams | None = None) -> SourceText:
    """Read a PDF's text layer, OCR-ing scanned pages; one line per printed line."""
    import pdfplumber

    limits = limits if limits is not None else IngestParams()
    name = path.name
    pages: list[_PdfPage] = []
    chars = 0
    with path.open("rb") as stream:  # an OSError here is reported by read_source
        _check_pdf_ends(stream, name)
        try:
            with pdfplumber.open(stream) as pdf:
                _check_page_count(_declared_page_count(pdf), name, limits.max_pages)
                _check_page_count(len(pdf.pages), name, limits.max_pages)  # the tree's /Count may lie
                for page in pdf.pages:
                    number = page.page_number
                    if page_needs_ocr(page):
                        require_tesseract(name, number)
                        pages.append(_PdfPage(number, None, _ocr_page(page, name)))
                        chars += sum(map(len, pages[-1].ocr_lines))
                    else:
                        pages.append(_PdfPage(number, _text_lines(page), []))
                        chars += sum(len(line.text) for line in pages[-1].lines or [])
                    page.close()
                    if chars > limits.max_document_chars:  # stop reading (and OCR-ing) a document too long
                        raise document_too_long(name, chars, limits.max_document_chars, f" by page {number}")
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


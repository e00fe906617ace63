"""PDF and DOCX readers: lines in order, pages, OCR of scans, and clear errors for bad files.

Every fixture is made here, in tmp_path: PDFs with fpdf2 (a dev dependency) and Pillow, Word files
with python-docx. The font is the DejaVu Sans that matplotlib ships, so å/ä/ö render everywhere.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import matplotlib
import pytest

from pipeline import ingest
from pipeline.errors import NotTextError
from pipeline.readers import OcrUnavailableError, read_docx, read_pdf, tesseract_available

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
needs_tesseract = pytest.mark.skipif(
    not tesseract_available(),
    reason="tesseract with Swedish data is not installed (apt-get install tesseract-ocr tesseract-ocr-swe)",
)

HEADING = "Yttrande över förslag till kvalitetsprogram"
PAGE_1 = [
    "Stadsdelsnämnden tillstyrker förslaget i sin hel-",
    "het och välkomnar att äldreomsorgen får större",
    "utrymme i programmet.",
]
PAGE_1_LAST = "Nämnden önskar även att åtgärderna följs upp."
PAGE_2 = ["Östermalms stadsdelsnämnd är nöjd med förslaget.", "Särskilt uttalande: inget."]
SCAN_LINES = [
    "Stadsdelsnämnden i Östermalm har",
    "behandlat förslaget och lämnar",
    "följande yttrande över remissen.",
    "",
    "Nämnden tillstyrker förslaget i sin helhet.",
]


def _fpdf():
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (dev dependency) makes the test PDFs")
    pdf = fpdf.FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    return pdf


def _write_lines(pdf, lines: list[str]) -> None:
    for line in lines:
        pdf.cell(text=line, h=5.5, new_x="LMARGIN", new_y="NEXT")


def _born_digital(path: Path) -> Path:
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(text=HEADING, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    _write_lines(pdf, PAGE_1)
    pdf.ln(4)  # space between paragraphs, as Word's "spacing after"
    _write_lines(pdf, [PAGE_1_LAST])
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    _write_lines(pdf, PAGE_2)
    pdf.output(str(path))
    return path


def _scan_image(lines: list[str] = SCAN_LINES):
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), 44)
    image = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((150, 200 + 70 * index), line, font=font, fill=0)
    return image


def _words(lines: list[str]) -> list[str]:
    return [word.strip(".,:;") for line in lines for word in line.split()]


def _word_accuracy(expected: list[str], found: list[str]) -> float:
    found_words = _words(found)
    hits = 0
    for word in _words(expected):
        if word in found_words:
            found_words.remove(word)
            hits += 1
    return hits / len(_words(expected))


# ----- born-digital PDF ----------------------------------------------------------------------


def test_pdf_lines_pages_and_swedish_letters(tmp_path):
    source = read_pdf(_born_digital(tmp_path / "yttrande.pdf"))
    assert source.format == "pdf"
    assert source.lines == [HEADING, "", *PAGE_1, "", PAGE_1_LAST, *PAGE_2]
    assert source.pages == [1] * 7 + [2] * 2
    # the hyphenated line end survives as printed: lines are never joined
    assert source.lines[2].endswith("hel-") and source.lines[3].startswith("het ")


def test_pdf_reading_is_deterministic(tmp_path):
    path = _born_digital(tmp_path / "yttrande.pdf")
    assert read_pdf(path) == read_pdf(path)


def test_pdf_blank_page_gives_no_lines_and_no_ocr(tmp_path):
    pdf = _fpdf()
    pdf.add_page()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    _write_lines(pdf, ["Bara sida två har text."])
    pdf.output(str(tmp_path / "blank.pdf"))
    source = read_pdf(tmp_path / "blank.pdf")
    assert (source.lines, source.pages, source.format) == (["Bara sida två har text."], [2], "pdf")


def test_pdf_through_ingest(tmp_path, params):
    document = ingest.ingest_file(_born_digital(tmp_path / "yttrande.pdf"), params.ingest)
    assert document.format == "pdf"
    assert document.lines["page"].tolist() == [1] * 7 + [2] * 2
    assert document.lines["text"].iloc[0] == HEADING


# ----- scanned PDF (OCR) ---------------------------------------------------------------------


@needs_tesseract
def test_scanned_pdf_is_ocrd_in_swedish(tmp_path):
    path = tmp_path / "skannad.pdf"
    _scan_image().save(path, "PDF", resolution=200)  # an image only: no text layer
    source = read_pdf(path)
    assert source.format == "pdf-ocr"
    assert source.pages == [1] * len(source.lines)
    assert _word_accuracy(SCAN_LINES, source.lines) >= 0.8
    assert any(letter in "".join(source.lines) for letter in "åäöÅÄÖ")


@needs_tesseract
def test_mixed_pdf_ocrs_only_the_scanned_page(tmp_path):
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    _write_lines(pdf, PAGE_2)
    pdf.add_page()
    pdf.image(_scan_image(SCAN_LINES[:3]), x=0, y=0, w=210, h=297)
    pdf.output(str(tmp_path / "blandad.pdf"))
    source = read_pdf(tmp_path / "blandad.pdf")
    assert source.format == "pdf-ocr"
    assert source.lines[:2] == PAGE_2 and source.pages[:2] == [1, 1]
    assert set(source.pages[2:]) == {2}
    assert _word_accuracy(SCAN_LINES[:3], source.lines[2:]) >= 0.8


def test_scanned_pdf_without_tesseract_says_how_to_install(tmp_path, monkeypatch):
    import pytesseract

    path = tmp_path / "skannad.pdf"
    _scan_image(SCAN_LINES[:1]).save(path, "PDF", resolution=200)
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-such-tesseract"))
    with pytest.raises(OcrUnavailableError, match="apt-get install tesseract-ocr tesseract-ocr-swe") as caught:
        read_pdf(path)
    assert caught.value.exit_code == 12
    assert "skannad.pdf" in str(caught.value) and "\n" not in str(caught.value)


# ----- bad PDFs ------------------------------------------------------------------------------


def test_encrypted_pdf(tmp_path):
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    _write_lines(pdf, ["Hemlig text."])
    pdf.set_encryption(owner_password="ägare", user_password="hemligt")
    pdf.output(str(tmp_path / "lasd.pdf"))
    with pytest.raises(NotTextError, match=r"^lasd\.pdf is an encrypted PDF \(password protected\)"):
        read_pdf(tmp_path / "lasd.pdf")


def test_pdf_with_owner_password_only_is_read(tmp_path):
    pdf = _fpdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    _write_lines(pdf, ["Får inte skrivas ut, men läsas."])
    pdf.set_encryption(owner_password="ägare")  # restrictions only, no password to open
    pdf.output(str(tmp_path / "begransad.pdf"))
    assert read_pdf(tmp_path / "begransad.pdf").lines == ["Får inte skrivas ut, men läsas."]


def _random_bytes(size: int) -> bytes:
    return random.Random(7).randbytes(size)


@pytest.mark.parametrize("kind", ["random", "header-then-junk", "truncated", "truncated-with-eof"])
def test_corrupt_pdf(tmp_path, kind):
    real = _born_digital(tmp_path / "real.pdf").read_bytes()
    data = {
        "random": _random_bytes(4000),
        "header-then-junk": b"%PDF-1.7\n" + _random_bytes(4000) + b"\n%%EOF\n",
        "truncated": real[: len(real) // 2],
        "truncated-with-eof": real[: len(real) // 2] + b"\n%%EOF\n",
    }[kind]
    path = tmp_path / "trasig.pdf"
    path.write_bytes(data)
    with pytest.raises(NotTextError, match=r"^trasig\.pdf ") as caught:
        read_pdf(path)
    assert "\n" not in str(caught.value)


# ----- DOCX ----------------------------------------------------------------------------------


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Remissvar från Östermalms stadsdelsnämnd", level=1)
    document.add_paragraph("Nämnden tillstyrker förslaget.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=3)
    rows = [("Nämnd", "Ställning", "Kommentar"), ("Östermalm", "Tillstyrker", "")]
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    paragraph = document.add_paragraph("Första raden")
    paragraph.add_run().add_break()
    paragraph.add_run("andra raden med åäö.")
    document.add_heading("Särskilt uttalande", level=2)
    document.add_paragraph("Ingen reservation.")
    document.save(str(path))
    return path


def test_docx_body_in_document_order(tmp_path):
    source = read_docx(_docx(tmp_path / "remissvar.docx"))
    assert source.format == "docx"
    assert source.lines == [
        "Remissvar från Östermalms stadsdelsnämnd",
        "Nämnden tillstyrker förslaget.",
        "",
        "Nämnd | Ställning | Kommentar",
        "Östermalm | Tillstyrker | ",
        "Första raden",
        "andra raden med åäö.",
        "Särskilt uttalande",
        "Ingen reservation.",
    ]
    assert source.pages == [None] * len(source.lines)


def test_docx_reads_content_controls_and_tracked_changes(tmp_path):
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.add_paragraph("Före.")
    body = document.element.body
    body.insert(
        len(body) - 1,  # before sectPr
        parse_xml(
            f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>I en innehållskontroll.</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        ),
    )
    body.insert(
        len(body) - 1,
        parse_xml(
            f'<w:p {w}><w:r><w:t xml:space="preserve">Nämnden </w:t></w:r>'
            '<w:del w:id="1" w:author="a"><w:r><w:delText>avstyrker</w:delText></w:r></w:del>'
            '<w:ins w:id="2" w:author="a"><w:r><w:t>tillstyrker</w:t></w:r></w:ins>'
            "<w:r><w:t>.</w:t></w:r></w:p>"
        ),
    )
    document.save(str(tmp_path / "spårad.docx"))
    assert read_docx(tmp_path / "spårad.docx").lines == ["Före.", "I en innehållskontroll.", "Nämnden tillstyrker."]


@pytest.mark.parametrize("kind", ["zip-of-junk", "random", "word-document-junk", "ole"])
def test_corrupt_docx(tmp_path, kind):
    path = tmp_path / "trasig.docx"
    if kind == "zip-of-junk":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("junk.bin", _random_bytes(2000))
    elif kind == "word-document-junk":
        with zipfile.ZipFile(_docx(tmp_path / "real.docx")) as real, zipfile.ZipFile(path, "w") as archive:
            for item in real.infolist():
                data = real.read(item)
                archive.writestr(item, b"<w:document>not xml" if item.filename == "word/document.xml" else data)
    elif kind == "ole":  # what Word writes for a password-protected .docx
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + _random_bytes(2000))
    else:
        path.write_bytes(_random_bytes(3000))
    with pytest.raises(NotTextError, match=r"^trasig\.docx ") as caught:
        read_docx(path)
    assert "\n" not in str(caught.value)

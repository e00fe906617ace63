"""Inputs that must not exhaust the machine: zip bombs, lying archives, giant lines, huge documents.

Every hostile file is made here, in tmp_path, and is refused or tamed in seconds: a refused file
raises its own `RemissError` (exit codes 13-16) and is skipped in a batch like any unreadable file,
and a line longer than ingest.max_line_chars is wrapped. The real documents in data/raw and
data/corpus must come through the default limits exactly as through no limits at all.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.config import IngestParams
from pipeline.errors import (
    ArchiveTooLargeError,
    DocumentTooLongError,
    NotTextError,
    TooManyPagesError,
    ZipBombError,
)
from pipeline.ingest import ingest_file, ingest_paths
from pipeline.readers import read_docx, read_pdf, read_source, wrap_line
from tests.conftest import ROOT

docx = pytest.importorskip("docx")

DEFAULTS = IngestParams()
NO_LIMITS = IngestParams(max_archive_bytes=2**40, max_compression_ratio=1e9, max_pages=10**9,
                         max_document_chars=10**12, max_line_chars=10**12)
SENTENCE = "Nämnden tillstyrker förslaget och anser att det är bra för staden. "
MIB = 2**20


def _docx_file(path: Path, paragraphs: tuple[str, ...] = ("Idrottsnämnden", SENTENCE)) -> Path:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


def _replace_part(source: Path, target: Path, part: str, write_part) -> Path:
    """A copy of a DOCX whose `part` is written, streaming, by `write_part(file)`."""
    with zipfile.ZipFile(source) as real, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in real.infolist():
            if item.filename == part:
                with copy.open(part, "w") as stream:
                    write_part(stream)
            else:
                copy.writestr(item, real.read(item))
    return target


def _repeated(byte: bytes, megabytes: int):
    def write(stream) -> None:
        chunk = byte * MIB
        for _ in range(megabytes):
            stream.write(chunk)

    return write


def _declare_size(path: Path, part: str, declared: int) -> None:
    """Make the archive lie: its directory (and local header) say `part` unpacks to `declared` bytes."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<L", data, central + 24, declared)
            local = struct.unpack_from("<L", data, central + 42)[0]
            struct.pack_into("<L", data, local + 22, declared)
            path.write_bytes(bytes(data))
            return
        central = data.find(b"PK\x01\x02", central + 4)
    raise AssertionError(f"{part} not in {path}")


# ----- DOCX: zip bombs and archives too large -------------------------------------------------


def test_zip_bomb_is_refused_before_inflating(tmp_path):
    """200 MB of one repeated byte packs into about 200 kB: refused from the directory alone."""
    bomb = _replace_part(_docx_file(tmp_path / "real.docx"), tmp_path / "bomb.docx", "word/document.xml",
                         _repeated(b" ", 200))
    assert bomb.stat().st_size < MIB
    with pytest.raises(ZipBombError) as caught:
        read_docx(bomb, DEFAULTS)
    message = str(caught.value)
    assert caught.value.exit_code == 14
    assert message.startswith("bomb.docx: part word/document.xml would unpack to ")
    assert "ingest.max_compression_ratio (100)" in message and "\n" not in message


def test_archive_over_the_size_cap_is_refused(tmp_path):
    """Incompressible parts (as images are) pass the ratio check but not the total size cap."""
    import random

    noise = random.Random(3).randbytes(3 * MIB)
    path = _replace_part(_docx_file(tmp_path / "real.docx"), tmp_path / "bilder.docx", "word/document.xml",
                         lambda stream: stream.write(noise))
    with pytest.raises(ArchiveTooLargeError) as caught:
        read_docx(path, IngestParams(max_archive_bytes=2 * MIB))
    assert caught.value.exit_code == 13
    assert str(caught.value).startswith("bilder.docx ")
    assert "ingest.max_archive_bytes (2,097,152)" in str(caught.value)


def test_archive_too_large_on_disk_is_refused_unread(tmp_path):
    path = tmp_path / "stor.docx"
    path.write_bytes(b"PK" + bytes(3 * MIB))
    with pytest.raises(ArchiveTooLargeError, match=r"^stor\.docx is 3,145,730 bytes on disk"):
        read_docx(path, IngestParams(max_archive_bytes=2 * MIB))


def test_archive_whose_declared_size_lies_is_refused_mid_stream(tmp_path):
    """The directory says 1 000 bytes (a harmless ratio); inflating stops one byte past that."""
    path = _replace_part(_docx_file(tmp_path / "real.docx"), tmp_path / "ljuger.docx", "word/document.xml",
                         _repeated(b" ", 50))
    _declare_size(path, "word/document.xml", 1000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1000
    with pytest.raises(ZipBombError, match=r"^ljuger\.docx: part word/document\.xml unpacks to more than the "
                                           r"1,000 bytes it declares") as caught:
        read_docx(path, DEFAULTS)
    assert caught.value.exit_code == 14


def test_archive_with_a_bad_checksum_is_damaged(tmp_path):
    path = _docx_file(tmp_path / "trasig.docx")
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<L", data, central + 16, 12345)  # the first part's CRC-32
    path.write_bytes(bytes(data))
    with pytest.raises(NotTextError, match=r"^trasig\.docx is a damaged Word document .*bad checksum"):
        read_docx(path, DEFAULTS)


def test_a_genuine_docx_reads_the_same_within_the_limits(tmp_path):
    path = _docx_file(tmp_path / "svar.docx", ("Idrottsnämnden", "", SENTENCE * 3))
    assert read_docx(path, DEFAULTS) == read_docx(path, NO_LIMITS)
    assert read_docx(path, DEFAULTS).lines == ["Idrottsnämnden", "", SENTENCE * 3]


# ----- PDF: pages ------------------------------------------------------------------------------


def test_pdf_with_too_many_pages_is_refused(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.set_font("helvetica", size=11)
    for number in range(3):
        pdf.add_page()
        pdf.cell(text=f"Sida {number + 1}")
    pdf.output(str(tmp_path / "lang.pdf"))
    with pytest.raises(TooManyPagesError) as caught:
        read_pdf(tmp_path / "lang.pdf", IngestParams(max_pages=2))
    assert caught.value.exit_code == 15
    assert str(caught.value).startswith("lang.pdf has 3 pages, more than ingest.max_pages (2)")
    assert read_pdf(tmp_path / "lang.pdf", IngestParams(max_pages=3)).lines == ["Sida 1", "Sida 2", "Sida 3"]


# ----- text: characters per document and per line ----------------------------------------------


def test_document_over_the_character_cap_is_refused(tmp_path):
    path = tmp_path / "lang.txt"
    path.write_text("Idrottsnämnden\n" + SENTENCE * 40 + "\n", encoding="utf-8")
    with pytest.raises(DocumentTooLongError) as caught:
        ingest_file(path, IngestParams(max_document_chars=1000))
    assert caught.value.exit_code == 16
    chars = len("Idrottsnämnden") + 40 * len(SENTENCE)
    assert str(caught.value) == (
        f"lang.txt has {chars:,} characters of text, more than ingest.max_document_chars (1,000); "
        "raise it in params.yaml to read this file"
    )


def test_text_file_far_over_the_character_cap_is_refused_unread(tmp_path):
    path = tmp_path / "enorm.txt"
    path.write_bytes(b"a" * 5000)
    with pytest.raises(DocumentTooLongError, match=r"^enorm\.txt is 5,000 bytes, more text than ingest\.max_document_chars"):
        read_source(path, IngestParams(max_document_chars=1000))


def test_docx_over_the_character_cap_is_refused(tmp_path):
    path = _docx_file(tmp_path / "lang.docx", ("Idrottsnämnden", SENTENCE * 20))
    chars = len("Idrottsnämnden") + 20 * len(SENTENCE)
    with pytest.raises(DocumentTooLongError, match=rf"^lang\.docx has {chars:,} characters of text"):
        read_source(path, IngestParams(max_document_chars=1000))


@pytest.mark.parametrize(
    ("line", "width"),
    [
        ("ord " * 30, 20),
        ("a" * 95, 10),  # no space at all: cut hard
        ("kort", 10),
        ("ett två tre fyra fem sex sju åtta nio tio", 12),
        ("x" * 8 + " " + "y" * 30, 20),  # the only space lies in the window's first half: cut hard
    ],
)
def test_wrap_line_keeps_every_character_within_the_width(line, width):
    pieces = wrap_line(line, width)
    assert "".join(pieces) == line
    assert all(0 < len(piece) <= width for piece in pieces)
    assert all(len(piece) >= width // 2 for piece in pieces[:-1])


def test_wrap_line_cuts_after_a_space_and_never_splits_an_accent():
    assert wrap_line("Nämnden tillstyrker förslaget", 12) == ["Nämnden ", "tillstyrker ", "förslaget"]
    decomposed = unicodedata.normalize("NFD", "ä" * 10)  # a + combining diaeresis, twice as many code points
    pieces = wrap_line(decomposed, 7)
    assert "".join(pieces) == decomposed
    assert not any(unicodedata.combining(piece[0]) for piece in pieces)


@pytest.mark.slow
def test_a_20_mb_line_without_line_breaks_is_wrapped(tmp_path):
    """The reported case: 20 MB of text with no line break. Wrapped at spaces, in seconds."""
    path = tmp_path / "en-rad.txt"
    text = "Idrottsnämnden anser: " + SENTENCE * (20 * MIB // len(SENTENCE.encode()))
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > 20 * MIB - 100
    params = IngestParams(max_document_chars=25_000_000, ocr_repair="never")
    document = ingest_file(path, params)
    lines = document.lines
    assert len(lines) == len(wrap_line(text, params.max_line_chars)) >= len(text) // params.max_line_chars
    assert lines["line"].tolist() == list(range(1, len(lines) + 1))
    assert lines["source_text"].str.len().max() <= params.max_line_chars
    assert lines["text"].str.len().max() <= params.max_line_chars
    assert "".join(lines["source_text"]) == text
    assert document.notes == ["lines over 10,000 characters wrapped (ingest.max_line_chars): 1; "
                              "line numbers count the wrapped pieces"]


def test_the_20_mb_line_is_refused_under_the_default_character_cap(tmp_path):
    path = tmp_path / "en-rad.txt"
    path.write_text(SENTENCE * (20 * MIB // len(SENTENCE.encode())), encoding="utf-8")
    with pytest.raises(DocumentTooLongError, match=r"more than ingest\.max_document_chars \(10,000,000\)"):
        read_source(path, DEFAULTS)


# ----- batches and the command lines -----------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> Path:
    """A genuine protocol next to a zip bomb and a document over a small character cap."""
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "norrmalm-protokoll.txt").write_bytes((ROOT / "data/raw/norrmalm-sdn-protokoll-2021-10-21-p12.txt").read_bytes())
    real = _docx_file(folder.parent / "real.docx")
    _replace_part(real, folder / "bomb.docx", "word/document.xml", _repeated(b" ", 64))
    (folder / "lang.txt").write_text("Idrottsnämnden\n" + "Nämnden tillstyrker förslaget.\n" * 1000, encoding="utf-8")
    (folder / "params.yaml").write_text("ingest:\n  max_document_chars: 20000\n", encoding="utf-8")
    return folder


def test_refused_files_are_skipped_in_a_batch(hostile_folder):
    documents, failures = ingest_paths([hostile_folder], IngestParams(max_document_chars=20_000))
    assert [d.doc for d in documents] == ["norrmalm-protokoll.txt"]
    refused = {f.path.name: type(f.error) for f in failures}
    assert refused == {"bomb.docx": ZipBombError, "lang.txt": DocumentTooLongError}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_ingest_command_skips_refused_files_and_goes_on(hostile_folder, tmp_path):
    result = _run("pipeline.ingest", "--input", str(hostile_folder), "--out", str(tmp_path / "out"),
                  "--params", str(hostile_folder / "params.yaml"))
    assert result.returncode == 0, result.stderr[-2000:]
    skipped = [line for line in result.stderr.splitlines() if line.startswith("remiss: skipped: ")]
    assert len(skipped) == 2 and "Traceback" not in result.stderr
    assert any("bomb.docx: part word/document.xml would unpack to " in line for line in skipped)
    assert any("lang.txt has " in line and "ingest.max_document_chars (20,000)" in line for line in skipped)
    documents = pd.read_csv(tmp_path / "out" / "documents.csv", keep_default_na=False).set_index("doc")
    assert documents["status"].to_dict() == {"norrmalm-protokoll.txt": "ok", "bomb.docx": "skipped", "lang.txt": "skipped"}


@pytest.mark.slow
def test_ingest_command_exits_with_the_refusal_code_when_nothing_is_left(hostile_folder, tmp_path):
    result = _run("pipeline.ingest", "--input", str(hostile_folder / "bomb.docx"), "--out", str(tmp_path / "out"))
    assert result.returncode == 14
    assert result.stderr.startswith("remiss: error: bomb.docx: part word/document.xml would unpack to ")
    assert result.stderr.count("\n") == 1


@pytest.mark.slow
def test_remiss_command_skips_refused_files_and_goes_on(hostile_folder, tmp_path):
    """`remiss segment` reads through the same ingest as `remiss analyze`, without the model."""
    result = _run("pipeline.cli", "segment", str(hostile_folder), "--out", str(tmp_path / "out"),
                  "--params", str(hostile_folder / "params.yaml"))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stderr.count("remiss: skipped: ") == 2 and "Traceback" not in result.stderr
    bodies = pd.read_csv(tmp_path / "out" / "bodies.csv", keep_default_na=False)
    assert bodies["doc"].unique().tolist() == ["norrmalm-protokoll.txt"]


# ----- real documents --------------------------------------------------------------------------


def test_every_real_document_ingests_unchanged_under_the_default_limits():
    """data/raw and data/corpus: same lines table with the defaults as with no limits, nothing wrapped."""
    inputs = [ROOT / "data" / "raw", ROOT / "data" / "corpus"]
    documents, failures = ingest_paths(inputs, DEFAULTS)
    unlimited, _ = ingest_paths(inputs, NO_LIMITS)
    assert not failures
    assert len(documents) == len(unlimited) >= 20
    for document, reference in zip(documents, unlimited, strict=True):
        pd.testing.assert_frame_equal(document.lines, reference.lines)
        assert not any("wrapped" in note for note in document.notes)
        original = re.split(r"\r\n|\r|\n", document.path.read_text(encoding="utf-8").removesuffix("\n"))
        assert len(document.lines) == len(original), document.doc

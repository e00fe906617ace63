"""Real-world inputs end to end: a mixed folder of PDF, Word, text and a scan gives one
consistent result; a zip bomb among them is skipped, not inflated; runs are byte-identical;
nothing touches the network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.readers import tesseract_available
from tests.conftest import ROOT

fpdf = pytest.importorskip("fpdf")
docx = pytest.importorskip("docx")

FONT = Path(__import__("matplotlib").get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

PDF_ANSWER = [
    "Kungsholmens stadsdelsnämnd",
    "Remissvar om Stockholms stads kvalitetsprogram",
    "",
    "Förvaltningen ställer sig i huvudsak positiv till förslaget om Stockholms stads kvalitetsprogram",
    "men anser att programmet behöver kompletteras på flera punkter.",
    "Förvaltningen saknar en analys av kostnaderna för informationssäkerhetsarbetet.",
    "Riktlinjen för informationssäkerhet bör förtydligas och finansieringen måste utredas.",
]
DOCX_ANSWER = [
    "Idrottsnämnden",
    "Svar på remiss om kvalitetsprogram",
    "",
    "Nämnden tillstyrker förslaget till kvalitetsprogram.",
    "Programmet ger en tydlig gemensam riktning och betonar att varje medarbetare är viktig.",
]
SCAN_ANSWER = [
    "Farsta stadsdelsnämnd",
    "",
    "Nämnden avstyrker förslaget.",
    "Programmet saknar en analys av finansieringen.",
]


def make_pdf(path: Path, lines: list[str]) -> None:
    pdf = fpdf.FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    pdf.set_creation_date(__import__("datetime").datetime(2024, 1, 1, tzinfo=__import__("datetime").timezone.utc))
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def make_docx(path: Path, lines: list[str]) -> None:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


def make_zip_bomb(path: Path, template: Path) -> None:
    """A Word file whose document.xml is 64 MB of spaces packed into about 64 kB."""
    import zipfile

    with zipfile.ZipFile(template) as real, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in real.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, real.read(item))
                continue
            with bomb.open(item.filename, "w") as part:
                for _ in range(64):
                    part.write(b" " * 2**20)


def make_scan(path: Path, lines: list[str]) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1700, 900), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 40)
    for number, line in enumerate(lines):
        draw.text((100, 100 + number * 70), line, fill=0, font=font)
    image.save(path, "PDF", resolution=150)


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "norrmalm-protokoll.txt").write_bytes((ROOT / "data/raw/norrmalm-sdn-protokoll-2021-10-21-p12.txt").read_bytes())
    make_pdf(folder / "kungsholmen.pdf", PDF_ANSWER)
    make_docx(folder / "idrott.docx", DOCX_ANSWER)
    make_zip_bomb(folder / "bomb.docx", folder / "idrott.docx")
    if tesseract_available():
        make_scan(folder / "farsta-skannad.pdf", SCAN_ANSWER)
    return folder


def run_analyze(folder: Path, out: Path, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(folder), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200, env=env)


@pytest.fixture(scope="module")
def mixed_result(mixed_folder, tmp_path_factory, embedded_model_dir) -> Path:
    out = tmp_path_factory.mktemp("mixed-out")
    result = run_analyze(mixed_folder, out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "remiss: skipped: bomb.docx: part word/document.xml would unpack to " in result.stderr
    assert "Traceback" not in result.stderr
    return out


def test_a_mixed_folder_gives_one_consistent_result(mixed_result: Path):
    documents = pd.read_csv(mixed_result / "documents.csv", keep_default_na=False).set_index("doc")
    assert documents.loc["bomb.docx", "status"] == "skipped"
    assert "ingest.max_compression_ratio" in documents.loc["bomb.docx", "message"]
    documents = documents.drop(index="bomb.docx")
    assert (documents["status"] == "ok").all(), documents
    assert documents.loc["kungsholmen.pdf", "format"] == "pdf"
    assert documents.loc["idrott.docx", "format"] == "docx"
    bodies = pd.read_csv(mixed_result / "bodies.csv", keep_default_na=False).set_index("doc")
    assert bodies.loc["kungsholmen.pdf", "body"] == "Kungsholmens stadsdelsnämnd"
    assert bodies.loc["idrott.docx", "body"] == "Idrottsnämnden"
    assert bodies.loc["norrmalm-protokoll.txt", "body"] == "Norrmalms stadsdelsnämnd"
    assert bodies.loc["kungsholmen.pdf", "stance"] == "positive_with_reservations"
    assert bodies.loc["idrott.docx", "stance"] == "positive"
    assert "informationssakerhet" in bodies.loc["kungsholmen.pdf", "themes"]
    if "farsta-skannad.pdf" in documents.index:
        assert documents.loc["farsta-skannad.pdf", "format"] == "pdf-ocr"
        assert bodies.loc["farsta-skannad.pdf", "body"] == "Farsta stadsdelsnämnd"
        assert bodies.loc["farsta-skannad.pdf", "stance"] == "negative"
    for name in ("remissammanstallning.xlsx", "report.html"):
        assert (mixed_result / name).exists()


def test_two_runs_are_byte_identical_and_offline(mixed_folder: Path, mixed_result: Path, tmp_path: Path):
    """The second run has the network cut off: any attempt to connect fails the run."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "def _blocked(*args, **kwargs):\n"
        "    raise OSError('network access attempted during an offline run')\n"
        "socket.socket.connect = _blocked\n"
        "socket.socket.connect_ex = _blocked\n"
        "socket.create_connection = _blocked\n"
        "socket.getaddrinfo = _blocked\n",
        encoding="utf-8",
    )
    env = {**__import__("os").environ, "PYTHONPATH": str(guard), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    second = tmp_path / "second"
    result = run_analyze(mixed_folder, second, env)
    assert result.returncode == 0, result.stderr[-3000:]
    first_files = sorted(p.relative_to(mixed_result) for p in mixed_result.rglob("*") if p.is_file())
    second_files = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert first_files == second_files
    for relative in first_files:
        assert (mixed_result / relative).read_bytes() == (second / relative).read_bytes(), relative

"""A synthetic folder of whole documents (about N pages) for the ingest, segment, OCR and analyze rows.

Unlike the recombined responses (benchmarks/workers.py: build_corpus), these are documents the
readers must read: remissvar letters (yttranden) and protocol extracts of the registry's bodies,
each with a letterhead, a Dnr, the remiss's title, a decision sentence and running text made of
sentences drawn with `random.Random(0)` from data/raw and data/corpus. Most are .txt with form feeds
between pages (pipeline/readers/text.py counts a form feed as a new page), a quarter of the pages
are text-layer PDFs (fpdf2, DejaVu Sans for å/ä/ö), and a few pages are scans: an image of the page
and no text layer, which pipeline/readers/pdf.py renders and reads with tesseract.
"""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path
from typing import Any

from benchmarks.harness import PROJECT_ROOT, SEED, Metrics, Timer

LINES_PER_PAGE = 46
WRAP = 82  # characters per printed line
PDF_SHARE = 0.25  # of the text pages: text-layer PDFs, the rest .txt
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/share/fonts/TTF"))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")
_BEGIN = "=====BEGIN DOCUMENT====="

TITLES = [
    "Remiss av Stockholms stads kvalitetsprogram – Utveckling genom ständiga förbättringar",
    "Remiss av förslag till riktlinjer för informationssäkerhet",
    "Remiss av program för medborgardialog och delaktighet",
    "Remiss av handlingsplan för digitalisering av stadens verksamheter",
    "Remiss av förslag till stadens miljöprogram 2030",
    "Remiss av förslag till upphandlingspolicy",
]
DECISIONS = [
    "{short} beslutar att godkänna förvaltningens tjänsteutlåtande som svar på remissen.",
    "{short} beslutar att tillstyrka förslaget och att överlämna tjänsteutlåtandet som svar på remissen.",
    "{short} beslutar att avstyrka förslaget i sin nuvarande form.",
    "{short} beslutar att ställa sig bakom förslaget med de synpunkter som framgår av tjänsteutlåtandet.",
]
HEADINGS = ["Sammanfattning", "Bakgrund", "Ärendet", "Förvaltningens synpunkter", "Ekonomiska konsekvenser"]


def font_path() -> Path | None:
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file():
            return folder / "DejaVuSans.ttf"
    return None


def sentence_pool() -> list[str]:
    """Sentences of data/raw and data/corpus: running text only, joined across line breaks."""
    pool: list[str] = []
    files = sorted((PROJECT_ROOT / "data" / "raw").glob("*.txt")) + sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = text.split(_BEGIN, 1)[1] if _BEGIN in text else text
        for paragraph in re.split(r"\n\s*\n|\f", text):
            joined = " ".join(line.strip() for line in paragraph.splitlines() if "|" not in line)
            for sentence in _SENTENCE_END.split(joined):
                sentence = " ".join(sentence.split())
                letters = sum(c.isalpha() for c in sentence)
                if 40 <= len(sentence) <= 300 and letters > 0.75 * len(sentence) and sentence[0].isupper():
                    pool.append(sentence)
    return pool


def _short(body: Any) -> str:
    return {"stadsdelsnämnd": "Stadsdelsnämnden", "bolag": "Styrelsen"}.get(body.type, "Nämnden")


def _paragraphs(rng: random.Random, pool: list[str], count: int) -> list[str]:
    return [" ".join(rng.choice(pool) for _ in range(rng.randint(2, 6))) for _ in range(count)]


def _letter(rng: random.Random, pool: list[str], body: Any, pages: int) -> list[str]:
    """A yttrande from `body`: letterhead, Dnr, addressee, title, decision, sections of text."""
    title = rng.choice(TITLES)
    lines = ["Stockholms stad", body.name, "", "Yttrande", f"Datum 2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             f"Dnr {rng.randint(1, 9)}.{rng.randint(1, 9)}-{rng.randint(100, 999)}/2021", "", "Till Kommunstyrelsen", "",
             title, "", "Beslut", rng.choice(DECISIONS).format(short=_short(body)), ""]
    return _fill(rng, pool, lines, pages, f"Beslut i detta ärende har fattats av {body.name}.")


def _protocol(rng: random.Random, pool: list[str], body: Any, pages: int) -> list[str]:
    """A protocol extract of `body`'s meeting: one § answering a remiss."""
    lines = ["Stockholms stad", f"{body.name} Protokoll nr {rng.randint(1, 12)}/2021", "",
             f"Protokoll fört vid {body.name}s sammanträde torsdagen den {rng.randint(1, 28)} oktober 2021", "",
             f"§ {rng.randint(1, 30)}", rng.choice(TITLES), f"Dnr {rng.randint(100, 999)}/2021", "", "Beslut",
             rng.choice(DECISIONS).format(short=_short(body)), ""]
    return _fill(rng, pool, lines, pages, "Paragrafen förklaras omedelbart justerad.")


def _fill(rng: random.Random, pool: list[str], lines: list[str], pages: int, closing: str) -> list[str]:
    """Sections of wrapped paragraphs until the document fills `pages` pages, then `closing`."""
    target = pages * LINES_PER_PAGE - 2
    while len(lines) < target:
        lines += [rng.choice(HEADINGS), ""]
        for paragraph in _paragraphs(rng, pool, rng.randint(1, 3)):
            lines += [*textwrap.wrap(paragraph, WRAP), ""]
    return lines[:target] + ["", closing]


def _pages(lines: list[str]) -> list[list[str]]:
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]


def _write_txt(path: Path, pages: list[list[str]]) -> None:
    path.write_text("\f".join("\n".join(page) + "\n" for page in pages), encoding="utf-8")


def _write_pdf(path: Path, pages: list[list[str]], font: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", fname=str(font))
    pdf.set_font("DejaVu", size=10)
    for page in pages:
        pdf.add_page()
        pdf.set_xy(20, 20)
        for line in page:
            if line:
                pdf.cell(0, 5.2, line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(5.2)
    pdf.output(str(path))


def _write_scan(path: Path, pages: list[list[str]], font: Path) -> None:
    """Each page drawn into a 200 dpi greyscale image, with a little noise, and placed in a PDF with no text."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw, ImageFont

    dpi = 200
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    face = ImageFont.truetype(str(font), size=int(10 / 72 * dpi))
    rng = random.Random(SEED)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for page in pages:
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        y = int(20 / 25.4 * dpi)
        for line in page:
            if line:
                draw.text((int(20 / 25.4 * dpi) + rng.randint(-2, 2), y), line, fill=rng.randint(0, 40), font=face)
            y += int(5.2 / 25.4 * dpi)
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210, h=297)
    pdf.output(str(path))


def build_folder(out: str, pages: int, ocr_pages: int) -> Metrics:
    """Write about `pages` text pages (txt and text-layer PDF) plus `ocr_pages` scanned pages into `out`."""
    from pipeline.config import load_params
    from pipeline.registry import Registry

    params = load_params()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    font = font_path()
    ocr_pages = ocr_pages if font is not None else 0  # no font: no scans (and no PDFs)
    bodies = [b for b in Registry.load(PROJECT_ROOT / params.paths.registry).bodies if b.type != "other"]
    counts = {"txt": [0, 0], "pdf": [0, 0], "scan": [0, 0]}  # documents, pages
    with Timer() as timer:
        pool = sentence_pool()
        rng = random.Random(SEED)
        written = index = 0
        while written < pages or counts["scan"][1] < ocr_pages:
            index += 1
            scan = written >= pages
            kind = "scan" if scan else ("pdf" if font and rng.random() < PDF_SHARE else "txt")
            size = min(rng.randint(1, 2), ocr_pages - counts["scan"][1]) if scan else min(rng.randint(1, 6), pages - written)
            body = rng.choice(bodies)
            make = _protocol if rng.random() < 0.35 else _letter
            document = _pages(make(rng, pool, body, size))
            name = folder / f"{index:04d}-{'protokoll' if make is _protocol else 'yttrande'}-{kind}"
            if kind == "txt":
                _write_txt(name.with_suffix(".txt"), document)
            elif kind == "pdf":
                _write_pdf(name.with_suffix(".pdf"), document, font)  # type: ignore[arg-type]
            else:
                _write_scan(name.with_suffix(".pdf"), document, font)  # type: ignore[arg-type]
            counts[kind][0] += 1
            counts[kind][1] += len(document)
            written += 0 if scan else len(document)
    size_mib = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
    return {"work_s": timer.wall, "work_cpu_s": timer.cpu, "pool_sentences": len(pool),
            "documents": sum(c[0] for c in counts.values()), "pages": sum(c[1] for c in counts.values()),
            **{f"{kind}_documents": c[0] for kind, c in counts.items()},
            **{f"{kind}_pages": c[1] for kind, c in counts.items()},
            "font": str(font) if font else None, "size_mib": round(size_mib, 1)}

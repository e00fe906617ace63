"""The web app in a real headless Chromium (Debian's, driven by Playwright): a member of staff
creates a project, drops in the seed utlåtande, a corpus letter and a broken file, runs the
analysis, filters, corrects a stance with one click, restarts the server, finds the correction
kept, and reads it back from the downloaded workbook. Screenshots are kept in the test's folder
(and in $REMISS_SCREENSHOTS when set)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest

from pipeline.config import load_params
from pipeline.errors import RemissError
from pipeline.ingest import ingest_file
from pipeline.review_sheet import CORRECTION, LABEL_ID, SHEET
from tests.conftest import ROOT, UTLATANDE

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
LETTER = ROOT / "data" / "corpus" / "kungsbacka-ks-2024-10-22-yttrande-ellevio-natutvecklingsplan.txt"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
RUN_TIMEOUT_MS = 900_000

playwright = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium missing (Debian package 'chromium')", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(data: Path, port: int) -> Iterator[str]:
    """`remiss serve` as staff start it, until the block ends."""
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port), "--data", str(data)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.extra = Path(os.environ["REMISS_SCREENSHOTS"]) if os.environ.get("REMISS_SCREENSHOTS") else None

    def take(self, page, name: str, full_page: bool = False) -> None:
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000
        if self.extra:
            self.extra.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, self.extra / path.name)


def _wait_for_run(page) -> None:
    page.wait_for_selector("#framsteg[data-active='nej'] .run-done, #framsteg[data-active='nej'] .run-failed",
                           timeout=RUN_TIMEOUT_MS)
    page.wait_for_load_state("load")
    assert page.locator(".run-status").inner_text() == "Klar", page.locator("#framsteg").inner_text()


def _cli_reason(path: Path) -> str:
    with pytest.raises(RemissError) as caught:
        ingest_file(path, load_params(ROOT / "params.yaml").ingest)
    return str(caught.value)


def test_staff_review_a_remiss_in_the_browser(tmp_path: Path, embedded_model_dir):
    data, shots = tmp_path / "data", Shots(tmp_path / "screenshots")
    broken = tmp_path / "trasig.pdf"
    broken.write_bytes(b"%PDF-1.4 not really a pdf")
    port = _free_port()
    with playwright.sync_playwright() as driver:
        # Playwright starts the browser with a new, empty profile of its own (--user-data-dir)
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        with serving(data, port) as url:
            page.goto(url)
            page.fill("#name", "Kvalitetsprogram KS 2021/866")
            page.click("form.create button")
            page.wait_for_selector("#upload")
            project_url = page.url
            # choose two files, then drop the broken one on the drop zone
            with page.expect_navigation():
                page.set_input_files("#file-input", [str(UTLATANDE), str(LETTER)])
            page.evaluate("""([name, text]) => {
                const transfer = new DataTransfer();
                transfer.items.add(new File([text], name, {type: "application/pdf"}));
                document.getElementById("upload").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
            }""", [broken.name, broken.read_text()])
            page.wait_for_selector("table.uploaded code:text('trasig.pdf')")
            assert page.locator("table.uploaded tbody tr").count() == 3
            shots.take(page, "1-uppladdat")

            page.click("#run")
            page.wait_for_selector("#framsteg[data-active='ja']")
            shots.take(page, "2-analys-pagar")
            _wait_for_run(page)
            reason = page.locator("tr.doc-row:has(code:text('trasig.pdf')) .skip-reason").inner_text()
            assert reason == _cli_reason(broken)  # the command line's own one-line reason
            assert page.locator("tr.doc-row .ok").count() == 4  # the two good files: read and split
            answers = page.locator("tr.body-row").count()
            assert answers > 25
            assert page.locator("tr.body-row:has-text('Kungsbacka')").count() >= 1
            page.locator("#resultat").scroll_into_view_if_needed()
            page.evaluate("document.getElementById('resultat').scrollIntoView()")
            shots.take(page, "3-oversikt")

            # filter: only answers with reservations
            page.select_option("select[name=stance]", "positive_with_reservations")
            with page.expect_navigation():
                page.click("#filters button")
            filtered = page.locator("tr.body-row .stance-cell .stance")
            assert 0 < filtered.count() < answers
            assert set(filtered.all_inner_texts()) == {"Positiv med reservationer"}
            assert page.locator("#row-count").inner_text().startswith(f"{filtered.count()} av {answers}")
            page.goto(project_url)

            # one click: a positive answer is in fact negative
            row = page.locator("tr.body-row:has(.stance-cell .stance-positive):has(.stance-buttons)").first
            answer = row.get_attribute("data-answer")
            body = row.locator("td.body a").inner_text()
            with page.expect_navigation():
                row.locator("button[value=negative]").click()
            corrected = page.locator(f"tr.body-row[data-answer='{answer}']")
            assert corrected.locator(".stance-cell .stance").inner_text() == "Negativ"
            assert "granskad" in corrected.inner_text()
            record = (data / "projects" / project_url.rsplit("/", 1)[1] / "out" / "corrections.csv").read_text()
            assert ",stance,negative," in record
            _wait_for_run(page)  # the correction triggers a run that applies it and learns from it

            # the answer's page: segments, the source text with the quoted lines marked
            page.click(f"tr.body-row[data-answer='{answer}'] td.body a")
            page.wait_for_selector("ol.source li.quoted")
            assert page.locator("h1").inner_text() == body
            assert page.locator("#body-stance .stance").inner_text() == "Negativ"
            shots.take(page, "4-remissinstans", full_page=True)

        with serving(data, port) as url:  # a restart keeps everything
            page.goto(project_url)
            kept = page.locator(f"tr.body-row[data-answer='{answer}']")
            assert kept.locator(".stance-cell .stance").inner_text() == "Negativ"
            with page.expect_download() as download:
                page.click("#download-workbook")
            workbook = tmp_path / "nedladdad.xlsx"
            download.value.save_as(workbook)
            report = page.request.get(f"{project_url}/rapport")
            assert report.ok and "Remissammanställning" in report.text()
        browser.close()

    sheet = openpyxl.load_workbook(workbook, read_only=True)[SHEET]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    entries = {row[header.index(LABEL_ID)]: row[header.index(CORRECTION)] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "Negativ" in {value for key, value in entries.items() if key and key.endswith("|stance")}

"""OCR of scanned pages with tesseract in Swedish, and clear errors when it is not installed."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from typing import Any

from pipeline.errors import RemissError

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


class OcrUnavailableError(RemissError):
    """A page needs OCR but tesseract, or its Swedish language data, is not installed."""

    exit_code = 12


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


def require_tesseract(name: str, page: int) -> None:
    """Raise OcrUnavailableError, naming the page and how to install, unless OCR can run."""
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


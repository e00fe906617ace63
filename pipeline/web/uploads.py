"""Uploaded files into a project, within limits; a file name is never used as a path.

What the browser sends as a name (which may be "../../x", "C:\\x", a folder path from a dropped
folder, or anything at all) only suggests the stored name: its last part, with every character
that is not a letter, digit, '-', '_' or '.' replaced, no leading dot, at most 100 characters. A
zip is unpacked here (members flattened the same way) after its directory passed the same zip-bomb
checks as a Word file (`pipeline.readers.archive`). Everything is written to a scratch folder
first and moved in only when the whole upload passed, then listed in uploads.json: a crash leaves
the project as it was. Whether a stored file is a readable document is for `remiss analyze` to
say, with the same one-line reasons as on the command line.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.config import IngestParams
from pipeline.errors import RemissError
from pipeline.readers.archive import unpack_within_limits
from pipeline.web.projects import Project, ProjectError

MAX_STORED_NAME = 100
_UNSAFE = re.compile(r"[^\w.\-]+")
_CHUNK = 2**20


@dataclass(frozen=True)
class UploadLimits:
    max_files: int = 200  # files in one upload, zip members counted
    max_file_bytes: int = 100 * 2**20  # one file, or one zip member unpacked
    max_total_bytes: int = 500 * 2**20  # one request


@dataclass
class Incoming:
    """One file as the browser sent it."""

    name: str
    stream: BinaryIO


def safe_name(sent: str) -> str:
    """A stored name made from a sent one: never a path, never hidden, never empty."""
    last = re.split(r"[/\\]", unicodedata.normalize("NFC", sent))[-1]
    cleaned = _UNSAFE.sub("_", last).strip("._ ") or "dokument"
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and len(suffix) <= 10:
        return f"{stem[: MAX_STORED_NAME - len(suffix) - 1]}.{suffix}"
    return cleaned[:MAX_STORED_NAME]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _copy_capped(stream: BinaryIO, target: Path, cap: int, sent: str) -> int:
    written = 0
    with target.open("wb") as handle:
        while chunk := stream.read(_CHUNK):
            written += len(chunk)
            if written > cap:
                raise ProjectError(f"{sent}: större än gränsen {cap // 2**20} MB per fil")
            handle.write(chunk)
    return written


def _unpack_zip(path: Path, sent: str, staging: Path, limits: UploadLimits, ingest: IngestParams) -> list[tuple[Path, str]]:
    """A zip's documents, checked like a Word file's parts, written into `staging`."""
    caps = ingest.model_copy(update={"max_archive_bytes": min(ingest.max_archive_bytes, limits.max_total_bytes)})
    try:
        with zipfile.ZipFile(path) as archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
        if len(members) > limits.max_files:
            raise ProjectError(f"{sent}: {len(members)} filer, fler än gränsen {limits.max_files}")
        contents = unpack_within_limits(path.read_bytes(), sent, caps)
    except RemissError as error:
        raise ProjectError(f"{sent}: {error}") from None
    except zipfile.BadZipFile:
        raise ProjectError(f"{sent}: zip-filen är skadad och kan inte packas upp") from None
    found = []
    for member, content in contents.items():
        last = member.replace("\\", "/").split("/")[-1]
        if member.startswith("__MACOSX/") or not last or last.startswith("."):
            continue
        if len(content) > limits.max_file_bytes:
            raise ProjectError(f"{sent}: {last} är större än gränsen {limits.max_file_bytes // 2**20} MB per fil")
        target = staging / f"{len(found):05d}"
        target.write_bytes(content)
        found.append((target, last))
    return found


def add_files(project: Project, incoming: list[Incoming], scratch: Path, limits: UploadLimits,
              ingest: IngestParams) -> list[dict]:
    """Store an upload in the project; return one line per file (what became of it). The whole
    upload is refused (ProjectError, nothing stored) when a limit is passed."""
    try:
        if len(incoming) > limits.max_files:
            raise ProjectError(f"{len(incoming)} filer på en gång, fler än gränsen {limits.max_files}")
        received: list[tuple[Path, str]] = []
        total = 0
        for number, item in enumerate(incoming):
            raw = scratch / f"in-{number:05d}"
            total += _copy_capped(item.stream, raw, limits.max_file_bytes, item.name)
            if total > limits.max_total_bytes:
                raise ProjectError(f"uppladdningen är större än gränsen {limits.max_total_bytes // 2**20} MB")
            if safe_name(item.name).lower().endswith(".zip"):
                unpacked = scratch / f"zip-{number:05d}"
                unpacked.mkdir()
                received += _unpack_zip(raw, item.name, unpacked, limits, ingest)
            else:
                received.append((raw, item.name))
        if len(received) > limits.max_files:
            raise ProjectError(f"{len(received)} filer, fler än gränsen {limits.max_files}")
        return _move_in(project, received)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _move_in(project: Project, received: list[tuple[Path, str]]) -> list[dict]:
    listing = {f["stored"]: f for f in project.files()}
    report = []
    for path, sent in received:
        stored = safe_name(sent)
        digest = _sha256(path)
        if stored in listing and listing[stored]["sha256"] == digest:
            report.append({"stored": stored, "sent": sent, "status": "finns redan"})
            continue
        status = "ersatt" if stored in listing else "tillagd"
        path.replace(project.uploads / stored)
        listing[stored] = {"stored": stored, "sent": sent, "bytes": (project.uploads / stored).stat().st_size,
                           "sha256": digest}
        report.append({"stored": stored, "sent": sent, "status": status})
    project.set_files(sorted(listing.values(), key=lambda f: f["stored"].casefold()))
    return report


def remove_file(project: Project, stored: str) -> None:
    files = project.files()
    if stored not in {f["stored"] for f in files}:
        raise ProjectError("Filen finns inte i remissen.")
    project.set_files([f for f in files if f["stored"] != stored])
    (project.uploads / stored).unlink(missing_ok=True)


def orphaned(project: Project) -> list[Path]:
    """Files in uploads/ that uploads.json does not list (a crash between move and listing)."""
    listed = {f["stored"] for f in project.files()}
    return [p for p in project.uploads.iterdir() if p.name not in listed]

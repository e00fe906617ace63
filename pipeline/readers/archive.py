"""Unpacking a ZIP-based document (DOCX) within limits: a zip bomb is refused, never inflated.

Before anything is inflated, the central directory is checked: the total unpacked size against
ingest.max_archive_bytes and each large part's compression ratio against
ingest.max_compression_ratio (XML packs 5-30 times; a bomb thousands of times). The directory can
lie, so every part is then inflated here (not by zipfile or python-docx) in bounded chunks, with
a hard cap: a part that yields more bytes than it declares is refused mid-stream. As the declared
sizes add up to at most max_archive_bytes, that is also a cap on the bytes actually produced. Only
what Word writes is accepted: stored or deflated, unencrypted parts.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from pipeline.config import IngestParams
from pipeline.errors import ArchiveTooLargeError, NotTextError, ZipBombError

RATIO_CHECK_MIN_BYTES = 2**20
"""Parts smaller than this (unpacked) are not ratio-checked: a small part is harmless however well it packs."""
_CHUNK = 2**20  # compressed bytes fed to the inflater at a time
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature … file name length, extra field length
_LOCAL_SIGNATURE = b"PK\x03\x04"
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def _too_large(name: str, size: str, cap: int) -> ArchiveTooLargeError:
    return ArchiveTooLargeError(
        f"{name} {size}, more than ingest.max_archive_bytes ({cap:,}); raise it in params.yaml to read this file"
    )


def too_large_on_disk(path: Path, limits: IngestParams) -> None:
    """Refuse, before loading it, an archive whose packed size alone passes the unpacked cap."""
    size = path.stat().st_size
    if size > limits.max_archive_bytes:
        raise _too_large(path.name, f"is {size:,} bytes on disk", limits.max_archive_bytes)


def check_directory(parts: list[zipfile.ZipInfo], name: str, limits: IngestParams) -> None:
    """Refuse, from the declared sizes alone, an archive that is a zip bomb or unpacks too large."""
    for info in parts:
        if info.file_size < RATIO_CHECK_MIN_BYTES:
            continue
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise ZipBombError(
                f"{name}: part {info.filename} would unpack to {ratio:,.0f} times its packed size "
                f"({info.file_size:,} bytes), more than ingest.max_compression_ratio "
                f"({limits.max_compression_ratio:g}); refused as a possible zip bomb (raise the cap in "
                "params.yaml if the file is genuine)"
            )
    total = sum(info.file_size for info in parts)
    if total > limits.max_archive_bytes:
        raise _too_large(name, f"would unpack to {total:,} bytes", limits.max_archive_bytes)


def _packed_bytes(data: memoryview, info: zipfile.ZipInfo, name: str) -> memoryview:
    """The compressed bytes of one part, located through its local header."""
    if info.flag_bits & 0x1:
        raise NotTextError(f"{name} has encrypted parts; save an unprotected .docx copy")
    if info.compress_type not in _METHODS:
        raise NotTextError(
            f"{name} uses a ZIP compression method Word never writes ({info.compress_type}); it may be damaged "
            "or not a Word document"
        )
    offset = info.header_offset
    header = bytes(data[offset : offset + _LOCAL_HEADER.size])
    if len(header) < _LOCAL_HEADER.size or not header.startswith(_LOCAL_SIGNATURE):
        raise NotTextError(f"{name} is a damaged Word document that cannot be read (bad ZIP entry {info.filename})")
    *_, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    start = offset + _LOCAL_HEADER.size + name_length + extra_length
    packed = data[start : start + info.compress_size]
    if len(packed) < info.compress_size:
        raise NotTextError(f"{name} is a damaged Word document that cannot be read (truncated ZIP entry {info.filename})")
    return packed


def _inflate(packed: memoryview, info: zipfile.ZipInfo, name: str) -> bytes:
    """Unpack one part, never producing more than the size it declares (plus one byte, to know)."""
    if info.compress_type == zipfile.ZIP_STORED:
        if len(packed) > info.file_size:
            raise _lies(name, info)
        content = bytes(packed)
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pieces: list[bytes] = []
        produced = 0
        for offset in range(0, len(packed), _CHUNK):
            pending: bytes | memoryview = packed[offset : offset + _CHUNK]
            while pending and not inflater.eof:
                piece = inflater.decompress(pending, info.file_size - produced + 1)
                produced += len(piece)
                if produced > info.file_size:
                    raise _lies(name, info)
                pieces.append(piece)
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        if not inflater.eof:
            raise NotTextError(f"{name} is a damaged Word document that cannot be read (truncated part {info.filename})")
        content = b"".join(pieces)
    if zlib.crc32(content) != info.CRC:
        raise NotTextError(f"{name} is a damaged Word document that cannot be read (bad checksum in {info.filename})")
    return content


def _lies(name: str, info: zipfile.ZipInfo) -> ZipBombError:
    return ZipBombError(
        f"{name}: part {info.filename} unpacks to more than the {info.file_size:,} bytes it declares; "
        "refused as a damaged file or a zip bomb"
    )


def unpack_within_limits(data: bytes, name: str, limits: IngestParams) -> dict[str, bytes]:
    """Every part of a ZIP archive, by name, checked and inflated within the limits.

    The directory's sizes are checked first (`check_directory`); then no part may unpack to more
    than it declares, so the bytes actually produced never exceed max_archive_bytes, whatever the
    archive claims. Raises ZipBombError, ArchiveTooLargeError or NotTextError; zipfile's own errors
    (not a ZIP at all) pass through for the caller to report as a damaged file.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [info for info in archive.infolist() if not info.is_dir()]
    check_directory(parts, name, limits)
    view = memoryview(data)
    return {info.filename: _inflate(_packed_bytes(view, info, name), info, name) for info in parts}


def repack(contents: dict[str, bytes]) -> io.BytesIO:
    """The checked parts as an uncompressed in-memory ZIP, for a library that opens packages itself."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for member, content in contents.items():
            archive.writestr(member, content)
    buffer.seek(0)
    return buffer

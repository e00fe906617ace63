"""Errors a user can act on, each with its own exit code, and the wrapper that reports them.

Staff run this tool on their own files; a traceback tells them nothing. Every expected failure is a
`RemissError` subclass with a one-line message and a distinct exit code (listed in the README).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer


class RemissError(Exception):
    """Base class: an expected failure with a one-line message for the user."""

    exit_code = 1


class InputNotFoundError(RemissError):
    exit_code = 2


class EmptyInputError(RemissError):
    exit_code = 3


class NotTextError(RemissError):
    """The file is binary junk, encrypted or otherwise unreadable as a document."""

    exit_code = 4


class UnsupportedFormatError(RemissError):
    exit_code = 5


class NoBodyFoundError(RemissError):
    """No answering body (nämnd, bolag, …) could be found in the document."""

    exit_code = 6


class NotSwedishError(RemissError):
    exit_code = 7


class OutputNotWritableError(RemissError):
    exit_code = 8


class ConfigError(RemissError):
    """params.yaml or the registry is invalid."""

    exit_code = 9


class ModelUnavailableError(RemissError):
    exit_code = 10


# Refusals of inputs that would exhaust memory or time (limits in params.yaml's `ingest` section).
# Codes 11 (SchemaError, pipeline/schemas.py) and 12 (OcrUnavailableError, pipeline/readers) are
# defined next to their causes.


class ArchiveTooLargeError(RemissError):
    """A DOCX (ZIP) would unpack to more bytes than ingest.max_archive_bytes, or is that large on disk."""

    exit_code = 13


class ZipBombError(RemissError):
    """A DOCX member is packed tighter than ingest.max_compression_ratio, or unpacks to more than it declares."""

    exit_code = 14


class TooManyPagesError(RemissError):
    """A PDF has more pages than ingest.max_pages."""

    exit_code = 15


class DocumentTooLongError(RemissError):
    """A document has more characters of text than ingest.max_document_chars."""

    exit_code = 16


P = ParamSpec("P")
R = TypeVar("R")


def report_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a `RemissError` into one line on stderr and its exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except RemissError as error:
            print(f"remiss: error: {error}", file=sys.stderr)
            raise SystemExit(error.exit_code) from None

    return wrapper


def settle_failures(failures: list[tuple[str, RemissError]], succeeded: int) -> None:
    """Report inputs that were skipped, or raise when not a single input could be processed."""
    if succeeded == 0:
        if not failures:
            raise InputNotFoundError("no input files found")
        first = failures[0][1]
        if len(failures) == 1:
            raise first
        raise type(first)(f"none of the {len(failures)} inputs could be processed (first: {first})")
    for _, error in failures:
        typer.echo(f"remiss: skipped: {error}", err=True)

"""Vocabulary files (data/vocabulary/*.yaml): loaded, checked and compiled the same way for every
stage, so a phrase list is data a user can extend, and a bad pattern is a one-line error."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from pipeline.errors import ConfigError

VOCABULARY_DIR = Path(__file__).resolve().parents[1] / "data" / "vocabulary"


def load_vocabulary(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(f"vocabulary file not found: {path}") from None
    except (yaml.YAMLError, ValidationError) as error:
        raise ConfigError(f"vocabulary file {path} is invalid: {str(error).splitlines()[0]}") from None


def any_of(patterns: list[str]) -> re.Pattern[str]:
    """One regex that matches when any of the patterns does."""
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else re.compile(r"(?!x)x")


def check_patterns(value: object, path: Path) -> None:
    """Every string in a vocabulary file must compile: a bad pattern is a one-line error."""
    if isinstance(value, dict):
        for item in value.values():
            check_patterns(item, path)
    elif isinstance(value, list):
        for item in value:
            check_patterns(item, path)
    elif isinstance(value, str):
        try:
            re.compile(value)
        except re.error as error:
            raise ConfigError(f"vocabulary file {path}: bad pattern {value!r}: {error}") from None

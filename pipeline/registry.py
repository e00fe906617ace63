"""The registry of bodies: canonical names, types and every form in which a name appears in text.

The data lives in `data/registry/bodies.yaml` so that staff can add a body or an alias without
touching code. Inflections (definite/indefinite, genitive, missing genitive s, förvaltning names of
stadsdelsnämnder) are generated here, once, and every lookup goes through `match_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from rapidfuzz import fuzz, process

from pipeline.errors import ConfigError
from pipeline.textutil import match_key

BodyType = Literal["facknämnd", "stadsdelsnämnd", "bolag", "other"]
BODY_TYPES: tuple[str, ...] = ("facknämnd", "stadsdelsnämnd", "bolag", "other")
MAX_NAME_WORDS = 8


class BodyEntry(BaseModel):
    """One body as written in the registry file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: BodyType
    aliases: list[str] = []
    district: str | None = None
    parent: str | None = None


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bodies: list[BodyEntry]


@dataclass(frozen=True)
class Body:
    """A body as the pipeline reports it; `known` is False for names not in the registry."""

    name: str
    type: str
    parent: str | None = None
    known: bool = True


def guess_body_type(name: str) -> str:
    """Type of a body that is not in the registry, read from its name."""
    key = match_key(name)
    if key.endswith(("stadsdelsnamnd", "stadsdelsnamnden")):
        return "stadsdelsnämnd"
    if re.search(r"(^ab | ab$|aktiebolag)", key):
        return "bolag"
    if re.search(r"namnd(en)?$", key):
        return "facknämnd"
    return "other"


def unknown_body(name: str) -> Body:
    """A body named in the text but missing from the registry: kept, never dropped."""
    name = re.sub(r"\s+", " ", name).strip(" ,.:;")
    name = name[:1].upper() + name[1:]
    return Body(name=name, type=guess_body_type(name), known=False)


def _inflections(name: str) -> set[str]:
    """Definite/indefinite and genitive forms of a name: 'Socialnämnden' -> 'Socialnämnd', …"""
    forms = {name}
    if re.search(r"\w{3,}(en|et)$", name) and not name.endswith(("AB", "arna")):
        forms.add(name[:-2])  # Socialnämnden -> Socialnämnd, Exploateringskontoret -> -kontor
    if re.search(r"\w{3,}(nämnd|förvaltning|kontor|styrelse)$", name):
        forms.add(name + ("t" if name.endswith("kontor") else "n" if name.endswith("e") else "en"))
    genitives = set()
    for form in forms:
        if form.endswith("AB") or re.search(r"[A-ZÅÄÖ]{2,}$", form):
            genitives.add(form + ":s")
        if not form.endswith(("s", "x", "z")):
            genitives.add(form + "s")
    return forms | genitives


def _district_forms(district: str) -> set[str]:
    """Every way a stadsdelsnämnd or its förvaltning is written: 'Norrmalm stadsdelsnämnd', …"""
    forms: set[str] = set()
    genitive = "" if district.endswith("s") else "s"
    for owner in (district, district + genitive):
        for noun in ("stadsdelsnämnd", "stadsdelsförvaltning", "sdn", "sdf"):
            forms |= _inflections(f"{owner} {noun}")
    for noun in ("stadsdelsnämnden", "stadsdelsförvaltningen", "sdn"):
        forms.add(f"{noun} i {district}")
    return forms


@dataclass
class Registry:
    """Lookup from any written form of a body's name to its canonical `Body`."""

    bodies: list[Body]
    _index: dict[str, Body] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            entries = RegistryFile.model_validate(raw).bodies
        except FileNotFoundError:
            raise ConfigError(f"body registry not found: {path}") from None
        except (yaml.YAMLError, ValidationError) as error:
            first = str(error).splitlines()[0]
            raise ConfigError(f"body registry {path} is invalid: {first}") from None
        return cls.from_entries(entries)

    @classmethod
    def from_entries(cls, entries: list[BodyEntry]) -> Registry:
        registry = cls(bodies=[])
        for entry in entries:
            body = Body(name=entry.name, type=entry.type, parent=entry.parent)
            registry.bodies.append(body)
            forms = _inflections(entry.name)
            for alias in entry.aliases:
                forms |= _inflections(alias)
            if entry.district:
                forms |= _district_forms(entry.district)
            for form in forms:
                key = match_key(form)
                previous = registry._index.get(key)
                if previous is not None and previous.name != body.name:
                    raise ConfigError(f"registry: '{form}' names both {previous.name} and {body.name}")
                registry._index[key] = body
        return registry

    def lookup(self, name: str) -> Body | None:
        """The body whose name (in any generated form) is exactly `name`, or None."""
        return self._index.get(match_key(name))

    def lookup_fuzzy(self, name: str, min_score: float = 90.0) -> Body | None:
        """Like `lookup`, but tolerant of OCR damage ('Norrmalms stadsdelsnimnd')."""
        exact = self.lookup(name)
        if exact is not None:
            return exact
        key = match_key(name)
        if len(key) < 6:
            return None
        best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=min_score)
        return self._index[best[0]] if best else None

    def match_prefix(self, text: str) -> tuple[Body, int] | None:
        """The body named at the very start of `text`, with the number of key words it used."""
        words = match_key(text).split(" ")
        for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            body = self._index.get(" ".join(words[:size]))
            if body is not None:
                return body, size
        return None

    def find_in(self, text: str, min_score: float = 90.0) -> Body | None:
        """The best-matching body named anywhere in a short text such as a protocol header."""
        key = match_key(text)
        best: tuple[float, int, Body] | None = None
        for alias_key, body in self._index.items():
            if len(alias_key) < 8:
                continue
            score = fuzz.partial_ratio(alias_key, key) if len(key) >= len(alias_key) else 0.0
            if score >= min_score and (best is None or (score, len(alias_key)) > best[:2]):
                best = (score, len(alias_key), body)
        return best[2] if best else None

    def by_name(self, name: str) -> Body | None:
        return next((body for body in self.bodies if body.name == name), None)

    @cached_property
    def _keys(self) -> list[str]:
        return sorted(self._index)

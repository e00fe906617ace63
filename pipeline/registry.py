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

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from rapidfuzz import fuzz, process

from pipeline.errors import ConfigError
from pipeline.labels import BODY_TYPES
from pipeline.textutil import match_key

MAX_NAME_WORDS = 8


class BodyEntry(BaseModel):
    """One body as written in the registry file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: str
    aliases: list[str] = []
    district: str | None = None
    parent: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in BODY_TYPES:
            raise ValueError(f"'{value}' is not one of: {', '.join(BODY_TYPES)}")
        return value


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = ""
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
    organisation: str = ""  # the legal entity the bodies belong to ("Stockholms stad")

    @classmethod
    def load(cls, path: Path) -> Registry:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            parsed = RegistryFile.model_validate(raw)
        except FileNotFoundError:
            raise ConfigError(f"body registry not found: {path}") from None
        except (yaml.YAMLError, ValidationError) as error:
            first = str(error).splitlines()[0]
            raise ConfigError(f"body registry {path} is invalid: {first}") from None
        return cls.from_entries(parsed.bodies, parsed.organisation)

    @classmethod
    def from_entries(cls, entries: list[BodyEntry], organisation: str = "") -> Registry:
        registry = cls(bodies=[], organisation=organisation)
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
        """A body named in a short text such as a protocol header, exactly or, word for word, tolerant of
        OCR damage ('Stockholms Norrmalms stadsdelsnimnd Protokoll'); never a partial match of letters
        ('… stadshus' is not Stockholms Stadshus AB)."""
        exact = self.find_exact(text)
        if exact is not None:
            return exact
        words = text.split()
        for size in range(min(4, len(words)), 1, -1):
            for start in range(len(words) - size + 1):
                body = self.lookup_fuzzy(" ".join(words[start : start + size]), min_score)
                if body is not None:
                    return body
        return None

    def find_exact(self, text: str) -> Body | None:
        """The longest body named, exactly or in a generated form, anywhere in a short text."""
        words = match_key(text).split(" ")
        for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                body = self._index.get(" ".join(words[start : start + size]))
                if body is not None:
                    return body
        return None

    def by_name(self, name: str) -> Body | None:
        return next((body for body in self.bodies if body.name == name), None)

    @cached_property
    def _keys(self) -> list[str]:
        return sorted(self._index)

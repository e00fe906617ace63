"""Organisation and body names recognised by their form, outside any registry.

"Kungsbacka kommun", "Region Halland", "Länsstyrelsen i Hallands län", "Ellevio AB",
"Naturskyddsföreningen", "Nämnden för Vård & Omsorg": the patterns are in
data/vocabulary/organisations.yaml. Nothing here is fuzzy: a name is read as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.segment.vocabulary import organisation_vocabulary
from pipeline.textutil import squash_spaces


@dataclass(frozen=True)
class Name:
    text: str
    type: str
    start: int
    end: int


def normal_case(text: str) -> str:
    """A line in capitals in normal case ('KUNGSBACKA KOMMUN' -> 'Kungsbacka kommun'), so names match as in running text."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        words = []
        for word in text.split(" "):
            is_acronym = len(word) <= 3 and word.isalpha() and word.upper() in {"AB", "HB", "KB"}
            words.append(word if is_acronym else word[:1].upper() + word[1:].lower())
        text = " ".join(words)
        text = re.sub(r"\b(Kommun|Stad|Län|Landsting)\b", lambda m: m.group(1).lower(), text)
    return text


_LEFT_EDGE = r"(?<![\wåäöÅÄÖ-])"


@cache
def _organisation_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(kind.type, re.compile(_LEFT_EDGE + p)) for kind in organisation_vocabulary().organisations
            for p in kind.patterns]


@cache
def _body_patterns() -> list[re.Pattern[str]]:
    return [re.compile(_LEFT_EDGE + p) for p in organisation_vocabulary().bodies]


_BODY_WORD = re.compile(
    r"^(?:(?!fakultets)\w*nämnd(?:en)?|(?:kommun|region|förbunds|bolags|koncern)?styrelsen?|\w*fullmäktige|"
    r"\w*utskott(?:et)?|\w*förvaltning(?:en)?|\w*kontoret)s?$",
    re.IGNORECASE,
)


def columns(text: str) -> list[str]:
    """A letterhead line is often two columns ('Kommunstyrelsen      Kungsbacka kommun')."""
    return [squash_spaces(part) for part in re.split(r"\s{3,}|\t", text) if part.strip()]


def find_organisations(text: str) -> list[Name]:
    """Organisations named in a line, left to right, overlaps resolved in favour of the longer."""
    found: list[Name] = []
    offset = 0
    for column in columns(text):
        found += [Name(n.text, n.type, n.start + offset, n.end + offset) for n in _find_in_column(column)]
        offset += len(column) + 3
    return found


def _find_in_column(text: str) -> list[Name]:
    text = normal_case(text)
    found: list[Name] = []
    for kind, pattern in _organisation_patterns():
        for match in pattern.finditer(text):
            name = squash_spaces(match.group("name")).strip(" ,.:;")
            start = match.start("name")
            words = name.split()
            while kind == "kommun" and len(words) > 2 and _BODY_WORD.match(words[0]):
                start += len(words[0]) + 1  # 'Kommunstyrelsen Kungsbacka kommun': a footer, body then organisation
                words = words[1:]
            name = " ".join(words)
            if len(name) < 3 or _is_body_name(name) or name.split()[0].lower() in _NOT_STARTS:
                continue
            found.append(Name(name, kind, start, start + len(name)))
    return non_overlapping(found)


def non_overlapping(names: list[Name]) -> list[Name]:
    """Left to right; where two names overlap, the one that starts first (then the longer) wins."""
    kept: list[Name] = []
    for name in sorted(names, key=lambda n: (n.start, -(n.end - n.start))):
        if not kept or name.start >= kept[-1].end:
            kept.append(name)
    return kept


_NOT_STARTS = {"den", "det", "de", "en", "ett", "i", "om", "för", "till", "vid", "från", "och", "att", "som", "samt",
               "hela", "varje", "denna", "detta", "egen", "vår", "er", "vilken", "alla", "flera", "många", "ny", "nya"}


def _is_body_name(name: str) -> bool:
    """'Kommunstyrelsen' and 'Miljönämnden' name a body inside an organisation, not one of their own."""
    return bool(_BODY_WORD.match(name.split()[-1])) and not name.startswith(("Statens", "Sveriges"))


def find_body(text: str) -> str | None:
    """A body (nämnd, styrelse, utskott, förvaltning) named in a short line, as written."""
    for column in columns(text):
        column = normal_case(column)
        for pattern in _body_patterns():
            match = pattern.search(column)
            if match:
                name = squash_spaces(match.group("name")).strip(" ,.:;")
                return name[:1].upper() + name[1:]
    return None


def base_form(name: str) -> str:
    """'Kommunstyrelsens' -> 'Kommunstyrelsen', 'Hallands läns' -> 'Hallands län' (a genitive -s)."""
    name = name.strip(" ,.:;")
    if name.endswith(":s"):
        return name[:-2]
    if re.search(r"(?:en|ets|ns|läns|kommuns|nämnds|styrelses|verkets|AB:s)$", name) and name.endswith("s"):
        return name[:-1]
    return name


def parent_body(body: str) -> str:
    """The body an utskott or förvaltning works for: 'Kommunstyrelsens arbetsutskott' -> 'Kommunstyrelsen'."""
    match = re.match(r"^(.+?)s (?:arbetsutskott|personalutskott|planeringsutskott|förvaltning)$", body)
    return match.group(1) if match else body

"""Political parties in protocol text: the letters after a name ('Anna A (S)') and the parties a
short statement joins ('… instämde i särskilt uttalande från Socialdemokraterna').

Used by segmentation (who wrote a statement) and by classification (whose stance a joining
statement takes), so both read parties the same way.
"""

from __future__ import annotations

import re

from pipeline.labels import PARTY_CODES
from pipeline.textutil import fold

_PARTY = re.compile(r"\((?:båda|bada|alla|samtliga)?\s*([A-ZÅÄÖ][A-Za-zåäö]{0,3})\)", re.IGNORECASE)
_KNOWN_LETTERS = {code.upper() for code in PARTY_CODES}
# Folded stems of party names as protocols write them ("Socialdemokraterna", "socialdemokratiska").
_NAME_STEMS = {
    "socialdemokrat": "S", "vansterpartiet": "V", "moderat": "M", "liberal": "L", "centerpartiet": "C",
    "miljopartiet": "MP", "kristdemokrat": "KD", "sverigedemokrat": "SD", "feministiskt initiativ": "Fi",
}
_ENDORSES = re.compile(r"(?:instamde i|instammer i|stallt mig bakom|staller mig bakom|stallt oss bakom|med hanvisning till)(.*)")


def parse_parties(author: str) -> str:
    """Party letters named in an author phrase: 'Anna A (S) och Bo B m.fl. (V)' -> 'S|V'."""
    parties: list[str] = []
    for match in _PARTY.finditer(author):
        letters = match.group(1).upper()
        party = "Fi" if letters == "FI" else letters
        if (letters in _KNOWN_LETTERS or len(letters) <= 2) and party not in parties:
            parties.append(party)
    return "|".join(parties)


def endorsed_parties(text: str) -> set[str]:
    """Parties whose statement a short statement joins: '… som instämde i särskilt uttalande från
    Socialdemokraterna och Vänsterpartiet' -> {'S', 'V'}."""
    match = _ENDORSES.search(fold(text))
    if not match:
        return set()
    tail = match.group(1)
    found = {letter for name, letter in _NAME_STEMS.items() if name in tail}
    found |= set(parse_parties(text[len(text) - len(tail):]).split("|")) - {""}
    return found

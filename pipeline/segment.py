"""Stage 2, segment: split each document into per-body answers with typed sections.

The structure is read from the text, never from line numbers or this city's order of bodies:

* A compiled utlåtande has a *Beredning* list of consulted bodies with a summary paragraph per
  body, a *Remissammanställning* in which each body's heading opens its decision, references to
  party statements ("…, bilaga 1") and its administration's tjänsteutlåtande, and an appendix
  *Reservationer m.m.* with the statements' full text, grouped under body headings.
* A nämnd protocol (§, Beslut, Sammanfattning, Särskilt uttalande, …) or a single remissvar is one
  body's answer, sectioned by its headings.

Every non-blank line belongs to exactly one segment: what is not a body's answer is `other` text of
the body it belongs to (front matter and the city's own texts go to Kommunstyrelsen).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import typer
from rapidfuzz import fuzz

from pipeline import schemas
from pipeline.config import SegmentParams, load_params
from pipeline.errors import InputNotFoundError, NoBodyFoundError, RemissError, report_errors
from pipeline.ingest import settle_failures
from pipeline.io import write_table
from pipeline.registry import Body, Registry, unknown_body
from pipeline.textutil import fold, join_lines, match_key, squash_spaces

REMITTING_BODY = "Kommunstyrelsen"

# Cue phrases of the genre, matched on folded text (lower case, å/ä/ö -> a/a/o).
_STATEMENT_START = re.compile(
    r"^(?P<kind>reservation(?:er)?|sarskil(?:t|da) uttalanden?|ersattaryttranden?|protokollsanteckning(?:ar)?)\b"
)
_STATEMENT_KINDS = {
    "reservation": "reservation",
    "sarskil": "party_statement",
    "protokollsanteckning": "party_statement",
    "ersattaryttrande": "ersattaryttrande",
}
_ANSWER_WORD = re.compile(r"^[^.]{0,90}?\b(?:tjansteutlatande|yttrande|skrivelse|remissvar|remissyttrande)\b")
_ANSWER_INTRO = re.compile(
    r"^[^.]{0,90}?\b(?:tjansteutlatande|yttrande|skrivelse|remissvar|remissyttrande)\b[^.]{0,40}?"
    r"\b(?:daterat|daterad|har i huvudsak|har foljande lydelse|i huvudsak foljande)"
)
_ABBREVIATION_END = re.compile(r"\b(?:m\.\s?fl|bl\.\s?a|t\.\s?ex|s\.\s?k|dvs|resp|jfr|inkl|ca|nr|enl)\.\s*$", re.IGNORECASE)


def ends_sentence(text: str) -> bool:
    """A line that closes a sentence ('… remissen.'), not one ending in 'm.fl.' or 'bl.a.'."""
    text = text.rstrip()
    return text.endswith((".", ":", "!", "?")) and not _ABBREVIATION_END.search(text)
_SUBSIDIARY_ANSWER = re.compile(r"^(?P<name>.{2,80}?)\s+remissvar\s+har\s+i\s+huvudsak", re.IGNORECASE)
_DECISION_CUE = re.compile(r"\b(beslutade|beslutat|beslutar|sammantrade|sammantradet)\b")
_CITY_PROCEDURE = re.compile(
    r"^(?:(?:kommunstyrelsen|borgarradsberedningen|kommunfullmaktige)\s+(?:delar|foreslar|beslutar|tillstyrker|har)\b"
    r"|stockholm den \d|pa kommunstyrelsens vagnar|foredragande borgarradet|bilagor$|mina synpunkter$)"
)
_DECLINED = re.compile(
    r"(?P<who>[^.]{3,400}?)\s+(?:har\s+)?(?:avstatt|avstar)\s+(?:fran\s+)?att\s+(?:svara|yttra|besvara|lamna)",
)
_CONSULTED = re.compile(r"\bremitter\w*\s+(?:vidare\s+)?till\s+(?P<list>.+?)\.(?:\s|$)")
_ENDORSED = re.compile(
    r"(?:staller sig bakom|tillstyrker|stodjer|instammer|har inga (?:synpunkter|invandningar))"
)
_PARTY = re.compile(r"\((?:båda|bada|alla|samtliga)?\s*([A-ZÅÄÖ][A-Za-zåäö]{0,3})\)", re.IGNORECASE)
_PARTIES = {"S", "V", "M", "L", "C", "MP", "KD", "SD", "FI"}
_ROLE_WORDS = re.compile(
    r"\b(?:vice\s+)?(?:ordf\w{0,2}randen|ledam\w{0,2}ter(?:na)?|ledamoten|ers\w{0,2}ttaren|"
    r"tjanstgorande|borgarr\w{0,2}d(?:et|en)|gruppledaren|ledamot)\b\s*",
    re.IGNORECASE,
)

_ORGANISATION = (
    r"^(.{2,60}?(?:nämnd|nämnden|styrelse|styrelsen|AB|kommun|region|myndighet|myndigheten|verket|förbund|"
    r"förbundet|inspektionen|kollegiet|rådet|länsstyrelsen|universitet|domstol|kommunförbund))\b"
)
_TITLE_WORD = re.compile(r"^(?:remissvar|remissyttrande|yttrande|svar|datum|dnr|diarienummer|er referens|var referens|sida|protokoll|tjansteutlatande)\b")
_FUNCTION_WORDS = frozenset("det den detta denna de dessa vi jag ni han hon har i en ett om pa for med som att och men".split())
_DECISION_SENTENCE = re.compile(
    r"^(?:beslut i (?:detta|det har) arende har fattats av|detta (?:yttrande|remissvar) har beslutats av|"
    r"(?:namnden|styrelsen|forvaltningen) beslutar\b|(?:namnden|styrelsen) beslutade\b)"
)

# Section headings of protocols and single remissvar (folded), mapped to section kinds.
_PROTOCOL_HEADINGS = {
    "beslut": "decision",
    "namndens beslut": "decision",
    "styrelsens beslut": "decision",
    "forslag till beslut": "decision",
    "beslutsgang": "decision",
    "yrkanden": "decision",
    "propositionsordning": "decision",
    "sammanfattning": "tjansteutlatande",
    "arendet": "tjansteutlatande",
    "bakgrund": "tjansteutlatande",
    "forvaltningens synpunkter": "tjansteutlatande",
    "synpunkter": "tjansteutlatande",
    "stallningstaganden": "tjansteutlatande",
    "sarskilt uttalande": "party_statement",
    "sarskilda uttalanden": "party_statement",
    "protokollsanteckning": "party_statement",
    "reservation": "reservation",
    "reservationer": "reservation",
    "ersattaryttrande": "ersattaryttrande",
    "handlingar i arendet": "other",
    "bilagor": "other",
    "bilaga": "other",
    "justering": "other",
}


@dataclass(frozen=True)
class StatementHeader:
    """'Särskilt uttalande gjordes av Anna A m.fl. (S) enligt följande.' and its variants."""

    kind: str
    author: str
    parties: str
    last_index: int
    is_reference: bool  # "…, bilaga 1": the text is elsewhere in the document


@dataclass(frozen=True)
class Boundary:
    """Where a segment starts, and whose text of which kind it is."""

    index: int
    body: Body
    section: str
    author: str = ""
    parties: str = ""
    forwarded_by: str = ""
    zone: str = ""


@dataclass(frozen=True)
class Reference:
    body: Body
    kind: str
    author: str
    parties: str
    index: int


@dataclass
class BodyFacts:
    """What the document says about one consulted body, beyond its segments."""

    body: Body
    role: str
    order: int
    forwarded_by: str = ""
    declined_at: int | None = None
    endorsed_at: int | None = None


@dataclass
class Segmentation:
    segments: pd.DataFrame
    bodies: pd.DataFrame
    links: pd.DataFrame


def parse_parties(author: str) -> str:
    """Party letters named in an author phrase: 'Anna A (S) och Bo B m.fl. (V)' -> 'S|V'."""
    parties: list[str] = []
    for match in _PARTY.finditer(author):
        letters = match.group(1).upper()
        party = "Fi" if letters == "FI" else letters
        if (letters in _PARTIES or len(letters) <= 2) and party not in parties:
            parties.append(party)
    return "|".join(parties)


def clean_author(phrase: str) -> str:
    """The people of an author phrase, without roles: 'Vice ordföranden Ulla S (S) och …'."""
    phrase = squash_spaces(phrase)
    if ")" in phrase:
        phrase = phrase[: phrase.rfind(")") + 1]
    phrase = _ROLE_WORDS.sub("", phrase)
    return squash_spaces(phrase).strip(" ,.:")


def split_name_list(text: str, is_name: Callable[[str], bool] = lambda _: False) -> list[str]:
    """'a, b, miljö- och hälsoskyddsnämnden och c' -> ['a', 'b', 'miljö- och hälsoskyddsnämnden', 'c'].

    A part that `is_name` recognises as a whole is never split on its 'och' ('Stockholm Vatten och
    Avfall AB'); 'miljö- och' (a hyphen before 'och') never splits either.
    """
    items: list[str] = []
    for part in re.split(r",\s*", text):
        part = squash_spaces(part)
        if is_name(part):
            items.append(part)
            continue
        pieces = [p for p in re.split(r"(?<![-–])\s+(?:och|samt)\s+", part) if p.strip()]
        start = 0
        while start < len(pieces):
            # the longest run of pieces that is one name: 'Stockholm Vatten' + 'Avfall AB'
            stop = next(
                (end for end in range(len(pieces), start + 1, -1) if is_name(" och ".join(pieces[start:end]))),
                start + 1,
            )
            items.append(" och ".join(pieces[start:stop]))
            start = stop
    return [squash_spaces(item) for item in items]


class DocumentSegmenter:
    """Segments one document (its lines table) against the registry."""

    def __init__(self, lines: pd.DataFrame, registry: Registry, params: SegmentParams) -> None:
        self.doc = str(lines["doc"].iloc[0])
        self.numbers = lines["line"].tolist()
        self.texts = lines["text"].tolist()
        self.kinds = lines["kind"].tolist()
        self.folded = [fold(text) for text in self.texts]
        self.registry = registry
        self.params = params
        self.city = registry.by_name(REMITTING_BODY) or unknown_body(REMITTING_BODY)
        self.references: list[Reference] = []
        self.facts: dict[str, BodyFacts] = {}

    # ----- line helpers -------------------------------------------------------------------
    def content(self, index: int) -> bool:
        return self.kinds[index] == "text"

    def next_content(self, index: int, count: int) -> list[int]:
        found: list[int] = []
        for other in range(index + 1, len(self.texts)):
            if self.content(other):
                found.append(other)
                if len(found) == count:
                    break
        return found

    def previous_content(self, index: int) -> int | None:
        for other in range(index - 1, -1, -1):
            if self.content(other):
                return other
        return None

    def starts_paragraph(self, index: int) -> bool:
        """A blank line, a page break or the end of a sentence comes before this line."""
        if index == 0 or not self.texts[index - 1] or self.kinds[index - 1] != "text":
            return True
        previous = self.previous_content(index)
        return previous is None or ends_sentence(self.texts[previous])

    def heading_like(self, index: int, max_words: int | None = None) -> bool:
        """A short line without closing punctuation that stands at the start of a paragraph."""
        text = self.texts[index]
        words = text.split()
        limit = max_words or self.params.max_heading_words
        return (
            self.content(index)
            and 0 < len(words) <= limit
            and not text.endswith((".", ",", ";"))
            and text[:1].isupper()
            and self.starts_paragraph(index)
        )

    def is_city_procedure(self, index: int) -> bool:
        return bool(_CITY_PROCEDURE.match(self.folded[index]))

    # ----- cue parsing ----------------------------------------------------------------------
    def statement_header(self, index: int) -> StatementHeader | None:
        """Parse a statement header starting at `index` (it may wrap over a few lines)."""
        match = _STATEMENT_START.match(self.folded[index])
        if not match or not self.content(index):
            return None
        last = index
        parts = [self.texts[index]]
        while not ends_sentence(parts[-1]) and len(parts) < 4:
            following = self.next_content(last, 1)
            if not following or following[0] != last + 1 and following[0] > last + 2:
                break
            last = following[0]
            parts.append(self.texts[last])
        header = join_lines(parts)
        folded = fold(header)
        if not re.search(r"\b(gjordes|anfordes|anmalde|lamnade|av)\b", folded):
            return None
        kind = next(value for key, value in _STATEMENT_KINDS.items() if match.group("kind").startswith(key))
        by = re.search(r"\b(?:av|gjordes av|anfordes av)\s+", folded)
        phrase = header[by.end():] if by else ""
        phrase = re.split(
            r"\s+enligt följande|,?\s*bilaga\s*\d+|\s+med hänvisning|\s+som instämde|\s+i enlighet med",
            phrase,
            maxsplit=1,
            flags=re.IGNORECASE,
        )[0]
        author = clean_author(phrase)
        is_reference = bool(re.search(r"\bbilaga\s*\d+\s*\.?\s*$", folded)) and "enligt foljande" not in folded
        return StatementHeader(kind, author, parse_parties(author), last, is_reference)

    def answer_intro(self, index: int) -> bool:
        """'Exploateringskontorets tjänsteutlåtande daterat den … har i huvudsak följande lydelse.'"""
        if not self.content(index) or not _ANSWER_WORD.match(self.folded[index]):
            return False
        window = [index, *self.next_content(index, 1)]
        joined = fold(join_lines([self.texts[i] for i in window]))
        return bool(_ANSWER_INTRO.match(joined)) and not _STATEMENT_START.match(self.folded[index])

    def subsidiary_answer(self, index: int) -> Body | None:
        """'STOKABs remissvar har i huvudsak följande lydelse:' -> the subsidiary's Body."""
        match = _SUBSIDIARY_ANSWER.match(self.texts[index])
        if not match:
            return None
        name = match.group("name").strip()
        body = self.registry.lookup(name) or self.registry.lookup(re.sub(r"(:s|s)$", "", name))
        return body or unknown_body(re.sub(r"(:s|s)$", "", name))

    def body_heading(self, index: int, confirm: str) -> Body | None:
        """A body's heading, confirmed by what follows it ('decision', 'statement' or 'any')."""
        if not self.heading_like(index):
            return None
        text = self.texts[index]
        body = self.registry.lookup(text)
        following = self.next_content(index, self.params.heading_lookahead)
        # the confirming cue must come before the next heading
        following = following[: next((k for k, i in enumerate(following) if self.heading_like(i, 4)), len(following))]
        decision = any(_DECISION_CUE.search(self.folded[i]) or self.answer_intro(i) for i in following)
        statement = any(self.statement_header(i) for i in following[:2])
        confirmed = {"decision": decision, "statement": statement, "any": decision or statement}[confirm]
        if body is not None:
            return body if confirmed else None
        # Not in the registry: keep it when the next line repeats the name and acts on it.
        if following and confirmed:
            key = match_key(text)
            next_key = match_key(self.texts[following[0]])
            if next_key.startswith(key + " ") and _DECISION_CUE.search(self.folded[following[0]]):
                return unknown_body(text)
            if confirm != "decision" and statement and re.search(
                r"(namnd|namnden|styrelse|styrelsen|ab|bolag|rad|radet|forbund|forbundet)$", key
            ):
                return unknown_body(text)
        return None

    # ----- document kinds -------------------------------------------------------------------
    def find_line(self, key: str, start: int = 0, end: int | None = None) -> int | None:
        for index in range(start, end if end is not None else len(self.texts)):
            if self.content(index) and match_key(self.texts[index]) == key:
                return index
        return None

    def find_appendix(self, start: int) -> int | None:
        """'Bilaga 1' followed by 'Reservationer m.m.' (or both on one line)."""
        for index in range(start, len(self.texts)):
            key = match_key(self.texts[index])
            if not re.fullmatch(r"bilaga \d+( reservationer.*)?", key) or not self.content(index):
                continue
            if "reservationer" in key:
                return index
            following = self.next_content(index, 1)
            if following and match_key(self.texts[following[0]]).startswith("reservationer"):
                return index
        return None

    def segment(self) -> list[Boundary]:
        beredning = self.find_line("beredning")
        summary_start = self.find_line("remissammanstallning", beredning or 0)
        if beredning is None and summary_start is None:
            return self.segment_single()
        return self.segment_compiled(beredning, summary_start)

    # ----- compiled utlåtande ---------------------------------------------------------------
    def segment_compiled(self, beredning: int | None, summary_start: int | None) -> list[Boundary]:
        end = len(self.texts)
        appendix = self.find_appendix(summary_start or beredning or 0)
        part_c_end = appendix if appendix is not None else end
        boundaries = [Boundary(0, self.city, "other", zone="front")]
        top_level_end = beredning if beredning is not None else (summary_start or end)
        boundaries += self.top_level(1, top_level_end)
        if beredning is not None:
            beredning_end = self.beredning_end(beredning, summary_start or part_c_end)
            boundaries.append(Boundary(beredning, self.city, "other", zone="beredning"))
            boundaries += self.beredning(beredning, beredning_end)
            boundaries.append(Boundary(beredning_end, self.city, "other", zone="city"))
            boundaries += self.top_level(beredning_end + 1, summary_start or part_c_end)
        if summary_start is not None:
            boundaries.append(Boundary(summary_start, self.city, "other", zone="part_c"))
            boundaries += self.part_c(summary_start + 1, part_c_end)
        if appendix is not None:
            boundaries.append(Boundary(appendix, self.city, "other", zone="appendix"))
            boundaries += self.appendix(appendix + 1, end)
        return boundaries

    def top_level(self, start: int, end: int) -> list[Boundary]:
        """The city's own text: statements by its politicians, and the text between them."""
        boundaries: list[Boundary] = []
        index = start
        in_statement = False
        while index < end:
            header = self.statement_header(index)
            if header:
                boundaries.append(
                    Boundary(index, self.city, header.kind, header.author, header.parties, zone="city")
                )
                in_statement = True
                index = header.last_index + 1
                continue
            if in_statement and self.is_city_procedure(index) and self.starts_paragraph(index):
                boundaries.append(Boundary(index, self.city, "other", zone="city"))
                in_statement = False
            index += 1
        return boundaries

    def beredning_end(self, beredning: int, limit: int) -> int:
        """The Beredning part ends at the next heading that is not a body ('Mina synpunkter')."""
        for index in range(beredning + 1, limit):
            if (
                self.heading_like(index, max_words=4)
                and not self.registry.match_prefix(self.texts[index])
                and (index + 1 >= len(self.texts) or not self.texts[index + 1] or not self.content(index + 1))
            ):
                return index
            if self.is_city_procedure(index) and self.starts_paragraph(index):
                return index
        return limit

    def beredning(self, start: int, end: int) -> list[Boundary]:
        """The consulted-bodies list, who declined, and one summary paragraph per body."""
        text = join_lines([self.texts[i] for i in range(start, end) if self.content(i)])
        folded = fold(text)
        consulted = _CONSULTED.search(folded)
        if consulted:
            original = text[consulted.start("list") : consulted.end("list")]
            for item in split_name_list(original, self.is_known_name):
                self.add_fact(self.resolve(item), "consulted")
        self.find_declined(start, end)
        boundaries: list[Boundary] = []
        current: str | None = None
        for index in range(start + 1, end):
            if not self.content(index) or not self.starts_paragraph(index):
                continue
            if _DECLINED.search(self.folded[index]) or _CONSULTED.search(self.folded[index]):
                continue
            body = self.named_at_start(self.texts[index])
            if body is None or body.name == self.city.name:
                continue
            if body.name != current:
                boundaries.append(Boundary(index, body, "summary", zone="beredning"))
                current = body.name
        return boundaries

    def named_at_start(self, text: str) -> Body | None:
        """The body a sentence opens with: a registry name, or a consulted body outside it."""
        named = self.registry.match_prefix(text)
        if named is not None:
            return named[0]
        key = match_key(text)
        for facts in self.facts.values():
            if not facts.body.known and key.startswith(match_key(facts.body.name) + " "):
                return facts.body
        return None

    def find_declined(self, start: int, end: int) -> None:
        """'Valnämnden har avstått från att svara.' and lists of bodies that declined."""
        for index in range(start, end):
            if "avst" not in self.folded[index]:
                continue
            window = [i for i in range(max(start, index - 3), min(end, index + 2)) if self.content(i)]
            joined = join_lines([self.texts[i] for i in window])
            for sentence in re.split(r"(?<=[.!?])\s+", joined):
                match = _DECLINED.search(fold(sentence))
                if not match:
                    continue
                who = sentence[match.start("who") : match.end("who")]
                for item in split_name_list(who, self.is_known_name):
                    body = self.resolve(item, allow_unknown=False)
                    if body is not None:
                        self.add_fact(body, "consulted").declined_at = index

    def resolve(self, name: str, allow_unknown: bool = True) -> Body | None:
        """A body from a name in a list: registry (exact, then fuzzy), else kept as unknown."""
        name = re.sub(r"^(?:de\s+)?(?:dotterbolagen|intressebolaget|bolagen|nämnderna|följande)\s+", "", name.strip())
        name = re.sub(r"^(?:bl\.?\s?a\.?|bland annat)\s+", "", name)
        body = self.registry.lookup(name) or self.registry.lookup_fuzzy(name)
        if body is not None or not allow_unknown:
            return body
        return unknown_body(name) if len(name.split()) <= self.params.max_heading_words else None

    def is_known_name(self, name: str) -> bool:
        return self.resolve(name, allow_unknown=False) is not None

    def add_fact(self, body: Body | None, role: str, forwarded_by: str = "") -> BodyFacts:
        if body is None:
            return BodyFacts(self.city, role, -1)
        facts = self.facts.get(body.name)
        if facts is None:
            facts = BodyFacts(body, role, len(self.facts), forwarded_by=forwarded_by)
            self.facts[body.name] = facts
        return facts

    def part_c(self, start: int, end: int) -> list[Boundary]:
        """Each body's section: heading and decision, statements, tjänsteutlåtande, underremiss."""
        boundaries: list[Boundary] = []
        body = self.city
        parent: Body | None = None  # set while inside a forwarded body's answer
        index = start
        while index < end:
            heading = self.body_heading(index, "decision")
            if heading is not None and (parent is None or heading.name != parent.name):
                body, parent = heading, None
                section = "other" if body.name == self.city.name else "decision"
                boundaries.append(Boundary(index, body, section, zone="part_c"))
                index += 1
                continue
            if parent is not None and self.heading_like(index, max_words=5):
                named = self.registry.match_prefix(self.texts[index])
                if named and named[0].name == parent.name:
                    body, parent = parent, None
                    boundaries.append(Boundary(index, body, "tjansteutlatande", zone="part_c"))
                    index += 1
                    continue
            header = self.statement_header(index)
            if header:
                if header.is_reference:
                    self.references.append(Reference(body, header.kind, header.author, header.parties, index))
                else:
                    boundaries.append(
                        Boundary(index, body, header.kind, header.author, header.parties, zone="part_c")
                    )
                index = header.last_index + 1
                continue
            owner = parent or body
            subsidiary = self.subsidiary_answer(index) if owner.name != self.city.name else None
            if subsidiary is not None and subsidiary.name != owner.name:
                parent, body = owner, subsidiary
                self.add_fact(subsidiary, "forwarded", forwarded_by=owner.name)
                boundaries.append(
                    Boundary(index, subsidiary, "tjansteutlatande", forwarded_by=owner.name, zone="part_c")
                )
                index += 1
                continue
            if self.answer_intro(index):
                section = "other" if body.name == self.city.name else "tjansteutlatande"
                boundaries.append(
                    Boundary(index, body, section, forwarded_by=parent.name if parent else "", zone="part_c")
                )
            index += 1
        self.find_forwarded(boundaries, end)
        return boundaries

    def find_forwarded(self, boundaries: list[Boundary], end: int) -> None:
        """Bodies a remiss was forwarded to ('… remitterat vidare till dotterbolagen …')."""
        starts = [b.index for b in boundaries] + [end]
        for boundary, stop in zip(boundaries, starts[1:], strict=False):
            if boundary.section != "tjansteutlatande" or boundary.forwarded_by:
                continue
            lines = [i for i in range(boundary.index, stop) if self.content(i)]
            text = join_lines([self.texts[i] for i in lines])
            for match in re.finditer(r"remitter\w*\s+vidare\s+till\s+(?P<list>.+?)\.(?=\s+[A-ZÅÄÖ]|\s*$)", text):
                for item in split_name_list(match.group("list"), self.is_known_name):
                    body = self.resolve(item)
                    if body is not None and body.name != boundary.body.name:
                        self.add_fact(body, "forwarded", forwarded_by=boundary.body.name)
            for sentence_match in re.finditer(r"[^.]+\.", text):
                sentence = sentence_match.group(0).strip()
                folded_sentence = fold(sentence)
                line = self.line_of(lines, text, sentence_match.start())
                declined = _DECLINED.search(folded_sentence)
                if declined:
                    for item in split_name_list(sentence[declined.start("who") : declined.end("who")], self.is_known_name):
                        body = self.resolve(item, allow_unknown=False)
                        if body is not None:
                            self.add_fact(body, "forwarded", boundary.body.name).declined_at = line
                elif _ENDORSED.search(folded_sentence):
                    named = self.registry.match_prefix(sentence)
                    if named and named[0].name in self.facts and named[0].name != boundary.body.name:
                        self.facts[named[0].name].endorsed_at = line

    def line_of(self, lines: list[int], joined: str, offset: int) -> int:
        """The line index holding character `offset` of the joined text of `lines` (approximate)."""
        consumed = 0
        for index in lines:
            consumed += len(squash_spaces(self.texts[index])) + 1
            if consumed > offset:
                return index
        return lines[-1] if lines else 0

    def appendix(self, start: int, end: int) -> list[Boundary]:
        """Statements' full text, each under the heading of the body it was made in."""
        boundaries: list[Boundary] = []
        body = self.city
        pending: int | None = None
        index = start
        while index < end:
            if self.content(index) and re.fullmatch(r"bilaga \d+.*", match_key(self.texts[index])):
                if not match_key(self.texts[index]).startswith("bilaga 1") or boundaries:
                    boundaries.append(Boundary(index, self.city, "other", zone="appendix"))
                    body, pending = self.city, None
                    index += 1
                    continue
            heading = self.body_heading(index, "any")
            if heading is not None:
                body, pending = heading, index
                index += 1
                continue
            header = self.statement_header(index)
            if header:
                boundaries.append(
                    Boundary(
                        pending if pending is not None else index,
                        body,
                        header.kind,
                        header.author,
                        header.parties,
                        zone="appendix",
                    )
                )
                pending = None
                index = header.last_index + 1
                continue
            index += 1
        return boundaries

    # ----- protocols and single answers -----------------------------------------------------
    def find_sender(self) -> Body:
        """The body whose document this is: a registry name in its letterhead or protocol header,
        the body it is signed for ('På Kammarkollegiets vägnar'), an organisation named in the
        letterhead, or the letterhead's first line."""
        content = [i for i in range(len(self.texts)) if self.content(i)]
        head = content[:25]
        for index in head:
            body = self.registry.find_in(self.texts[index])
            if body is not None and body.name not in {self.city.name, "Kommunfullmäktige"}:
                return body
        for index in content:
            signed = re.match(r"^(?:på|för)\s+(.{3,60}?)s?\s+vägnar\b", self.texts[index], re.IGNORECASE)
            if signed:
                return self.registry.lookup(signed.group(1)) or unknown_body(signed.group(1))
        for index in head[:10]:
            match = re.match(_ORGANISATION, self.texts[index])
            if match:
                return unknown_body(match.group(1))
        first = self.texts[head[0]] if head else ""
        if (
            first
            and len(first.split()) <= 6
            and first[:1].isupper()
            and not re.search(r"\d", first)
            and not first.rstrip().endswith((".", "!", "?", ":", ","))
            and not _TITLE_WORD.match(fold(first))
            and fold(first.split()[0]) not in _FUNCTION_WORDS
        ):
            return unknown_body(first)
        raise NoBodyFoundError(f"{self.doc}: no answering body (nämnd, bolag, myndighet …) found in the document")

    def protocol_heading(self, index: int) -> str | None:
        """The section a protocol or remissvar heading opens ('Beslut' -> decision), if any."""
        if not self.content(index) or len(self.texts[index].split()) > 5:
            return None
        key = match_key(self.texts[index])
        if re.fullmatch(r"§ ?\d+\w?", key):
            return "other"
        if key in _PROTOCOL_HEADINGS:
            return _PROTOCOL_HEADINGS[key]
        for heading, section in _PROTOCOL_HEADINGS.items():
            if len(heading) >= 6 and fuzz.ratio(key, heading) >= 88:
                return section
        return None

    def segment_single(self) -> list[Boundary]:
        """A protocol or a single remissvar: one body, sectioned by its headings.

        A protocol's answer starts at its paragraph (§); what comes before is the protocol's front
        matter. A remissvar's answer starts at its first paragraph of running text (the letterhead,
        date, Dnr and addressee before it are `other`); "Beslut i detta ärende har fattats av …"
        records its decision."""
        sender = self.find_sender()
        self.add_fact(sender, "sender")
        boundaries = [Boundary(0, sender, "other", zone="single")]
        is_protocol = any(re.fullmatch(r"§ ?\d+\w?", match_key(t)) for t in self.texts)
        started = False
        for index in range(1, len(self.texts)):
            section = self.protocol_heading(index)
            if section is None:
                header = self.statement_header(index)
                if header and (started or not is_protocol):
                    boundaries.append(
                        Boundary(index, sender, header.kind, header.author, header.parties, zone="single")
                    )
                    started = True
                elif not is_protocol and self.content(index) and self.starts_paragraph(index):
                    if _DECISION_SENTENCE.match(self.folded[index]):
                        boundaries.append(Boundary(index, sender, "decision", zone="single"))
                        started = True
                    elif not started and self.running_text(index):
                        boundaries.append(Boundary(index, sender, "tjansteutlatande", zone="single"))
                        started = True
                continue
            if re.fullmatch(r"§ ?\d+\w?", match_key(self.texts[index])):
                started = True
            if not started and is_protocol:
                continue
            started = True
            author = parties = ""
            if section in {"party_statement", "reservation", "ersattaryttrande"}:
                author, parties = self.author_after(index)
            boundaries.append(Boundary(index, sender, section, author, parties, zone="single"))
        return boundaries

    def running_text(self, index: int) -> bool:
        """The paragraph starting here is prose: eight words or more, ending a sentence."""
        lines = [index]
        while lines[-1] + 1 < len(self.texts) and self.content(lines[-1] + 1) and len(lines) < 20:
            lines.append(lines[-1] + 1)
        paragraph = join_lines([self.texts[i] for i in lines])
        return len(paragraph.split()) >= 8 and ends_sentence(paragraph) and not _TITLE_WORD.match(self.folded[index])

    def author_after(self, index: int) -> tuple[str, str]:
        """Authors named in the lines just after a statement heading in a protocol."""
        following = self.next_content(index, 3)
        phrase = ""
        for other in following:
            phrase = f"{phrase} {self.texts[other]}"
            if re.search(r"[:.]\s*$", self.texts[other]):
                break
        start = re.search(r"[A-ZÅÄÖ][\wåäöéü\-]+\s+[A-ZÅÄÖ][\wåäöéü\-]+\s*(?:m\.\s?fl\.\s*)?\(", phrase)
        author = clean_author(phrase[start.start():]) if start else ""
        return author, parse_parties(author)


def _slug(doc: str) -> str:
    stem = Path(doc).stem
    return re.sub(r"[^a-z0-9]+", "-", fold(stem)).strip("-") or "doc"


def _merge_heading_only(segmenter: DocumentSegmenter, boundaries: list[Boundary]) -> list[Boundary]:
    """Join a lone heading to the segment after it when both are the same body's same kind of text.

    'Stadsledningskontoret' + 'Stadsledningskontorets tjänsteutlåtande …' is one text, not two.
    """
    kept: list[Boundary] = []
    for boundary in boundaries:
        if kept:
            last = kept[-1]
            same = (last.body, last.section, last.author, last.forwarded_by) == (
                boundary.body,
                boundary.section,
                boundary.author,
                boundary.forwarded_by,
            )
            content = [i for i in range(last.index, boundary.index) if segmenter.content(i)]
            if same and len(content) <= 1:
                continue
        kept.append(boundary)
    return kept


def build_segments(segmenter: DocumentSegmenter, boundaries: list[Boundary]) -> pd.DataFrame:
    """Turn boundaries into segments: spans end at the last non-blank line before the next one."""
    boundaries = _merge_heading_only(segmenter, sorted({b.index: b for b in boundaries}.values(), key=lambda b: b.index))
    rows = []
    texts, kinds, numbers = segmenter.texts, segmenter.kinds, segmenter.numbers
    stops = [b.index for b in boundaries[1:]] + [len(texts)]
    slug = _slug(segmenter.doc)
    for boundary, stop in zip(boundaries, stops, strict=True):
        nonblank = [i for i in range(boundary.index, stop) if kinds[i] != "blank"]
        if not nonblank:
            continue
        content = [texts[i] for i in nonblank if kinds[i] == "text"]
        rows.append(
            {
                "doc": segmenter.doc,
                "segment_id": f"{slug}:{len(rows) + 1:04d}",
                "body": boundary.body.name,
                "body_type": boundary.body.type,
                "forwarded_by": boundary.forwarded_by,
                "section": boundary.section,
                "author": boundary.author,
                "parties": boundary.parties,
                "start_line": numbers[nonblank[0]],
                "end_line": numbers[nonblank[-1]],
                "text": join_lines(content),
            }
        )
    return pd.DataFrame(rows, columns=schemas.SEGMENT_COLUMNS)


def _author_key(author: str) -> str:
    return match_key(re.sub(r"m\.\s?fl\.?", "", author))


def build_links(segmenter: DocumentSegmenter, segments: pd.DataFrame) -> pd.DataFrame:
    """Pair each '…, bilaga 1' reference with its statement text; report the unpaired."""
    appendix_statements = segments[
        segments["section"].isin(["party_statement", "reservation", "ersattaryttrande"])
        & (segments["start_line"] > max((r.index for r in segmenter.references), default=0))
    ]
    available = {row.segment_id: row for row in appendix_statements.itertuples()}
    used: set[str] = set()
    rows = []
    for ref in segmenter.references:
        candidates = [
            row
            for row in available.values()
            if row.body == ref.body.name and row.section == ref.kind and row.segment_id not in used
        ]
        exact = [row for row in candidates if _author_key(row.author) == _author_key(ref.author)]
        by_party = [row for row in candidates if row.parties == ref.parties and ref.parties]
        match = (exact or by_party or [None])[0]
        if match is not None:
            used.add(match.segment_id)
        rows.append(
            {
                "doc": segmenter.doc,
                "body": ref.body.name,
                "kind": ref.kind,
                "author": ref.author,
                "parties": ref.parties,
                "reference_line": segmenter.numbers[ref.index],
                "statement_segment_id": match.segment_id if match is not None else "",
                "statement_line": match.start_line if match is not None else None,
                "status": "linked" if match is not None else "missing_text",
            }
        )
    if segmenter.references:
        for row in available.values():
            if row.segment_id not in used:
                rows.append(
                    {
                        "doc": segmenter.doc,
                        "body": row.body,
                        "kind": row.section,
                        "author": row.author,
                        "parties": row.parties,
                        "reference_line": None,
                        "statement_segment_id": row.segment_id,
                        "statement_line": row.start_line,
                        "status": "unreferenced_text",
                    }
                )
    frame = pd.DataFrame(rows, columns=schemas.LINK_COLUMNS)
    for column in ("reference_line", "statement_line"):
        frame[column] = frame[column].astype("Int64")
    return frame


_ANSWER_SECTIONS = {"decision", "tjansteutlatande"}


def build_bodies(segmenter: DocumentSegmenter, segments: pd.DataFrame) -> pd.DataFrame:
    """One row per consulted (or forwarded, or answering) body, with whether it answered."""
    answering = segments[segments["section"].isin(_ANSWER_SECTIONS) & (segments["body"] != segmenter.city.name)]
    for name in answering["body"].unique():
        if name not in segmenter.facts:
            row = answering[answering["body"] == name].iloc[0]
            body = segmenter.registry.by_name(name) or Body(name, row["body_type"], known=False)
            segmenter.add_fact(body, "unlisted", forwarded_by=row["forwarded_by"])
    rows = []
    for facts in sorted(segmenter.facts.values(), key=lambda f: f.order):
        own = segments[segments["body"] == facts.body.name]
        answer = own[own["section"].isin(_ANSWER_SECTIONS)]
        note = ""
        if facts.declined_at is not None:
            answered = False
            note = f"avstått från att svara (rad {segmenter.numbers[facts.declined_at]})"
        elif not answer.empty:
            answered = True
        elif facts.endorsed_at is not None:
            answered = True
            note = f"svaret återges i {facts.forwarded_by or 'texten'} (rad {segmenter.numbers[facts.endorsed_at]})"
        else:
            answered = False
            note = "inget svar hittades i dokumentet"
        rows.append(
            {
                "doc": segmenter.doc,
                "body": facts.body.name,
                "body_type": facts.body.type,
                "in_registry": facts.body.known,
                "role": facts.role,
                "forwarded_by": facts.forwarded_by,
                "answered": answered,
                "segments": len(own),
                "start_line": int(answer["start_line"].min()) if not answer.empty else None,
                "end_line": int(answer["end_line"].max()) if not answer.empty else None,
                "answer_line": segmenter.numbers[facts.endorsed_at] if facts.endorsed_at is not None and answered
                and answer.empty else None,
                "note": note,
            }
        )
    frame = pd.DataFrame(rows, columns=schemas.BODY_COLUMNS)
    for column in ("start_line", "end_line", "answer_line"):
        frame[column] = frame[column].astype("Int64")
    return frame


def segment_document(lines: pd.DataFrame, registry: Registry, params: SegmentParams) -> Segmentation:
    """Segment one document's lines table."""
    segmenter = DocumentSegmenter(lines.reset_index(drop=True), registry, params)
    segments = build_segments(segmenter, segmenter.segment())
    links = build_links(segmenter, segments)
    bodies = build_bodies(segmenter, segments)
    return Segmentation(segments, bodies, links)


def segment_all(
    lines: pd.DataFrame, registry: Registry, params: SegmentParams
) -> tuple[Segmentation, list[tuple[str, RemissError]]]:
    """Segment every document in a lines table; a document that fails is reported, not fatal."""
    parts: list[Segmentation] = []
    failures: list[tuple[str, RemissError]] = []
    for doc, group in lines.groupby("doc", sort=False):
        try:
            parts.append(segment_document(group, registry, params))
        except RemissError as error:
            failures.append((str(doc), error))
    return combine(parts), failures


def combine(parts: Iterable[Segmentation]) -> Segmentation:
    parts = list(parts)

    def concat(frames: list[pd.DataFrame], schema) -> pd.DataFrame:
        frames = [f for f in frames if not f.empty]
        return pd.concat(frames, ignore_index=True) if frames else schemas.empty(schema)

    return Segmentation(
        schemas.validate_segments(concat([p.segments for p in parts], schemas.SEGMENTS)),
        schemas.validate_bodies(concat([p.bodies for p in parts], schemas.BODIES)),
        schemas.validate_links(concat([p.links for p in parts], schemas.LINKS)),
    )


def write_segmentation(result: Segmentation, out: Path) -> None:
    write_table(out, "segments", result.segments)
    write_table(out, "bodies", result.bodies)
    write_table(out, "statement_links", result.links)


def summary_lines(result: Segmentation) -> list[str]:
    """A short human summary per document: bodies, who did not answer, unlinked statements."""
    lines = []
    for doc, bodies in result.bodies.groupby("doc", sort=False):
        direct = bodies[bodies["role"].isin(["consulted", "unlisted", "sender"])]
        silent = direct[~direct["answered"]]["body"].tolist()
        forwarded = bodies[bodies["role"] == "forwarded"]
        segments = result.segments[result.segments["doc"] == doc]
        lines.append(
            f"{doc}: {len(segments)} segments; {len(direct)} bodies, {int(direct['answered'].sum())} answered"
            + (f", not answered: {', '.join(silent)}" if silent else "")
        )
        if not forwarded.empty:
            lines.append(
                f"  forwarded: {len(forwarded)} bodies, {int(forwarded['answered'].sum())} answered"
            )
        links = result.links[result.links["doc"] == doc]
        problems = links[links["status"] != "linked"]
        if not links.empty:
            lines.append(f"  statement references: {int((links['status'] == 'linked').sum())} linked, {len(problems)} unpaired")
    return lines


app = typer.Typer(add_completion=False)


@app.command()
@report_errors
def main(
    lines_path: Path = typer.Option(Path("data/interim/lines.parquet"), "--lines", help="Output of the ingest stage."),
    out: Path = typer.Option(Path("data/processed"), help="Directory for segments, bodies and statement_links."),
    params_file: Path = typer.Option(Path("params.yaml"), "--params"),
) -> None:
    """Split the ingested documents into per-body segments."""
    params = load_params(params_file)
    if not lines_path.exists():
        raise InputNotFoundError(f"lines table not found: {lines_path} (run the ingest stage first)")
    lines = schemas.validate_lines(pd.read_parquet(lines_path))
    registry = Registry.load(params.paths.registry)
    result, failures = segment_all(lines, registry, params.segment)
    settle_failures(failures, result.segments["doc"].nunique())
    write_segmentation(result, out)
    for line in summary_lines(result):
        typer.echo(line)


if __name__ == "__main__":
    app()

"""Line helpers and cue parsing shared by every genre's segmenter.

`DocumentLines` wraps one document's lines table (texts, folded texts, layout kinds) and knows
what a paragraph start, a heading or a party statement header looks like; the genre modules
build on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import fuzz

from pipeline.config import SegmentParams
from pipeline.parties import parse_parties
from pipeline.registry import Body, Registry
from pipeline.textutil import fold, join_lines, match_key, normalize_unicode, squash_spaces

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


_ROLE_WORDS = re.compile(
    r"\b(?:vice\s+)?(?:ordf\w{0,2}randen|ledam\w{0,2}ter(?:na)?|ledamoten|ers\w{0,2}ttaren|"
    r"tjanstgorande|borgarr\w{0,2}d(?:et|en)|gruppledaren|ledamot)\b\s*",
    re.IGNORECASE,
)

# The first word of a letterhead's title or reference line, not of a name.
TITLE_WORD = re.compile(r"^(?:remissvar|remissyttrande|yttrande|svar|datum|dnr|diarienummer|er referens|var referens|sida|protokoll|tjansteutlatande)\b")

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
    answer: str = ""  # key of the answer this text belongs to ("" for text that answers nothing)
    item: str = ""  # the protocol item ("§ 42") the text is part of


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



class DocumentLines:
    """One document's lines, with the helpers every genre's segmenter needs."""

    def __init__(self, lines: pd.DataFrame, registry: Registry, params: SegmentParams) -> None:
        self.doc = str(lines["doc"].iloc[0])
        self.numbers = lines["line"].tolist()
        self.texts = lines["text"].tolist()
        # the lines as read, spaces kept: a letterhead's columns ('Kommunstyrelsen     Kungsbacka kommun')
        self.layouts = [normalize_unicode(t).replace("\f", "") for t in lines["source_text"].tolist()]
        self.kinds = lines["kind"].tolist()
        self.folded = [fold(text) for text in self.texts]
        self.registry = registry
        self.params = params

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

    # ----- document kinds -------------------------------------------------------------------
    def find_line(self, key: str, start: int = 0, end: int | None = None) -> int | None:
        for index in range(start, end if end is not None else len(self.texts)):
            if self.content(index) and match_key(self.texts[index]) == key:
                return index
        return None

    def line_of(self, lines: list[int], joined: str, offset: int) -> int:
        """The line index holding character `offset` of the joined text of `lines` (approximate)."""
        consumed = 0
        for index in lines:
            consumed += len(squash_spaces(self.texts[index])) + 1
            if consumed > offset:
                return index
        return lines[-1] if lines else 0

    def protocol_heading(self, index: int) -> str | None:
        """The section a protocol or remissvar heading opens ('Beslut' -> decision), if any."""
        if not self.content(index) or len(self.texts[index].split()) > 5:
            return None
        key = match_key(self.texts[index])
        if re.fullmatch(r"§ ?\d+\w?", key):
            return "other"
        if key in _PROTOCOL_HEADINGS:
            return _PROTOCOL_HEADINGS[key]
        if key.startswith(("forslag till beslut", "beslut i ", "namndens forslag till beslut")):
            return "decision"
        for heading, section in _PROTOCOL_HEADINGS.items():
            if len(heading) >= 6 and fuzz.ratio(key, heading) >= 88:
                return section
        return None

    def running_text(self, index: int) -> bool:
        """The paragraph starting here is prose: eight words or more, ending a sentence."""
        lines = [index]
        while lines[-1] + 1 < len(self.texts) and self.content(lines[-1] + 1) and len(lines) < 20:
            lines.append(lines[-1] + 1)
        paragraph = join_lines([self.texts[i] for i in lines])
        return len(paragraph.split()) >= 8 and ends_sentence(paragraph) and not TITLE_WORD.match(self.folded[index])

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


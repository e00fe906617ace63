"""The parts of a protocol, a bundle or a letter, and which of them answer a remiss.

A protocol is split at every § item ("§ 45", "§45", "KS § 45", "§ 45 Dnr …"); a bundle also at
the headings that open a yttrande or a tjänsteskrivelse. Each part has a sender (read from its own
header, or carried from the protocol header above it), a title and a decision. Whether an item
answers a remiss is decided from its title and decision with the cues in
data/vocabulary/genres.yaml; a delegation list's "avstår från att lämna yttrande" rows are
declined answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from pipeline.segment.organisations import base_form, find_organisations, normal_case
from pipeline.segment.sender import Sender
from pipeline.segment.text import DocumentLines, ends_sentence
from pipeline.segment.vocabulary import any_of, genre_vocabulary
from pipeline.textutil import fold, join_lines, squash_spaces

ITEM = "item"
ANSWER = "answer"  # a yttrande / remissvar
WORKING_PAPER = "working_paper"  # a tjänsteskrivelse, the administration's draft
LETTER = "letter"  # a document without part headings


@dataclass
class Part:
    start: int
    anchor: int  # the § line or the heading line
    kind: str
    item: str = ""
    end: int = 0
    sender: Sender | None = None
    title: str = ""
    decision: str = ""
    remiss: bool = False
    declined: list[tuple[int, str]] = field(default_factory=list)  # (line index, what was declined)
    remitted_by: str = ""
    reason: str = ""  # why the part is or is not a remiss answer, for the log


@cache
def _cues() -> dict[str, re.Pattern[str]]:
    vocabulary = genre_vocabulary()
    protocol, bundle, item = vocabulary.genres.protocol, vocabulary.genres.bundle, vocabulary.remiss_item
    headings = [*bundle.answer_headings, *bundle.working_paper_headings]
    return {
        "item": re.compile(protocol.item),
        "item_rest": re.compile(protocol.item_rest),
        "header": re.compile(protocol.header),
        "heading": re.compile(r"^(?P<word>" + "|".join(re.escape(h) for h in headings) + r")(?:\s+[\d-]{8,10})?\s*$"),
        "answer_heading": re.compile(r"^(?:" + "|".join(re.escape(h) for h in bundle.answer_headings) + r")\b"),
        "answer": any_of(item.answer_cues),
        "not": any_of(item.not_cues),
        "declined": re.compile(item.declined),
        "title": re.compile(bundle.title),
    }


def item_number(text: str) -> str | None:
    """'§ 45 Dnr KS-2024-00101' -> '§ 45'; a § inside running text is not an item."""
    match = _cues()["item"].match(text.strip())
    if not match or not _cues()["item_rest"].match(match.group("rest")):
        return None
    return f"§ {match.group('number')}"


def find_parts(lines: DocumentLines) -> list[Part]:
    """Every § item and every yttrande/tjänsteskrivelse heading, in order; ends filled in."""
    cues = _cues()
    parts: list[Part] = []
    for index in range(len(lines.texts)):
        if not lines.content(index):
            continue
        number = item_number(lines.texts[index])
        if number is not None:
            parts.append(Part(index, index, ITEM, item=number))
            continue
        heading = cues["heading"].match(lines.folded[index])
        if heading and len(lines.texts[index].split()) <= 4 and (index == 0 or lines.starts_paragraph(index)
                                                                   or lines.texts[index].isupper()):
            kind = ANSWER if cues["answer_heading"].match(heading.group("word")) else WORKING_PAPER
            parts.append(Part(index, index, kind))
    # an item's protocol header ("KOMMUN SAMMANTRÄDESPROTOKOLL / Kommunstyrelsen / Datum") belongs to it
    previous_anchor = -1
    for part in parts:
        if part.kind == ITEM:
            window = [i for i in range(max(previous_anchor + 1, part.anchor - 8), part.anchor)
                      if lines.kinds[i] in ("text", "running_header")]
            header = next((i for i in window if cues["header"].search(lines.folded[i])), None)
            if header is not None:
                part.start = header
        previous_anchor = part.anchor
    for part, following in zip(parts, [*parts[1:], None], strict=False):
        part.end = following.start if following is not None else len(lines.texts)
    return parts


def read_title(lines: DocumentLines, part: Part) -> str:
    """The item's or the yttrande's title: '§ 18 … Svar på X:s remiss över …' up to the first blank."""
    if part.kind == ITEM:
        rest = re.sub(r"^.*?§ ?\d+\w?\s*(?:(?:Dnr|DNR|dnr)\s*:?\s*\S+)?", "", lines.texts[part.anchor]).strip()
        start = part.anchor + 1
        if rest and not re.fullmatch(r"[A-ZÅÄÖ]{0,4}[ -]?[\d/.:-]+", rest):
            return _title_from([rest, *_continuation(lines, start)])
        while start < part.end and not lines.content(start):
            start += 1
        return _title_from([lines.texts[start], *_continuation(lines, start + 1)]) if start < part.end else ""
    title = _cues()["title"]
    first = next((i for i in range(part.anchor, min(part.end, part.anchor + 40))
                  if lines.content(i) and title.match(lines.folded[i]) and len(lines.folded[i]) > 12
                  and not lines.texts[i].endswith(",")), None)
    return _title_from([lines.texts[first], *_continuation(lines, first + 1)]) if first is not None else ""


_DIARIENUMMER = re.compile(r"^(?:dnr\s*:?\s*)?[A-ZÅÄÖ]{2,6}[ -]?\d{4}[/-]\d+", re.IGNORECASE)


def _continuation(lines: DocumentLines, start: int) -> list[str]:
    """Lines that continue a title: up to three, across one blank line, until a heading or a sentence."""
    found: list[str] = []
    index, blanks = start, 0
    while index < len(lines.texts) and len(found) < 3:
        if not lines.content(index):
            blanks += 1
            if blanks > 1 or (found and not found[-1][-1:].isalpha()):
                break
            index += 1
            continue
        text = lines.texts[index]
        if lines.protocol_heading(index) or item_number(text) or len(text.split()) > 16 or _DIARIENUMMER.match(text):
            break
        if text[:1].isupper() and blanks and not re.match(r"^\(?[A-ZÅÄÖ]{2,4}\b", text):
            break
        found.append(text)
        blanks = 0
        if ends_sentence(text) or text.endswith(")"):
            break
        index += 1
    return found


def _title_from(texts: list[str]) -> str:
    return squash_spaces(join_lines(texts)).strip(" .:")


def read_decision(lines: DocumentLines, part: Part) -> str:
    """The text under the item's 'Beslut' / 'Förslag till beslut' heading."""
    texts: list[str] = []
    inside = False
    for index in range(part.anchor + 1, part.end):
        section = lines.protocol_heading(index)
        if section is not None:
            if inside:
                break
            inside = section == "decision"
            continue
        if inside and lines.content(index):
            texts.append(lines.texts[index])
            if len(texts) >= 10:
                break
    return join_lines(texts)


def find_declined(lines: DocumentLines, part: Part) -> list[tuple[int, str]]:
    """'Kommunen avstår från att lämna yttrande över remiss om …': one declined remiss per row."""
    found: list[tuple[int, str]] = []
    cue = _cues()["declined"]
    for index in range(part.anchor, part.end):
        if not lines.content(index) or not cue.search(lines.folded[index].replace("<br>", " ")):
            continue
        row = lines.texts[index]  # a table row of a delegation list, or a sentence that may wrap
        following = index + 1
        while "|" not in row and not ends_sentence(row) and following < part.end and lines.content(following) \
                and len(row) < 400:
            row = f"{row} {lines.texts[following]}"
            following += 1
        cells = [squash_spaces(c.replace("<br>", " ")) for c in row.split("|")]
        text = next((c for c in cells if cue.search(fold(c))), cells[0])
        matter = re.split(r"\b(?:yttrande|synpunkter|svar)\s+(?:över|på|om|angående|gällande)\s+", text, maxsplit=1)[-1]
        found.append((index, matter.strip(" .|")))
    return found


def decide_remiss(part: Part) -> tuple[bool, str]:
    """Does this item or yttrande answer a remiss? (and the cue that decided it)"""
    cues = _cues()
    title, decision = fold(part.title), fold(part.decision)
    not_cue = cues["not"].search(title) or cues["not"].search(decision)
    if not_cue:
        return False, f"inte remissvar: '{not_cue.group(0)}'"
    answer_cue = cues["answer"].search(title) or cues["answer"].search(decision)
    if answer_cue:
        return True, f"remissvar: '{answer_cue.group(0)}'"
    if part.kind == ANSWER and part.title:
        return True, "yttrande"
    return False, "inga remisscue i rubrik eller beslut"


_REMITTER_PATTERNS = (
    r"\bsvar (?:till|åt) (?P<name>[^,.]+?)(?:\.|,|$| och | med )",
    r"(?:^|\s)(?P<name>[A-ZÅÄÖ][^,:]{1,80}?)(?::s|s) (?:remiss|samråd|förslag|promemoria|betänkande|samrådsunderlag)",
    r"\bremiss (?:fr[åa]n (?P<name>[\wÅÄÖåäö][^,.:]{2,60}?)|av (?P<capital>[A-ZÅÄÖ][^,.:]{2,60}?))"
    r"(?:\s+(?:om|över|av|gällande|angående)\b|[,.:]|$)",
    r"\byttrande till (?P<name>[A-ZÅÄÖ][^,.:]{2,60}?)(?:\s+(?:om|över|av|gällande|angående)\b|[,.:]|$)",
)


def read_remitter(decision: str, title: str = "") -> str:
    """Who sent the remiss: 'svar till Finansdepartementet', 'Länsstyrelsen i Hallands läns remiss'.

    The decision's "svar till X" is trusted first; in running decision text other patterns count
    only when they name an organisation (a proposal by 'kommunstyrelsens förvaltning' is not a remiss)."""
    for pattern_index, pattern in enumerate(_REMITTER_PATTERNS):
        for text, strict in ((title, False), (decision, pattern_index > 0)):
            match = re.search(pattern, squash_spaces(text)) if text else None
            if not match:
                continue
            found = match.group("name") or match.groupdict().get("capital") or ""
            name = re.sub(r"^(?:svar på|yttrande över|yttrande till|remissvar (?:på|över)|angående)\s+", "",
                          found.strip(), flags=re.IGNORECASE)
            name = re.split(r"\s+(?=\S*\d)|\s+(?=[A-ZÅÄÖ]{2,}\b)", name)[0]  # not the diarienummer after it
            name = name[:1].upper() + name[1:]
            if re.search(r"departement(?:et)?s?$", name):
                return re.sub(r"departement(?:et)?s?$", "departementet", name)
            organisations = find_organisations(name)
            if organisations:
                return organisations[-1].text
            words = name.split()
            if not strict and 1 <= len(words) <= 6 and not re.search(r"\d", name) and name[:1].isupper():
                return base_form(normal_case(name))
    return ""


def addressee(lines: DocumentLines, part: Part) -> str:
    """'Till / Finansdepartementet': whom a yttrande is addressed to (the remitting authority)."""
    for index in range(part.anchor, min(part.end, part.anchor + 15)):
        folded = lines.folded[index]
        if not re.match(r"^till\b", folded):
            continue
        rest = re.sub(r"^\S+\s*:?\s*", "", lines.texts[index])
        rest = re.sub(r"\s{2,}.*$", "", re.sub(r"^Datum\b", "", rest).strip())
        if rest and not re.match(r"^(?:datum|\d)", fold(rest)):
            return rest.strip()
        following = [i for i in range(index + 1, min(part.end, index + 3)) if lines.content(i)]
        if following:
            return re.split(r"\s{2,}|\s+\d{4}-\d{2}-\d{2}", lines.texts[following[0]])[0].strip()
    return ""

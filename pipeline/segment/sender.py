"""Who wrote a document (or one part of a bundle): its organisation and body, and where that was read.

Read, in this order of trust, from the protocol header ("KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL /
Kommunstyrelsen"), an "Avsändare:" line, the letterhead, a footer that names body and organisation
together, and the signature ("På Kammarkollegiets vägnar", name + title + organisation). Never
from the addressee ("Till …" and the lines under it, a name above a postal address at the top),
the remitting authority ("Remiss från …"), a meeting place or a name inside running text.

The city registry (data/registry/bodies.yaml) is consulted only when the organisation is the
registry's own or unknown: Kungsbacka's Kommunstyrelsen is not Stockholm's.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from pipeline.registry import Body, Registry, guess_body_type
from pipeline.segment.organisations import Name, base_form, find_body, find_organisations, normal_case
from pipeline.segment.text import DocumentLines, ends_sentence
from pipeline.segment.vocabulary import genre_vocabulary
from pipeline.textutil import fold, squash_spaces

HEAD_LINES = 25
_PERSON = re.compile(r"^[A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?(?: [A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?){1,2}$")
_RECIPIENTS = re.compile(r"\b(?:skickas till|kopia till|sandlista|expedieras|for kannedom|beslutsunderlag)\b")
SIGNATURE_LINES = 15


@dataclass(frozen=True)
class Sender:
    organisation: str
    organisation_type: str
    body: Body  # the nämnd/styrelse, or the organisation itself when no body is named
    cue: str  # where it was read, for the log: "protokollhuvud rad 13"


@cache
def _cues() -> dict[str, re.Pattern[str]]:
    vocabulary = genre_vocabulary()
    sender = vocabulary.sender
    return {
        "addressee": re.compile(sender.addressee),
        "not_sender": re.compile(sender.not_sender),
        "postal_code": re.compile(sender.postal_code),
        "signed_for": re.compile(sender.signed_for),
        "sender_line": re.compile(sender.sender_line),
        "subject_verb": re.compile(sender.subject_verb),
        "protocol": re.compile(vocabulary.genres.protocol.header),
        "title": re.compile(vocabulary.genres.bundle.title),
    }


def _is_running_text(text: str) -> bool:
    return len(text.split()) > 9 or (ends_sentence(text) and len(text.split()) > 4)


class SenderReader:
    """Reads the sender of the lines [start, end) of one document."""

    def __init__(self, lines: DocumentLines, registry: Registry) -> None:
        self.lines = lines
        self.registry = registry

    def content(self, start: int, end: int) -> list[int]:
        """Every line with words: a protocol header repeated on each page is where the sender is."""
        return [i for i in range(start, end) if self.lines.kinds[i] in ("text", "running_header")]

    def layout(self, index: int) -> str:
        """The line as read, its columns kept ('Kommunstyrelsen     Kungsbacka kommun'); an OCR-repaired
        line only as repaired."""
        layout = self.lines.layouts[index]
        return layout if squash_spaces(layout) == self.lines.texts[index] else self.lines.texts[index]

    # ----- where not to look --------------------------------------------------------------
    def excluded(self, head: list[int]) -> set[int]:
        """Addressee blocks, postal addresses, titles and reference lines of a letterhead."""
        cues = _cues()
        skip: set[int] = set()
        for position, index in enumerate(head):
            folded = self.lines.folded[index]
            if cues["addressee"].match(folded):
                skip.add(index)
                rest = re.sub(r"^\S+\s*", "", self.lines.texts[index]).strip()
                if not rest or fold(rest).startswith("datum"):  # "Till" alone: the name is under it
                    skip.update(head[position + 1 : position + 3])
            if cues["not_sender"].match(folded) or cues["title"].match(folded):
                skip.add(index)
                wraps = position + 1 < len(head) and head[position + 1] == index + 1
                if cues["title"].match(folded) and wraps and not ends_sentence(self.lines.texts[index]):
                    skip.add(head[position + 1])  # the title goes on on the next line
            if cues["postal_code"].match(folded) and position > 0:
                skip.update(head[max(0, position - 2) : position + 1])  # an address block at the top
        return skip

    # ----- candidates ---------------------------------------------------------------------
    def organisations_in(self, index: int) -> list[Name]:
        text = self.layout(index)
        names = find_organisations(text)
        return [n for n in names if not _after_remitter_word(text, n)]

    def read(self, start: int, end: int) -> Sender | None:
        """The sender of lines [start, end): each source, most trusted first, fills what is still missing."""
        content = self.content(start, end)
        if not content:
            return None
        head = content[:HEAD_LINES]
        skip = self.excluded(head)
        found = _Found()
        self.protocol_header(head, skip, found)
        self.sender_line(head, skip, found)
        self.letterhead(head, skip, found)
        self.footer_and_signature(content, found)
        self.private_persons(content, found)
        self.stated_positions(content, found)
        return self.settle(found)

    def protocol_header(self, head: list[int], skip: set[int], found: _Found) -> None:
        """'KUNGSBACKA KOMMUN SAMMANTRÄDESPROTOKOLL / Kommunstyrelsen': organisation on the header line or
        beside it, body on the lines under it."""
        position, index = next(((p, i) for p, i in enumerate(head[:12]) if _cues()["protocol"].search(
            self.lines.folded[i])), (None, None))
        if position is None or index is None:
            return
        found.cue = f"protokollhuvud rad {self.lines.numbers[index]}"
        for other in head[max(0, position - 2) : position + 4]:
            if found.organisation is None and other not in skip:
                found.organisation = next(iter(self.organisations_in(other)), None)
        for other in [index, *head[position + 1 : position + 4]]:
            if other not in skip:
                found.registry_body = found.registry_body or self.registry.find_in(self.lines.texts[other])
                found.body = found.body or _protocol_body(self.layout(other))

    def sender_line(self, head: list[int], skip: set[int], found: _Found) -> None:
        """'Avsändare: Naturskyddsföreningen i Halland'."""
        for index in head:
            if index in skip or not _cues()["sender_line"].match(self.lines.folded[index]):
                continue
            text = self.lines.texts[index].split(":", 1)[-1]
            found.fill(f"avsändare rad {self.lines.numbers[index]}",
                       organisation=next(iter(find_organisations(text)), None), body=find_body(text))

    def letterhead(self, head: list[int], skip: set[int], found: _Found) -> None:
        """Short lines before the running text that are not the addressee."""
        for index in head:
            text = self.lines.texts[index]
            if _is_running_text(text):
                break
            if index in skip:
                continue
            short = len(text.split()) <= 8
            found.fill(f"brevhuvud rad {self.lines.numbers[index]}",
                       organisation=next(iter(self.organisations_in(index)), None) if found.organisation is None
                       else None,
                       body=find_body(self.layout(index)) if short and found.body is None else None)
            if short and found.registry_body is None:
                found.registry_body = self.registry.find_exact(text)

    def footer_and_signature(self, content: list[int], found: _Found) -> None:
        """A footer naming body and organisation, 'På X:s vägnar' / 'För X', or an organisation in the
        last lines (not in a list of recipients)."""
        footer = self.footer(content)
        if footer is not None:
            body, organisation, line = footer
            if found.organisation is None or organisation.text == found.organisation.text:
                found.fill(f"sidfot rad {self.lines.numbers[line]}", organisation=organisation, body=body)
        if found.organisation is not None:
            return
        signers = self.signed_for(content)
        if signers:
            joined = Name(" och ".join(s.text for s in signers), signers[0].type, 0, 0)
            found.fill("underskrift", organisation=signers[0] if len(signers) == 1 else joined)
            return
        recipients = -1
        for index in content[-SIGNATURE_LINES:]:
            if _RECIPIENTS.search(self.lines.folded[index]):
                recipients = index
            if _is_running_text(self.lines.texts[index]) or 0 <= recipients and index - recipients <= 4:
                continue
            organisation = next(iter(self.organisations_in(index)), None)
            if organisation is not None:
                found.fill(f"underskrift rad {self.lines.numbers[index]}", organisation=organisation)
                return

    def private_persons(self, content: list[int], found: _Found) -> None:
        """A letter signed by a group of private persons and no organisation."""
        if found.organisation is not None or found.body is not None or found.registry_body is not None:
            return
        persons = [i for i in content[-SIGNATURE_LINES:] if _PERSON.match(self.lines.texts[i])]
        if len(persons) >= 2:
            found.fill(f"underskrifter rad {self.lines.numbers[persons[0]]}",
                       organisation=Name("Privatpersoner", "other", 0, 0),
                       body=f"Privatpersoner ({len(persons)} undertecknare)")

    def stated_positions(self, content: list[int], found: _Found) -> None:
        """A letter without letterhead or signature (a remissvar published as a web page): the
        organisation that is the subject of its own statements ("Kammarkollegiet avstyrker …") at
        least twice, and more often than any other."""
        if found.organisation is not None or found.body is not None or found.registry_body is not None:
            return
        counts: Counter[str] = Counter()
        first: dict[str, tuple[Name, int]] = {}
        for index in content:
            text = self.layout(index)
            for name in self.organisations_in(index):
                if _cues()["subject_verb"].match(fold(text[name.end:]).lstrip()):
                    counts[name.text] += 1
                    first.setdefault(name.text, (name, index))
        ranked = counts.most_common(2)
        if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            name, index = first[ranked[0][0]]
            found.fill(f"subjekt rad {self.lines.numbers[index]}", organisation=name)

    def footer(self, content: list[int]) -> tuple[str, Name | None, int] | None:
        """'Kommunstyrelsen      Kungsbacka kommun': a short line with a body and its organisation."""
        for index in content:
            text = self.layout(index)
            if len(text.split()) > 8 or _is_running_text(text):
                continue
            body = find_body(text)
            names = self.organisations_in(index)
            if body and names:
                return body, names[0], index
        return None

    def signed_for(self, content: list[int]) -> list[Name]:
        """'På Naturskyddsföreningens vägnar', 'För Företagarna': every organisation that signs."""
        signers: list[Name] = []
        for index in content[-SIGNATURE_LINES * 2 :]:
            match = _cues()["signed_for"].match(self.lines.folded[index])
            if not match:
                continue
            group = "name" if match.group("name") else "short"
            phrase = self.lines.texts[index][match.start(group) : match.end(group)]
            names = find_organisations(phrase) or find_organisations(base_form(phrase))
            if not names and group == "short":
                continue  # "För kännedom": only an organisation's name signs
            name = names[0] if names else Name(base_form(normal_case(phrase)), "other", 0, 0)
            if all(name.text != s.text for s in signers):
                signers.append(name)
        return signers

    def settle(self, found: _Found) -> Sender | None:
        """Combine what was read; the registry only answers for its own organisation."""
        organisation, body_name, registry_body, cue = found.organisation, found.body, found.registry_body, found.cue
        city = self.registry.organisation
        own_city = organisation is None or (city and fold(organisation.text) == fold(city))
        if own_city and registry_body is None and body_name:
            registry_body = self.registry.lookup(body_name)
        if own_city and registry_body is not None:
            return Sender(city or registry_body.name, "kommun", registry_body, cue or "register")
        if organisation is None and body_name is None:
            return None
        if organisation is None:
            return Sender("", "other", Body(body_name or "", guess_body_type(body_name or ""), known=False), cue)
        name = body_name or organisation.text
        return Sender(organisation.text, organisation.type, Body(name, organisation.type, known=False), cue)


@dataclass
class _Found:
    """What the sources have found so far; a later, less trusted source only fills what is missing."""

    organisation: Name | None = None
    body: str | None = None
    registry_body: Body | None = None
    cue: str = ""

    def fill(self, cue: str, organisation: Name | None = None, body: str | None = None) -> None:
        if (organisation is not None and self.organisation is None) or (body and self.body is None):
            self.cue = self.cue or cue
        self.organisation = self.organisation or organisation
        self.body = self.body or body


def _protocol_body(text: str) -> str | None:
    """The body of a protocol header: 'Kommunstyrelsen', or 'fört vid X:s sammanträde'."""
    folded = fold(text)
    match = re.search(r"\b(?:fort|hallet) vid (?P<name>.+?)(?:s|:s)? sammantrade", folded)
    if match:
        original = squash_spaces(text)[match.start("name") : match.end("name")]
        return find_body(original) or base_form(original)
    return find_body(text) if len(text.split()) <= 8 else None


def _after_remitter_word(text: str, name: Name) -> bool:
    """'Remiss från Länsstyrelsen', 'Svar till Finansdepartementet': a name that is not the sender."""
    before = fold(normal_case(squash_spaces(text))[: name.start])[-30:]
    return bool(re.search(r"\b(?:fran|till|over|av|remiss|ang|angaende|betraffande|ert|er)\s*:?\s*$", before))

"""A single remissvar letter (authority, kommun, company, association, a group of persons).

The letterhead, date, Dnr and addressee are `other`; the answer starts at the first paragraph of
running text; headings ("Sammanfattning", "Beslut") and party statements section it; "Beslut i
detta ärende har fattats av …" records the decision.
"""

from __future__ import annotations

import re

from pipeline.errors import NoBodyFoundError
from pipeline.labels import STATEMENT_SECTIONS
from pipeline.registry import Body, unknown_body
from pipeline.segment.model import Answer, GenreResult
from pipeline.segment.parts import Part, addressee, decide_remiss, read_remitter, read_title
from pipeline.segment.sender import Sender, SenderReader
from pipeline.segment.text import TITLE_WORD, Boundary, DocumentLines
from pipeline.textutil import fold

_FUNCTION_WORDS = frozenset("det den detta denna de dessa vi jag ni han hon har i en ett om pa for med som att och men".split())
_DECISION_SENTENCE = re.compile(
    r"^(?:beslut i (?:detta|det har) arende har fattats av|detta (?:yttrande|remissvar) har beslutats av|"
    r"(?:namnden|styrelsen|forvaltningen) beslutar\b|(?:namnden|styrelsen) beslutade\b)"
)


def letter_sections(lines: DocumentLines, start: int, end: int, body: Body, answer: str, item: str = "",
                    protocol: bool = False) -> list[Boundary]:
    """Sections of one answer's text between `start` and `end`, by its headings."""
    boundaries = [Boundary(start, body, "other", zone="single", answer=answer, item=item)]
    started = False
    for index in range(start + 1, end):
        section = lines.protocol_heading(index)
        if section is None:
            header = lines.statement_header(index)
            if header and (started or not protocol):
                boundaries.append(Boundary(index, body, header.kind, header.author, header.parties, zone="single",
                                           answer=answer, item=item))
                started = True
            elif not protocol and lines.content(index) and lines.starts_paragraph(index):
                if _DECISION_SENTENCE.match(lines.folded[index]):
                    boundaries.append(Boundary(index, body, "decision", zone="single", answer=answer, item=item))
                    started = True
                elif not started and lines.running_text(index):
                    boundaries.append(Boundary(index, body, "tjansteutlatande", zone="single", answer=answer,
                                               item=item))
                    started = True
            continue
        started = True
        author = parties = ""
        if section in STATEMENT_SECTIONS:
            author, parties = lines.author_after(index)
        boundaries.append(Boundary(index, body, section, author, parties, zone="single", answer=answer, item=item))
    return boundaries


def first_line_sender(lines: DocumentLines) -> Sender | None:
    """Last resort: a letterhead whose first line is a short name ('Parkrådet i Solna')."""
    content = [i for i in range(len(lines.texts)) if lines.content(i)]
    first = lines.texts[content[0]] if content else ""
    if (
        first
        and len(first.split()) <= 6
        and first[:1].isupper()
        and not re.search(r"\d", first)
        and not first.rstrip().endswith((".", "!", "?", ":", ","))
        and not TITLE_WORD.match(fold(first))
        and fold(first.split()[0]) not in _FUNCTION_WORDS
    ):
        body = unknown_body(first)
        return Sender("", body.type, body, f"första raden {lines.numbers[content[0]]}")
    return None


def segment_letter(lines: DocumentLines, reader: SenderReader, cue: str) -> GenreResult:
    sender = reader.read(0, len(lines.texts)) or first_line_sender(lines)
    if sender is None:
        raise NoBodyFoundError(f"{lines.doc}: no answering body (nämnd, bolag, myndighet …) found in the document")
    part = Part(0, 0, "letter", end=len(lines.texts), sender=sender)
    part.title = read_title(lines, part)
    _, reason = decide_remiss(part)
    answer = Answer(
        key="letter",
        organisation=sender.organisation,
        body=sender.body,
        role="sender",
        matter=part.title,
        remitted_by=read_remitter("", part.title) or addressee(lines, part),
    )
    boundaries = letter_sections(lines, 0, len(lines.texts), sender.body, answer.key)
    notes = [f"avsändare: {sender.organisation or '?'} / {sender.body.name} ({sender.cue}); {reason}"]
    return GenreResult("letter", cue, boundaries, [answer], organisation=sender.organisation, notes=notes)

"""Protocols (one or many § items) and bundles (protocol extract + tjänsteskrivelse + yttrande).

Each remiss item is one answer with its `item`, `matter` and `remitted_by`; its Beslut, Ärende,
Yrkanden, Reservationer and Särskilda uttalanden are its segments. A yttrande or tjänsteskrivelse
in a bundle joins the answer of the same body (an utskott or förvaltning works for its nämnd), or
starts one. Items that answer no remiss are `other` text and no answer; a delegation list's
"avstår från att lämna yttrande" rows are declined answers. An attached protocol of the remitting
organisation itself (its own budget decision, say) is background, not an answer.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipeline.errors import NoBodyFoundError
from pipeline.registry import Body
from pipeline.segment.letter import first_line_sender, letter_sections
from pipeline.segment.model import Answer, GenreResult
from pipeline.segment.organisations import parent_body
from pipeline.segment.parts import (
    ANSWER,
    ITEM,
    WORKING_PAPER,
    Part,
    addressee,
    decide_remiss,
    find_declined,
    read_decision,
    read_remitter,
    read_title,
)
from pipeline.segment.sender import Sender, SenderReader
from pipeline.segment.text import Boundary, DocumentLines
from pipeline.textutil import fold


_ADOPTS = re.compile(r"\b(?:antar|antog|avger|lamnar|overlamnar|oversander)\b.{0,60}\b(?:yttrande|svar|remissvar)")


def _answer_key(sender: Sender) -> tuple[str, str]:
    """Bodies compare without case, hyphens and spaces: 'Miljö- & Hälsoskydd' is 'Miljö & Hälsoskydd'."""
    return fold(sender.organisation), re.sub(r"[\W_]+", "", fold(parent_body(sender.body.name)))


def read_parts(lines: DocumentLines, parts: list[Part], reader: SenderReader) -> Sender:
    """Fill in each part's sender, title, decision and remiss decision; returns the document's sender."""
    document_sender = reader.read(0, parts[0].start) if parts and parts[0].start > 0 else None
    previous: Sender | None = None
    for part in parts:
        own = reader.read(part.start, part.end)
        from_header = own is not None and own.cue.startswith("protokollhuvud")
        if part.kind == ITEM and not from_header and previous is not None:
            own = previous  # an item on the same page as the one before: same protocol header
        part.sender = own or previous or document_sender
        if part.kind == ITEM and from_header:
            previous = own
        part.title = read_title(lines, part)
        part.decision = read_decision(lines, part) if part.kind == ITEM else ""
        part.declined = find_declined(lines, part) if part.kind == ITEM else []
        part.remiss, part.reason = decide_remiss(part)
        part.remitted_by = read_remitter(part.decision, part.title) or (
            addressee(lines, part) if part.kind == ANSWER else "")
    sender = document_sender or next((p.sender for p in parts if p.sender is not None), None)
    sender = sender or first_line_sender(lines)
    if sender is None:
        raise NoBodyFoundError(f"{lines.doc}: no answering body (nämnd, bolag, myndighet …) found in the document")
    for part in parts:
        part.sender = part.sender or sender
    return sender


def segment_parts(lines: DocumentLines, parts: list[Part], reader: SenderReader, genre: str, cue: str) -> GenreResult:
    sender = read_parts(lines, parts, reader)
    boundaries = [Boundary(0, sender.body, "other", zone=genre)]
    answers: list[Answer] = []
    by_body: dict[tuple[str, str], Answer] = {}
    notes: list[str] = []
    remitters = {fold(p.remitted_by) for p in parts if p.remiss and p.remitted_by}
    for part in parts:
        assert part.sender is not None
        body = part.sender.body
        label = part.item or {ANSWER: "yttrande", WORKING_PAPER: "tjänsteskrivelse"}.get(part.kind, part.kind)
        for number, (index, matter) in enumerate(part.declined, start=1):
            answers.append(Answer(
                key=f"{part.item}:declined:{number}", organisation=part.sender.organisation,
                body=_answering_body(body),
                role="sender", item=part.item, matter=matter, remitted_by=read_remitter("", matter), answered=False,
                note=f"avstått från att svara (rad {lines.numbers[index]})", answer_line=index,
            ))
        background = _is_background(part, sender, remitters)
        if (part.kind == ITEM and not part.remiss) or background:
            reason = "bakgrund: en annan organisations handling" if background else part.reason
            notes.append(f"{label}: {part.title[:70]} — {reason}")
            boundaries.append(Boundary(part.start, body, "other", zone=genre, item=part.item))
            continue
        key = _answer_key(part.sender)
        existing = by_body.get(key)
        if existing is None and part.kind != ITEM and answers and _works_for(part.sender, answers[-1]):
            existing = answers[-1]  # the förvaltning's tjänsteskrivelse, an unsigned yttrande: the answer before
        # a second § of the same body is a second answer; a yttrande or tjänsteskrivelse joins its body's answer
        answer = existing if existing is not None and (part.kind != ITEM or not existing.item) else None
        if answer is None:
            answer = Answer(
                key=f"{part.item or part.kind}:{len(answers) + 1}",
                organisation=part.sender.organisation,
                body=_answering_body(part.sender.body),
                role="sender",
                item=part.item,
                matter=part.title,
                remitted_by=part.remitted_by,
            )
            answers.append(answer)
            by_body[key] = answer
            notes.append(f"{label}: {part.title[:70]} — {part.reason}; avsändare {answer.organisation} / "
                         f"{answer.body.name} ({part.sender.cue})")
        else:  # a later item of the same body's answer fills what the first left blank
            filled = replace(answer, item=answer.item or part.item, matter=answer.matter or part.title,
                             remitted_by=answer.remitted_by or part.remitted_by)
            answers[answers.index(answer)] = filled
            by_body.update({k: filled for k, v in by_body.items() if v is answer})
            answer = filled
        if part.kind == WORKING_PAPER:
            boundaries.append(Boundary(part.start, answer.body, "tjansteutlatande", zone=genre, answer=answer.key,
                                       item=answer.item))
        else:
            boundaries += letter_sections(lines, part.start, part.end, answer.body, answer.key, item=answer.item,
                                          protocol=part.kind == ITEM)
    return GenreResult(genre, cue, boundaries, answers, organisation=sender.organisation, notes=notes)


def _is_background(part: Part, sender: Sender, remitters: set[str]) -> bool:
    """An attached document of another organisation, such as the remitting kommunalförbund's own budget
    decision: no answer, unless it adopts a yttrande itself (or is a yttrande on a remiss)."""
    assert part.sender is not None
    if _ADOPTS.search(fold(part.decision)) or (part.kind == ANSWER and part.remiss):
        return False
    if fold(part.sender.organisation) != fold(sender.organisation):
        return True
    body = fold(part.sender.body.name)
    return any(len(r) >= 6 and r in body for r in remitters if r != fold(sender.body.name))


def _works_for(sender: Sender, answer: Answer) -> bool:
    """A part without a nämnd of its own (the organisation only, a förvaltning or kontor) of the same
    organisation belongs to the answer before it."""
    if fold(sender.organisation) != fold(answer.organisation):
        return False
    name = sender.body.name
    return name == sender.organisation or bool(re.search(r"(?:förvaltning|förvaltningen|kontor|kontoret)$", name))


def _answering_body(body: Body) -> Body:
    """An utskott or förvaltning prepares its nämnd's answer: 'Kommunstyrelsens arbetsutskott' -> 'Kommunstyrelsen'."""
    parent = parent_body(body.name)
    return body if parent == body.name else Body(parent, body.type, known=body.known)

"""A compiled utlåtande: the city's Beredning and Remissammanställning of many bodies' answers.

It has a *Beredning* list of consulted bodies with a summary paragraph per body, a
*Remissammanställning* in which each body's heading opens its decision, references to party
statements ("…, bilaga 1") and its administration's tjänsteutlåtande, and an appendix
*Reservationer m.m.* with the statements' full text, grouped under body headings.

Every non-blank line belongs to exactly one segment: what is not a body's answer is `other` text of
the city (Kommunstyrelsen).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import pandas as pd

from pipeline.config import SegmentParams
from pipeline.registry import Body, Registry, unknown_body
from pipeline.segment.model import Answer, GenreResult, Reference
from pipeline.segment.organisations import find_organisations
from pipeline.segment.text import Boundary, DocumentLines, split_name_list
from pipeline.textutil import fold, join_lines, match_key, squash_spaces

REMITTING_BODY = "Kommunstyrelsen"
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


@dataclass
class BodyFacts:
    """What the document says about one consulted body, beyond its segments."""

    body: Body
    role: str
    order: int
    forwarded_by: str = ""
    declined_at: int | None = None
    endorsed_at: int | None = None



class CompiledSegmenter(DocumentLines):
    """Segments a compiled utlåtande against the registry."""

    def __init__(self, lines: pd.DataFrame, registry: Registry, params: SegmentParams) -> None:
        super().__init__(lines, registry, params)
        self.city = registry.by_name(REMITTING_BODY) or unknown_body(REMITTING_BODY)
        self.organisation = registry.organisation
        self.references: list[Reference] = []
        self.facts: dict[str, BodyFacts] = {}

    def is_city_procedure(self, index: int) -> bool:
        return bool(_CITY_PROCEDURE.match(self.folded[index]))

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

    def title(self) -> str:
        """The remiss: the utlåtande's first paragraph after its heading line ('Stockholms stads kvalitetsprogram …')."""
        content = [i for i in range(min(len(self.texts), 40)) if self.content(i)]
        lines: list[str] = []
        for index in content[1:]:
            if lines and index > content[content.index(index) - 1] + 2:
                break
            lines.append(self.texts[index])
        return squash_spaces(join_lines(lines))

    def segment(self) -> list[Boundary]:
        beredning = self.find_line("beredning")
        summary_start = self.find_line("remissammanstallning", beredning or 0)
        return self.segment_compiled(beredning, summary_start)

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



def segment_compiled(lines: pd.DataFrame, registry: Registry, params: SegmentParams, cue: str) -> GenreResult:
    """Segment a compiled utlåtande; every consulted, forwarded or answering body is an answer."""
    segmenter = CompiledSegmenter(lines, registry, params)
    boundaries = segmenter.segment()
    city = segmenter.city.name
    for boundary in boundaries:  # bodies that answer without being listed as consulted
        if boundary.section in {"decision", "tjansteutlatande"} and boundary.body.name != city \
                and boundary.body.name not in segmenter.facts:
            segmenter.add_fact(boundary.body, "unlisted", forwarded_by=boundary.forwarded_by)
    matter = segmenter.title()
    answers = []
    for facts in sorted(segmenter.facts.values(), key=lambda f: f.order):
        organisation = registry.organisation
        if not facts.body.known:
            named = find_organisations(facts.body.name)
            organisation = named[0].text if named else organisation
        answers.append(Answer(
            key=facts.body.name,
            organisation=organisation,
            body=facts.body,
            role=facts.role,
            matter=matter,
            remitted_by=facts.forwarded_by or city,
            forwarded_by=facts.forwarded_by,
            answered=False if facts.declined_at is not None else None,
            note=(f"avstått från att svara (rad {segmenter.numbers[facts.declined_at]})" if facts.declined_at
                  is not None else f"svaret återges i {facts.forwarded_by or 'texten'} (rad "
                  f"{segmenter.numbers[facts.endorsed_at]})" if facts.endorsed_at is not None else ""),
            answer_line=facts.endorsed_at if facts.declined_at is None else None,
        ))
    keyed = [replace(b, answer=b.body.name if b.body.name in segmenter.facts else "") for b in boundaries]
    return GenreResult("compiled", cue, keyed, answers, references=segmenter.references,
                       organisation=registry.organisation)

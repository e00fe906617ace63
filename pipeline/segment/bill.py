"""Government bills and lagrådsremisser: the "Remissinstanserna:" paragraphs.

Every body named in such a paragraph (and in a bilaga that summarises the answers body by body)
is an answer, with the stance its clause gives ("X avstyrker", "Y har inga synpunkter",
"Samtliga remissinstanser utom X har tillstyrkt", "Flertalet … tillstyrker; Z anser dock …"),
the sentence as evidence (`answer_line`) and `matter` = the heading of the bill's section. The
stance is *reported* by the bill (role `reported`), not the body's own text. Bodies listed as having
declined ("har avstått från att yttra sig") are consulted and not answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pipeline.registry import Body
from pipeline.segment.model import Answer, GenreResult
from pipeline.segment.organisations import Name, find_organisations, non_overlapping
from pipeline.segment.text import Boundary, DocumentLines
from pipeline.segment.vocabulary import any_of, genre_vocabulary, organisation_vocabulary
from pipeline.textutil import fold, join_with_origins, squash_spaces

MAX_PARAGRAPH_LINES = 80
STANCE_ORDER = ("no_opinion", "negative", "positive_with_reservations", "positive")
_OPPOSITE = {"positive": "negative", "negative": "positive"}
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-ZÅÄÖ\"”])")
_ABBREVIATION = re.compile(r"(?:\b(?:bl|m|fl|ev|dvs|jfr|s|t|ex|f|d|nr|resp|prop|kap|st|p|a|jfr)|\b[A-ZÅÄÖ])[.]$")
_GENERIC = frozenset("foljande dessa ovriga samtliga de flera nagra alla instanser remissinstanser flertalet".split())
_ACRONYM = re.compile(r"(?<![\wåäö-])(?P<name>[A-ZÅÄÖ]{2,6}(?::s)?)(?![\wåäö-])")


@dataclass
class Sentence:
    text: str
    origins: list[int]  # the line index of every character of `text`

    @property
    def line(self) -> int:
        return self.origins[0]

    def line_at(self, position: int) -> int:
        return self.origins[min(position, len(self.origins) - 1)]


@cache
def _cues() -> dict[str, re.Pattern[str]]:
    vocabulary = genre_vocabulary()
    bill, stance = vocabulary.genres.bill, vocabulary.reported_stance
    return {
        "start": re.compile(bill.paragraph_start),
        "end": re.compile(bill.paragraph_end),
        "appendix": re.compile(bill.summary_appendix),
        "except": re.compile(stance.except_),
        "answered_list": re.compile(stance.answered_list),
        "declined_list": re.compile(stance.declined_list),
        **{name: any_of(getattr(stance, name)) for name in STANCE_ORDER},
    }


def is_bill(lines: DocumentLines) -> str | None:
    """The cue that makes this a bill: 'Remissinstanserna:' paragraphs under a bill's title."""
    vocabulary = genre_vocabulary().genres.bill
    starts = [i for i, f in enumerate(lines.folded) if _cues()["start"].search(f)]
    if not starts:
        return None
    title = any_of(vocabulary.title_cues)
    titled = next((i for i in range(min(len(lines.folded), 120)) if title.search(lines.folded[i])), None)
    if titled is None and len(starts) < 2:
        return None
    return f"'Remissinstanserna:' rad {lines.numbers[starts[0]]} ({len(starts)} stycken)"


def reported_stance(clause: str) -> str:
    folded = fold(clause)
    return next((name for name in STANCE_ORDER if _cues()[name].search(folded)), "")


def section_heading(lines: DocumentLines, index: int) -> tuple[str, str]:
    """(number, heading) of the bill section a line is in: '5.1 Sanktionsavgift' -> ('5.1', …); in a
    bill without numbered headings, the proposal the paragraph answers ('Regeringens förslag: …')."""
    proposal = ""
    for other in range(index - 1, max(-1, index - 400), -1):
        text = lines.texts[other]
        numbered = re.match(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-ZÅÄÖ].{2,120})$", text)
        if numbered and not text.endswith((".", ",")):
            return numbered.group(1), squash_spaces(numbered.group(2))
        if not proposal and index - other <= 80 and _PROPOSAL.match(lines.folded[other]):
            proposal = re.split(r"(?<=[.!?])\s", squash_spaces(text), maxsplit=1)[0][:160]
    return "", proposal


_PROPOSAL = re.compile(r"^(?:regeringens|utredningens|promemorians|kommittens) (?:forslag|bedomning)\s*:")


def regions(lines: DocumentLines) -> list[tuple[int, int]]:
    """Line ranges of the Remissinstanserna paragraphs and of a summary bilaga."""
    cues = _cues()
    found: list[tuple[int, int]] = []
    index = 0
    while index < len(lines.texts):
        if cues["appendix"].match(lines.folded[index]):
            number = re.match(r"^bilaga (\d+)", lines.folded[index])
            own = number.group(1) if number else None  # "Bilaga 2" repeated on every page is furniture
            end = next((i for i in range(index + 1, len(lines.texts))
                        if (m := re.match(r"^bilaga (\d+)", lines.folded[i])) and m.group(1) != own
                        and lines.heading_like(i, 6)), len(lines.texts))
            found.append((index, end))
            index = end
            continue
        if cues["start"].search(lines.folded[index]):
            end = index + 1
            while end < len(lines.texts) and end - index < MAX_PARAGRAPH_LINES:
                if lines.content(end) and (cues["end"].match(lines.folded[end]) or cues["start"].search(lines.folded[end])
                                           or (lines.heading_like(end, 10) and not lines.texts[end].endswith(","))):
                    break
                end += 1
            found.append((index, end))
            index = end
            continue
        index += 1
    return found


def sentences_of(lines: DocumentLines, start: int, end: int) -> list[Sentence]:
    pairs = [(i, lines.texts[i].replace("\u00ad", "")) for i in range(start, end) if lines.content(i)]
    if not pairs:
        return []
    text, origins = join_with_origins(pairs)
    match = _cues()["start"].search(fold(text))
    offset = match.start() if match and start == pairs[0][0] else 0
    result: list[Sentence] = []
    position = offset
    ends = [m.end() for m in _SENTENCE_END.finditer(text, offset) if not _ABBREVIATION.search(text[: m.start() + 1])]
    for boundary in [*ends, len(text)]:
        piece = text[position:boundary]
        sentence = piece.strip()
        if sentence:
            first = position + len(piece) - len(piece.lstrip())
            result.append(Sentence(sentence, origins[first : first + len(sentence)]))
        position = boundary
    return result


class NameFinder:
    """Bodies named in a bill's sentences: organisation patterns, abbreviations (LO, JO) and the
    names of the bill's own remiss lists."""

    def __init__(self, listed: set[str]) -> None:
        vocabulary = organisation_vocabulary()
        self.not_names = {fold(n) for n in [*vocabulary.not_names, *genre_vocabulary().genres.bill.not_bodies]}
        self.listed = sorted(listed | set(vocabulary.known_names), key=len, reverse=True)

    def find(self, sentence: str) -> list[Name]:
        found = list(find_organisations(sentence))
        for match in _ACRONYM.finditer(sentence):
            name = match.group("name").removesuffix(":s")
            found.append(Name(name, "organisation", match.start(), match.start() + len(name)))
        for name in self.listed:
            for match in re.finditer(r"(?<![\wåäö])" + re.escape(name) + r"(?![\wåäö])", sentence):
                found.append(Name(name, "organisation", match.start(), match.end()))
        wanted = [n for n in found if fold(n.text) not in self.not_names and fold(n.text.split()[0]) not in _GENERIC]
        return non_overlapping(wanted)


def listed_names(sentences: list[Sentence]) -> set[str]:
    """Names in 'Efter remiss har yttranden lämnats av A, B och C' lists (a gazetteer for the bill)."""
    names: set[str] = set()
    for sentence in sentences:
        folded = fold(sentence.text)
        match = _cues()["answered_list"].search(folded) or _cues()["declined_list"].search(folded)
        if not match:
            continue
        text = sentence.text[match.end():] if _cues()["answered_list"].search(folded) else sentence.text[:match.start()]
        names |= set(list_items(text))
    return names


def list_items(text: str) -> list[str]:
    """'A, B, C och D' -> the names of a list of remissinstanser."""
    items = []
    for part in re.split(r",\s*|\s+och\s+(?=[A-ZÅÄÖ])", text):
        part = re.split(r"\s+(?:har|hade|är|men|som|beretts|lämnat|inkommit|avstått)\b", squash_spaces(part))[0]
        part = part.strip(" .:;")
        if 2 <= len(part) <= 80 and part[:1].isupper() and len(part.split()) <= 9 and fold(part.split()[0]) not in _GENERIC:
            items.append(part)
    return items


def clause_stance(sentence: str, start: int) -> str:
    """The stance of the clause naming a body at `start` (else the sentence's); an exception ("utom X")
    takes the opposite."""
    clauses = list(re.finditer(r"[^;]+", sentence))
    clause = next((c for c in clauses if c.start() <= start < c.end()), None)
    text = clause.group(0) if clause else sentence
    before = fold(text[: start - (clause.start() if clause else 0)])
    exception = bool(_cues()["except"].search(before[-40:]))
    stance = reported_stance(text) or reported_stance(sentence)
    return _OPPOSITE.get(stance, stance) if exception else stance


def segment_bill(lines: DocumentLines, cue: str) -> GenreResult:
    government = Body("Regeringen", "myndighet", known=False)
    boundaries = [Boundary(0, government, "other", zone="bill")]
    everything = sentences_of(lines, 0, len(lines.texts))
    finder = NameFinder(listed_names(everything))
    answers: list[Answer] = []
    reported: set[str] = set()
    for start, end in regions(lines):
        boundaries.append(Boundary(start, Body("Remissinstanserna", "other", known=False), "summary", zone="bill"))
        boundaries.append(Boundary(end, government, "other", zone="bill"))
        named: dict[str, Answer] = {}
        for sentence in sentences_of(lines, start, end):
            item, matter = section_heading(lines, sentence.line)
            for found in finder.find(sentence.text):
                name, position = found.text, found.start
                stance = clause_stance(sentence.text, position)
                previous = named.get(fold(name))
                if previous is not None and (previous.reported_stance or not stance):
                    continue  # one answer per body and paragraph: the first clause that gives a stance
                line = sentence.line_at(position)
                answer = Answer(
                    key=previous.key if previous else f"bill:{len(answers) + 1}", organisation=name,
                    body=Body(name, found.type, known=False), role="reported", item=item, matter=matter,
                    answered=True, answer_line=line, reported_stance=stance,
                    note=f"återgivet i propositionen (rad {lines.numbers[line]})",
                )
                if previous is not None:
                    answers[answers.index(previous)] = answer
                else:
                    answers.append(answer)
                named[fold(name)] = answer
                reported.add(fold(name))
    for number, sentence in enumerate(everything):
        folded = fold(sentence.text)
        declined = _cues()["declined_list"].search(folded)
        answered = _cues()["answered_list"].search(folded)
        if not (declined or answered):
            continue
        listed = list_items(sentence.text[: declined.start()] if declined else sentence.text[answered.end():])
        if declined and not listed and number + 1 < len(everything):  # "… men avstått. A, B, C."
            listed = list_items(everything[number + 1].text)
        for name in listed:
            if fold(name) in reported:
                continue  # its stance is reported above, or it is listed twice
            reported.add(fold(name))
            kind = next((n.type for n in find_organisations(name)), "organisation")
            answers.append(Answer(
                key=f"bill:{len(answers) + 1}", organisation=name, body=Body(name, kind, known=False),
                role="consulted", answered=not declined, answer_line=None,
                note=(f"avstått från att yttra sig (rad {lines.numbers[sentence.line]})" if declined else
                      f"yttrande lämnat enligt remisslistan (rad {lines.numbers[sentence.line]})"),
            ))
    boundaries.sort(key=lambda b: b.index)
    return GenreResult("bill", cue, boundaries, answers, organisation="Regeringen",
                       notes=[f"{sum(a.role == 'reported' for a in answers)} remissinstanser återgivna"])

"""What a genre's segmenter hands back: where segments start, and the answers it found.

Every genre module (compiled utlåtande, protocol, bundle, letter, bill) returns a `GenreResult`;
`pipeline.segment.tables` turns it into the segments, bodies and statement-links tables, so all
genres share one output contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.registry import Body
from pipeline.segment.text import Boundary


@dataclass(frozen=True)
class Answer:
    """One body's answer to one remiss, or a consulted body that did not answer."""

    key: str  # unique within the document; segments point at it through Boundary.answer
    organisation: str
    body: Body
    role: str  # consulted | forwarded | unlisted | sender | reported
    item: str = ""  # the protocol item ("§ 42"), or the bill's section ("5.1")
    matter: str = ""  # the remiss answered: its title, or the bill's section heading
    remitted_by: str = ""
    forwarded_by: str = ""
    answered: bool | None = None  # None: answered when it has decision or tjänsteutlåtande text
    note: str = ""
    answer_line: int | None = None  # index of a line that quotes or reports the answer
    reported_stance: str = ""  # the stance a bill's summary gives ("" when the body's own text is here)


@dataclass(frozen=True)
class Reference:
    """'Särskilt uttalande … bilaga 1': a statement whose text is in an appendix."""

    body: Body
    kind: str
    author: str
    parties: str
    index: int


@dataclass(frozen=True)
class GenreResult:
    """A value: the table builders read it and nothing changes it afterwards."""

    genre: str
    cue: str  # what in the text decided the genre, for documents.csv and the log
    boundaries: tuple[Boundary, ...]
    answers: tuple[Answer, ...]
    references: tuple[Reference, ...] = ()
    organisation: str = ""  # who the document's own text is from (for text that answers nothing)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("boundaries", "answers", "references", "notes"):  # lists given by the builders
            object.__setattr__(self, name, tuple(getattr(self, name)))

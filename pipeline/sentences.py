"""Sentence splitting for Swedish remiss text, keeping every sentence's original line numbers.

`spacy.blank("sv")` tokenises Swedish well, but its sentencizer ends a sentence at any
abbreviation it does not know ("enl.", "jfr.", "dnr."). The abbreviations of municipal prose are
added as tokenizer special cases, so they stay one token and never close a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import spacy
from spacy.language import Language
from spacy.symbols import ORTH

from pipeline.textutil import join_with_origins

ABBREVIATIONS = (
    "enl.", "jfr.", "jfr", "resp.", "inkl.", "exkl.", "dnr.", "nr.", "bl.a.", "t.ex.", "m.fl.", "m.m.",
    "s.k.", "d.v.s.", "dvs.", "o.s.v.", "osv.", "p.g.a.", "pga.", "t.o.m.", "fr.o.m.", "f.d.", "ca.",
    "st.", "sid.", "s.", "kap.", "bil.", "ang.", "avd.", "ev.", "kl.", "tel.", "forts.", "tf.", "vol.",
    "proc.", "milj.", "mnkr.", "tkr.", "kr.", "f.n.", "fig.", "tab.", "prop.", "SFS.", "e.d.", "o.d.",
    "bl. a.", "t. ex.", "m. fl.", "s. k.",
)


@lru_cache(maxsize=1)
def swedish_pipeline() -> Language:
    """A blank Swedish spaCy pipeline with a sentencizer that knows remiss abbreviations."""
    nlp = spacy.blank("sv")
    for abbreviation in ABBREVIATIONS:
        if " " in abbreviation:
            continue
        for form in {abbreviation, abbreviation.capitalize(), abbreviation.upper()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("split_after_etc")
    return nlp


@Language.component("split_after_etc")
def split_after_etc(doc):
    """'… leverantörer etc. Staden …': 'etc.' is one token, so the sentencizer never ends a
    sentence there; a capitalised word after it starts a new one."""
    for token in doc[:-1]:
        if token.lower_ in {"etc.", "osv.", "o.s.v.", "m.m."} and doc[token.i + 1].is_title:
            doc[token.i + 1].is_sent_start = True
    return doc


@dataclass(frozen=True)
class Sentence:
    text: str
    start_line: int
    end_line: int


_CONTINUES = frozenset("i och av för till med på om att som en ett den det de vid från mot samt eller men inom under".split())


def _is_heading(text: str, following: str | None) -> bool:
    """A short line without closing punctuation, followed by a capitalised line: a subheading
    ('Jämställdhetsanalys', 'Riktlinjer för informationssäkerhet'), not part of the next sentence."""
    words = text.split()
    return (
        0 < len(words) <= 8
        and words[-1].lower() not in _CONTINUES
        and not text.rstrip().endswith((".", ",", ";", ":", "-", "–", "!", "?"))
        and text[:1].isupper()
        and following is not None
        and following.lstrip()[:1].isupper()
    )


def split_sentences(lines: list[tuple[int, str]]) -> list[Sentence]:
    """Split a passage given as (line number, text) pairs into sentences with their line spans.

    Subheadings inside a passage are sentences of their own; the rest is joined (hyphenation
    repaired) and split by the sentencizer."""
    lines = [(number, text) for number, text in lines if text.strip()]
    blocks: list[list[tuple[int, str]]] = [[]]
    for position, (number, text) in enumerate(lines):
        following = lines[position + 1][1] if position + 1 < len(lines) else None
        previous = lines[position - 1][1] if position else ""
        starts_block = position == 0 or previous.rstrip().endswith((".", ":", "!", "?"))
        if _is_heading(text, following) and starts_block:
            blocks += [[(number, text)], []]
        else:
            blocks[-1].append((number, text))
    return [sentence for block in blocks if block for sentence in _split_block(block)]


def _split_block(lines: list[tuple[int, str]]) -> list[Sentence]:
    text, origins = join_with_origins(lines)
    if not text:
        return []
    sentences = []
    for span in swedish_pipeline()(text).sents:
        sentence = span.text.strip()
        if not sentence:
            continue
        start = span.start_char + (len(span.text) - len(span.text.lstrip()))
        end = start + len(sentence) - 1
        sentences.append(Sentence(sentence, origins[start], origins[end]))
    return sentences


SENTENCE_COLUMNS = ["doc", "segment_id", "sentence_id", "body", "section", "start_line", "end_line", "text"]


def sentences_table(segments: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence of every segment, citing the original lines it spans."""
    rows = []
    content = lines[lines["kind"] == "text"]
    by_doc = {doc: group.set_index("line")["text"] for doc, group in content.groupby("doc", sort=False)}
    for segment in segments.itertuples(index=False):
        doc_lines = by_doc.get(segment.doc)
        if doc_lines is None:
            continue
        passage = doc_lines.loc[segment.start_line : segment.end_line]
        for number, sentence in enumerate(split_sentences(list(passage.items())), start=1):
            rows.append(
                {
                    "doc": segment.doc,
                    "segment_id": segment.segment_id,
                    "sentence_id": f"{segment.segment_id}:{number:03d}",
                    "body": segment.body,
                    "section": segment.section,
                    "start_line": sentence.start_line,
                    "end_line": sentence.end_line,
                    "text": sentence.text,
                }
            )
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)

"""Theme evidence from words: seed terms matched on lemmas and inside Swedish compounds.

"informationssäkerhetsarbetet" is about informationssäkerhet, "kostnaderna" about kostnad. Terms
are matched against each token's lower-cased form, its lemma (simplemma) and the parts of
hyphenated tokens; a term of five letters or more also matches as the head or tail of a compound.
Short terms ("it", "lag", "kön") match whole words only, and terms written in capitals ("ILS",
"GDPR") match only in capitals, so "ils" in running text does not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import simplemma

from pipeline.config import ThemeParams
from pipeline.disk_cache import cached
from pipeline.encoder import Encoder
from pipeline.models import ThemeSpace, theme_features
from pipeline.sentences import swedish_pipeline

MIN_COMPOUND_TERM = 5
_INFLECTIONS = frozenset({"ar", "arna", "arnas", "en", "ens", "et", "ets", "er", "erna", "ernas", "na", "s", "or", "orna", "n", "e"})


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    return simplemma.lemmatize(word, lang="sv").lower()


@lru_cache(maxsize=20_000)
def _token_forms(token: str) -> tuple[frozenset[str], frozenset[str]]:
    """Lower-case forms (word, lemma, hyphen parts and their lemmas) and original-case parts."""
    parts = [token, *[p for p in re.split(r"[-–]", token) if p]]
    lower = {p.lower() for p in parts} | {lemma(p) for p in parts if p.isalpha()}
    return frozenset(lower), frozenset(parts)


@dataclass(frozen=True)
class Term:
    text: str
    words: tuple[str, ...]
    case_sensitive: bool

    @classmethod
    def parse(cls, term: str) -> Term:
        words = tuple(term.split())
        case_sensitive = any(w.isupper() and len(w) > 1 for w in words)
        if not case_sensitive:
            words = tuple(lemma(w) if w.isalpha() else w.lower() for w in words)
        return cls(term, words, case_sensitive)

    def matches_token(self, token: str) -> bool:
        lower, original = _token_forms(token)
        word = self.words[0]
        if self.case_sensitive:
            return word in original
        if word in lower:
            return True
        if len(word) < MIN_COMPOUND_TERM:  # 'lag' matches 'lagar', 'lagen', never 'lagom'
            return any(form.startswith(word) and form[len(word):] in _INFLECTIONS for form in lower)
        return any(form.startswith(word) or form.endswith(word) or (len(word) >= 7 and word in form) for form in lower)


@dataclass(frozen=True)
class ThemeTerms:
    theme: str
    terms: tuple[Term, ...]

    def hits(self, matched: set[Term], lowered_text: str) -> list[str]:
        """The terms found: one-word terms among `matched` (the terms the text's tokens match),
        phrases by a search of the text."""
        found = []
        for term in self.terms:
            if len(term.words) == 1:
                if term in matched:
                    found.append(term.text)
            elif _phrase(term.text).search(lowered_text):
                found.append(term.text)
        return found


@lru_cache(maxsize=1_000)
def _phrase(text: str) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\w*\s+".join(map(re.escape, text.lower().split())) + r"\w*")


def compile_themes(themes: list[ThemeParams]) -> list[ThemeTerms]:
    return [ThemeTerms(theme.id, tuple(Term.parse(term) for term in theme.terms)) for theme in themes]


def tokenize(text: str) -> list[str]:
    return [token.text for token in swedish_pipeline().tokenizer(text) if any(c.isalnum() for c in token.text)]


def term_hits(texts: list[str], compiled: list[ThemeTerms]) -> list[list[list[str]]]:
    """For each text and theme, the seed terms found in it. Each distinct token is matched against
    the one-word terms once (the same words recur in every answer of a remiss)."""
    words = [term for theme in compiled for term in theme.terms if len(term.words) == 1]
    by_token: dict[str, frozenset[Term]] = {}
    result = []
    for text in texts:
        matched: set[Term] = set()
        for token in set(tokenize(text)):
            if token not in by_token:
                # every way a term matches a token needs its word inside one of the token's forms
                lower, original = _token_forms(token)
                forms = "\x00".join((*lower, *original))
                by_token[token] = frozenset(term for term in words
                                            if term.words[0] in forms and term.matches_token(token))
            matched |= by_token[token]
        lowered = text.lower()
        result.append([theme.hits(matched, lowered) for theme in compiled])
    return result


def term_matrix(hits: list[list[list[str]]]) -> np.ndarray:
    """Number of distinct terms found, per text and theme (log1p)."""
    counts = np.array([[len(theme_hits) for theme_hits in row] for row in hits], dtype=np.float32)
    return np.log1p(counts.reshape(len(hits), -1))


def theme_space(themes: list[ThemeParams], encoder: Encoder) -> ThemeSpace:
    """Each theme's description and terms as vectors: what zero-shot recognition compares with."""
    descriptions = encoder.encode([f"{t.label}: {t.description}" for t in themes])
    terms = [encoder.encode(list(t.terms)) for t in themes]
    return ThemeSpace([t.id for t in themes], descriptions, terms)


def sentence_theme_features(sentences: pd.DataFrame, vectors: np.ndarray, themes: list[ThemeParams],
                            space: ThemeSpace) -> tuple[np.ndarray, list[list[list[str]]]]:
    """Per sentence: similarity to each theme and its term hits (the features of the theme model)."""
    texts = sentences["text"].tolist()
    # kept on disk (pipeline/disk_cache.py): tokenising thousands of training sentences was most of a
    # re-run; keyed by the texts, the terms and this module's code
    hits = cached("term_hits", (texts, [theme.terms for theme in themes], Path(__file__).read_bytes()),
                  lambda: term_hits(texts, compile_themes(themes)))
    return theme_features(vectors, term_matrix(hits), space), hits

"""Restore å/ä/ö and common OCR glyph confusions in Swedish text, token by token.

Scanned protocols come back from OCR as "forvaltningens tjidnsteutlatande", "f6ljande", "&r",
"Ordférande", "brister 1 kvalitetsprogrammet". Nearly every damaged form is a known Swedish word,
or a compound of known words, seen through a small confusion model: a lost diacritic shows as the
bare vowel (ä→a, å→a, ö→o), as a look-alike glyph (é, d, i, 6, &), as two glyphs ("id", "éi",
"éd") or not at all ("fngar" for "fångar").

Method (no training data; only the Swedish word list that ships inside the ``wordfreq`` wheel):

* Vocabulary: the alphabetic entries of wordfreq's large Swedish list (about 300 000) with their
  Zipf frequencies, kept as a sorted list so that "is this the prefix of some word" is one
  ``bisect``: a trie without the memory of a third of a million dict nodes.
* Candidates: a depth-first walk over that implicit trie consumes the token character by
  character and may apply the confusion edits below, each with a cost in Zipf units. Prefix
  pruning keeps the walk small.
* Compounds and inflections: wordfreq knows "informationssäkerhet" but not "kvalitetsprogrammet".
  A token may also be read as 2–4 known parts (at least 3 letters and Zipf 2 each), with a linking
  "s", a first part that drops its final vowel ("ersättar-yttrande"), and an inflection ending or
  genitive "s" on a known word. A form the list lacks is rarer than anything it lists, so such
  readings score at most about Zipf 1 (less when the parts are rare or many): a single listed
  word always wins over a made-up compound.
* Decision: the best reading *with* edits must beat the best reading *without* edits (a listed
  word, a compound of listed words, or a floor for unknown words) by a margin. A token holding a
  glyph that no Swedish word has ("6", "&", "é" outside loanwords like "idé") has no floor: it is
  repaired whenever any candidate exists.
* The costs were tuned on clean text from the seeds with diacritics stripped or OCR-like glyphs
  substituted, while keeping changes to already clean text below 0.1 % of words.

Choices worth knowing:

* "for" becomes "för": wordfreq has "for" (Zipf 4.9, mostly English and stripped text) two orders
  of magnitude below "för" (7.2), and the past tense of "fara" hardly occurs in municipal prose.
  Pairs that are both common ("man"/"män", "har"/"här", "satt"/"sätt", "stod"/"stöd") are left
  as written: a unigram list cannot decide them.
* Three context rules on top of frequency: "ar" is "år" after a numeral or before a year, else
  "är"; "bor" is "bör" unless a place or manner follows ("bor i", "bor kvar"); a standalone "1"
  is "i" between two words, never after a word that takes a number ("bilaga 1", "den 1 januari").
* A capitalised word in mid-sentence is probably a name, so only bare vowels are restored there
  ("Engstrom" → "Engström") unless it holds a damage glyph ("Sjébergh" → "Sjöbergh").
* Never touched: numbers, dates, paragraph signs, single letters, short all-caps acronyms
  ("(S)", "(SD)", "ILS"), URLs and e-mail addresses, footnote digits ("direktivet1").
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "RepairReport",
    "repair_line",
    "repair_lines",
    "repair_token",
    "warm_up",
    "word_accuracy",
]

# --- confusion model -------------------------------------------------------------------------
# Costs are in Zipf units (log10 of frequency), so "candidate Zipf - cost" is comparable with the
# Zipf of the token as written. A glyph that never occurs in Swedish words is cheap to undo; a real
# letter (a, o, d, i) must be paid for with frequency.

_DIACRITIC = 0.1  # a→å/ä, o→ö: the bare vowel, the usual "stripped" damage
_GLYPH = 0.1  # é/6/& and friends standing for å/ä/ö
_LETTER = 0.9  # d or i standing for å/ä/ö: both are real letters, so this needs evidence
_PAIR = 1.0  # two real letters for one: "id", "ia"
_GLYPH_PAIR = 0.4  # a glyph and a letter for one letter: "éi", "éd", "é&"
_INSERT = 2.5  # the vowel vanished entirely: "fngar", "skl"
_EDIT_BASE = 0.3  # paid once by any reading with at least one edit

Confusions = dict[str, tuple[tuple[str, float], ...]]


def _build_tables() -> tuple[Confusions, Confusions]:
    """Observed glyph(s) -> (intended letter, cost); rebuilt when the costs above are tuned."""
    vowel3 = ("ä", "å", "ö")
    subs: Confusions = {
        "a": (("ä", _DIACRITIC), ("å", _DIACRITIC)),
        "o": (("ö", _DIACRITIC),),
        "d": tuple((v, _LETTER) for v in vowel3),
        "i": (("ä", _LETTER), ("å", _LETTER + 0.5), ("ö", _LETTER + 0.5)),
        "6": (("ö", _GLYPH),),
        "&": (("ä", _GLYPH),),
        "0": (("o", _GLYPH), ("ö", _GLYPH)),
        "1": (("l", _GLYPH), ("i", _GLYPH)),
        "]": (("l", _GLYPH),),
        "|": (("l", _GLYPH),),
        "ø": (("ö", _GLYPH),),
        "ë": (("ä", _GLYPH), ("e", _GLYPH)),
    }
    for glyph in "éèê":  # mostly å/ä/ö, sometimes a plain e ("kvalitétsprogrammet")
        subs[glyph] = (*((v, _GLYPH) for v in vowel3), ("e", _GLYPH + 0.5))
    for glyph in "áàâ":
        subs[glyph] = tuple((v, _GLYPH) for v in ("å", "ä", "a"))
    for glyph in "óòô":
        subs[glyph] = (("ö", _GLYPH), ("o", _GLYPH))
    pairs: Confusions = {}
    for pair in ("id", "ia"):  # real letters: only ever seen for ä ("tjidnste", "atgiarder")
        pairs[pair] = (("ä", _PAIR),)
    for pair in ("éi", "éd", "éo", "é&", "èi", "èd", "èo"):  # as seen: "véigledning", "hédnvisning"
        pairs[pair] = tuple((v, _GLYPH_PAIR) for v in vowel3)
    return subs, pairs


_SUBSTITUTIONS, _PAIRS = _build_tables()
_BARE_VOWELS = frozenset("ao")  # the only edits allowed in a capitalised word without glyphs

# Characters that no ordinary Swedish word contains: their presence is evidence of damage.
_DAMAGE_GLYPHS = frozenset("éèêëáàâóòôø6&01]|")
_DIGIT_GLYPHS = frozenset("016")
_NON_LETTER_GLYPHS = frozenset("&]|")

# --- search limits and scoring ---------------------------------------------------------------
_MAX_EDITS_PER_PART = 5
_MAX_COST_PER_PART = 4.0
_MAX_INSERTS_PER_PART = 1
_MAX_PARTS = 4
_MIN_PART_LEN = 3
_MIN_PART_ZIPF = 2.0  # a compound part that needed an edit
_MIN_PLAIN_PART_ZIPF = 2.0  # a compound part read as written
_PART_CAP = 4.5  # "går", "det", "för" are no stronger evidence for a compound than "gård"
# A compound missing from the list is rarer than the rarest listed word (Zipf 1.0), so a compound
# reading scores at most _COMPOUND_TOP, less when its parts are rare or many.
_COMPOUND_TOP = 0.5
_COMPOUND_SLOPE = 1.0  # per Zipf unit that the mean part falls below _PART_CAP
_PART_PENALTY = 1.0  # per part beyond two: more parts means more ways to be wrong
_LINK_COST = 0.1  # the linking "s" inside a compound ("kvalitet-s-programmet")
_TRUNC_COST = 0.1  # a first part that dropped its final vowel ("ersättar-", "skol-")
_DERIVED_TOP = 1.0  # a form the list lacks scores at most its lowest entry (Zipf 1.0)
_SUFFIX_COST = 1.0  # an inflection the list lacks: "omformulering-ar", "medarbetarskap-et"
_SUFFIXES = ("ar", "er", "or", "en", "et", "na", "arna", "erna", "orna", "ens", "ets", "ernas", "arnas", "n", "t")
_MIN_STEM_LEN = 4
_GENITIVE_COST = 1.5  # a final "s" on a word the list only has without it ("digitalisering-s")
_UNKNOWN_FLOOR = -3.0  # an unknown word, not even a compound of known ones, written without glyphs
_MARGIN = 0.3  # a repair must beat the token as written by this much
_KNOWN_NO_SPLIT = 2.0  # a known word this frequent is only compared with single words
_BEAM = 8
_MAX_TOKEN_LEN = 45
_MIN_VOCAB_ZIPF = 1.0

_SWEDISH_WORD_RE = re.compile(r"^[a-zåäöéèüáàâêëíóòôøæç]+$")
_LEADING = "\"'([{«»“”‘’„<*•·–—"
_TRAILING = "\"'.,;:!?)]}»«“”‘’>*…"
_URLISH = re.compile(r"(?:://|www\.|@|\.(?:se|com|nu|org|net|eu)\b)", re.IGNORECASE)

_NUMBER_TAKERS = frozenset(
    """bilaga bilagan bilagor punkt punkten steg fas kapitel kap avsnitt paragraf nr nummer kl
    sid sida sidan version del delen etapp alternativ nivå nivån typ grupp klass tertial
    tertialrapportering kvartal område zon rad tabell figur diagram bild ärende ärendet dnr
    den ca cirka minst högst drygt knappt totalt mellan än plus minus gånger år året vecka dag
    mål målet fråga frågan runda omgång""".split()
)
# "bor" (lives) is followed by a place or a manner; "bör" (should) by a verb or an adverb.
_BOR_CONTEXT = frozenset(
    """i på hos vid inom utanför utomlands kvar tillsammans själv själva ensam ensamma hemma
    nära där här med och som under runt mitt centralt permanent trångt billigt granne""".split()
)
_NOT_AFTER_I = frozenset(
    """och eller till av respektive resp år året månad månader vecka veckor dag dagar timme
    timmar minut minuter procent miljon miljoner miljard miljarder kr kronor mkr mnkr tkr st
    stycken gång gånger person personer januari februari mars april maj juni juli augusti
    september oktober november december""".split()
)
_YEAR_BEFORE = frozenset(
    """ett två tre fyra fem sex sju åtta nio tio elva tolv femton tjugo flera några många varje
    per förra nästa sista första andra tredje""".split()
)


@dataclass
class RepairReport:
    """What a repair run did: counts for the ingest log and every change for review."""

    tokens_seen: int = 0
    tokens_changed: int = 0
    changes: list[tuple[int, str, str]] = field(default_factory=list)

    def merge(self, line_index: int, seen: int, changes: list[tuple[str, str]]) -> None:
        """Add one line's outcome."""
        self.tokens_seen += seen
        self.tokens_changed += len(changes)
        self.changes.extend((line_index, old, new) for old, new in changes)


# --- vocabulary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vocab:
    zipf: dict[str, float]
    words: list[str]  # sorted, for prefix tests


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    """Load wordfreq's large Swedish list once (about half a second; ships inside the wheel)."""
    from wordfreq import get_frequency_dict

    zipf: dict[str, float] = {}
    for word, freq in get_frequency_dict("sv", wordlist="large").items():
        if freq <= 0 or not _SWEDISH_WORD_RE.match(word):
            continue
        value = math.log10(freq) + 9.0
        if value >= _MIN_VOCAB_ZIPF:
            zipf[word] = value
    return _Vocab(zipf=zipf, words=sorted(zipf))


def warm_up() -> None:
    """Load the word list now rather than on the first repaired token."""
    _vocab()


def _has_prefix(words: list[str], prefix: str) -> bool:
    index = bisect_left(words, prefix)
    return index < len(words) and words[index].startswith(prefix)


# --- candidate search ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Edge:
    end: int
    text: str  # the repaired surface form of this part (linking "s" included)
    zipf: float
    cost: float
    edits: int
    linked: bool
    truncated: bool = False  # a first part without its final vowel: never the last part


def _edges_from(token: str, start: int, vocab: _Vocab, cautious: bool = False) -> list[_Edge]:
    """All vocabulary words readable from ``token[start:]`` under the confusion model.

    ``cautious`` (capitalised words with no damage glyph, mostly names: "Wirde", "Gardos") only
    allows the bare-vowel edits a→å/ä, o→ö: no letter confusions, glyph pairs or lost vowels.
    """
    words, zipf = vocab.words, vocab.zipf
    subs = _SUBSTITUTIONS
    pairs: Confusions = {} if cautious else _PAIRS
    max_inserts = 0 if cautious else _MAX_INSERTS_PER_PART
    n = len(token)
    best: dict[tuple[int, str], tuple[float, int]] = {}
    truncated: dict[tuple[int, str], tuple[float, int]] = {}
    # state: position, prefix built so far, cost, edit count, insert count, last step inserted
    stack: list[tuple[int, str, float, int, int, bool]] = [(start, "", 0.0, 0, 0, False)]
    while stack:
        pos, prefix, cost, edits, inserts, inserted = stack.pop()
        if prefix and prefix in zipf:
            key = (pos, prefix)
            old = best.get(key)
            if old is None or cost < old[0]:
                best[key] = (cost, edits)
        if len(prefix) >= _MIN_PART_LEN and pos < n:
            for vowel in "ea":  # "ersättare" -> "ersättar-yttrande", "skola" -> "skol-gård"
                full = prefix + vowel
                if full in zipf:
                    old = truncated.get((pos, full))
                    if old is None or cost < old[0]:
                        truncated[(pos, full)] = (cost, edits)
        if pos < n:
            char = token[pos]
            if char.isalpha():
                nxt = prefix + char
                if _has_prefix(words, nxt):
                    stack.append((pos + 1, nxt, cost, edits, inserts, False))
            if edits < _MAX_EDITS_PER_PART:
                for target, step in subs.get(char, ()) if not cautious or char in _BARE_VOWELS else ():
                    if cost + step <= _MAX_COST_PER_PART:
                        nxt = prefix + target
                        if _has_prefix(words, nxt):
                            stack.append((pos + 1, nxt, cost + step, edits + 1, inserts, False))
                if pos + 1 < n:
                    for target, step in pairs.get(token[pos : pos + 2], ()):
                        if cost + step <= _MAX_COST_PER_PART:
                            nxt = prefix + target
                            if _has_prefix(words, nxt):
                                stack.append((pos + 2, nxt, cost + step, edits + 1, inserts, False))
        if (
            prefix
            and not inserted
            and inserts < max_inserts
            and edits < _MAX_EDITS_PER_PART
            and cost + _INSERT <= _MAX_COST_PER_PART
        ):
            for target in "äåö":
                nxt = prefix + target
                if _has_prefix(words, nxt):
                    stack.append((pos, nxt, cost + _INSERT, edits + 1, inserts + 1, True))
    edges: list[_Edge] = []
    for (end, text), (cost, edits) in best.items():
        value = zipf[text]
        edges.append(_Edge(end, text, value, cost, edits, False))
        if end < n and token[end] == "s" and len(text) >= _MIN_PART_LEN:
            edges.append(_Edge(end + 1, text + "s", value, cost + _LINK_COST, edits, True))
    for (end, full), (cost, edits) in truncated.items():
        edges.append(_Edge(end, full[:-1], zipf[full], cost + _TRUNC_COST, edits, False, True))
    return edges


@dataclass(frozen=True)
class _Reading:
    text: str
    score: float
    edits: int


# A partial compound reading: (sum of capped part Zipf, parts, cost, edits, text so far).
_Path = tuple[float, int, float, int, str]


def _readings(
    token: str, vocab: _Vocab, allow_compounds: bool, cautious: bool = False
) -> tuple[_Reading | None, _Reading | None]:
    """Best reading without edits and best reading with edits (either may be missing)."""
    n = len(token)
    edges_at: dict[int, list[_Edge]] = {0: _edges_from(token, 0, vocab, cautious)}
    best_plain: _Reading | None = None
    best_edited: _Reading | None = None

    def consider(reading: _Reading) -> None:
        nonlocal best_plain, best_edited
        if reading.edits == 0:
            if best_plain is None or (reading.score, reading.text) > (best_plain.score, best_plain.text):
                best_plain = reading
        elif best_edited is None or (reading.score, reading.text) > (best_edited.score, best_edited.text):
            best_edited = reading

    for edge in edges_at[0]:
        if edge.end == n and not edge.truncated:  # a single word, perhaps with a genitive "s"
            cost = edge.cost + (_EDIT_BASE if edge.edits else 0.0)
            value = edge.zipf
            if edge.linked:  # a genitive the list lacks is rarer than anything it lists
                value = min(value - _GENITIVE_COST + _LINK_COST, _DERIVED_TOP)
            consider(_Reading(edge.text, value - cost, edge.edits))
    suffixes = [suffix for suffix in _SUFFIXES if token.endswith(suffix) and n - len(suffix) >= _MIN_STEM_LEN]
    for suffix in suffixes:  # "omformulering-ar": an inflected form the list does not hold
        stem_end = n - len(suffix)
        for edge in edges_at[0]:
            if edge.end == stem_end and not edge.truncated and not edge.linked:
                value = min(edge.zipf - _SUFFIX_COST, _DERIVED_TOP)  # "satt-et" is no word
                cost = edge.cost + (_EDIT_BASE if edge.edits else 0.0)
                consider(_Reading(edge.text + suffix, value - cost, edge.edits))
    if not allow_compounds:
        return best_plain, best_edited

    # Beam over positions; a final linked "s" (a genitive) pays _GENITIVE_COST.
    beams: dict[int, list[_Path]] = {0: [(0.0, 0, 0.0, 0, "")]}
    for pos in range(n):
        paths = beams.get(pos)
        if not paths:
            continue
        edges = edges_at.get(pos)
        if edges is None:
            edges = _edges_from(token, pos, vocab, cautious)
            edges_at[pos] = edges
        for edge in edges:
            base_len = len(edge.text) - (1 if edge.linked else 0)
            if base_len < _MIN_PART_LEN:
                continue
            if edge.zipf < (_MIN_PART_ZIPF if edge.edits else _MIN_PLAIN_PART_ZIPF):
                continue
            if edge.truncated and edge.end == n:
                continue
            part_zipf = min(edge.zipf, _PART_CAP)
            for total, parts, cost, edits, text in paths:
                if parts >= _MAX_PARTS:
                    continue
                step = edge.cost + (_GENITIVE_COST - _LINK_COST if edge.linked and edge.end == n else 0.0)
                beams.setdefault(edge.end, []).append(
                    (total + part_zipf, parts + 1, cost + step, edits + edge.edits, text + edge.text)
                )
        for end in {edge.end for edge in edges}:
            candidates = beams.get(end, [])
            if len(candidates) > _BEAM * 2:
                beams[end] = _prune(candidates)
    for total, parts, cost, edits, text in beams.get(n, []):
        if parts >= 2:
            consider(_Reading(text, _compound_score(total, parts, cost, edits), edits))
    for suffix in suffixes:
        for total, parts, cost, edits, text in beams.get(n - len(suffix), []):
            if parts >= 2:
                score = _compound_score(total, parts, cost + _SUFFIX_COST, edits)
                consider(_Reading(text + suffix, score, edits))
    return best_plain, best_edited


def _compound_score(total: float, parts: int, cost: float, edits: int) -> float:
    mean = total / parts
    score = _COMPOUND_TOP - _COMPOUND_SLOPE * (_PART_CAP - mean) - _PART_PENALTY * max(parts - 2, 0) - cost
    return score - (_EDIT_BASE if edits else 0.0)


def _prune(paths: list[_Path]) -> list[_Path]:
    """Keep the best few plain and the best few edited partial readings, one per surface form."""
    ranked = sorted(paths, key=lambda p: (_compound_score(p[0], p[1], p[2], p[3]), p[4]), reverse=True)
    kept: list[_Path] = []
    seen: set[str] = set()
    plain = edited = 0
    for path in ranked:
        if path[4] in seen:
            continue
        if path[3]:
            if edited >= _BEAM:
                continue
            edited += 1
        else:
            if plain >= _BEAM:
                continue
            plain += 1
        seen.add(path[4])
        kept.append(path)
    return kept


@lru_cache(maxsize=200_000)
def _repair_lower(token: str, cautious: bool = False) -> str:
    """Repair one lower-cased word (letters and damage glyphs only); returns it unchanged if unsure."""
    vocab = _vocab()
    known = vocab.zipf.get(token)
    has_glyph = any(char in _DAMAGE_GLYPHS for char in token)
    allow_compounds = not (known is not None and known >= _KNOWN_NO_SPLIT and not has_glyph)
    plain, edited = _readings(token, vocab, allow_compounds, cautious and not has_glyph)
    if edited is None:
        return token
    if plain is not None:
        baseline = plain.score
    elif has_glyph:
        baseline = -math.inf
    else:
        baseline = _UNKNOWN_FLOOR
    if edited.score > baseline + _MARGIN:
        return edited.text
    return token


# --- tokens and case -------------------------------------------------------------------------


def _restore_case(original: str, repaired: str) -> str:
    """Give the repaired (lower-case) word the case pattern of the original."""
    if len(original) == len(repaired):
        return "".join(r.upper() if o.isupper() else r for o, r in zip(original, repaired, strict=True))
    letters = [char for char in original if char.isalpha()]
    if len(letters) > 1 and all(char.isupper() for char in letters):
        return repaired.upper()
    if original[:1].isupper() or (original[:1] in _DIGIT_GLYPHS and len(letters) > 1 and letters[0].isupper()):
        return repaired[:1].upper() + repaired[1:]
    return repaired


def _eligible(word: str) -> bool:
    """A word worth repairing: letters, perhaps with glyphs inside; no numbers, footnotes or acronyms."""
    letters = sum(1 for char in word if char.isalpha())
    if letters < 2 and not (word.startswith("&") and letters >= 1):
        return False
    for char in word:
        if char.isdigit():
            if char not in _DIGIT_GLYPHS:
                return False
        elif not char.isalpha() and char not in _NON_LETTER_GLYPHS:
            return False
    if len(word) > _MAX_TOKEN_LEN:
        return False  # no Swedish word is this long; OCR garbage or a run-together line
    if word[-1] == "1":
        return False  # "direktivet1": a footnote mark, not a glyph
    if word[0].isdigit() and word[0] not in "06":
        return False
    alpha = [char for char in word if char.isalpha()]
    if all(char.isupper() for char in alpha) and len(word) <= 4:
        return False  # acronyms: ILS, NORR, KS, SD
    return True


def repair_token(word: str, mid_sentence: bool = False) -> str:
    """Repair one word with no surrounding punctuation: 'tjidnsteutlatande' -> 'tjänsteutlåtande'.

    A capitalised word in the middle of a sentence is probably a name ("Hanna Wirde"), so only
    bare vowels are restored there unless the word holds a damage glyph ("Sjébergh").
    """
    apostrophe = _fix_apostrophe(word)
    if apostrophe is not None:
        return apostrophe
    if not _eligible(word):
        return word
    lower = word.lower()
    if len(lower) != len(word):
        return word  # exotic case mappings: leave alone rather than guess
    cautious = mid_sentence and word[0].isupper() and not word.isupper()
    repaired = _repair_lower(lower, cautious)
    if repaired == lower:
        return word
    return _restore_case(word, repaired)


def _fix_apostrophe(word: str) -> str | None:
    """"I'T" -> "IT": a stray apostrophe inside an all-caps acronym."""
    if "'" in word and re.fullmatch(r"[A-ZÅÄÖ]+'[A-ZÅÄÖ]+", word):
        joined = word.replace("'", "")
        if _vocab().zipf.get(joined.lower(), 0.0) >= 4.0:
            return joined
    return None


_CHUNK_RE = re.compile(r"\S+")
_SENTENCE_END = (".", "!", "?", ":", ";", "•", "-", "–", "—")


def _split_chunk(chunk: str) -> tuple[str, str, str]:
    """'(förslag),' -> ('(', 'förslag', '),'): punctuation around a word is kept as it was."""
    start, end = 0, len(chunk)
    while start < end and chunk[start] in _LEADING:
        start += 1
    while end > start and chunk[end - 1] in _TRAILING:
        end -= 1
    return chunk[:start], chunk[start:end], chunk[end:]


def _one_to_i(before: str | None, after: str | None) -> bool:
    """A standalone '1' between two words is the preposition 'i' read as a digit."""
    if not before or not after or not before.isalpha() or not after.isalpha():
        return False
    if not before.islower() or before in _NUMBER_TAKERS:
        return False
    return after.lower() not in _NOT_AFTER_I and not (after.isupper() and len(after) > 1)


def _year_context(before: str | None, after: str | None) -> bool:
    """'två ar', 'ar 2018': the 'ar' is 'år', not 'är'."""
    if after is not None and re.match(r"\d{4}(?!\d)", after):
        return True
    return before is not None and before.lower() in _YEAR_BEFORE


def _repair_core(core: str, mid_sentence: bool) -> tuple[str, int]:
    """Repair a word that may hold hyphens ('ILS-systemet', 'utforséljnings-'); returns tokens seen."""
    if core in ("i1", "1i"):
        return "i", 1
    pieces = core.split("-")
    fixed = [repair_token(piece, mid_sentence) if piece else piece for piece in pieces]
    return "-".join(fixed), sum(1 for piece in pieces if piece)


def _repair_line(
    line: str, prev_word: str | None, next_word: str | None
) -> tuple[str, int, list[tuple[str, str]]]:
    matches = list(_CHUNK_RE.finditer(line))
    if not matches:
        return line, 0, []
    parts = [_split_chunk(match.group(0)) for match in matches]
    cores = [core for _, core, _ in parts]
    seen = 0
    for index, (_, core, _) in enumerate(parts):
        if core and core != "1" and not _URLISH.search(matches[index].group(0)):
            mid_sentence = index > 0 and not matches[index - 1].group(0).endswith(_SENTENCE_END)
            cores[index], count = _repair_core(core, mid_sentence)
            seen += count
    # Context rules see the repaired neighbours: "brister 1 kvalitetsprogrammet", "två ar".
    last = len(parts) - 1
    for index, (lead, core, trail) in enumerate(parts):
        if index > 0:
            before = cores[index - 1] if not parts[index - 1][2] and not lead else None
        else:
            before = prev_word if not lead else None
        if index < last:
            after = cores[index + 1] if not parts[index + 1][0] and not trail else None
        else:
            after = next_word if not trail else None
        if core == "1":
            seen += 1
            if not lead and not trail and _one_to_i(before, after):
                cores[index] = "i"
        elif cores[index].lower() == "är" and core.lower() != "är" and _year_context(before, after):
            cores[index] = _restore_case(core, "år")
        elif cores[index].lower() == "bor" and after and after.isalpha() and after.islower():
            if after not in _BOR_CONTEXT:
                cores[index] = _restore_case(core, "bör")
    out: list[str] = []
    changes: list[tuple[str, str]] = []
    pos = 0
    for match, (lead, core, trail), new_core in zip(matches, parts, cores, strict=True):
        out.append(line[pos : match.start()])
        out.append(lead + new_core + trail)
        pos = match.end()
        if new_core != core:
            old_pieces, new_pieces = core.split("-"), new_core.split("-")
            if len(old_pieces) == len(new_pieces):
                changes.extend((a, b) for a, b in zip(old_pieces, new_pieces, strict=True) if a != b)
            else:
                changes.append((core, new_core))
    out.append(line[pos:])
    return "".join(out), seen, changes


def repair_line(line: str, prev_word: str | None = None, next_word: str | None = None) -> tuple[str, int]:
    """Repair one line; returns the new line and how many tokens changed.

    ``prev_word``/``next_word`` are the last word of the line before and the first word of the
    line after, so that "brister 1" + "kvalitetsprogrammet" on the next line still becomes "i".
    """
    new_line, _, changes = _repair_line(line, prev_word, next_word)
    return new_line, len(changes)


def _edge_word(line: str, last: bool) -> str | None:
    """The last (or first) word of a line, or None when punctuation separates it from the break."""
    chunks = line.split()
    if not chunks:
        return None
    lead, core, trail = _split_chunk(chunks[-1] if last else chunks[0])
    if (last and trail) or (not last and lead):
        return None
    return core or None


def repair_lines(lines: list[str]) -> tuple[list[str], RepairReport]:
    """Repair every line; the result has exactly as many lines, in the same order."""
    report = RepairReport()
    out: list[str] = []
    for index, line in enumerate(lines):
        prev_word = _edge_word(out[index - 1], last=True) if index > 0 else None
        next_word = _edge_word(lines[index + 1], last=False) if index + 1 < len(lines) else None
        new_line, seen, changes = _repair_line(line, prev_word, next_word)
        report.merge(index, seen, changes)
        out.append(new_line)
    return out, report


# --- evaluation ------------------------------------------------------------------------------

_WORD_RE = re.compile(r"\S+")


def word_accuracy(reference: str, candidate: str) -> float:
    """Share of whitespace-separated words that are identical in both texts (1.0 for no words).

    Repair never adds or removes words, so a position-by-position comparison is exact; a
    length mismatch counts every unmatched word as wrong.
    """
    ref = _WORD_RE.findall(reference)
    cand = _WORD_RE.findall(candidate)
    total = max(len(ref), len(cand))
    if total == 0:
        return 1.0
    return sum(1 for a, b in zip(ref, cand, strict=False) if a == b) / total

"""Text helpers shared by the stages: matching keys that survive case, diacritics and OCR damage.

Body names appear as "Norrmalms stadsdelsnämnd", "Norrmalm stadsdelsnämnd", "norrmalms
stadsdelsnamnd" (OCR) or split over two lines as "Enskede-\\nÅrsta-Vantörs". Comparing *keys*
rather than raw strings makes all of these the same.
"""

from __future__ import annotations

import re
import unicodedata

_FOLD = str.maketrans(
    {
        "å": "a", "ä": "a", "à": "a", "á": "a", "â": "a", "ã": "a", "æ": "a",
        "ö": "o", "ø": "o", "ó": "o", "ò": "o", "ô": "o", "õ": "o",
        "é": "e", "è": "e", "ê": "e", "ë": "e",
        "ü": "u", "ú": "u", "ù": "u", "û": "u",
        "í": "i", "ì": "i", "î": "i", "ï": "i",
        "ç": "c", "ñ": "n",
    }
)
_HYPHEN_JOIN = re.compile(r"(?<=\w)[-‐‑–]\s*")
_NON_WORD = re.compile(r"[^\w:§]+")
_SPACES = re.compile(r"\s+")


def normalize_unicode(text: str) -> str:
    """NFC, typographic spaces to plain spaces, soft hyphens and zero-width characters removed."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    text = text.replace("\ufb01", "fi").replace("\ufb02", "fl")
    return re.sub(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]", " ", text)


def fold(text: str) -> str:
    """Lower-case and strip Swedish diacritics: 'Östermalms NÄMND' -> 'ostermalms namnd'."""
    return text.lower().translate(_FOLD)


def match_key(text: str) -> str:
    """A key for comparing names: folded, hyphen+space joins removed, punctuation to spaces.

    'Enskede-Årsta-Vantörs' and 'Enskede-\\nÅrsta-Vantörs' and 'enskede-årsta-vantörs' all give
    'enskedearstavantors'; 'Miljö- och hälsoskyddsnämnden' gives 'miljooch halsoskyddsnamnden'.
    """
    key = _HYPHEN_JOIN.sub("", fold(normalize_unicode(text)))
    key = _NON_WORD.sub(" ", key)
    return _SPACES.sub(" ", key).strip(" :")


def squash_spaces(text: str) -> str:
    """Collapse runs of white space to one space and strip the ends."""
    return _SPACES.sub(" ", text).strip()


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines into running text, repairing line-end hyphenation.

    A word split as 'man-' + 'dat' becomes 'mandat'; a real compound split at its hyphen
    ('it-' + 'leveransen', 'Enskede-' + 'Årsta') keeps the hyphen; 'miljö- och' stays as it is.
    """
    return join_with_origins(list(enumerate(lines)))[0]


def join_with_origins(lines: list[tuple[int, str]]) -> tuple[str, list[int]]:
    """`join_lines` for (line number, text) pairs, also giving the line number of every character.

    The origins let a sentence found in the joined text cite the original lines it came from.
    Linear in the text: only the end of what is joined so far is ever looked at.
    """
    parts: list[str] = []
    origins: list[int] = []
    for number, raw in lines:
        line = squash_spaces(raw)
        if not line:
            continue
        if not parts:
            parts.append(line)
            origins += [number] * len(line)
            continue
        head = _word_before_hyphen(parts)
        next_word = re.match(r"\w+", line)
        separator = " "
        if head and next_word:
            tail = next_word.group(0)
            if tail.lower() in _COORDINATORS:  # 'digitaliserings- och innovationsarbetet'
                separator = " "
            elif tail[0].islower() and head[-1].islower() and len(head) > 2 and not _keeps_hyphen(head):
                parts[-1] = parts[-1][:-1]  # 'man-' + 'dat' -> 'mandat'
                origins.pop()
                separator = ""
            else:
                separator = ""  # 'it-' + 'leveransen', 'Enskede-' + 'Årsta'
        parts.append(separator + line)
        origins += [number] * (len(separator) + len(line))
    return "".join(parts), origins


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"  # what \w matches


_LONGEST_HEAD = 64  # a hyphenated word is judged by its last 64 letters: no pathological text is quadratic


def _word_before_hyphen(parts: list[str]) -> str:
    """The word that ends in a line-end hyphen ('man' of '… man-'), or '' (also after ' -')."""
    if not parts[-1].endswith("-"):
        return ""
    letters: list[str] = []
    index, position = len(parts) - 1, len(parts[-1]) - 1
    while len(letters) < _LONGEST_HEAD:
        if position == 0:
            if index == 0:
                break
            index -= 1
            position = len(parts[index])
            if not parts[index]:
                continue
        char = parts[index][position - 1]
        if not _is_word_char(char):
            break
        letters.append(char)
        position -= 1
    return "".join(reversed(letters))


_COORDINATORS = {"och", "eller", "samt", "respektive", "resp", "som", "men"}


def _keeps_hyphen(head: str) -> bool:
    """Prefixes that are written with a hyphen in Swedish compounds (it-, e-, ILS-, 2020-)."""
    return head.isupper() or head.lower() in {"it", "e", "ai", "iot", "ils", "eu", "gdpr"} or head.isdigit()

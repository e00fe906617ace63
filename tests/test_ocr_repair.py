"""Tests for pipeline.ocr_repair: measured accuracy, the real OCR'd protocol, unit cases, properties.

The accuracy tests damage clean Swedish from the seeds in two ways (diacritics stripped; OCR-like
glyphs substituted with a fixed seed), repair it and compare word by word with the original.
Run with ``pytest -s`` to see the measured figures.
"""

from __future__ import annotations

import difflib
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import ocr_repair
from pipeline.ocr_repair import RepairReport, repair_line, repair_lines, repair_token, word_accuracy

ROOT = Path(__file__).resolve().parents[1]
KS_PATH = ROOT / "data" / "raw" / "ks-2021-866-utlatande-kvalitetsprogram.txt"
PROTOCOL_PATH = ROOT / "data" / "raw" / "norrmalm-sdn-protokoll-2021-10-21-p12.txt"

# Held-out paragraphs (1-based, inclusive): the Norrmalm tjänsteutlåtande, a passage on it-governance
# and the start of a party statement. The costs in ocr_repair were tuned on the rest of the file.
TEST_RANGES = [(2575, 2620), (3001, 3040), (4001, 4040)]

_STRIP = str.maketrans("åäöÅÄÖ", "aaoAAO")
_OCR_GLYPHS = {"å": "aéd", "ä": "aédi", "ö": "o6é", "Å": "A", "Ä": "A", "Ö": "O"}


def _read_lines(path: Path) -> list[str]:
    if not path.exists():
        pytest.skip(f"seed file missing: {path}")
    return path.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def ks_lines() -> list[str]:
    return _read_lines(KS_PATH)


@pytest.fixture(scope="module")
def protocol_lines() -> list[str]:
    return _read_lines(PROTOCOL_PATH)


@pytest.fixture(scope="module")
def held_out(ks_lines: list[str]) -> list[str]:
    return [line for start, end in TEST_RANGES for line in ks_lines[start - 1 : end]]


def strip_diacritics(lines: list[str]) -> list[str]:
    return [line.translate(_STRIP) for line in lines]


def ocr_damage(lines: list[str], seed: int = 0) -> list[str]:
    """Replace every å/ä/ö by a random look-alike, as seen in the scanned protocols."""
    rng = random.Random(seed)
    return ["".join(rng.choice(_OCR_GLYPHS[c]) if c in _OCR_GLYPHS else c for c in line) for line in lines]


def measure(clean: list[str], damaged: list[str]) -> tuple[float, float, int]:
    """Word accuracy on all words and on the damaged words only, and how many were damaged."""
    repaired, _ = repair_lines(damaged)
    assert len(repaired) == len(clean)
    overall = word_accuracy("\n".join(clean), "\n".join(repaired))
    hit = total = 0
    for ref_line, bad_line, out_line in zip(clean, damaged, repaired, strict=True):
        for ref, bad, out in zip(ref_line.split(), bad_line.split(), out_line.split(), strict=True):
            if ref != bad:
                total += 1
                hit += ref == out
    return overall, hit / max(total, 1), total


# --- 1. measured accuracy ---------------------------------------------------------------------


def test_accuracy_on_stripped_text(held_out: list[str]) -> None:
    before = word_accuracy("\n".join(held_out), "\n".join(strip_diacritics(held_out)))
    overall, damaged, count = measure(held_out, strip_diacritics(held_out))
    print(f"\nstripped: {before:.4f} -> {overall:.4f} word accuracy; {damaged:.4f} of {count} damaged words")
    assert overall >= 0.97  # measured 0.985 (from 0.745)
    assert damaged >= 0.90  # measured 0.940


def test_accuracy_on_ocr_like_text(held_out: list[str]) -> None:
    noisy = ocr_damage(held_out)
    before = word_accuracy("\n".join(held_out), "\n".join(noisy))
    overall, damaged, count = measure(held_out, noisy)
    print(f"\nOCR-like: {before:.4f} -> {overall:.4f} word accuracy; {damaged:.4f} of {count} damaged words")
    assert overall >= 0.975  # measured 0.991
    assert damaged >= 0.93  # measured 0.966


def test_accuracy_on_whole_document(ks_lines: list[str]) -> None:
    """The full 4 900-line utlåtande, most of it seen during tuning: a check on breadth, not a score."""
    overall, damaged, count = measure(ks_lines, strip_diacritics(ks_lines))
    print(f"\nwhole document, stripped: {overall:.4f}; {damaged:.4f} of {count} damaged words")
    assert overall >= 0.98  # measured 0.991
    assert damaged >= 0.94  # measured 0.966


def test_clean_text_is_left_alone(ks_lines: list[str]) -> None:
    repaired, report = repair_lines(ks_lines)
    rate = report.tokens_changed / report.tokens_seen
    print(f"\nclean text: {report.tokens_changed} of {report.tokens_seen} tokens changed ({rate:.5f})")
    assert rate < 0.001  # measured 0.0004: "fortsatta" -> "fortsätta", "an" -> "än", ...
    assert len(repaired) == len(ks_lines)


# --- 2. unit cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        ("nimnd", "nämnd"),
        ("ndmnd", "nämnd"),
        ("namnd", "nämnd"),
        ("forbattringar", "förbättringar"),
        ("tjidnsteutlatande", "tjänsteutlåtande"),
        ("f6ljande", "följande"),
        ("uppf6ljning", "uppföljning"),
        ("f6]jd", "följd"),
        ("&r", "är"),
        ("drendet", "ärendet"),
        ("begirt", "begärt"),
        ("géllande", "gällande"),
        ("véigledning", "vägledning"),
        ("ersétts", "ersätts"),
        ("pd", "på"),
        ("sdrskilt", "särskilt"),
        ("for", "för"),
        ("informationssikerhet", "informationssäkerhet"),
        ("stadsdelsnamnd", "stadsdelsnämnd"),
        ("kvalitetsfragorna", "kvalitetsfrågorna"),
        ("Ordférande", "Ordförande"),
        ("Ledaméter", "Ledamöter"),
        ("Sjébergh", "Sjöbergh"),
        ("NAMNDEN", "NÄMNDEN"),
        ("I'T", "IT"),
    ],
)
def test_repair_token(damaged: str, expected: str) -> None:
    assert repair_token(damaged) == expected


@pytest.mark.parametrize(
    ("damaged", "expected"),
    [
        ("brister 1 kvalitetsprogrammet", "brister i kvalitetsprogrammet"),
        ("Riktlinjen &r en del", "Riktlinjen är en del"),
        ("hallbarhetsperspektiv i1 stadens", "hållbarhetsperspektiv i stadens"),
        ("styret ar 2018. Istéllet", "styret år 2018. Istället"),
        ("efter ytterligare néstan tva ar finns", "efter ytterligare nästan två år finns"),
        ("Det ar ddrmed valkommet", "Det är därmed välkommet"),
        ("En renodling bor kunna leda", "En renodling bör kunna leda"),
        ("tva for staden viktiga styrdokument, I'T-", "två för staden viktiga styrdokument, IT-"),
        ("utforséljnings- och privatiseringsfokus", "utförsäljnings- och privatiseringsfokus"),
        ("(“ndr hallbarhetsperspektivet leder”)", "(“när hållbarhetsperspektivet leder”)"),
    ],
)
def test_repair_line(damaged: str, expected: str) -> None:
    assert repair_line(damaged)[0] == expected


@pytest.mark.parametrize(
    "line",
    [
        "Protokoll nr 9/2021",
        "den 21 oktober 2021 kl. 18:00-18:53, Mötesrum: Stora",
        "Paragraf §12",
        "NORR 2021/511-3 (Godkänd - R 1) KS 2021/866",
        "Ledamöter Petra Gardos Ek (M) Ordförande (S), (V), (SD), (MP)",
        "Hanna Wirde Avdelningschef",
        "enligt bilaga 1 och punkt 1 till den 1 januari",
        "se https://start.stockholm/remiss eller skriv till info@stockholm.se",
        "Det är bra att kvalitetsprogrammet ska integreras i stadens planering och uppföljning.",
        "Förvaltningen ställer sig positiv till förslaget om Stockholms stads kvalitetsprogram.",
        "de som bor i staden, en idé om café och armé",
        "NIS-direktivet1 gäller",
        "",
        "   \t ",
    ],
)
def test_leaves_correct_text_byte_identical(line: str) -> None:
    assert repair_line(line) == (line, 0)


def test_one_becomes_i_across_a_line_break() -> None:
    lines = ["Vi ser att forvaltningen patalat brister 1", "kvalitétsprogrammet, bland annat"]
    repaired, _ = repair_lines(lines)
    assert repaired[0] == "Vi ser att förvaltningen påtalat brister i"


def test_whitespace_and_punctuation_are_kept() -> None:
    line = "  Forvaltningen  har, (dock) synpunkter pd\tmedfoljande riktlinje for …  "
    assert repair_line(line)[0] == "  Förvaltningen  har, (dock) synpunkter på\tmedföljande riktlinje för …  "


def test_report_counts_and_lists_changes() -> None:
    repaired, report = repair_lines(["Datum for justering 2021-10-21", "", "f6ljande &r bra"])
    assert repaired == ["Datum för justering 2021-10-21", "", "följande är bra"]
    assert isinstance(report, RepairReport)
    assert report.tokens_changed == 3
    assert report.tokens_seen >= report.tokens_changed
    assert report.changes == [(0, "for", "för"), (2, "f6ljande", "följande"), (2, "&r", "är")]


def test_word_accuracy() -> None:
    assert word_accuracy("en två tre", "en två tre") == 1.0
    assert word_accuracy("en två tre fyra", "en tva tre fyra") == 0.75
    assert word_accuracy("", "") == 1.0
    assert word_accuracy("en två", "en") == 0.5
    assert word_accuracy("en\ntvå  tre", "en två\ttre") == 1.0


@pytest.mark.slow
def test_is_deterministic_across_hash_seeds(protocol_lines: list[str]) -> None:
    script = (
        "import sys; from pipeline.ocr_repair import repair_lines; "
        "text = open(sys.argv[1], encoding='utf-8').read().split('\\n'); "
        "print('\\n'.join(repair_lines(text)[0]))"
    )
    outputs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script, str(PROTOCOL_PATH)],
            cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", check=True,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


# --- 3. properties ----------------------------------------------------------------------------

_SWEDISH_NOISE = st.text(
    alphabet=st.sampled_from(list("aåäoöeéèidnrstlmk6&01]|'-.,;:()§/ \t\n\r\u2028\x0bÅÄÖAEDINRS")),
    max_size=200,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=200), _SWEDISH_NOISE))
def test_never_raises_and_keeps_lines_and_whitespace(text: str) -> None:
    lines = text.split("\n")
    repaired, report = repair_lines(lines)
    assert len(repaired) == len(lines)
    assert len("\n".join(repaired).splitlines()) == len(text.splitlines())
    for before, after in zip(lines, repaired, strict=True):
        assert re.findall(r"\s+", after) == re.findall(r"\s+", before)
        assert len(after.split()) == len(before.split())
    assert 0 <= report.tokens_changed <= report.tokens_seen


# --- 4. the real OCR'd protocol ---------------------------------------------------------------

# 1-based line number -> the line after repair.
PROTOCOL_EXPECTED = {
    1: "Stockholms Norrmalms stadsdelsnämnd Protokoll nr 9/2021",
    12: "Ledamöter Petra Gardos Ek (M) Ordförande",
    45: "Paragraf §12",
    74: "Remissen besvaras med förvaltningens tjänsteutlåtande.",
    78: "Förvaltningen har redovisat ärendet i ett tjänsteutlåtande daterat",
    81: "Kommunstyrelsen har begärt yttrande från bland annat Norrmalms",
    82: "stadsdelsnämnd med anledning av remiss gällande Stockholms",
    96: "remiss för riktlinjer för informationssäkerhet ut. Riktlinjen är en del",
    115: "(V) anmälde följande gemensamma särskilda uttalande:",
    117: "Vi ser med tillfredsställelse att förvaltningen påtalat brister i",
    132: "anser generellt att stadens styrdokument är i behov av en översyn i",
    141: "kvalitetsprogrammet. Två för staden viktiga styrdokument, IT-",
    177: "och uppföljning i enlighet med ILS. ILS är i sig en viktig del av",
    188: "hållbarhetsperspektiv i stadens kvalitetsarbete. Programmet",
    195: "gäller skolor, idrottsanläggningar och bostäder. Samhällsfastigheter",
    198: "kostnader för kommunen i längden. Som en följd av inriktningen i",
    211: "NORR 2021/511-3 (Godkänd - R 1) Remiss Stockholms",
}


def test_real_protocol(protocol_lines: list[str]) -> None:
    ocr_repair.warm_up()
    repaired, report = repair_lines(protocol_lines)
    print(f"\nprotocol: {report.tokens_changed} of {report.tokens_seen} tokens changed")
    assert len(repaired) == len(protocol_lines)
    for number, expected in PROTOCOL_EXPECTED.items():
        assert repaired[number - 1] == expected, number
    assert 200 <= report.tokens_changed <= 330  # measured 276


def _words(lines: list[str]) -> list[str]:
    return [w for w in (raw.strip(".,;:!?()\"”“") for raw in " ".join(lines).split()) if w]


def test_real_protocol_against_its_clean_version(ks_lines: list[str], protocol_lines: list[str]) -> None:
    """The särskilt uttalande in the scanned protocol also appears, typed, in the utlåtande."""
    start = ks_lines.index("Vi ser med tillfredsställelse att förvaltningen påtalat brister i kvalitétsprogrammet, ")
    end = next(i for i in range(start, len(ks_lines)) if "spekulera i." in ks_lines[i])
    reference = _words(ks_lines[start : end + 1])
    scanned = protocol_lines[116:208]  # lines 117-208
    repaired, _ = repair_lines(protocol_lines)

    def aligned(words: list[str]) -> float:
        matcher = difflib.SequenceMatcher(None, words, reference, autojunk=False)
        return sum(block.size for block in matcher.get_matching_blocks()) / len(reference)

    before, after = aligned(_words(scanned)), aligned(_words(repaired[116:208]))
    print(f"\nreal OCR, {len(reference)} words: {before:.4f} -> {after:.4f}")
    assert before < 0.80  # measured 0.746
    assert after >= 0.97  # measured 0.992


def test_speed(protocol_lines: list[str]) -> None:
    ocr_repair.warm_up()
    ocr_repair._repair_lower.cache_clear()  # time the search, not the memo
    start = time.perf_counter()
    repair_lines(protocol_lines)
    elapsed = time.perf_counter() - start
    print(f"\nprotocol, {len(protocol_lines)} lines: {elapsed:.3f} s after warm-up")
    assert elapsed < 1.5  # measured about 0.2 s; generous for a loaded CI machine

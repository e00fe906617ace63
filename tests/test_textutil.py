from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.textutil import fold, join_lines, match_key, normalize_unicode


def test_fold_strips_swedish_diacritics():
    assert fold("Östermalms NÄMND på Södermalm") == "ostermalms namnd pa sodermalm"


def test_match_key_joins_hyphenated_names_across_lines():
    assert match_key("Enskede-\nÅrsta-Vantörs stadsdelsnämnd") == match_key("enskede-årsta-vantörs stadsdelsnämnd")
    assert match_key("Miljö- och hälsoskyddsnämnden") == match_key("miljö- och\nhälsoskyddsnämnden")


def test_match_key_ignores_case_spacing_and_punctuation():
    assert match_key("  Stockholms   Stadshus AB ") == "stockholms stadshus ab"
    assert match_key("Stockholms Stadshus AB:s") == "stockholms stadshus ab:s"


def test_normalize_unicode_composes_and_cleans():
    decomposed = "na\u0308mnd"  # ä as a + combining diaeresis
    assert normalize_unicode(decomposed) == "nämnd"
    assert normalize_unicode("a\u00a0b\u00adc") == "a bc"


def test_join_lines_repairs_hyphenation_but_keeps_compounds():
    assert join_lines(["med man-", "dat och resurser"]) == "med mandat och resurser"
    assert join_lines(["den centrala it-", "leveransen"]) == "den centrala it-leveransen"
    assert join_lines(["Enskede-", "Årsta-Vantörs"]) == "Enskede-Årsta-Vantörs"
    assert join_lines(["digitaliserings- ", "och innovationsarbetet"]) == "digitaliserings- och innovationsarbetet"
    assert join_lines(["perioden 2021-", "2023"]) == "perioden 2021-2023"


def test_join_lines_skips_blank_lines_and_squashes_spaces():
    assert join_lines(["  Ett  ", "", "två   tre "]) == "Ett två tre"


def _quadratic_join(lines):
    """The former `join_with_origins` (it searched all joined text for every line), as the reference."""
    import re

    from pipeline.textutil import _COORDINATORS, _keeps_hyphen, squash_spaces

    out, origins = "", []
    for number, raw in lines:
        line = squash_spaces(raw)
        if not line:
            continue
        if not out:
            out, origins = line, [number] * len(line)
            continue
        match = re.search(r"(\w+)-$", out)
        next_word = re.match(r"\w+", line)
        separator = " "
        if match and next_word and not out.endswith(" -"):
            head, tail = match.group(1), next_word.group(0)
            if tail.lower() in _COORDINATORS:
                separator = " "
            elif tail[0].islower() and head[-1].islower() and len(head) > 2 and not _keeps_hyphen(head):
                out, origins = out[:-1], origins[:-1]
                separator = ""
            else:
                separator = ""
        out += separator + line
        origins += [number] * (len(separator) + len(line))
    return out, origins


@given(st.lists(st.text(alphabet="aåbX- _1.\n", max_size=12), max_size=12))
@settings(max_examples=300, deadline=None)
def test_join_with_origins_is_the_linear_form_of_the_old_join(texts):
    from pipeline.textutil import join_with_origins

    lines = list(enumerate(texts, start=1))
    assert join_with_origins(lines) == _quadratic_join(lines)


def test_join_with_origins_on_many_wrapped_pieces_of_one_word():
    from pipeline.textutil import join_with_origins

    pieces = [(n, "a" * 50 + "-") for n in range(1, 2001)] + [(2001, "slut")]
    text, origins = join_with_origins(pieces)
    assert len(text) == len(origins) and origins[-1] == 2001

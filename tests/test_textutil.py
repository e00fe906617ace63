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

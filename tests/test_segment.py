"""Segmentation on tiny fixtures: headings, statement headers, lists, and a small utlåtande."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import IngestParams, SegmentParams
from pipeline.errors import NoBodyFoundError
from pipeline.ingest import classify_lines
from pipeline.segment import (
    DocumentSegmenter,
    clean_author,
    ends_sentence,
    parse_parties,
    segment_document,
    split_name_list,
)
from tests.conftest import assert_every_line_in_one_segment


def lines_table(text: str, doc: str = "test.txt") -> pd.DataFrame:
    texts = [" ".join(line.split()) for line in text.split("\n")]
    return pd.DataFrame(
        {
            "doc": doc,
            "line": range(1, len(texts) + 1),
            "page": pd.array([None] * len(texts), dtype="Int64"),
            "source_text": text.split("\n"),
            "text": texts,
            "kind": classify_lines(texts, IngestParams()),
            "ocr_repaired": False,
        }
    )


def segmenter(text: str, registry) -> DocumentSegmenter:
    return DocumentSegmenter(lines_table(text), registry, SegmentParams())


HEADINGS = """Text före som slutar här.

 Norrmalm stadsdelsnämnd
 
Norrmalms stadsdelsnämnd beslutade vid sitt sammanträde den 21 oktober
2021 följande.

Enskede-Årsta-Vantörs stadsdelsnämnd

Enskede-Årsta-Vantörs stadsdelsnämnd beslutade vid sitt sammanträde.

Digitalisering

Förvaltningen anser att digitaliseringen är viktig.

Idrottsnämnden
Idrottsnämnden är en nämnd som inte följs av något beslut här.

Parkrådet i Solna

Parkrådet i Solna beslutade vid sitt sammanträde den 3 maj 2022 följande.
"""


def test_body_headings_tricky_variants(registry):
    seg = segmenter(HEADINGS, registry)
    found = {seg.numbers[i]: b.name for i in range(len(seg.texts)) if (b := seg.body_heading(i, "decision"))}
    assert found == {
        3: "Norrmalms stadsdelsnämnd",  # leading space, missing genitive s
        8: "Enskede-Årsta-Vantörs stadsdelsnämnd",  # hyphenated name
        19: "Parkrådet i Solna",  # unknown body, kept because it decides
    }
    # 'Digitalisering' is a subheading, and Idrottsnämnden here is not followed by a decision


@pytest.mark.parametrize(
    ("text", "kind", "author", "parties", "reference"),
    [
        (
            "Särskilt uttalande gjordes av Salar Rashid m.fl. (S) och Rashid Mohammed\nm.fl. (V) enligt följande.",
            "party_statement",
            "Salar Rashid m.fl. (S) och Rashid Mohammed m.fl. (V)",
            "S|V",
            False,
        ),
        (
            "Särskilt uttalande gjordes av Kjell Backman m.fl. (S) och Milla Eronen m.fl.\n(V), bilaga 1.",
            "party_statement",
            "Kjell Backman m.fl. (S) och Milla Eronen m.fl. (V)",
            "S|V",
            True,
        ),
        ("Särskilt uttalande av Jan Valeskog m.fl. (S) enligt följande.", "party_statement", "Jan Valeskog m.fl. (S)", "S", False),
        (
            "Reservation anfördes av Clara Lindblom och Rashid Mohammed (båda V)\nmed hänvisning till Vänsterpartiets reservation.",
            "reservation",
            "Clara Lindblom och Rashid Mohammed (båda V)",
            "V",
            False,
        ),
        ("Ersättaryttrande gjordes av Farida al-Abani (Fi), bilaga 1.", "ersattaryttrande", "Farida al-Abani (Fi)", "Fi", True),
        (
            "Reservation anfördes av borgarrådet Clara Lindblom (V) enligt följande.",
            "reservation",
            "Clara Lindblom (V)",
            "V",
            False,
        ),
    ],
)
def test_statement_headers(registry, text, kind, author, parties, reference):
    header = segmenter(text, registry).statement_header(0)
    assert header is not None
    assert (header.kind, header.author, header.parties, header.is_reference) == (kind, author, parties, reference)
    assert header.last_index == text.count("\n")


def test_a_sentence_about_a_reservation_is_not_a_header(registry):
    assert segmenter("Reservationen i nämnden var väntad.", registry).statement_header(0) is None


def test_author_helpers():
    assert clean_author("Vice ordföranden Ulla Sjöbergh (S) och ledamoten Karin Norman (V) anmälde följande") == (
        "Ulla Sjöbergh (S) och Karin Norman (V)"
    )
    assert parse_parties("Anna A (S), Bo B (Fi) och Cecilia C m.fl. (S)") == "S|Fi"
    assert parse_parties("Karin Wanngård och Jan Valeskog (alla S)") == "S"


def test_sentence_ends_are_not_abbreviations():
    assert ends_sentence("som svar på remissen.")
    assert not ends_sentence("Salar Rashid m.fl.")
    assert not ends_sentence("till exempel bl.a.")
    assert not ends_sentence("Kvalitetsprogram")


def test_name_lists_split_on_commas_and_och_but_not_inside_names(registry):
    names = split_name_list(
        "trafiknämnden, miljö- och hälsoskyddsnämnden, Stockholm Vatten och Avfall AB och AB Stokab",
        lambda name: registry.lookup(name) is not None,
    )
    assert names == ["trafiknämnden", "miljö- och hälsoskyddsnämnden", "Stockholm Vatten och Avfall AB", "AB Stokab"]


def test_mini_utlatande_structure(mini):
    document, result = mini
    segments, bodies, links = result.segments, result.bodies, result.links
    assert_every_line_in_one_segment(document.lines, segments)
    consulted = bodies[bodies["role"] == "consulted"].set_index("body")
    assert list(consulted.index) == [
        "Trafiknämnden",
        "Idrottsnämnden",
        "Miljö- och hälsoskyddsnämnden",
        "Skarpnäcks stadsdelsnämnd",
        "Hässelby-Vällingby stadsdelsnämnd",
        "Stiftelsen Stockholms Parkråd",
        "Valnämnden",
        "Stockholms Stadshus AB",
    ]
    assert not consulted.loc["Valnämnden", "answered"]
    assert not consulted.loc["Idrottsnämnden", "answered"]
    assert "avstått" in consulted.loc["Idrottsnämnden", "note"]
    assert consulted.loc["Stiftelsen Stockholms Parkråd", "answered"]
    assert not consulted.loc["Stiftelsen Stockholms Parkråd", "in_registry"]
    forwarded = bodies[bodies["role"] == "forwarded"].set_index("body")
    assert forwarded["answered"].to_dict() == {
        "AB Svenska Bostäder": True,
        "Stockholm Vatten och Avfall AB": True,
        "AB Stokab": False,
    }
    assert set(forwarded["forwarded_by"]) == {"Stockholms Stadshus AB"}
    # Skarpnäck's section: heading (without its s) to the page number before the next heading
    skarpnack = segments[(segments["body"] == "Skarpnäcks stadsdelsnämnd") & (segments["section"] != "summary")]
    assert skarpnack["section"].tolist()[:2] == ["decision", "tjansteutlatande"]
    assert document.lines.loc[document.lines["line"] == skarpnack["start_line"].min(), "text"].item() == (
        "Skarpnäck stadsdelsnämnd"
    )
    tju = skarpnack[skarpnack["section"] == "tjansteutlatande"].iloc[0]
    assert "12" not in tju["text"].split()  # the page number is layout, not text
    assert "manskapet" in tju["text"]  # hyphenation repaired
    assert (links["status"] == "linked").all() and len(links) == 2
    reservation = segments[segments["section"] == "reservation"].iloc[0]
    assert reservation["parties"] == "M|L"
    assert reservation["body"] == "Skarpnäcks stadsdelsnämnd"
    city = segments[segments["body"] == "Kommunstyrelsen"]
    assert set(city["section"]) == {"other", "party_statement"}


def test_a_document_without_any_body_is_rejected(registry):
    with pytest.raises(NoBodyFoundError):
        segment_document(lines_table("Det här är en text.\n\nUtan någon avsändare alls."), registry, SegmentParams())


def test_a_single_remissvar_becomes_one_body(registry):
    text = """Kulturnämnden

Remissvar om program för trygghet

Beslut
Nämnden tillstyrker förslaget.

Sammanfattning
Förvaltningen är positiv till programmet.

Reservation
Reservation anfördes av Anna Andersson (M) enligt följande.
Vi avstyrker.
"""
    result = segment_document(lines_table(text), registry, SegmentParams())
    assert set(result.segments["body"]) == {"Kulturnämnden"}
    assert result.segments["section"].tolist() == ["other", "decision", "tjansteutlatande", "reservation"]
    assert result.bodies[["body", "role", "answered"]].values.tolist() == [["Kulturnämnden", "sender", True]]


def test_a_remissvar_from_an_agency_outside_the_registry(registry):
    from tests.conftest import FIXTURES

    text = (FIXTURES / "remissvar_myndighet.txt").read_text(encoding="utf-8")
    result = segment_document(lines_table(text, "remissvar.txt"), registry, SegmentParams())
    segments = result.segments
    assert set(segments["body"]) == {"Kammarkollegiet"}
    assert segments["section"].tolist() == ["other", "tjansteutlatande", "tjansteutlatande", "decision"]
    assert segments.iloc[0]["end_line"] < 12  # letterhead, date, Dnr and addressee are not the answer
    assert "fattats av generaldirektören" in segments.iloc[-1]["text"]
    assert result.bodies[["body", "in_registry", "answered"]].values.tolist() == [["Kammarkollegiet", False, True]]


def test_sender_signed_for_at_the_end(registry):
    text = "Yttrande\n\nDatum 2024-01-10\n\nVi ser positivt på förslaget och tillstyrker det i sin helhet.\n\nPå Tyresö kommuns vägnar\nEva Ek"
    result = segment_document(lines_table(text), registry, SegmentParams())
    assert set(result.segments["body"]) == {"Tyresö kommun"}

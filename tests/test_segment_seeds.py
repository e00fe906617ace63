"""End to end on the seed documents: the real ingest and segment stages, real properties."""

from __future__ import annotations

import re

import pandas as pd

from pipeline.textutil import fold, join_lines, match_key
from tests.conftest import ROOT, assert_every_line_in_one_segment


def beredning_list(lines: pd.DataFrame) -> str:
    """The consulted-bodies sentence of the Beredning part, read independently of the segmenter."""
    texts = lines["text"].tolist()
    start = next(i for i, t in enumerate(texts) if t == "Beredning")
    joined = join_lines(texts[start : start + 25])
    return re.search(r"remitterats till (.+?)\. ", joined).group(1)


def test_every_non_blank_line_is_in_exactly_one_segment(utlatande, protocol):
    for document, result in (utlatande, protocol):
        assert_every_line_in_one_segment(document.lines, result.segments)


def test_all_29_consulted_bodies_are_listed(utlatande):
    _, result = utlatande
    consulted = result.bodies[result.bodies["role"] == "consulted"]
    assert len(consulted) == 29
    assert consulted["in_registry"].all()
    assert int(consulted["answered"].sum()) == 28
    assert consulted.loc[~consulted["answered"], "body"].tolist() == ["Valnämnden"]
    assert "avstått" in consulted.set_index("body").loc["Valnämnden", "note"]
    types = consulted["body_type"].value_counts().to_dict()
    assert types == {"facknämnd": 15, "stadsdelsnämnd": 13, "bolag": 1}


def test_the_bodies_that_answered_are_the_annotators_and_each_has_its_own_text(utlatande, registry):
    """`answered` against an independent reading: the bodies the annotators found answering in the
    utlåtande (data/annotations/answers.csv), and the Beredning list read without the segmenter."""
    document, result = utlatande
    named = {registry.lookup_fuzzy(item.strip()).name for item in re.split(r",| och (?!häl)", beredning_list(document.lines))}
    assert len(named) == 29
    annotated = pd.read_csv(ROOT / "data" / "annotations" / "answers.csv", keep_default_na=False)
    annotated = {registry.lookup_fuzzy(name).name for name in
                 annotated.loc[annotated["doc"] == document.lines["doc"].iloc[0], "body"]
                 if registry.lookup_fuzzy(name) is not None}
    bodies = result.bodies.set_index("body")
    consulted_answering = {name for name in named if bodies.loc[name, "answered"]}
    assert consulted_answering == named & annotated
    for name in consulted_answering:
        own = result.segments[(result.segments["body"] == name) & (result.segments["section"] != "other")]
        assert len(own) >= 2, name  # its summary and its own answer, at least


def test_every_answering_body_has_a_decision_a_tjansteutlatande_and_a_summary(utlatande):
    _, result = utlatande
    segments = result.segments
    answered = result.bodies[(result.bodies["role"] == "consulted") & result.bodies["answered"]]
    for name in answered["body"]:
        sections = set(segments.loc[segments["body"] == name, "section"])
        assert {"summary", "decision", "tjansteutlatande"} <= sections, (name, sections)


def test_part_c_sections_start_at_the_heading_and_end_before_the_next(utlatande):
    document, result = utlatande
    lines = document.lines.set_index("line")
    answered = result.bodies[(result.bodies["role"] == "consulted") & result.bodies["answered"]]
    spans = answered.sort_values("start_line")[["body", "start_line", "end_line"]].values.tolist()
    for (body, start, end), following in zip(spans, [*spans[1:], None], strict=True):
        heading = lines.loc[start, "text"]
        assert match_key(heading) in {match_key(body), match_key(body.replace("s stadsdelsnämnd", " stadsdelsnämnd"))}
        decision_cue = lines.loc[start + 1 : start + 4, "text"].str.contains("beslutade vid sitt sammanträde").any()
        assert decision_cue, body
        if following is not None:
            assert end < following[1]
            between = lines.loc[end + 1 : following[1] - 1, "kind"]
            assert (between == "blank").all(), (body, between.to_dict())


def test_statement_references_are_all_linked_to_their_texts(utlatande):
    document, result = utlatande
    links = result.links
    assert len(links) == 31
    assert (links["status"] == "linked").all(), links[links["status"] != "linked"]
    lines = document.lines.set_index("line")
    segments = result.segments.set_index("segment_id")
    for link in links.itertuples():
        statement = segments.loc[link.statement_segment_id]
        assert statement["body"] == link.body
        assert statement["section"] == link.kind
        assert "bilaga" in fold(lines.loc[link.reference_line : link.reference_line + 1, "text"].str.cat(sep=" "))
    # every statement in Bilaga 1 was referenced by its body's section
    appendix_start = result.segments.loc[result.segments["text"].str.startswith("Bilaga 1"), "start_line"].item()
    appendix_statements = result.segments[
        (result.segments["start_line"] > appendix_start) & (result.segments["section"] != "other")
    ]
    assert set(appendix_statements["segment_id"]) == set(links["statement_segment_id"])


def test_party_statements_have_authors_and_parties(utlatande):
    _, result = utlatande
    statements = result.segments[result.segments["section"].isin(["party_statement", "reservation", "ersattaryttrande"])]
    assert len(statements) >= 36
    assert (statements["author"] != "").all()
    assert (statements["parties"] != "").sum() >= len(statements) - 2
    fi = statements[statements["section"] == "ersattaryttrande"]
    assert set(fi["parties"]) == {"Fi"}
    city = statements[statements["body"] == "Kommunstyrelsen"]
    assert set(city["section"]) == {"reservation", "party_statement"}


def test_stadshus_underremiss_gives_each_subsidiary_its_own_body(utlatande):
    _, result = utlatande
    forwarded = result.bodies[result.bodies["role"] == "forwarded"].set_index("body")
    assert set(forwarded["forwarded_by"]) == {"Stockholms Stadshus AB"}
    assert (forwarded["body_type"] == "bolag").all()
    answered = set(forwarded.index[forwarded["answered"]])
    assert {
        "AB Familjebostäder",
        "AB Stokab",
        "Skolfastigheter i Stockholm AB",
        "Micasa Fastigheter i Stockholm AB",
        "Stockholm Business Region AB",
        "Stockholm Vatten och Avfall AB",
        "Stockholms Hamn AB",
        "Stockholms Stads Parkerings AB",
        "Bostadsförmedlingen i Stockholm AB",
        "AB Svenska Bostäder",
    } == answered
    for declined in ("AB Stockholmshem", "S:t Erik Markutveckling AB", "Stockholm Globe Arena Fastigheter AB"):
        assert not forwarded.loc[declined, "answered"]
        assert "avstått" in forwarded.loc[declined, "note"]
    parent = result.segments[result.segments["body"] == "Stockholms Stadshus AB"]
    assert "Koncernledningen" in parent["text"].str.cat()


def test_the_city_owns_front_matter_and_its_own_texts(utlatande):
    _, result = utlatande
    first = result.segments.iloc[0]
    assert first["body"] == "Kommunstyrelsen" and first["section"] == "other" and first["start_line"] == 1
    slk = result.segments[result.segments["text"].str.startswith("Stadsledningskontoret")]
    assert set(slk["body"]) == {"Kommunstyrelsen"} and set(slk["section"]) == {"other"}


def test_protocol_seed_is_one_body_with_decision_and_statement_despite_ocr(protocol):
    document, result = protocol
    assert document.lines["ocr_repaired"].all()
    segments = result.segments
    assert set(segments["body"]) == {"Norrmalms stadsdelsnämnd"}
    assert result.bodies[["body", "answered"]].values.tolist() == [["Norrmalms stadsdelsnämnd", True]]
    sections = segments.set_index("section")
    assert "decision" in sections.index and "party_statement" in sections.index
    decision = segments[segments["section"] == "decision"].iloc[0]
    assert "besvaras med" in decision["text"]
    statement = segments[segments["section"] == "party_statement"].iloc[0]
    assert statement["parties"] == "S|V"
    assert "Karin Norman (V)" in statement["author"]
    assert statement["start_line"] == 113 and statement["end_line"] == 208


def test_the_same_statement_is_found_in_both_seeds(utlatande, protocol):
    """Norrmalm's S+V statement appears in the protocol and in Bilaga 1 of the utlåtande."""
    compiled = utlatande[1].segments
    in_appendix = compiled[(compiled["body"] == "Norrmalms stadsdelsnämnd") & (compiled["section"] == "party_statement")]
    in_protocol = protocol[1].segments[protocol[1].segments["section"] == "party_statement"]
    assert in_appendix["parties"].item() == in_protocol["parties"].item() == "S|V"
    assert match_key(in_appendix["author"].item()) == match_key(in_protocol["author"].item())

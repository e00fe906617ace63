"""Each genre's tricky cases on tiny fixtures: who answered, which § items answer a remiss, bills."""

from __future__ import annotations

import pytest

from pipeline.config import SegmentParams
from pipeline.errors import ConfigError
from pipeline.segment import segment_document, summary_lines
from pipeline.segment.organisations import find_organisations
from pipeline.segment.parts import item_number
from pipeline.vocabulary_files import check_patterns
from tests.conftest import assert_every_line_in_one_segment
from tests.test_segment import lines_table


def segment(text: str, registry, doc: str = "doc.txt"):
    lines = lines_table(text, doc)
    result = segment_document(lines, registry, SegmentParams())
    assert_every_line_in_one_segment(lines, result.segments)
    return result


def answers(result) -> list[tuple[str, str, str, bool]]:
    return [(b.item, b.organisation, b.body, bool(b.answered)) for b in result.bodies.itertuples()]


LETTER_ADDRESSEE_FIRST = """Till
Finansdepartementet
103 33 Stockholm

Remissvar: Betänkandet Bättre information om hyresbostäder (SOU 2023:65)

Länsstyrelsen i Västra Götalands län

Länsstyrelsen tillstyrker förslagen men anser att kostnaderna för registret måste utredas vidare.

På Länsstyrelsens vägnar
Anna Ek
"""


def test_the_addressee_is_never_the_sender(registry):
    result = segment(LETTER_ADDRESSEE_FIRST, registry)
    assert answers(result) == [("", "Länsstyrelsen i Västra Götalands län", "Länsstyrelsen i Västra Götalands län", True)]
    assert result.bodies.iloc[0]["body_type"] == "myndighet"
    assert result.bodies.iloc[0]["remitted_by"] == "Finansdepartementet"
    assert result.documents.iloc[0]["genre"] == "letter"


def test_a_county_board_elsewhere_is_not_stockholms(registry):
    text = "Länsstyrelsen Skåne\n\nYttrande över förslag till detaljplan\n\nLänsstyrelsen har inga synpunkter på förslaget i sin helhet.\n"
    result = segment(text, registry)
    assert result.bodies.iloc[0]["organisation"] == "Länsstyrelsen Skåne"
    assert not result.bodies.iloc[0]["in_registry"]


PROTOCOL = """SOLLENTUNA KOMMUN          SAMMANTRÄDESPROTOKOLL
Kommunstyrelsen
Plats och tid: Stadshuset, Sollentuna, kl 18.00

§45 Dnr KS 2024/101
Yttrande över Socialdepartementets remiss av betänkandet Ny socialtjänstlag (SOU 2020:47)

Beslut
Kommunstyrelsen antar förvaltningens yttrande och översänder det som sitt svar till Socialdepartementet.

Reservation
Reservation anfördes av Anna Berg (S) enligt följande.
Vi vill att kommunen avstyrker förslaget.

KS § 46 Dnr KS 2024/120
Återremiss: Yttrande över Trafikverkets remiss om ny väg

Beslut
Ärendet återremitteras till förvaltningen.

§ 47 Dnr KS 2024/130
Yttrande till förvaltningsrätten i mål om överklagande av bygglov

Beslut
Kommunstyrelsen antar yttrandet till förvaltningsrätten.

§ 48 Dnr KS 2024/5
Anmälan av delegationsbeslut

Beslut
Redovisningen godkänns. Kommunen avstår från att lämna yttrande över remiss om vindkraft i Upplands-Bro kommun.
"""


def test_protocol_items_remiss_answers_and_declined(registry):
    result = segment(PROTOCOL, registry, "protokoll.txt")
    assert result.documents.iloc[0]["genre"] == "protocol"
    assert answers(result) == [
        ("§ 45", "Sollentuna kommun", "Kommunstyrelsen", True),
        ("§ 48", "Sollentuna kommun", "Kommunstyrelsen", False),
    ]
    first = result.bodies.iloc[0]
    assert first["remitted_by"] == "Socialdepartementet"
    assert "Ny socialtjänstlag" in first["matter"]
    assert "avstått" in result.bodies.iloc[1]["note"]
    reservation = result.segments[result.segments["section"] == "reservation"].iloc[0]
    assert reservation["answer_id"] == first["answer_id"] and reservation["item"] == "§ 45"
    # the meeting place in the header is not Stockholms Stadshus AB, and the registry is not asked
    assert "Stadshus" not in " ".join(result.bodies["body"])
    other_items = result.segments[result.segments["item"].isin(["§ 46", "§ 47"])]
    assert set(other_items["answer_id"]) == {""} and set(other_items["section"]) == {"other"}


def test_a_protocol_without_remiss_items_gives_no_answer_and_says_so(registry):
    text = "KARLSTADS KOMMUN PROTOKOLL\nKommunstyrelsen\n\n§ 12 Dnr KS-2024-1\nMotion om cykelbanor\n\nBeslut\nMotionen avslås.\n"
    result = segment(text, registry, "motion.txt")
    assert result.bodies.empty
    assert any("no remiss answer" in line for line in summary_lines(result))


@pytest.mark.parametrize(
    ("line", "item"),
    [("§ 45 Dnr KS 2024/101", "§ 45"), ("§45", "§ 45"), ("KS § 45 Dnr 2024/5", "§ 45"), ("§ 12 Yttrande över", "§ 12"),
     ("§ 51 lagen (1988:1385) om", None), ("12 § andra stycket", None)],
)
def test_item_headers(line, item):
    assert item_number(line) == item


def test_co_signed_letter_names_every_organisation(registry):
    text = """Remissvar angående förslaget om ändrade öppettider

Vi tillstyrker förslaget i stort men vill att kommunen utreder kostnaderna för handeln.

För Företagarna
Anna Ek

För Svenska Handelsföreningen
Bo Berg
"""
    result = segment(text, registry)
    assert result.bodies.iloc[0]["organisation"] == "Företagarna och Svenska Handelsföreningen"


def test_a_company_letter_needs_no_registry(registry):
    text = "Ellevio AB\n\nYttrande över samråd om ny kraftledning\n\nEllevio AB har inga invändningar mot förslaget i samrådshandlingen.\n"
    result = segment(text, registry)
    assert answers(result) == [("", "Ellevio AB", "Ellevio AB", True)]
    assert result.bodies.iloc[0]["body_type"] == "företag"


def test_a_group_of_private_persons_is_an_answer(registry):
    text = """Synpunkter på samråd om detaljplan för Skogsbrynet

Vi som bor längs Skogsvägen motsätter oss att parken bebyggs och anser att planen bör inte genomföras.

Karin Lind
Per Holm
Sara Dahl
"""
    result = segment(text, registry)
    assert result.bodies.iloc[0]["organisation"] == "Privatpersoner"
    assert result.bodies.iloc[0]["body"] == "Privatpersoner (3 undertecknare)"


BILL = """Regeringens proposition 2013/14:34

5.1 Sanktionsavgift vid bristande kreditprövning

Regeringens förslag: När Konsumentverket meddelar en varning ska den förenas med en sanktionsavgift.

Remissinstanserna: De flesta remissinstanserna tillstyrker förslaget. Finansinspektionen anser dock att avgiften bör vara högre. Svenska Bankföreningen avstyrker förslaget. Kammarrätten i Stockholm har inga synpunkter.

Skälen för regeringens förslag: Konsumentverket behöver effektivare verktyg.

5.2 Ikraftträdande

Remissinstanserna: Samtliga remissinstanser utom Företagarna tillstyrker förslaget.

Skälen för regeringens förslag: Lagen bör träda i kraft snart.

Efter remiss har yttranden lämnats av Finansinspektionen, Svenska Bankföreningen, Kammarrätten i Stockholm, Företagarna och Konsumentverket.

Sveriges Konsumenter och UC AB har avstått från att lämna yttranden.
"""


def test_a_bill_paragraph_gives_each_named_body_its_own_stance(registry):
    result = segment(BILL, registry, "prop.txt")
    assert result.documents.iloc[0]["genre"] == "bill"
    reported = result.bodies[result.bodies["role"] == "reported"]
    stances = dict(zip(zip(reported["item"], reported["organisation"]), reported["reported_stance"], strict=True))
    assert stances == {
        ("5.1", "Finansinspektionen"): "positive_with_reservations",
        ("5.1", "Svenska Bankföreningen"): "negative",
        ("5.1", "Kammarrätten i Stockholm"): "no_opinion",
        ("5.2", "Företagarna"): "negative",
    }
    assert set(reported["matter"]) == {"Sanktionsavgift vid bristande kreditprövning", "Ikraftträdande"}
    listed = result.bodies[result.bodies["role"] == "consulted"].set_index("organisation")
    assert listed.loc["Konsumentverket", "answered"]
    assert not listed.loc["Sveriges Konsumenter", "answered"] and not listed.loc["UC AB", "answered"]


def test_organisation_patterns():
    names = [n.text for n in find_organisations("Svar på Länsstyrelsen i Hallands läns remiss och Region Halland")]
    assert names == ["Länsstyrelsen i Hallands län", "Region Halland"]
    assert [n.text for n in find_organisations("Kommunstyrelsen      Kungsbacka kommun")] == ["Kungsbacka kommun"]


def test_a_bad_vocabulary_pattern_is_a_one_line_error(tmp_path):
    with pytest.raises(ConfigError, match="bad pattern"):
        check_patterns({"cues": ["(unclosed"]}, tmp_path / "genres.yaml")

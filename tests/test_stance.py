"""The decisive statement: where a body says where it stands, and the rule that turns statements
into one stance (pipeline/stance.py)."""

import numpy as np
import pytest

from pipeline.labels import STANCES
from pipeline.stance import blend, decide, find_statements, statement_of


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Kommunen avstyrker förslaget.", "negative"),
        ("Myndigheten tillstyrker inte förslaget.", "negative"),
        ("Kungsbacka kommun godkänner inte att statsbidraget tillfaller förbundet.", "negative"),
        ("Nämnden ställer sig starkt kritisk till de förslag som utredningen lämnar.", "negative"),
        ("Förslaget bör därför inte genomföras.", "negative"),
        ("Förbundet kan inte ställa sig bakom promemorians förslag.", "negative"),
        ("Nämnden är i huvudsak positiv till förslaget men anser att tidplanen måste ändras.",
         "positive_with_reservations"),
        ("Kommunen tillstyrker förslaget under förutsättning att staten finansierar reformen.",
         "positive_with_reservations"),
        ("Kommunen ställer sig positiv till det föreslagna handlingsprogrammet.", "positive"),
        ("Nämnden välkomnar förslaget.", "positive"),
        ("Förvaltningen stödjer förslaget att inte inkludera uppgifterna.", "positive"),
        ("Kungsbacka kommun har inget att erinra mot samrådsunderlaget.", "no_opinion"),
        ("Kommunen har tagit del av remissen.", None),
        ("Nämnden ser positivt pa forslaget", "positive"),  # OCR that lost its å/ä/ö
    ],
)
def test_statement_of_a_sentence(sentence, stance):
    found = statement_of(sentence)
    assert (found[0] if found else None) == stance


def test_a_statement_about_a_part_names_the_part():
    stance, part = statement_of("Myndigheten avstyrker förslaget om en ny tillsynsavgift för kommunerna.")
    assert stance == "negative" and part.startswith("forslaget om en ny tillsynsavgift")
    assert statement_of("Myndigheten avstyrker förslaget.") == ("negative", "")


def test_a_conclusion_outweighs_a_friendly_opening():
    texts = [
        "Kommunen ser positivt på att regeringen tar initiativ i frågan.",
        "Kommunen välkomnar ambitionen att förenkla reglerna.",
        "Förslaget innebär dock kostnader som inte är finansierade.",
        "Sammanfattningsvis avstyrker kommunen förslaget.",
    ]
    decision = decide(find_statements(texts))
    assert decision.stance == "negative" and decision.evidence == 3


def test_no_to_one_part_and_yes_to_the_rest_is_a_reservation():
    texts = [
        "Nämnden tillstyrker förslaget om gemensamma riktlinjer.",
        "Nämnden avstyrker förslaget om en ny avgift.",
    ]
    decision = decide(find_statements(texts))
    assert decision.stance == "positive_with_reservations"
    assert [(stance, index) for _, stance, index in decision.parts] == [("positive", 0), ("negative", 1)]


def test_only_noes_to_parts_is_negative():
    texts = [
        "Kommunen föreslår att avgiften räknas upp med 3,2 procent.",
        "Kommunen godkänner inte att statsbidraget tillfaller förbundet.",
        "Kommunen motsätter sig att avgiften räknas upp med 6,5 procent.",
    ]
    assert decide(find_statements(texts)).stance == "negative"


def test_welcome_with_suggestions_stays_positive():
    texts = [
        "Nämnden är positiv till förslaget.",
        "Avsnittet om uppföljning skulle kunna förtydligas.",
        "Det vore önskvärt med fler exempel.",
    ]
    assert decide(find_statements(texts)).stance == "positive"


def test_no_statement_no_decision_and_the_model_stands():
    assert decide(find_statements(["Ärendet har beretts av förvaltningen."])) is None
    model = np.array([0.1, 0.7, 0.1, 0.1], dtype=np.float32)
    assert np.array_equal(blend(model, None, 0.6), model)


def test_blend_moves_towards_the_decision():
    model = np.array([0.8, 0.2, 0.0, 0.0], dtype=np.float32)
    decision = decide(find_statements(["Kommunen avstyrker förslaget."]))
    out = blend(model, decision, 0.6)
    assert STANCES[int(out.argmax())] == "negative" and np.isclose(out.sum(), 1)
    assert np.array_equal(blend(model, decision, 0.0), model)


def test_a_plain_yes_leaves_the_reservation_question_to_the_model():
    model = np.array([0.2, 0.5, 0.0, 0.3], dtype=np.float32)  # the model reads demands in the answer
    decision = decide(find_statements(["Förvaltningen ställer sig positiv till förslaget."]))
    out = blend(model, decision, 0.6)
    assert STANCES[int(out.argmax())] == "positive_with_reservations"
    assert out[STANCES.index("no_opinion")] < model[STANCES.index("no_opinion")]


def test_an_objection_beside_a_no_keeps_the_no():
    texts = ["Nämnden avstyrker förslaget.", "Programmet saknar en analys av finansieringen."]
    assert decide(find_statements(texts)).stance == "negative"
    with_heading = ["Farsta stadsdelsnämnd", *texts]
    assert decide(find_statements(with_heading)).stance == "negative"


def test_an_objection_beside_a_yes_is_a_reservation():
    texts = ["Kommunen ställer sig positiv till förslaget.", "Det är inte acceptabelt att kostnaderna läggs på kommunerna."]
    decision = decide(find_statements(texts))
    assert decision.stance == "positive_with_reservations" and decision.evidence == 1

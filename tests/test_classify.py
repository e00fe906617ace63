"""Cue phrases, theme terms, models and alignment on tiny inputs; grouping for honest CV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.annotations import align_stance, align_themes
from pipeline.labelling import statement_stances
from pipeline.parties import endorsed_parties
from pipeline.config import ThemeParams
from pipeline.cues import cue_counts, cue_stance
from pipeline.evaluate import body_groups, without_copies
from pipeline.models import ThemeModel
from pipeline.themes import compile_themes, term_hits


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Nämnden tillstyrker förslaget.", "positive"),
        ("Nämnden avstyrker förslaget.", "negative"),
        ("Nämnden ställer sig inte bakom förslaget till program.", "negative"),
        ("Förvaltningen ställer sig i huvudsak positiv men anser att finansieringen bör förtydligas.",
         "positive_with_reservations"),
        ("Remissen besvaras med förvaltningens tjänsteutlåtande.", "no_opinion"),
        ("Bolaget har inga synpunkter på förslaget.", "no_opinion"),
        ("Namnden tillstyrker forslaget.", "positive"),  # OCR text without diacritics
    ],
)
def test_cue_baseline(text, stance):
    assert cue_stance(text) == stance


def test_negated_positive_is_not_positive():
    counts = cue_counts("Vi kan inte tillstyrka förslaget och ställer oss inte positiva.")
    assert counts["positive"] == 0 and counts["negated_positive"] >= 1


THEMES = [
    ThemeParams(id="informationssakerhet", label="Informationssäkerhet", description="x",
                terms=["informationssäkerhet", "GDPR"]),
    ThemeParams(id="ILS", label="ILS", description="x", terms=["ILS", "integrerad ledning"]),
    ThemeParams(id="digitalisering", label="Digitalisering", description="x", terms=["it", "digitalisering"]),
    ThemeParams(id="lagstiftning", label="Lagstiftning", description="x", terms=["lag"]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Informationssäkerhetsarbetet måste stärkas.", {"informationssakerhet"}),  # compound head
        ("Uppföljningen sker i ILS.", {"ILS"}),
        ("Uppföljningen sker inom ramen för integrerad ledning och styrning.", {"ILS"}),
        ("ils är inte en förkortning här.", set()),  # capitals only
        ("Den centrala it-leveransen och digitaliseringen.", {"digitalisering"}),  # hyphen part, lemma
        ("Det finns en italiensk restaurang.", set()),  # short term: whole words only
        ("Verksamheten styrs av lagar och GDPR.", {"lagstiftning", "informationssakerhet"}),  # lemma 'lag'
        ("Han kom lagom till mötet.", set()),
    ],
)
def test_theme_terms_on_lemmas_and_compounds(text, expected):
    hits = term_hits([text], compile_themes(THEMES))[0]
    assert {theme.id for theme, found in zip(THEMES, hits, strict=True) if found} == expected


def test_zero_shot_model_recognises_an_unannotated_theme():
    """The generic model learns 'close to the description and terms' on annotated themes and
    applies it to a theme that has no annotations at all."""
    rng = np.random.default_rng(0)
    n, themes = 400, 3
    features = rng.normal(0, 1, (n, themes, 5)).astype(np.float32)
    labels = (features[:, :, 0] + features[:, :, 4] > 1.2).astype(int)
    labels[:, 2] = 0  # theme 2 is not annotated
    model = ThemeModel.fit(np.zeros((n, 4), dtype=np.float32), features, labels, ["a", "b", "new"], 10**9, 1.0)
    assert model.generic is not None and not model.specific
    probabilities = model.predict(np.zeros((n, 4), dtype=np.float32), features)
    truth = features[:, 2, 0] + features[:, 2, 4] > 1.2
    predicted = probabilities[:, 2] >= 0.5
    assert (predicted == truth).mean() > 0.9


def test_statements_that_join_another_take_its_stance():
    assert endorsed_parties("Ersättaryttrande gjordes av A (Fi) som instämde i särskilt uttalande från "
                            "Socialdemokraterna och Vänsterpartiet.") == {"S", "V"}
    assert endorsed_parties("Vi anser att programmet är bra.") == set()
    statements = pd.DataFrame(
        {
            "segment_id": ["a", "b"],
            "parties": ["S|V", "Fi"],
            "author": ["", ""],
            "stance": ["positive_with_reservations", "no_opinion"],
            "text": ["Vi är i huvudsak positiva men …", "Ersättaryttrande gjordes av B (Fi) som instämde i "
                     "särskilt uttalande från Vänsterpartiet."],
        }
    )
    assert statement_stances(statements) == {"S|V": "positive_with_reservations", "Fi": "positive_with_reservations"}


def test_near_copies_are_scored_once_and_bodies_are_groups():
    texts = [
        "Det är välkommet att Stockholms stad har ambitionen att ta ett samlat grepp om kvalitetsfrågorna.",
        "Det är välkommet att Stockholms stad har ambitionen att ta ett samlat grepp om kvalitetsfrågor.",
        "Nämnden tillstyrker förslaget utan invändningar.",
        "Förvaltningen saknar en analys av kostnaderna.",
    ]
    assert without_copies(texts).tolist() == [0, 2, 3]
    assert body_groups(["Bromma", "Farsta", "Bromma"]).tolist() == [0, 1, 0]


def test_annotations_align_on_text_not_ids(tmp_path: Path):
    (tmp_path / "stance.csv").write_text(
        "doc,start_line,end_line,body,section,parties,stance,note\nd.txt,10,12,X,decision,,no_opinion,\n"
        "d.txt,99,100,X,decision,,positive,\n", encoding="utf-8")
    (tmp_path / "themes.csv").write_text(
        "doc,line,sentence,themes,note\nd.txt,11,Förvaltningen anser att kostnaderna bör utredas.,finansiering|okänt,\n"
        "d.txt,20,Namnden ar positiv till programmet.,,\n", encoding="utf-8")
    segments = pd.DataFrame({"doc": ["d.txt"], "segment_id": ["s1"], "start_line": [10], "end_line": [12]})
    stance = align_stance(tmp_path, segments)
    assert stance.labels.to_dict("records") == [{"segment_id": "s1", "stance": "no_opinion"}]
    assert stance.unmatched == ["d.txt:99-100"]
    sentences = pd.DataFrame(
        {
            "doc": ["d.txt", "d.txt"],
            "sentence_id": ["s1:001", "s1:002"],
            "start_line": [11, 20],
            "end_line": [11, 20],
            "text": ["Förvaltningen anser att kostnaderna bör utredas.", "Nämnden är positiv till programmet."],
        }
    )
    themes = align_themes(tmp_path, sentences, ["finansiering"])
    assert themes.labels.to_dict("records") == [
        {"sentence_id": "s1:001", "themes": "finansiering"},  # unknown theme id ignored
        {"sentence_id": "s1:002", "themes": ""},  # matched despite OCR repair since annotation
    ]

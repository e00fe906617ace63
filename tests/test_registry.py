from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.registry import BodyEntry, Registry, guess_body_type, unknown_body


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("arbetsmarknadsnämnden", "Arbetsmarknadsnämnden"),
        ("Socialnämndens", "Socialnämnden"),
        ("socialnämnd", "Socialnämnden"),
        ("Norrmalm stadsdelsnämnd", "Norrmalms stadsdelsnämnd"),  # missing genitive s
        ("Östermalm stadsdelsnämnd", "Östermalms stadsdelsnämnd"),
        ("stadsdelsnämnden i Skarpnäck", "Skarpnäcks stadsdelsnämnd"),
        ("Hässelby-Vällingbys stadsdelsförvaltnings", "Hässelby-Vällingby stadsdelsnämnd"),
        ("Enskede-Årsta-Vantörs stadsdelsnämnd", "Enskede-Årsta-Vantörs stadsdelsnämnd"),
        ("Exploateringskontorets", "Exploateringsnämnden"),
        ("Miljöförvaltningens", "Miljö- och hälsoskyddsnämnden"),
        ("miljö- och hälsoskyddsnämnden", "Miljö- och hälsoskyddsnämnden"),
        ("Stadsledningskontoret", "Kommunstyrelsen"),
        ("Stockholms Stadshus AB:s", "Stockholms Stadshus AB"),
        ("Koncernledningens", "Stockholms Stadshus AB"),
        ("STOKABs", "AB Stokab"),
        ("SVOAS", "Stockholm Vatten och Avfall AB"),
        ("Stockholm Hamnars", "Stockholms Hamn AB"),
        ("Micasa", "Micasa Fastigheter i Stockholm AB"),
    ],
)
def test_aliases_and_inflections(registry, written, canonical):
    body = registry.lookup(written)
    assert body is not None, written
    assert body.name == canonical


def test_registry_covers_the_city_structure(registry):
    types = [body.type for body in registry.bodies]
    assert types.count("stadsdelsnämnd") == 13
    assert types.count("facknämnd") >= 15
    subsidiaries = [b for b in registry.bodies if b.parent == "Stockholms Stadshus AB"]
    assert len(subsidiaries) >= 10
    assert registry.lookup("Kommunstyrelsen").type == "other"


def test_ocr_damaged_names_match_fuzzily(registry):
    assert registry.lookup("Norrmalms stadsdelsnimnd") is None
    assert registry.lookup_fuzzy("Norrmalms stadsdelsnimnd").name == "Norrmalms stadsdelsnämnd"
    assert registry.find_in("Stockholms Norrmalms stadsdelsnimnd Protokoll nr 9/2021").name == "Norrmalms stadsdelsnämnd"


def test_match_prefix_finds_the_body_opening_a_sentence(registry):
    body, words = registry.match_prefix("Enskede-Årsta-Vantörs stadsdelsnämnd är positiv till förslaget")
    assert body.name == "Enskede-Årsta-Vantörs stadsdelsnämnd"
    assert words == 2
    assert registry.match_prefix("Nämnden är positiv") is None


def test_unknown_bodies_are_kept_with_a_guessed_type():
    assert unknown_body("stiftelsen Parkrådet").name == "Stiftelsen Parkrådet"
    assert not unknown_body("Parkrådet").known
    assert guess_body_type("Danderyds kommuns Kulturnämnd") == "facknämnd"
    assert guess_body_type("Tyresö Bostäder AB") == "bolag"
    assert guess_body_type("Länsstyrelsen") == "other"


def test_conflicting_aliases_are_rejected():
    entries = [
        BodyEntry(name="Anämnden", type="facknämnd", aliases=["Kontoret"]),
        BodyEntry(name="Bnämnden", type="facknämnd", aliases=["Kontoret"]),
    ]
    with pytest.raises(ConfigError, match="names both"):
        Registry.from_entries(entries)


def test_invalid_registry_file_is_one_clear_error(tmp_path: Path):
    bad = tmp_path / "bodies.yaml"
    bad.write_text("bodies:\n  - name: X\n    type: kommunalt\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid"):
        Registry.load(bad)
    with pytest.raises(ConfigError, match="not found"):
        Registry.load(tmp_path / "missing.yaml")

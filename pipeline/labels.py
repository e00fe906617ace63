"""The project's closed vocabularies, defined once: stances, body types and roles, section kinds,
line kinds, genres and party codes, each with the Swedish words people see.

Every table schema, model, parser and output takes its values from here, so adding a body type or
renaming a label is one edit, not a search through the stages.
"""

from __future__ import annotations

# ---- stance ---------------------------------------------------------------------------------
STANCES = ("positive", "positive_with_reservations", "negative", "no_opinion")
UNCLASSIFIED = "unclassified"  # export only: an answer with no stance (not answered, nothing to read)
STANCE_LABELS = {
    "positive": "Positiv",
    "positive_with_reservations": "Positiv med reservationer",
    "negative": "Negativ",
    "no_opinion": "Inga synpunkter",
    UNCLASSIFIED: "Ej klassad",
}

# ---- bodies ---------------------------------------------------------------------------------
# The registry's own types, then the kinds of organisation outside it (data/vocabulary/organisations.yaml).
BODY_TYPES = ("facknämnd", "stadsdelsnämnd", "bolag", "kommun", "region", "myndighet", "företag", "organisation", "other")
BODY_TYPE_LABELS = {"facknämnd": "Facknämnd", "stadsdelsnämnd": "Stadsdelsnämnd", "bolag": "Bolag", "kommun": "Kommun",
                    "region": "Region", "myndighet": "Myndighet", "företag": "Företag",
                    "organisation": "Organisation", "other": "Övrig"}
BODY_TYPE_PLURALS = {"facknämnd": "Facknämnder", "stadsdelsnämnd": "Stadsdelsnämnder", "bolag": "Bolag",
                     "kommun": "Kommuner", "region": "Regioner", "myndighet": "Myndigheter", "företag": "Företag",
                     "organisation": "Organisationer", "other": "Övriga"}
# reported: a stance a bill (or another summary) reports for the body, not the body's own text
BODY_ROLES = ("consulted", "forwarded", "unlisted", "sender", "reported")

# ---- sections of an answer --------------------------------------------------------------------
SECTION_KINDS = ("summary", "decision", "tjansteutlatande", "party_statement", "reservation", "ersattaryttrande", "other")
SECTION_LABELS = {
    "summary": "Sammanfattning (beredning)",
    "decision": "Beslut",
    "tjansteutlatande": "Tjänsteutlåtande",
    "party_statement": "Särskilt uttalande",
    "reservation": "Reservation",
    "ersattaryttrande": "Ersättaryttrande",
    "other": "Övrigt",
}
OFFICIAL_SECTIONS = ("decision", "tjansteutlatande")  # the body's own answer, as adopted
STATEMENT_SECTIONS = ("party_statement", "reservation", "ersattaryttrande")  # what parties add to it
STANCE_SECTIONS = ("summary", *OFFICIAL_SECTIONS, *STATEMENT_SECTIONS)  # the sections that carry a stance

# ---- documents and lines ----------------------------------------------------------------------
GENRE_NAMES = ("compiled", "protocol", "bundle", "letter", "bill")
# metadata: a provenance header ("# source: …" up to "# =====BEGIN DOCUMENT=====") that is not the document
LINE_KINDS = ("text", "blank", "page_number", "running_header", "metadata")

# ---- parties --------------------------------------------------------------------------------
# Codes in the order Swedish protocols list them (left to right), with their names.
PARTY_NAMES = {
    "V": "Vänsterpartiet", "S": "Socialdemokraterna", "MP": "Miljöpartiet", "C": "Centerpartiet",
    "L": "Liberalerna", "KD": "Kristdemokraterna", "M": "Moderaterna", "SD": "Sverigedemokraterna",
    "Fi": "Feministiskt initiativ",
}
PARTY_CODES = tuple(PARTY_NAMES)

"""The workbook's review sheet (*Granskning*): its layout and the words a reviewer may write in it.

Export writes the sheet and the corrections stage reads it back; both take every name, word and the
one value parser from here, so the writer and the reader cannot drift apart. This is a helper, not
a stage: it imports no stage module.

Contract (header in row 1, data from row 2; names and id format are stable):

===========================  ===================================================================
Etikett-id                   `<segment_id>|stance` or `<segment_id>|theme:<theme id>` (`label_id`)
Dokument, Segment            input file name; segment_id (as in segments.csv)
Remissinstans, Avsnitt       body; section in Swedish (`labels.SECTION_LABELS`)
Etikett-typ                  `stance` or `theme` (`LABEL_TYPES`)
Föreslaget värde             stance: a Swedish word of `labels.STANCE_LABELS`; theme: its Swedish label
Sannolikhet                  the model's probability for the proposed value (0–1)
Citat, Rad                   the evidence sentence and its first line in the original file
Granskarens rättelse         empty; the reviewer fills it in (yellow). Empty = accepted as
                             proposed. stance: a word of `STANCE_WORDS` or a stance id;
                             theme: "Nej" = the theme does not apply, "Ja" = confirmed
Kommentar                    empty, free text (e.g. a theme the model missed)
===========================  ===================================================================

`parse_correction` turns what a reviewer wrote into the canonical value kept in corrections.csv:
a stance id, or "ja"/"nej" for a theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.labels import STANCE_LABELS, STANCES

SHEET = "Granskning"
LABEL_ID = "Etikett-id"
LABEL_TYPE = "Etikett-typ"
CORRECTION = "Granskarens rättelse"
COMMENT = "Kommentar"
COLUMNS = (LABEL_ID, "Dokument", "Segment", "Remissinstans", "Avsnitt", LABEL_TYPE, "Föreslaget värde",
           "Sannolikhet", "Citat", "Rad", CORRECTION, COMMENT)
REVIEWER_COLUMNS = (CORRECTION, COMMENT)  # the columns a reviewer writes in (highlighted)

# ---- labels: what a row proposes ------------------------------------------------------------
STANCE = "stance"
THEME = "theme"
LABEL_TYPES = (STANCE, THEME)

# ---- a reviewer's words ---------------------------------------------------------------------
YES, NO = "ja", "nej"  # the canonical theme answers (corrections.csv)
YES_WORDS = frozenset({"ja", "j", "yes", "1", "x", "sant", "true"})
NO_WORDS = frozenset({"nej", "n", "no", "0", "falskt", "false", "-"})
THEME_ANSWERS = {YES: "Ja", NO: "Nej"}  # as the sheet shows them and its drop-down offers them
STANCE_CHOICES = tuple(STANCE_LABELS[s] for s in STANCES)  # the stance drop-down, in stance order
STANCE_SYNONYMS = {"ingen åsikt": "no_opinion"}  # other words reviewers use for a stance
STANCE_WORDS = {**{STANCE_LABELS[s].casefold(): s for s in STANCES}, **STANCE_SYNONYMS}


def theme_label(theme: str) -> str:
    """The label of one theme on one segment: `theme:<id>`."""
    return f"{THEME}:{theme}"


def label_id(segment_id: str, label: str) -> str:
    """The sheet's row id: `<segment_id>|<label>`."""
    return f"{segment_id}|{label}"


def split_label_id(value: str) -> tuple[str, str]:
    """`<segment_id>|<label>` -> (segment_id, label); label is "" when the id has none."""
    segment_id, _, label = str(value).partition("|")
    return segment_id, label


def label_type(label: str) -> str:
    """`stance` or `theme` for a label (`stance`, `theme` or `theme:<id>`); a one-line error otherwise."""
    kind, _, theme = label.partition(":")
    if label == STANCE or (kind == THEME and (theme or label == THEME)):
        return kind
    raise ConfigError(f"label '{label}' is neither '{STANCE}' nor '{THEME}:<theme id>'")


def label_theme(label: str) -> str:
    """The theme id of a `theme:<id>` label."""
    return label.partition(":")[2]


def _words(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def parse_correction(label: str, value: str) -> str:
    """A reviewer's value for a label as the canonical value: a stance id for a stance, "ja" or
    "nej" for a theme (any case and spacing); a one-line error naming what is allowed otherwise."""
    text = _words(value)
    if label_type(label) == STANCE:
        if text in STANCES:
            return text
        if text in STANCE_WORDS:
            return STANCE_WORDS[text]
        words = ", ".join([*STANCE_CHOICES, *STANCE_SYNONYMS])
        raise ConfigError(f"correction '{value}' for a stance is not one of: {words} (or an id: {', '.join(STANCES)})")
    if text in YES_WORDS:
        return YES
    if text in NO_WORDS:
        return NO
    raise ConfigError(f"correction '{value}' for a theme must be ja or nej")


@dataclass(frozen=True)
class ReviewEntry:
    """One row a reviewer filled in, its value already canonical."""

    segment_id: str
    label: str
    value: str
    comment: str


def read_review_sheet(workbook: Path) -> list[ReviewEntry]:
    """The rows of the review sheet with a correction, in sheet order; none if there is no workbook.
    A value that cannot be understood is a one-line error naming the row."""
    if not workbook.exists():
        return []
    try:
        sheet = pd.read_excel(workbook, sheet_name=SHEET, dtype=str, keep_default_na=False)
    except (ValueError, KeyError, OSError) as error:
        raise ConfigError(f"{workbook}: cannot read the {SHEET} sheet ({error})") from None
    if LABEL_ID not in sheet.columns or CORRECTION not in sheet.columns:
        raise ConfigError(f"{workbook}: the {SHEET} sheet lacks the '{LABEL_ID}' or '{CORRECTION}' column")
    entries = []
    for row, record in enumerate(sheet.to_dict("records"), start=2):
        correction = str(record[CORRECTION]).strip()
        segment_id, label = split_label_id(record[LABEL_ID])
        if not correction or not segment_id or not label:
            continue
        try:
            value = parse_correction(label, correction)
        except ConfigError as error:
            raise ConfigError(f"{workbook}, sheet {SHEET}, row {row} ({record[LABEL_ID]}): {error}") from None
        entries.append(ReviewEntry(segment_id, label, value, str(record.get(COMMENT, "")).strip()))
    return entries

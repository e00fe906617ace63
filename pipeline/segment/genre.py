"""Which genre a document is, decided in one place from its text, with the cue that decided it.

Order matters: a bill's "Remissinstanserna:" paragraphs, then a compiled utlåtande (a Beredning
heading *and* a consultation list or Remissammanställning), then § items or part headings
(protocol, bundle), else a single letter. The vocabulary is in data/vocabulary/genres.yaml.
"""

from __future__ import annotations

import logging
import re

from pipeline.segment.bill import is_bill
from pipeline.segment.parts import ITEM, Part, find_parts
from pipeline.segment.text import DocumentLines
from pipeline.segment.vocabulary import any_of, genre_vocabulary

log = logging.getLogger(__name__)

def compiled_cue(lines: DocumentLines) -> str | None:
    vocabulary = genre_vocabulary().genres.compiled
    heading = re.compile(vocabulary.heading)
    beredning = next((i for i, f in enumerate(lines.folded) if lines.content(i) and heading.match(f)), None)
    if beredning is None:
        return None
    confirm = any_of(vocabulary.requires_any)
    confirming = next((i for i in range(beredning, len(lines.folded)) if confirm.search(lines.folded[i])), None)
    if confirming is None:
        return None
    return f"'Beredning' rad {lines.numbers[beredning]} och '{lines.texts[confirming][:40]}' rad {lines.numbers[confirming]}"


def decide_genre(lines: DocumentLines) -> tuple[str, str, list[Part]]:
    """(genre, cue, parts): parts are the § items and headings for protocols and bundles."""
    cue = is_bill(lines)
    if cue:
        genre, parts = "bill", []
    elif (cue := compiled_cue(lines)) is not None:
        genre, parts = "compiled", []
    else:
        parts = find_parts(lines)
        items = [p for p in parts if p.kind == ITEM]
        if items and len(items) == len(parts):
            genre = "protocol"
            cue = f"{len(items)} §-punkter ({', '.join(p.item for p in items[:6])}{' …' if len(items) > 6 else ''})"
        elif len(parts) >= 2:
            genre = "bundle"
            cue = f"{len(parts)} delar: " + ", ".join(p.item or p.kind for p in parts[:6])
        else:
            genre, cue = "letter", (f"rubrik rad {lines.numbers[parts[0].anchor]}" if parts else "ingen § eller delrubrik")
    log.info("%s: genre %s (%s)", lines.doc, genre, cue)
    return genre, cue, parts

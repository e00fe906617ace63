"""Stage 2, segment: one module per genre behind one interface (see stage.py).

genre.py decides the genre; compiled.py (a compiled utlåtande), protocol.py (protocols and
bundles, built on parts.py), letter.py (a single remissvar) and bill.py (a bill's
"Remissinstanserna:" paragraphs) find the answers; sender.py and organisations.py read who wrote
a text; tables.py writes the shared tables. The vocabulary is in data/vocabulary/*.yaml.
"""

from pipeline.segment.compiled import CompiledSegmenter
from pipeline.segment.stage import (
    Segmentation,
    combine,
    segment_all,
    segment_document,
    summary_lines,
    write_segmentation,
)
from pipeline.parties import parse_parties
from pipeline.segment.text import clean_author, ends_sentence, split_name_list

DocumentSegmenter = CompiledSegmenter  # the compiled segmenter, with every line helper

__all__ = [
    "CompiledSegmenter",
    "DocumentSegmenter",
    "Segmentation",
    "clean_author",
    "combine",
    "ends_sentence",
    "parse_parties",
    "segment_all",
    "segment_document",
    "split_name_list",
    "summary_lines",
    "write_segmentation",
]

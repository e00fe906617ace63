"""Property-based tests: the segmenter never loses a line and never crashes on arbitrary text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import SegmentParams
from pipeline.errors import NoBodyFoundError
from pipeline.segment import segment_document
from tests.conftest import assert_every_line_in_one_segment
from tests.test_segment import lines_table

# Lines drawn from the genre, so that the random documents exercise the real cues.
GENRE_LINES = [
    "Beredning", "Remissammanställning", "Bilaga 1", "Reservationer m.m.", "Underremiss", "Mina synpunkter",
    "Ärendet har remitterats till trafiknämnden, Farsta stadsdelsnämnd och Stockholms Stadshus AB.",
    "Valnämnden har avstått från att svara.", "Trafiknämnden", "Farsta stadsdelsnämnd", "Stockholms Stadshus AB",
    "Trafiknämnden beslutade vid sitt sammanträde den 1 maj 2021 följande.",
    "Särskilt uttalande gjordes av Anna Ek m.fl. (S), bilaga 1.",
    "Särskilt uttalande gjordes av Anna Ek m.fl. (S) enligt följande.",
    "Reservation anfördes av Bo Berg (M) enligt följande.",
    "Trafikkontorets tjänsteutlåtande daterat den 2 maj 2021 har i huvudsak följande lydelse.",
    "SISABs remissvar har i huvudsak följande lydelse:", "Koncernledningens synpunkter",
    "Nämnden tillstyrker förslaget.", "Förvaltningen saknar en analys av kostnaderna.", "§12", "Beslut",
    "Sammanfattning", "Särskilt uttalande", "Handlingar i ärendet", "12", "", "", "  ",
]

line = st.one_of(st.sampled_from(GENRE_LINES), st.text(max_size=80))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(line, min_size=1, max_size=60))
def test_segmenter_never_loses_a_line_and_never_crashes(registry, lines):
    text = "\n".join(l.replace("\r", " ").replace("\n", " ") for l in lines)
    table = lines_table(text)
    try:
        result = segment_document(table, registry, SegmentParams())
    except NoBodyFoundError:
        return  # a clear, expected answer for a text that names no body
    assert_every_line_in_one_segment(table, result.segments)
    assert result.segments["segment_id"].is_unique
    assert (result.segments["start_line"] <= result.segments["end_line"]).all()

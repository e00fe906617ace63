"""`python -m pipeline.segment`: the segment stage as DVC runs it."""

from pipeline.segment.stage import app

app()

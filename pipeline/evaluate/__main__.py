"""`python -m pipeline.evaluate …` (the DVC evaluate stage)."""

from pipeline.evaluate.stage import app

app()

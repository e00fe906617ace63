"""`python -m pipeline.export --exports exports --params params.yaml` (the DVC export stage)."""

from pipeline.export.stage import app

app()

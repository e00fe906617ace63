"""Stage 6, evaluate: honest scores against the project's own annotations.

Two questions, answered separately:

* **Within a remiss** (`segments`, `sentences`): grouped cross-validation in which a body's text is
  never scored by a model trained on that body, and text copied between bodies (the same party
  statement made in many nämnder) is scored once.
* **Across remisser** (`answers`): every annotated answer (data/annotations/answers.csv) scored by
  models trained without its remiss (*leave one remiss out*), through the same labelling code as
  `classify`, so the score is that of the published labels. Beside the model stand a
  section-majority baseline (each segment gets its section's most common label), the cue phrases
  alone, and the decisive statement alone; scores per genre and per class (negative recall on its
  own line). Themes assigned on a remiss the models never saw are scored for precision.

`summaries` compares the draft summaries with the city's own (ROUGE-L, beside lead-2).
"""

from pipeline.evaluate.folds import body_groups, folds, without_copies
from pipeline.evaluate.stage import app, main

__all__ = ["app", "body_groups", "folds", "main", "without_copies"]

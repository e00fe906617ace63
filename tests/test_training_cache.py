"""`remiss analyze` keeps the training corpus under .cache/training/<fingerprint>: read back equal
to what was built, rebuilt when any input changes, old ones pruned."""

from __future__ import annotations

import shutil

import pandas as pd

from pipeline.training import cached_training_corpus
from tests.conftest import ROOT


def test_the_cached_training_corpus_is_what_was_built_and_follows_its_inputs(params, fake_encoder, tmp_path):
    annotations = tmp_path / "annotations"
    shutil.copytree(ROOT / "data" / "annotations", annotations, ignore=shutil.ignore_patterns("passes"))
    stance = pd.read_csv(annotations / "stance.csv", dtype=str, keep_default_na=False)
    seed = "norrmalm-sdn-protokoll-2021-10-21-p12.txt"
    for name in ("stance.csv", "answers.csv", "themes.csv", "corrections.csv"):  # one small document only
        table = pd.read_csv(annotations / name, dtype=str, keep_default_na=False)
        table[table["doc"] == seed].to_csv(annotations / name, index=False)
    cache = tmp_path / "cache"
    built, built_bodies, documents = cached_training_corpus(params, fake_encoder, annotations, cache=cache)
    assert documents["doc"].tolist() == [seed] and len(built.sentences) > 20
    (folder,) = cache.iterdir()
    read, read_bodies, _ = cached_training_corpus(params, fake_encoder, annotations, cache=cache)
    pd.testing.assert_frame_equal(read.sentences, built.sentences)
    pd.testing.assert_frame_equal(read_bodies, built_bodies)
    assert (read.sentence_vectors == built.sentence_vectors).all()
    elsewhere = params.model_copy(update={"embed": params.embed.model_copy(update={"cache_dir": tmp_path / "other"})})
    cached_training_corpus(elsewhere, fake_encoder, annotations, cache=cache)  # vectors kept elsewhere: same corpus
    assert list(cache.iterdir()) == [folder]
    stance[stance["doc"] == seed].iloc[:1].to_csv(annotations / "stance.csv", index=False)  # an edit
    cached_training_corpus(params, fake_encoder, annotations, cache=cache)
    assert len(list(cache.iterdir())) == 2 and folder.exists()

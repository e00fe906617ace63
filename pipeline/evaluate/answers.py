"""Answers across remisser: each annotated answer labelled by models that never saw its remiss.

The unit is what staff publish: one stance and a set of themes per answering body. For every
remiss among the annotated answers, the stance and theme models are trained on the annotations of
all *other* remisser and the held-out documents are labelled by `pipeline.labelling`, exactly as
`classify` labels a new remiss (leave one remiss out). The same is done with folds grouped by body
(within the remiss), so the two can be compared.

Theme training labels come from two places: sentences annotated with their themes
(data/annotations/themes.csv), and answers annotated with the themes they discuss: every sentence
of an answer that does not discuss a theme is a known negative for it. The second source is what
teaches the models that a detaljplan answer is not about informationssäkerhet.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

from pipeline.annotations import (ANSWER_COLUMNS, ANSWER_FILE, align_answers, align_stance, align_themes,
                                  read_labelled_csv, theme_training_labels)
from pipeline.config import Params
from pipeline.corpus import EmbeddedCorpus
from pipeline.cues import cue_stance
from pipeline.evaluate.folds import majority_by_section, overall_majority, stance_scores
from pipeline.labelling import drop_fragments, label_bodies, label_segments, label_sentences, quoting_sentences
from pipeline.labels import OFFICIAL_SECTIONS, STANCES
from pipeline.models import StanceModel, ThemeModel, ThemeSpace, stance_features
from pipeline.schemas import parse_evidence
from pipeline.themes import sentence_theme_features
from pipeline.textutil import fold

MAX_FOLD_JOBS = 4  # folds run in parallel on up to this many cores
STANCE_METHODS = ("model", "model_without_decisive", "decisive_only", "baseline_section_majority", "baseline_cues")
PREDICTION_COLUMNS = ["scheme", "remiss", "genre", "doc", "body", "answer_id", "annotated", *STANCE_METHODS,
                      "probability", "evidence", "evidence_line", "annotated_decisive", "annotated_themes",
                      "predicted_themes", "theme_probabilities"]


@dataclass
class AnswerEvaluation:
    metrics: dict
    predictions: pd.DataFrame  # one row per annotated answer and scheme (PREDICTION_COLUMNS)


@dataclass(frozen=True)
class _Data:
    """Everything the folds share: the corpus, its labels and features, computed once."""

    corpus: EmbeddedCorpus
    bodies: pd.DataFrame
    answers: pd.DataFrame  # aligned answers.csv, plus doc and body
    segment_labels: pd.Series  # segment position -> stance ("" where not annotated)
    segment_remiss: np.ndarray  # remiss of every segment
    sentence_remiss: np.ndarray
    sentence_answer: np.ndarray  # answer_id of every sentence ("" where none)
    stance_x: np.ndarray  # stance features of every segment
    sentence_stance_x: np.ndarray
    theme_x: np.ndarray  # theme features of every sentence
    theme_y: np.ndarray  # (sentences, themes): 1, 0, or -1 for unknown
    theme_ids: list[str]


def _prepare(corpus: EmbeddedCorpus, bodies: pd.DataFrame, params: Params, annotations: Path,
             space: ThemeSpace) -> _Data | None:
    theme_ids = [t.id for t in params.themes]
    answers = align_answers(annotations, bodies, theme_ids).labels
    if answers.empty:
        return None
    answers = answers.merge(bodies[["answer_id", "doc", "body"]], on="answer_id", how="left")
    segments, sentences = corpus.segments, corpus.sentences
    stance = align_stance(annotations, segments).labels.set_index("segment_id")["stance"]
    remiss_of_answer = dict(zip(answers["answer_id"], answers["remiss"], strict=True))
    remiss_of_doc = answers.groupby("doc")["remiss"].agg(lambda r: r.value_counts().index[0]).to_dict()
    segment_remiss = np.array([remiss_of_answer.get(a) or remiss_of_doc.get(d, d)
                               for a, d in zip(segments["answer_id"], segments["doc"], strict=True)])
    remiss_by_segment = dict(zip(segments["segment_id"], segment_remiss, strict=True))
    answer_by_segment = dict(zip(segments["segment_id"], segments["answer_id"], strict=True))
    section_of_sentence = sentences["segment_id"].map(segments.set_index("segment_id")["section"]).tolist()
    features, _ = sentence_theme_features(sentences, corpus.sentence_vectors, params.themes, space)
    sentence_labels = align_themes(annotations, sentences, theme_ids).labels
    return _Data(
        corpus=corpus, bodies=bodies, answers=answers,
        segment_labels=segments["segment_id"].map(stance).fillna(""),
        segment_remiss=segment_remiss,
        sentence_remiss=sentences["segment_id"].map(remiss_by_segment).to_numpy(),
        sentence_answer=sentences["segment_id"].map(answer_by_segment).fillna("").to_numpy(),
        stance_x=stance_features(corpus.segment_vectors, segments["text"].tolist(), segments["section"].tolist()),
        sentence_stance_x=stance_features(corpus.sentence_vectors, sentences["text"].tolist(), section_of_sentence),
        theme_x=features,
        theme_y=_label_array(theme_training_labels(segments, sentences, answers, sentence_labels, theme_ids),
                             sentences),
        theme_ids=theme_ids,
    )


def _label_array(labels: pd.DataFrame, sentences: pd.DataFrame) -> np.ndarray:
    """A label table indexed by sentence_id as a (sentences, themes) array, -1 where unlabelled."""
    return labels.reindex(sentences["sentence_id"]).fillna(-1).astype(int).to_numpy()


def _one_hot(labels: list[str]) -> np.ndarray:
    out = np.zeros((len(labels), len(STANCES)), dtype=np.float32)
    for row, label in enumerate(labels):
        out[row, STANCES.index(label)] = 1.0
    return out


def _answer_text(body, segments: pd.DataFrame, sentences: pd.DataFrame) -> str:
    """What the cue baseline reads: the answer's official text, or a quoted body's naming sentence."""
    official = segments[(segments["answer_id"] == body.answer_id) & segments["section"].isin(OFFICIAL_SECTIONS)]
    if not official.empty:
        return " ".join(official["text"])
    if pd.isna(body.answer_line):
        return ""
    return " ".join(quoting_sentences(body, sentences)["text"])


def _label_fold(data: _Data, train_segments: np.ndarray, train_sentences: np.ndarray, test_answers: pd.DataFrame,
                params: Params) -> pd.DataFrame:
    """Train on the given rows, label the test answers' documents, return one row per test answer."""
    settings = params.classify
    segments, sentences = data.corpus.segments, data.corpus.sentences
    docs = set(test_answers["doc"])
    seg_rows = np.flatnonzero(segments["doc"].isin(docs).to_numpy())
    sen_rows = np.flatnonzero(sentences["doc"].isin(docs).to_numpy())
    test_segments = segments.iloc[seg_rows].reset_index(drop=True)
    test_sentences = sentences.iloc[sen_rows].reset_index(drop=True)
    bodies = data.bodies[data.bodies["answer_id"].isin(set(test_answers["answer_id"]))]

    labelled = train_segments & (data.segment_labels != "").to_numpy()
    train_y = data.segment_labels[labelled].tolist()
    theme_model = ThemeModel.fit(data.corpus.sentence_vectors[train_sentences], data.theme_x[train_sentences],
                                 data.theme_y[train_sentences], data.theme_ids, settings.min_positive_examples,
                                 settings.regularization)
    themes = drop_fragments(theme_model.predict(data.corpus.sentence_vectors[sen_rows], data.theme_x[sen_rows]),
                            test_sentences["text"].tolist())
    labelled_sentences = label_sentences(test_sentences, themes, data.theme_ids, settings.threshold)
    if len(set(train_y)) >= 2:
        model = StanceModel.fit(data.stance_x[labelled], train_y, settings.regularization)
        segment_stance = model.predict_proba(data.stance_x[seg_rows])
        sentence_stance = model.predict_proba(data.sentence_stance_x[sen_rows])
    else:  # one label only: that label everywhere
        only = overall_majority(train_y or ["no_opinion"])
        segment_stance, sentence_stance = _one_hot([only] * len(seg_rows)), _one_hot([only] * len(sen_rows))
    majority = majority_by_section(segments["section"][labelled].tolist(), train_y)
    fallback = overall_majority(train_y or ["no_opinion"])
    section_majority = _one_hot([majority.get(s, fallback) for s in test_segments["section"]])

    def bodies_with(stance: np.ndarray, weight: float) -> pd.DataFrame:
        labelled_segments = label_segments(test_segments, labelled_sentences, themes, stance, sentence_stance,
                                           data.theme_ids, settings.threshold, weight)
        return label_bodies(bodies, labelled_segments, test_sentences, data.theme_ids, settings.threshold,
                            weight).set_index("answer_id")

    runs: dict[str, pd.DataFrame] = {
        "model": bodies_with(segment_stance, settings.decisive_weight),
        "model_without_decisive": bodies_with(segment_stance, 0.0),
        "decisive_only": bodies_with(np.full_like(segment_stance, 1 / len(STANCES)), 1.0),
        "baseline_section_majority": bodies_with(section_majority, 0.0),
    }
    rows = []
    for answer in test_answers.itertuples():
        model_row = runs["model"].loc[answer.answer_id]
        evidence = _stance_evidence(model_row.evidence)
        body = data.bodies[data.bodies["answer_id"] == answer.answer_id].iloc[0]
        rows.append({
            "remiss": answer.remiss, "genre": answer.genre, "doc": answer.doc, "body": answer.body,
            "answer_id": answer.answer_id, "annotated": answer.stance,
            **{name: runs[name].loc[answer.answer_id, "stance"] for name in runs},
            "baseline_cues": cue_stance(_answer_text(body, test_segments, test_sentences)),
            "probability": model_row.stance_probability,
            "evidence": evidence[0], "evidence_line": evidence[1],
            "annotated_decisive": answer.decisive, "annotated_themes": answer.themes,
            "predicted_themes": model_row.themes, "theme_probabilities": model_row.theme_probabilities,
        })
    return pd.DataFrame(rows)


def _stance_evidence(evidence_json: str) -> tuple[str, int | None]:
    item = parse_evidence(evidence_json).get("stance")
    return (item.sentence, item.line) if item else ("", None)


def _run_folds(data: _Data, params: Params, folds: list[tuple[np.ndarray, np.ndarray, pd.DataFrame]]) -> pd.DataFrame:
    """Each fold (training segments, training sentences, test answers) on its own core: the folds
    are independent, and their results are joined in fold order, so the table does not depend on
    how many cores ran it."""
    jobs = min(MAX_FOLD_JOBS, os.cpu_count() or 1, len(folds))
    parts = Parallel(n_jobs=jobs)(delayed(_single_threaded_fold)(data, segments, sentences, test, params)
                                  for segments, sentences, test in folds)
    return pd.concat(parts, ignore_index=True)


def _single_threaded_fold(*args) -> pd.DataFrame:
    """A fold with one BLAS thread: the solvers' last digits then do not depend on how many
    threads the machine (or the worker) has, so every machine writes the same predictions."""
    with threadpool_limits(limits=1):
        return _label_fold(*args)


def _leave_one_remiss_out(data: _Data, params: Params) -> pd.DataFrame:
    folds = []
    for remiss in sorted(set(data.answers["remiss"])):
        test = data.answers[data.answers["remiss"] == remiss]
        folds.append((data.segment_remiss != remiss, data.sentence_remiss != remiss, test))
    return _run_folds(data, params, folds)


def _within_remiss(data: _Data, params: Params) -> pd.DataFrame:
    """Folds grouped by body within its remiss: the test answers' own text is never trained on;
    the rest is, other answers to the same remiss too."""
    groups = (data.answers["remiss"] + "|" + data.answers["body"].map(fold)).to_numpy()
    splits = min(params.classify.cv_folds, len(set(groups)))
    folds = []
    for _, test_rows in GroupKFold(n_splits=splits).split(np.zeros(len(groups)), groups=groups):
        test = data.answers.iloc[test_rows]
        held_out = set(test["answer_id"])
        folds.append((~data.corpus.segments["answer_id"].isin(held_out).to_numpy(),
                      ~np.isin(data.sentence_answer, list(held_out)), test))
    return _run_folds(data, params, folds)


def theme_scores(predictions: pd.DataFrame, theme_ids: list[str]) -> dict:
    """Precision and recall of the themes assigned to answers, overall and per theme."""
    def sets(column: str) -> list[set[str]]:
        return [set(filter(None, value.split("|"))) for value in predictions[column]]

    truth, predicted = sets("annotated_themes"), sets("predicted_themes")
    per_theme = {}
    total_tp = total_fp = total_fn = 0
    for theme in theme_ids:
        tp = sum(theme in t and theme in p for t, p in zip(truth, predicted, strict=True))
        fp = sum(theme not in t and theme in p for t, p in zip(truth, predicted, strict=True))
        fn = sum(theme in t and theme not in p for t, p in zip(truth, predicted, strict=True))
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
        if tp + fp + fn:
            per_theme[theme] = {"assigned": tp + fp, "annotated": tp + fn,
                                "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
                                "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0}
    precision = total_tp / (total_tp + total_fp) if total_tp + total_fp else 1.0
    recall = total_tp / (total_tp + total_fn) if total_tp + total_fn else 1.0
    return {"assigned": total_tp + total_fp, "annotated": total_tp + total_fn,
            "precision": round(precision, 4), "recall": round(recall, 4),
            "answers_without_themes_given_one": int(sum(not t and bool(p) for t, p in zip(truth, predicted,
                                                                                          strict=True))),
            "per_theme": per_theme}


def _scheme_metrics(predictions: pd.DataFrame, theme_ids: list[str]) -> dict:
    truth = predictions["annotated"].tolist()
    metrics = {name: stance_scores(truth, predictions[name].tolist()) for name in STANCE_METHODS}
    metrics["per_genre"] = {genre: stance_scores(group["annotated"].tolist(), group["model"].tolist())
                            for genre, group in predictions.groupby("genre", sort=True)}
    metrics["per_remiss"] = {remiss: {"n": len(group), "accuracy": round(float((group["annotated"] == group["model"]).mean()), 4)}
                             for remiss, group in predictions.groupby("remiss", sort=True)}
    metrics["themes"] = theme_scores(predictions, theme_ids)
    return metrics


SCHEMES: dict[str, Callable[[_Data, Params], pd.DataFrame]] = {
    "leave_one_remiss_out": _leave_one_remiss_out,
    "within_remiss": _within_remiss,
}


def evaluate_answers(corpus: EmbeddedCorpus, bodies: pd.DataFrame, params: Params, annotations: Path,
                     space: ThemeSpace) -> AnswerEvaluation:
    data = _prepare(corpus, bodies, params, annotations, space)
    if data is None:
        return AnswerEvaluation({}, pd.DataFrame(columns=PREDICTION_COLUMNS))
    annotated = len(read_labelled_csv(annotations / ANSWER_FILE, ANSWER_COLUMNS))
    metrics: dict = {"n_annotated": annotated, "n_answers": len(data.answers),  # annotated / found in the documents
                     "n_remisser": int(data.answers["remiss"].nunique())}
    predictions = []
    for scheme, run in SCHEMES.items():
        rows = run(data, params).assign(scheme=scheme)
        metrics[scheme] = _scheme_metrics(rows, data.theme_ids)
        predictions.append(rows)
    table = pd.concat(predictions, ignore_index=True)[PREDICTION_COLUMNS]
    table = table.sort_values(["scheme", "remiss", "doc", "answer_id"], kind="stable").reset_index(drop=True)
    return AnswerEvaluation(metrics, table)

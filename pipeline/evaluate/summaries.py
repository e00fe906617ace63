"""Draft summaries against the city's own summaries of the same answers (the Beredning paragraphs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.summarize import lead_summary, rouge_l


def evaluate_summaries(bodies: pd.DataFrame, segments: pd.DataFrame, sentences: pd.DataFrame) -> dict:
    """ROUGE-L of the draft summaries against the city's own summaries (the Beredning paragraphs),
    beside the lead-2 baseline (the answer's first two sentences)."""
    summaries = segments[(segments["section"] == "summary") & (segments["answer_id"] != "")]
    references = summaries.groupby("answer_id")["text"].apply(" ".join)
    by_segment = sentences.groupby("segment_id", sort=False)["text"].apply(list).to_dict()
    model, lead = [], []
    for body in bodies.itertuples():
        key = body.answer_id
        if key not in references.index or not body.summary:
            continue
        answer = segments[(segments["answer_id"] == key) & (segments["section"] == "tjansteutlatande")]
        texts = [t for segment_id in answer["segment_id"] for t in by_segment.get(segment_id, [])]
        model.append(rouge_l(references[key], body.summary))
        lead.append(rouge_l(references[key], lead_summary(texts, body.body, body.body_type)))
    return {
        "n_bodies": len(model),
        "model_rouge_l": round(float(np.mean(model)), 4) if model else 0.0,
        "baseline_lead2_rouge_l": round(float(np.mean(lead)), 4) if lead else 0.0,
    }

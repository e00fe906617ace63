"""A sentence-transformers-like model run by ONNX Runtime: what the encoder needs, nothing more.

The encoder (pipeline/encoder.py) uses a model's tokenizer, `max_seq_length`, its dimension and
`encode`; this class gives the same for a graph written by pipeline/onnx_export.py (token ids and
mask in, pooled L2-normalised vector out). Texts are run one at a time: with int8 weights the
activations are quantised per input tensor, so a text batched with others (and their padding) gets a
slightly different vector (up to 0.02). One at a time, a text's vector depends on the text alone,
whatever else is embedded in the same run, on a Dask worker or in a later run, and it is no slower on
a CPU (no padding).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ONNX_DIR = "onnx"
FILES = {"fp32": "model.onnx", "int8": "model_qint8.onnx"}


def onnx_path(folder: Path, precision: str) -> Path:
    """Where build_model writes the export of a model folder (sentence-transformers' layout)."""
    return Path(folder) / ONNX_DIR / FILES[precision]


class OnnxSentenceModel:
    """Tokenizer from the folder, graph from `onnx_file`; `encode` returns normalised float32 rows."""

    def __init__(self, folder: Path, onnx_file: Path, threads: int = 0) -> None:
        from transformers import AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        settings = json.loads((Path(folder) / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_seq_length = int(settings.get("max_seq_length", 512))
        self._dimension = int(json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))["hidden_size"])
        self.onnx_file, self.threads = Path(onnx_file), threads
        self._session = None

    @property
    def session(self):
        """Created on first use: a re-run whose texts are all in the embedding cache never needs it."""
        if self._session is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads  # 0: one per physical core
            options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(str(self.onnx_file), options,
                                                         providers=["CPUExecutionProvider"])
        return self._session

    def get_embedding_dimension(self) -> int:
        return self._dimension

    def encode(self, texts: Sequence[str], **_: object) -> np.ndarray:
        """One vector per text (sentence-transformers' keyword arguments are accepted and ignored:
        the graph always pools and normalises)."""
        rows = []
        for text in texts:
            encoding = self.tokenizer([text], truncation=True, max_length=self.max_seq_length, return_tensors="np")
            feeds = {"input_ids": encoding["input_ids"].astype(np.int64),
                     "attention_mask": encoding["attention_mask"].astype(np.int64)}
            rows.append(self.session.run(None, feeds)[0][0])
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)

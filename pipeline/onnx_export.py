"""Export a sentence-transformers BERT folder to ONNX, fp32 and int8, for the ONNX Runtime backend.

Why: on a laptop's CPU, ONNX Runtime with fused attention runs the same weights faster than torch, and
int8 weights about twice as fast again (benchmarks/run.py measures it). The graph takes token ids and
the attention mask and returns the pooled, L2-normalised sentence vector (mean over the real tokens,
as the folder's Pooling and Normalize modules do), so the runtime side stays a few lines.

The int8 variant uses per-channel dynamic quantisation of every matmul but one: the feed-forward
output projection of layer 4 (`KEEP_FP32`), whose inputs carry outlier activations; quantised, it alone
takes the cosine to the fp32 vectors below 0.99 on some long sentences (min 0.987 over 800 seed and
corpus sentences; 0.996 with it kept in fp32). tests/test_onnx_backend.py holds the rule: cosine >= 0.99.
Even so, a few evaluation figures move by more than 0.01 with int8 vectors (labels near a threshold
flip), so fp32 is the default and int8 a setting for large archives (README, "Speed and memory").

Deterministic (same folder, same bytes) and offline. sentence-transformers' own `backend="onnx"` needs
optimum-onnx, which pins an older transformers than ours, so the export is done here with torch.onnx.
"""

from __future__ import annotations

import json
import logging
import tempfile
import warnings
from pathlib import Path

import onnx
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from onnxruntime.transformers import optimizer
from transformers import BertModel

from pipeline.onnx_model import FILES, ONNX_DIR, onnx_path

OPSET = 17
KEEP_FP32 = ("/bert/encoder/layer.4/output/dense/MatMul",)
"""Matmuls left in fp32 in the int8 variant (see the module docstring for why)."""


class PooledBert(torch.nn.Module):
    """BERT, then the mean over the real tokens, then L2 normalisation: one vector per text."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, p=2, dim=1)


def export_onnx(folder: Path) -> dict[str, Path]:
    """Write `folder/onnx/model.onnx` (fp32, fused) and `model_qint8.onnx`; return both paths."""
    folder = Path(folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    # eager attention exports the classic pattern that ONNX Runtime fuses into one Attention op.
    bert = BertModel.from_pretrained(folder, add_pooling_layer=False, attn_implementation="eager").eval()
    target = folder / ONNX_DIR
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "raw.onnx"
        ids = torch.tensor([[0, 100, 200, 2], [0, 5, 2, 1]])
        mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the legacy exporter's deprecation and tracer notes
            torch.onnx.export(
                PooledBert(bert), (ids, mask), str(raw), input_names=["input_ids", "attention_mask"],
                output_names=["sentence_embedding"], opset_version=OPSET, dynamo=False,
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "sentence_embedding": {0: "batch"}},
            )
        fused = optimizer.optimize_model(str(raw), model_type="bert", num_heads=config["num_attention_heads"],
                                         hidden_size=config["hidden_size"], opt_level=1)
        fused.save_model_to_file(str(onnx_path(folder, "fp32")))
    matmuls = {node.name for node in onnx.load(onnx_path(folder, "fp32"), load_external_data=False).graph.node}
    if missing := [name for name in KEEP_FP32 if name not in matmuls]:
        raise RuntimeError(f"the exported graph has no node {missing[0]}: update KEEP_FP32")
    logging.disable(logging.WARNING)  # the quantiser's advice to pre-process (a shape pass we do not need)
    try:
        quantize_dynamic(onnx_path(folder, "fp32"), onnx_path(folder, "int8"), per_channel=True,
                         weight_type=QuantType.QInt8, nodes_to_exclude=list(KEEP_FP32),
                         extra_options={"DefaultTensorType": 1})  # 1: float, for the fused ops' outputs
    finally:
        logging.disable(logging.NOTSET)
    return {precision: onnx_path(folder, precision) for precision in FILES}

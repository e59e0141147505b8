"""The lexical (BM25, stemmed) side of hybrid retrieval, kept in step with Chroma.

Open-source Chroma has no BM25, so it lives in-process (llama-index's BM25Retriever over bm25s),
persisted under the index directory with the Chroma `generation` it was built from. A mismatch (an
ingest since, or one killed half-way) means it is rebuilt from Chroma's contents on open.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Iterable

from assistant.types import Chunk

BM25_SUBDIR = "bm25"
STAMP = "generation.json"


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


class LexicalIndex:
    def __init__(self, retriever=None, size: int = 0):
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, chunks: Iterable[Chunk]) -> "LexicalIndex":
        from llama_index.core.schema import TextNode
        from llama_index.retrievers.bm25 import BM25Retriever

        nodes = [TextNode(id_=c.id, text=c.text) for c in chunks]
        if not nodes:
            return cls()
        logging.getLogger("llama_index.retrievers.bm25").setLevel(logging.ERROR)
        retriever = BM25Retriever.from_defaults(nodes=nodes, stemmer=_stemmer(), similarity_top_k=10, verbose=False)
        return cls(retriever, len(nodes))

    def save(self, index_dir: Path, generation: str) -> None:
        target = Path(index_dir) / BM25_SUBDIR
        tmp = target.with_name(BM25_SUBDIR + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.persist(str(tmp), show_progress=False)
        (tmp / STAMP).write_text(json.dumps({"generation": generation, "size": self.size}))
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)  # a reader never sees a half-written index

    @staticmethod
    def is_current(index_dir: Path, generation: str) -> bool:
        try:
            stamp = json.loads((Path(index_dir) / BM25_SUBDIR / STAMP).read_text())
        except (OSError, ValueError):
            return False
        return stamp.get("generation") == generation

    @classmethod
    def load(cls, index_dir: Path, generation: str) -> "LexicalIndex | None":
        """The persisted index if it was built from this generation, else None.

        Loaded with bm25s (the engine under llama-index's BM25Retriever, same files): importing llama_index.core
        costs ~1.7 s, too much for `assistant ask`'s start-up.
        """
        target = Path(index_dir) / BM25_SUBDIR
        try:
            stamp = json.loads((target / STAMP).read_text())
        except (OSError, ValueError):
            return None
        if stamp.get("generation") != generation:
            return None
        if not stamp.get("size"):
            return cls()
        import bm25s

        try:
            engine = bm25s.BM25.load(str(target), load_corpus=True, show_progress=False, verbosity=0)
            settings = json.loads((target / "retriever.json").read_text())
        except Exception:
            return None
        return cls(_Bm25Query(engine, settings.get("token_pattern", r"(?u)\b\w\w+\b")), int(stamp["size"]))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """(chunk id, score) best first; bm25s pads top-k with score-0 hits, which are dropped."""
        if self._retriever is None or not query.strip():
            return []
        k = max(1, min(k, self.size))
        try:
            if isinstance(self._retriever, _Bm25Query):
                return self._retriever.search(query, k)
            self._retriever.similarity_top_k = k
            hits = self._retriever.retrieve(query)
        except Exception:  # bm25s fails on a query with no known tokens
            return []
        return [(h.node.node_id, float(h.score)) for h in hits if h.score and h.score > 0]


class _Bm25Query:
    """Query side of a persisted llama-index BM25Retriever, straight on bm25s (as `BM25Retriever._retrieve` does)."""

    def __init__(self, engine, token_pattern: str):
        self._engine = engine
        self._token_pattern = token_pattern
        self._stemmer = _stemmer()

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        import bm25s

        tokens = bm25s.tokenize(query, stemmer=self._stemmer, token_pattern=self._token_pattern, show_progress=False)
        docs, scores = self._engine.retrieve(tokens, k=k, show_progress=False)
        out = []
        for doc, score in zip(docs[0], scores[0]):
            if score > 0:
                node_id = doc["node_id"] if isinstance(doc, dict) else self._engine.corpus[int(doc)]["node_id"]
                out.append((node_id, float(score)))
        return out

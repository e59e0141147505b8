"""Hybrid retrieval: BM25 (stemmed) and Chroma vectors, fused by reciprocal rank, optionally reranked.

Fusion is written here rather than with llama-index's QueryFusionRetriever because that class resolves
an LLM at construction (it wants one to generate query variations) and this path must run with none.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from index.embedders import Embedder
from index.lexical import LexicalIndex
from index.store import Store

from .types import Chunk, Hit

RRF_K = 60  # the constant from Cormack et al. (2009); dampens the weight of top ranks
LEXICAL_WEIGHT = 1.0  # BM25's vote relative to the vectors'
# Each retriever's own best hits are kept whatever the fused order: a chunk only BM25 finds, even at its rank 1,
# otherwise scores below chunks ranked midway in both lists (7% of SQuAD questions lost BM25's top chunk that way).
KEEP_EACH = 3
SPARE = 4


@dataclass(frozen=True)
class Filters:
    sources: tuple[str, ...] = ()  # substrings of source paths; any of them matches
    date_from: str | None = None  # ISO dates, inclusive
    date_to: str | None = None

    def __bool__(self) -> bool:
        return bool(self.sources or self.date_from or self.date_to)

    def accepts(self, chunk: Chunk) -> bool:
        if self.sources and not any(s in chunk.source for s in self.sources):
            return False
        if (self.date_from or self.date_to) and not chunk.date:
            return False
        if self.date_from and chunk.date < self.date_from:
            return False
        if self.date_to and chunk.date > self.date_to:
            return False
        return True


def keep_strong(fused: list[tuple[str, float]], rankings: list[list[str]], k: int,
                keep: int = KEEP_EACH) -> list[tuple[str, float]]:
    """`fused` reordered so that the top `keep` of every ranking are within its first `k`, the fused order kept
    otherwise."""
    must = list(dict.fromkeys(cid for ranking in rankings for cid in ranking[:keep]))
    head = [item for item in fused[:k]]
    head_ids = {cid for cid, _ in head}
    missing = [cid for cid in must if cid not in head_ids]
    if not missing:
        return fused
    score = dict(fused)
    protected = set(must)
    for cid in missing:  # replace the lowest-ranked unprotected chunk of the head
        for j in range(len(head) - 1, -1, -1):
            if head[j][0] not in protected:
                head.pop(j)
                break
        head.append((cid, score.get(cid, 0.0)))
    head.sort(key=lambda kv: -kv[1])
    head_ids = {cid for cid, _ in head}
    return head + [item for item in fused if item[0] not in head_ids]


def rrf(rankings: list[list[str]], k: int = RRF_K, weights: list[float] | None = None) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion. Two chunks each list ranks 1st and 2nd the other way round tie: the last ranking (the
    model's) breaks ties, then the ones before it. Not the chunk id: ids hash the file's path, so a tie broken by id
    would order the same collection differently in another folder."""
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights or [1.0] * len(rankings)):
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    positions = [{cid: i for i, cid in enumerate(ranking)} for ranking in reversed(rankings)]
    return sorted(scores.items(), key=lambda kv: (-kv[1], *(p.get(kv[0], len(p)) for p in positions), kv[0]))


class HybridRetriever:
    def __init__(self, store: Store, embedder: Embedder, index_dir: Path, reranker=None):
        self.store = store
        self.embedder = embedder
        self.index_dir = Path(index_dir)
        self.reranker = reranker
        self._lexical: LexicalIndex | None = None
        self._generation: str | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        # Chroma's query releases the GIL while it searches: BM25 runs here meanwhile (the pair took 2.2 → 1.3 ms at
        # 100k chunks, measured ad hoc). A few threads, for concurrent askers; they are only ever waiting on Chroma.
        self._vector_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="vector-search")

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current generation (reloaded or rebuilt after another ingest)."""
        with self._lock:
            now = time.monotonic()
            if self._lexical is not None and now - self._checked < 1.0:
                return self._lexical
            self._checked = now
            gen = self.store.generation
            if self._lexical is None or gen != self._generation:
                lex = LexicalIndex.load(self.index_dir, gen)
                if lex is None:  # stale: rebuilt from the store
                    lex = LexicalIndex.from_chunks(self.store.all_chunks())
                    try:
                        lex.save(self.index_dir, gen)
                    except OSError:
                        pass  # read-only index dir: keep it in memory
                self._lexical, self._generation = lex, gen
            return self._lexical

    def refresh(self) -> None:
        with self._lock:
            self._checked = 0.0

    def retrieve(self, query: str, k: int = 8, filters: Filters = Filters(), vector=None) -> list[Hit]:
        """`vector`: the query's embedding when the caller has it already (it is computed once per question)."""
        depth = max(4 * k, 40) if not filters else max(10 * k, 200)
        lexical = self.lexical()
        if vector is None:
            vector = self.embedder.embed_query(query)
        vector_search = self._vector_pool.submit(self.store.nearest, vector, depth)
        lex_ids = [cid for cid, _ in lexical.search(query, depth)]
        vec_ids = [cid for cid, _ in vector_search.result()]
        chunks: dict[str, Chunk] = {}
        if filters:  # filtering needs every candidate's metadata
            chunks = self.store.get(list(dict.fromkeys(lex_ids + vec_ids)))
            lex_ids = [cid for cid in lex_ids if cid in chunks and filters.accepts(chunks[cid])]
            vec_ids = [cid for cid in vec_ids if cid in chunks and filters.accepts(chunks[cid])]
        want = max(k, 20) if self.reranker is not None else k
        fused = keep_strong(rrf([lex_ids, vec_ids], weights=[LEXICAL_WEIGHT, 1.0]), [lex_ids, vec_ids], want)
        # Only the chunks kept are read. A few spare ones only when a kept chunk is no longer in the store (one BM25,
        # a second behind, still holds and an ingest removed since).
        chunks.update(self.store.get([cid for cid, _ in fused[:want] if cid not in chunks]))
        if sum(cid in chunks for cid, _ in fused[:want]) < want:
            chunks.update(self.store.get([cid for cid, _ in fused[want : want + SPARE] if cid not in chunks]))
        fused = [(cid, score) for cid, score in fused[: want + SPARE] if cid in chunks]
        if self.reranker is not None and fused:
            fused = self.reranker.rerank(query, [(cid, chunks[cid].text) for cid, _ in fused[: max(k, 20)]])
        return [Hit(chunks[cid], score, rank) for rank, (cid, score) in enumerate(fused[:k], start=1)]


class CrossEncoderReranker:
    """sentence-transformers CrossEncoder over (query, passage) pairs; loaded from a local path offline."""

    def __init__(self, model: str, allow_downloads: bool = False):
        import os

        from .errors import EmbedderUnavailable

        if not allow_downloads:
            os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            from index.language import heavy_imports

            with heavy_imports:
                from sentence_transformers import CrossEncoder
            self._model = CrossEncoder(model, device="cpu")
        except Exception as exc:
            raise EmbedderUnavailable(
                f"cannot load cross-encoder {model!r} ({type(exc).__name__}) — pass a local model directory "
                "with --reranker, or leave it unset"
            ) from None

    def rerank(self, query: str, items: list[tuple[str, str]]) -> list[tuple[str, float]]:
        scores = self._model.predict([(query, text) for _, text in items], show_progress_bar=False)
        ranked = sorted(zip([cid for cid, _ in items], map(float, scores)), key=lambda kv: (-kv[1], kv[0]))
        return ranked

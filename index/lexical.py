"""The lexical (BM25, stemmed) side of hybrid retrieval, kept in step with Chroma.

Open-source Chroma has no BM25, so it lives in-process (bm25s, as llama-index's BM25Retriever uses it),
persisted under the index directory with the Chroma `generation` it was built from, together with a local copy of
the chunks' records (`index.records`). A mismatch (an ingest since, or one killed half-way) means both are rebuilt
from Chroma's contents on open.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Iterable

from assistant.types import Chunk

from .memo import Memo
from .records import ChunkRecords
from .tokens import TOKEN_PATTERN, word_tokens

BM25_SUBDIR = "bm25"
STAMP = "generation.json"


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def analyze(texts: list[str], tokens: list[list[str]] | None = None) -> list[str]:
    """Each text's BM25 terms, space-joined: lower-cased `TOKEN_PATTERN` tokens, English stop words dropped, stemmed —
    the tokens bm25s.tokenize(stopwords="en", stemmer=...) gives, as llama-index's BM25Retriever builds its corpus
    (held equal by tests/index/test_lexical.py). Written out with a token → term memo so the per-token work stays
    in C (bm25s's Python loop over tokens was a fifth of preparing a file). Computed where the chunks are made (the
    ingest helper process); one string per chunk is compact to ship between processes and to hold for a collection.
    `tokens`, when given, are `index.tokens.word_tokens` of each text."""
    global _TERMS
    if _TERMS is None:
        from bm25s.stopwords import STOPWORDS_EN

        stop, stem = frozenset(STOPWORDS_EN), _stemmer().stemWord
        _TERMS = Memo(lambda token: "" if token in stop else stem(token))  # token → term ("" for a stop word)
    term = _TERMS.__getitem__
    return [" ".join(filter(None, map(term, toks))) for toks in (tokens or map(word_tokens, texts))]


_TERMS: Memo | None = None


class LexicalIndex:
    def __init__(self, engine=None, ids: list[str] | None = None, records: ChunkRecords | None = None):
        self._engine = engine  # a bm25s.BM25
        self._ids = ids or []  # chunk id per bm25s document
        self._stemmer = _stemmer() if engine is not None else None
        self.size = len(self._ids)
        self.records = records  # the chunks themselves, saved and loaded with the index (None: read from Chroma)

    def chunks(self, ids: list[str]) -> dict[str, Chunk]:
        """The chunks among `ids` that the local records hold (the others are for the caller to read from Chroma)."""
        return self.records.get(ids) if self.records is not None and ids else {}

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def __getstate__(self) -> dict:  # the ingest helper sends a built index to its parent; a Stemmer won't pickle
        return {k: v for k, v in self.__dict__.items() if k != "_stemmer"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._stemmer = _stemmer() if self._engine is not None else None

    @classmethod
    def build(cls, ids: list[str], terms: list[str], records: ChunkRecords | None = None) -> "LexicalIndex":
        """The index of chunks `ids` with their `analyze`d terms (and `records`, the chunks' local copy)."""
        import bm25s
        from bm25s.tokenization import Tokenized

        if not ids:
            return cls()
        vocab = Memo(lambda _: len(vocab), limit=sys.maxsize)  # term → its number, the next one for a new term
        token_ids = [list(map(vocab.__getitem__, doc.split())) for doc in terms]  # see Memo: hits stay in C
        engine = bm25s.BM25()
        engine.index(Tokenized(ids=token_ids, vocab=dict(vocab)), show_progress=False)
        return cls(engine, list(ids), records)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> "LexicalIndex":
        ids, texts, records = [], [], ChunkRecords()
        for c in chunks:
            ids.append(c.id)
            texts.append(c.text)
            records.add_chunk(c)
        return cls.build(ids, analyze(texts), records)

    def save(self, index_dir: Path, generation: str) -> None:
        target = Path(index_dir) / BM25_SUBDIR
        tmp = target.with_name(BM25_SUBDIR + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._engine is not None:
            self._engine.save(str(tmp), corpus=[{"node_id": i} for i in self._ids], show_progress=False)
        if self.records is not None:
            self.records.save(tmp)
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
        """The persisted index if it was built from this generation, else None (also the format llama-index's
        BM25Retriever.persist writes: the corpus holds each chunk's `node_id`)."""
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
            ids = [doc["node_id"] for doc in engine.corpus]
        except Exception:
            return None
        engine.corpus = None  # retrieve document numbers; `ids` maps them
        return cls(engine, ids, ChunkRecords.load(target))

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """(chunk id, score) best first; bm25s pads top-k with score-0 hits, which are dropped."""
        if self._engine is None or not query.strip():
            return []
        import bm25s

        k = max(1, min(k, self.size))
        try:
            # As BM25Retriever does: the query is stemmed but keeps its stop words (they have no postings).
            tokens = bm25s.tokenize(query, stemmer=self._stemmer, token_pattern=TOKEN_PATTERN, show_progress=False)
            docs, scores = self._engine.retrieve(tokens, k=k, show_progress=False)
        except Exception:  # bm25s fails on a query with no known tokens
            return []
        return [(self._ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

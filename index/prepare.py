"""Preparing one file for the index: read, clean, chunk, maybe embed, and find its BM25 terms. Runs in the ingesting
process, or in the helper process (`index.worker`) for large ingests; `index.pipeline` writes the results."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .chunking import chunk_document
from .documents import build_documents
from .lexical import LexicalIndex, analyze
from .readers import Unreadable, read_source
from .language import word_tokens
from .types import Chunk

EMBED_SLICE = 1000  # chunks embedded at once while preparing a file


@dataclass
class Pending:
    source: str
    chunks: list[Chunk]
    terms: list[str]  # per chunk, its BM25 terms (see lexical.analyze)
    vectors: object = None  # np.ndarray when embedded while preparing
    documents: int = 0


@dataclass(frozen=True)
class Job:
    path: Path
    max_bytes: int
    chunk_size: int
    chunk_overlap: int
    embedder: object | None  # embedded while preparing when the embedder can travel to the helper (the offline one)
    remember: bool = False  # keep the chunks' BM25 terms in this (helper) process for `build_lexical`


# The BM25 terms of the chunks the helper process prepared in this ingest, kept on its side: after its last file it
# builds the BM25 index from them while the parent is still writing the last batches to Chroma (building it in the
# parent afterwards was a tenth of a large ingest's time).
_prepared_terms: dict[str, str] = {}


def prepare_file(job: Job) -> tuple[str, Pending | None, str | None]:
    """Read, clean, chunk (maybe embed) one file and find its BM25 terms: runs in the helper for large ingests."""
    try:
        text = read_source(job.path, job.max_bytes)
    except Unreadable as exc:
        return str(job.path), None, str(exc)
    docs = build_documents(text)
    chunks = [c for d in docs for c in chunk_document(d, job.chunk_size, job.chunk_overlap)]
    if not chunks:
        return str(job.path), None, "no text left after cleaning"
    chunks = [replace(c, chunk_count=len(chunks)) for c in chunks]  # every chunk records its file's chunk count
    texts = [c.text for c in chunks]
    tokens = list(map(word_tokens, texts))  # for BM25, and for the offline embedder
    vectors = None
    if job.embedder is not None:  # in slices: one file can hold tens of thousands of chunks (memory, issue 20 #11)
        import numpy as np

        with_tokens = getattr(job.embedder, "takes_word_tokens", False)
        vectors = np.vstack([
            job.embedder.embed_documents(texts[lo : lo + EMBED_SLICE], tokens=tokens[lo : lo + EMBED_SLICE])
            if with_tokens else job.embedder.embed_documents(texts[lo : lo + EMBED_SLICE])
            for lo in range(0, len(texts), EMBED_SLICE)
        ])
    terms = analyze(texts, tokens)
    if job.remember:
        _prepared_terms.update(zip((c.id for c in chunks), terms))
    return str(job.path), Pending(text.path, chunks, terms, vectors, len(docs)), None


def build_lexical(_: object = None) -> LexicalIndex:
    """The BM25 index of every chunk this process prepared with `remember` (run in the helper after its last file)."""
    ids, terms = list(_prepared_terms), list(_prepared_terms.values())
    _prepared_terms.clear()
    return LexicalIndex.build(ids, terms)


def warm_up() -> None:
    """Import what preparing a file needs (a helper process does this while the parent opens the store)."""
    from .chunking import _splitter

    _splitter(120, 24)
    import mmh3  # noqa: F401

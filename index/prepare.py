"""Preparing one file for the index: read, clean, chunk, maybe embed, and find its BM25 terms (`index.pipeline` writes
the results)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .chunking import chunk_document
from .documents import build_documents
from .lexical import analyze
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
    embedder: object | None  # the offline embedder, which embeds from the word tokens found here; else None


def prepare_file(job: Job) -> tuple[str, Pending | None, str | None]:
    """Read, clean, chunk (maybe embed) one file and find its BM25 terms: (path, the result or None, why not)."""
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

        vectors = np.vstack([
            job.embedder.embed_documents(texts[lo : lo + EMBED_SLICE], tokens=tokens[lo : lo + EMBED_SLICE])
            for lo in range(0, len(texts), EMBED_SLICE)
        ])
    terms = analyze(texts, tokens)
    return str(job.path), Pending(text.path, chunks, terms, vectors, len(docs)), None


def warm_up() -> None:
    """Import what preparing a file needs (benchmarks call it before starting their clock)."""
    from .chunking import _splitter

    _splitter(120, 24)
    import mmh3  # noqa: F401

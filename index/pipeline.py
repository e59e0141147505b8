"""Ingestion: paths → files → documents → chunks → Chroma (+ the BM25 index), incrementally.

Write order makes an interrupted ingest safe: for each batch, every chunk except each file's marker is
upserted, the file's stale chunks are deleted, and only then its marker (the chunk that records the file
hash) is written. A file whose marker does not carry its current hash is processed again next time.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from .embedders import Embedder
from .lexical import LexicalIndex, analyze
from .locks import ingest_lock
from .prepare import Job, Pending, prepare_file
from .readers import SUPPORTED_SUFFIXES, Unreadable, file_hash, read_bytes
from .store import Store
from .types import IngestReport

BATCH_CHUNKS = 1000


def discover(paths: list[str | Path], report: IngestReport) -> list[Path]:
    """Files under `paths` (recursively, hidden entries skipped, links not followed into loops)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            report.skipped.append((str(raw), "does not exist"))
        elif path.is_dir():
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    f = Path(root) / name
                    if f.suffix.lower() in SUPPORTED_SUFFIXES:
                        found.append(f)
                    else:
                        report.skipped.append((str(f), f"unsupported file type {f.suffix or '(none)'}"))
        else:
            found.append(path)
    seen, unique = set(), []
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported when it is read


class _TotalEstimate:
    """The ingest's total chunk count, estimated from the chunks per byte of the files prepared so far."""

    def __init__(self, todo_bytes: int):
        self.todo_bytes, self.bytes, self.chunks = todo_bytes, 0, 0

    def add(self, bar, file_bytes: int, chunks: int) -> None:
        self.bytes += file_bytes
        self.chunks += chunks
        if self.bytes and self.todo_bytes:
            bar.total = max(self.chunks, round(self.chunks * self.todo_bytes / self.bytes))
            bar.refresh()


class Ingestor:
    def __init__(self, store: Store | Callable[[], Store], embedder: Embedder, index_dir: Path,
                 chunk_size: int = 120, chunk_overlap: int = 24, max_file_bytes: int = 20_000_000):
        self._store = store  # or a function that opens it (on first use)
        self.embedder = embedder
        self.index_dir = Path(index_dir)
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.max_file_bytes = max_file_bytes
        self._generation: str | None = None
        self._terms: dict[str, str] = {}  # chunk id → BM25 terms, for the chunks written by this run
        self._bar = None  # the progress bar of the running ingest (chunks written)

    @property
    def store(self) -> Store:
        if callable(self._store):
            self._store = self._store()
        return self._store

    def run(self, paths: list[str | Path], prune: bool = False, progress: bool = True) -> IngestReport:
        from tqdm import tqdm

        t0 = time.perf_counter()
        report = IngestReport()
        self._generation = None
        self._terms = {}
        with ingest_lock(self.index_dir):
            files = discover(paths, report)
            states = self.store.file_states()
            todo = [f for f in files if self._needs_work(f, states, report)]
            batch: list[Pending] = []
            # Counted in chunks as they are written (embedding included), so it shows chunks/s; the total is
            # estimated from the bytes of the files read so far, so it shows the time left.
            self._bar = bar = tqdm(total=None, desc="ingest", unit="chunk", disable=None if progress else True,
                                   leave=False)
            estimate = _TotalEstimate(sum(map(_size, todo)))
            for path, pending, skipped in map(prepare_file, self._jobs(todo)):
                estimate.add(bar, _size(Path(path)), 0 if skipped else len(pending.chunks))
                if skipped:
                    report.skipped.append((path, skipped))
                    continue
                report.files_read += 1
                report.documents += pending.documents
                batch.append(pending)
                if sum(len(p.chunks) for p in batch) >= BATCH_CHUNKS:
                    self._flush(batch, report)
                    batch = []
            if batch:
                self._flush(batch, report)
            bar.close()
            if prune:
                self._prune(states, report)
            if self._generation is not None or not self._lexical_covers_store():
                self._rebuild_lexical()
        report.seconds = time.perf_counter() - t0
        return report

    def _lexical_covers_store(self) -> bool:
        """Whether the saved BM25 index is whole and holds exactly the store's chunks, of its generation
        (else this ingest repairs them, even when every file is unchanged)."""
        return LexicalIndex.covers(self.index_dir, self.store.generation, self.store.all_ids())

    def _needs_work(self, path: Path, states: dict, report: IngestReport) -> bool:
        """False for a file whose content the index already holds (counted as unchanged) or that can't be read."""
        try:
            data = read_bytes(path, self.max_file_bytes)
        except Unreadable as exc:
            report.skipped.append((str(path), str(exc)))
            return False
        state = states.get(str(path.resolve()))
        if state is not None and state.file_hash == file_hash(data):
            report.files_read += 1
            report.files_unchanged += 1
            report.chunks_unchanged += state.chunk_count
            return False
        return True

    def _jobs(self, todo: list[Path]) -> list[Job]:
        """One preparation job per file. The offline embedder embeds while a file is prepared, from the word tokens
        found there for BM25 too; a model embeds a whole batch at once when it is written (`_flush`)."""
        embedder = self.embedder if getattr(self.embedder, "takes_word_tokens", False) else None
        return [Job(p, self.max_file_bytes, self.chunk_size, self.chunk_overlap, embedder) for p in todo]

    def _flush(self, batch: list[Pending], report: IngestReport) -> None:
        import numpy as np

        if self._generation is None:
            self._generation = self.store.new_generation()
        old_ids = self.store.ids_for_sources([p.source for p in batch])
        chunks = [c for p in batch for c in p.chunks]
        for p in batch:
            self._terms.update(zip((c.id for c in p.chunks), p.terms))
        if all(p.vectors is not None for p in batch):
            vectors = np.vstack([p.vectors for p in batch])
        else:
            vectors = self.embedder.embed_documents([c.text for c in chunks])
        self._bar.update(len(chunks))
        markers = {p.chunks[0].id for p in batch}
        is_marker = [c.id in markers for c in chunks]
        body = [i for i, m in enumerate(is_marker) if not m]
        heads = [i for i, m in enumerate(is_marker) if m]
        existing = set().union(*old_ids.values())
        if not existing:  # only new files: one `add`, markers last (a write call is atomic; a cut leaves no marker)
            self.store.upsert([chunks[i] for i in body + heads], vectors[body + heads], markers, new=True)
            report.chunks_added += len(chunks)
            return
        fresh = [i for i in body if chunks[i].id not in existing]
        known = [i for i in body if chunks[i].id in existing]
        if fresh:
            self.store.upsert([chunks[i] for i in fresh], vectors[fresh], new=True)
        if known:
            self.store.upsert([chunks[i] for i in known], vectors[known])
        for p in batch:
            new = {c.id for c in p.chunks}
            old = old_ids[p.source]
            stale = sorted(old - new)
            self.store.delete(stale)
            report.chunks_removed += len(stale)
            report.chunks_added += len(new - old)
            report.chunks_unchanged += len(new & old)
        self.store.upsert([chunks[i] for i in heads], vectors[heads], markers)

    def _rebuild_lexical(self) -> None:
        """BM25 over every chunk in the store: the terms of this run's chunks come from preparation, the rest are read
        back from Chroma."""
        ids = self.store.all_ids()
        generation = self._generation or self.store.generation
        old = self.store.get([i for i in ids if i not in self._terms])
        terms = self._terms | dict(zip(old, analyze([c.text for c in old.values()])))
        kept = [i for i in ids if i in terms]
        LexicalIndex.build(kept, [terms[i] for i in kept]).save(self.index_dir, generation, writer=True)

    def _prune(self, states: dict, report: IngestReport) -> None:
        for source in sorted(states):
            if not Path(source).exists():
                if self._generation is None:
                    self._generation = self.store.new_generation()
                report.chunks_removed += self.store.delete_source(source)


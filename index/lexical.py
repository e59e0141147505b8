"""The lexical (BM25, stemmed) side of hybrid retrieval, kept in step with Chroma.

Open-source Chroma has no BM25, so it lives in-process (bm25s, as llama-index's BM25Retriever uses it),
persisted under the index directory with the Chroma `generation` it was built from. A mismatch (an ingest since, or
one killed half-way) means it is rebuilt from Chroma's contents on open.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
import unicodedata
import uuid
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .language import TOKEN_PATTERN, index_stopwords, new_stemmer, word_tokens
from .types import Chunk

BM25_SUBDIR = "bm25"
STAMP = "generation.json"
SAVE_LOCK = "bm25.lock"
INGEST_LOCK = "ingest.lock"  # held by the ingest (index.locks.ingest_lock)
TMP_PREFIX = "bm25.tmp-"
OLD_PREFIX = "bm25.old-"
NO_TERM = "\x00"


def analyze(texts: list[str], tokens: list[list[str]] | None = None) -> list[str]:
    """Each text's BM25 terms, space-joined: lower-cased `TOKEN_PATTERN` tokens, English stop words dropped, stemmed —
    the tokens bm25s.tokenize(stopwords="en", stemmer=...) gives, as llama-index's BM25Retriever builds its corpus
    (held equal by tests/index/test_lexical.py). Written out with PyStemmer's batch call, so the per-token work stays
    in C (bm25s's Python loop over tokens was a fifth of preparing a file). Computed where the chunks are made; one
    string per chunk is compact to hold for a collection.
    `tokens`, when given, are `index.language.word_tokens` of each text."""
    stop, stems = index_stopwords(), new_stemmer().stemWords
    return [" ".join(stems([t for t in toks if t not in stop])) for toks in (tokens or map(word_tokens, texts))]


class LexicalIndex:
    def __init__(self, engine=None, ids: list[str] | None = None):
        self._engine = engine  # a bm25s.BM25
        self._ids = ids or []  # chunk id per bm25s document
        self._stemmer = new_stemmer() if engine is not None else None
        self.size = len(self._ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @classmethod
    def build(cls, ids: list[str], terms: list[str]) -> "LexicalIndex":
        """The index of chunks `ids` with their `analyze`d terms."""
        import bm25s
        from bm25s.tokenization import Tokenized

        if not ids:
            return cls()
        # Documents in chunk-id order, not the store's iteration order (embedded Chroma, a server and a re-ingested
        # store list chunks differently): equal scores then rank the same way whichever store the index came from.
        order = sorted(range(len(ids)), key=ids.__getitem__)
        ids, terms = [ids[i] for i in order], [terms[i] for i in order]
        vocab: dict[str, int] = {}  # term → its number, the next one for a new term
        token_ids = [[vocab.setdefault(t, len(vocab)) for t in doc.split()] for doc in terms]
        # Chunks whose text is only stop words or one-letter tokens ("It is.", "x") have no terms; bm25s can't index
        # an empty vocabulary, so it gets one term no query can contain (a token is two word characters or more).
        vocabulary = dict(vocab) or {NO_TERM: 0}
        engine = bm25s.BM25()
        with np.errstate(divide="ignore", invalid="ignore"):  # every document of length 0 (the case above)
            engine.index(Tokenized(ids=token_ids, vocab=vocabulary), show_progress=False)
        return cls(engine, list(ids))

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk]) -> "LexicalIndex":
        ids, texts = [], []
        for c in chunks:
            ids.append(c.id)
            texts.append(c.text)
        return cls.build(ids, analyze(texts))

    def save(self, index_dir: Path, generation: str, writer: bool = False) -> bool:
        """Publish this index as the one of `generation`; False when it was not (kept in memory only).

        `writer` is the ingest, which holds the ingest lock. Anyone else (a reader that rebuilt the index) never
        publishes while an ingest runs: it may have read a collection half-way through that ingest, and had the
        ingest then died, its index would have passed for the generation's (issue 20, item 1). One saver at a time
        (`SAVE_LOCK`); each writes a folder of its own and swaps it in by renames, so no two savers share a path
        and a reader sees the old folder, the new one, or none (then it rebuilds) — never a mix it would accept:
        the stamp lists every file's size and checksum."""
        index_dir = Path(index_dir)
        if not writer and ingest_running(index_dir):
            return False
        with _save_lock(index_dir):
            if not writer and ingest_running(index_dir):  # one may have started while we waited
                return False
            _remove_leftovers(index_dir)  # of savers killed half-way: no other saver runs now
            tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=index_dir))
            if self._engine is not None:
                self._engine.save(str(tmp), corpus=[{"node_id": i} for i in self._ids], show_progress=False)
            stamp = {"generation": generation, "size": self.size, "ids": ids_digest(self._ids),
                     "files": _manifest(tmp)}
            (tmp / STAMP).write_text(json.dumps(stamp))
            target = index_dir / BM25_SUBDIR
            old = index_dir / f"{OLD_PREFIX}{uuid.uuid4().hex}"
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        return True

    @staticmethod
    def covers(index_dir: Path, generation: str, ids: list[str]) -> bool:
        """Whether the saved index is of `generation`, holds exactly the chunks `ids` and its files are whole: what
        an ingest checks before it calls the index current (a stamp alone can be a reader's index of a collection
        an ingest was still filling)."""
        stamp = _read_stamp(Path(index_dir) / BM25_SUBDIR)
        return (stamp is not None and stamp.get("generation") == generation and stamp.get("size") == len(ids)
                and stamp.get("ids") == ids_digest(ids) and _files_intact(Path(index_dir) / BM25_SUBDIR, stamp))

    @staticmethod
    def is_current(index_dir: Path, generation: str) -> bool:
        stamp = _read_stamp(Path(index_dir) / BM25_SUBDIR)
        return stamp is not None and stamp.get("generation") == generation

    @classmethod
    def load(cls, index_dir: Path, generation: str) -> "LexicalIndex | None":
        """The persisted index if it was built from this generation and its files are whole, else None: the caller
        rebuilds it from Chroma (also reads the format llama-index's BM25Retriever.persist writes: the corpus holds
        each chunk's `node_id`; such a stamp lists no files)."""
        target = Path(index_dir) / BM25_SUBDIR
        stamp = _read_stamp(target)
        if stamp is None or stamp.get("generation") != generation:
            return None
        if "files" in stamp and not _files_intact(target, stamp):
            return None  # truncated, garbled or missing: rebuilt from Chroma
        if not stamp.get("size"):
            return cls()
        import bm25s

        try:
            engine = bm25s.BM25.load(str(target), load_corpus=True, show_progress=False, verbosity=0)
            ids = [doc["node_id"] for doc in engine.corpus]
        except Exception:
            return None
        if len(ids) != stamp.get("size"):
            return None
        engine.corpus = None  # retrieve document numbers; `ids` maps them
        return cls(engine, ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """(chunk id, score) best first; bm25s pads top-k with score-0 hits, which are dropped."""
        if self._engine is None or not query.strip():
            return []
        import bm25s

        k = max(1, min(k, self.size))
        if not query.isascii():  # as the chunks' terms were made (`index.language.word_tokens`)
            query = unicodedata.normalize("NFKC", query)
        try:
            # As BM25Retriever does: the query is stemmed but keeps its stop words (they have no postings).
            tokens = bm25s.tokenize(query, stemmer=self._stemmer, token_pattern=TOKEN_PATTERN, show_progress=False)
            docs, scores = self._engine.retrieve(tokens, k=k, show_progress=False)
        except Exception:  # bm25s fails on a query with no known tokens
            return []
        hits = sorted((-float(s), int(d)) for d, s in zip(docs[0], scores[0]) if s > 0)  # ties: in document order
        return [(self._ids[d], -s) for s, d in hits]


def ids_digest(ids: Iterable[str]) -> str:
    """A digest of a set of chunk ids (order does not matter)."""
    return hashlib.sha1("\n".join(sorted(ids)).encode()).hexdigest()


def ingest_running(index_dir: Path) -> bool:
    """Whether an ingest holds the lock of `index_dir` (tried without waiting; a read-only directory has none)."""
    try:
        fh = open(Path(index_dir) / INGEST_LOCK, "rb")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


@contextmanager
def _save_lock(index_dir: Path) -> Iterator[None]:
    """One BM25 saver at a time per index directory (a save takes a second at most: the others wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / SAVE_LOCK, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _remove_leftovers(index_dir: Path) -> None:
    for leftover in index_dir.glob(f"{TMP_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in index_dir.glob(f"{OLD_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _checksum(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            crc = zlib.crc32(block, crc)
    return crc


def _manifest(folder: Path) -> dict[str, list[int]]:
    """Size and CRC-32 of every file of a saved index: what `load` checks before trusting one."""
    return {p.name: [p.stat().st_size, _checksum(p)] for p in sorted(folder.iterdir()) if p.is_file()}


def _files_intact(folder: Path, stamp: dict) -> bool:
    files = stamp.get("files")
    if not isinstance(files, dict):
        return False
    try:
        return all((folder / name).stat().st_size == size and _checksum(folder / name) == crc
                   for name, (size, crc) in files.items())
    except (OSError, ValueError, TypeError):
        return False


def _read_stamp(folder: Path) -> dict | None:
    try:
        stamp = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None

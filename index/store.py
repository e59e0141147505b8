"""The Chroma store: an embedded PersistentClient by default, a Chroma server through HttpClient.

Chroma is the source of truth. Its collection metadata records the embedder that built it and a
`generation` that changes before every write, so anything derived from it (the BM25 index) can tell
whether it is current. Embeddings are always passed in: Chroma's own embedding function is never used
(it would try to download a model).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import struct
import time
import uuid
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Iterator, Protocol, runtime_checkable
from urllib.parse import urlparse

import numpy as np

from .errors import (CollectionNotFound, CorruptIndex, EmbedderMismatch, IndexLocked, IndexNotFound,
                     StoreUnavailable)
from .types import Chunk

CHROMA_SUBDIR = "chroma"
# Records per page when reading the whole collection: each page costs a scan past the records before it, so at 100k
# chunks pages of 2,000 took twice as long as pages of 10,000 (~10 MB of records), and 6x as long to read only ids.
PAGE = 10_000
ID_PAGE = 100_000
IDS_PER_GET = 2000  # ids per `get` by id
# hnswlib's `header.bin` as Chroma's persisted segment writes it: a format version, then offsetLevel0, max_elements,
# cur_element_count, size_data_per_element, label_offset, offsetData, maxlevel, enterpoint_node, maxM, maxM0, M,
# mult, ef_construction.
REBUILDING = "--rebuilding"  # suffix of a collection whose vector index is being rebuilt (`_rebuild_vectors`)
HNSW_HEADER = struct.Struct("<iQQQQQQiiQQQdQ")
# Chroma's HNSW graph. Lighter construction than Chroma's default (ef 100, M 16): writes were the ingest bottleneck.
# Searched broadly: Chroma saves the graph every 1,000 writes and rebuilds the writes after that, on several threads,
# in every process that opens the index, so that part of the graph differs between processes; with ef_search 100
# two processes returned different top-48 neighbours for the same query vector (recall@48 0.97 against exact search).
# ef_search 400: recall@48 0.9994 against exact search at 10k chunks (0.9947 with 100), and the same neighbours in
# every process for an index of a few hundred chunks (bench/hnsw_recall.py, docs/embedder.md; tests/index/test_store.py
# checks that three processes agree). It costs only at query time; construction, the ingest's cost, is unchanged.
HNSW = {"space": "cosine", "ef_construction": 40, "max_neighbors": 12, "ef_search": 400}


# -- the stored record of a chunk ---------------------------------------------------------------------
# Only the keys the store filters on (`source`, `marker`) are Chroma metadata keys; the rest of a chunk, text included,
# is one JSON value under BLOB. Chroma's local write path indexes every `documents` entry in SQLite FTS5 (even when the
# collection's schema deletes the FTS index; checked on chromadb 1.5.9) and adds index rows per metadata key: together
# they halved ingest throughput, and this project's full-text search is its own BM25.
BLOB = "chunk"
# field → its default (MISSING for the fields without one, which are therefore always stored)
_STORED_FIELDS = {f.name: f.default for f in fields(Chunk) if f.name not in ("id", "source")}


def record_metadata(chunk: Chunk, marker: bool = False, order: str = "") -> dict:
    """A chunk's Chroma metadata. `order`, when given, is written just before the JSON, so that stored strings sort by
    it (`ChromaStore` passes keys that increase with each write, see `_write_orders`)."""
    return {"source": chunk.source, BLOB: order + stored_json(chunk, marker), "marker": marker}


def stored_json(chunk: Chunk, marker: bool = False) -> str:
    """Every field but `id` and `source`, as JSON. Fields at their default are left out (Chroma's write cost grows with
    its size), and so is the file hash except on the file's marker chunk, the one place it is read
    (`ChromaStore.file_states`)."""
    stored = {f: v for f, default in _STORED_FIELDS.items() if (v := getattr(chunk, f)) != default}
    if not marker:
        stored.pop("file_hash", None)
    return json.dumps(stored, ensure_ascii=False, separators=(",", ":"))


def chunk_from_stored(id: str, source: str, stored: str) -> Chunk:
    """The chunk from its stored JSON as `record_metadata` stores it, maybe after a write-order key."""
    fields_ = json.loads(stored if stored.startswith("{") else stored[stored.index("{") :])
    fields_["offsets"] = tuple(tuple(p) for p in fields_["offsets"])
    return Chunk(id=id, source=source, **fields_)


def chunk_from_record(id: str, text: str | None, meta: dict) -> Chunk:
    """The chunk from a Chroma record: the JSON layout, or the flat one of indexes written before it."""
    if BLOB in meta:
        return chunk_from_stored(id, meta["source"], meta[BLOB])
    return _chunk_from_flat_record(id, text or "", meta)


def _chunk_from_flat_record(id: str, text: str, meta: dict) -> Chunk:
    """Indexes written before the JSON layout: text in Chroma's documents, one metadata key per field."""
    return Chunk(
        id=id,
        text=text,
        source=meta["source"],
        doc_id=meta["doc_id"],
        title=meta.get("title", ""),
        date=meta.get("date") or None,
        kind=meta.get("kind", "text"),
        start=int(meta["start"]),
        end=int(meta["end"]),
        offsets=tuple(tuple(p) for p in json.loads(meta["offsets"])),
        file_hash=meta.get("file_hash", ""),
        chunk_count=int(meta.get("chunk_count", 0)),
        table_title=meta.get("table_title", ""),
        header=meta.get("header", ""),
        row_offset=int(meta.get("row_offset", 0)),
        lead=meta.get("lead", ""),
    )


@dataclass(frozen=True)
class FileState:
    file_hash: str
    chunk_count: int


@runtime_checkable
class Store(Protocol):
    """What the ingest (`index.pipeline`), the BM25 side (`index.lexical`) and retrieval (`assistant.retrieval`) ask of
    a vector store. `ChromaStore` is the one implementation; `tests/index/test_store_contract.py` holds it to this
    contract on embedded Chroma and on a Chroma server."""

    location: str  # where it lives, for messages: the index directory or the server's URL

    @property
    def embedder_name(self) -> str:
        """The embedder the collection was built with."""

    @property
    def generation(self) -> str:
        """A stamp that changes before every write (derived indexes compare theirs to it)."""

    def new_generation(self) -> str:
        """Mark the collection as changing; called before any write."""

    def count(self) -> int: ...

    def upsert(self, chunks: list[Chunk], embeddings: np.ndarray, markers: set[str] = frozenset(),
               new: bool = False) -> None:
        """Write chunks with their vectors (`markers`: ids of the chunks that record their file's state)."""

    def delete(self, ids: list[str]) -> None: ...

    def delete_source(self, source: str) -> int:
        """Remove a file's chunks; how many there were."""

    def ids_for_sources(self, sources: list[str]) -> dict[str, set[str]]: ...

    def file_states(self) -> dict[str, FileState]:
        """Per file: the hash and chunk count its marker chunk records."""

    def get(self, ids: list[str]) -> dict[str, Chunk]:
        """The chunks among `ids` that exist."""

    def all_ids(self) -> list[str]: ...

    def nearest(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `k` nearest chunks, nearest first."""

    def all_chunks(self) -> Iterator[Chunk]: ...

    def all_chunks_with_embeddings(self) -> Iterator[tuple[Chunk, np.ndarray]]: ...

    def documents(self) -> list[dict]:
        """One row per document: source, title, date, chunk count."""


def _client(index_dir: Path, chroma_url: str | None, create: bool):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        try:
            client = chromadb.HttpClient(
                host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https", settings=settings
            )
            client.heartbeat()
        except Exception as exc:
            raise _unreachable(chroma_url, exc) from None
        return _Guarded(client, chroma_url)
    path = index_dir / CHROMA_SUBDIR
    if not create and not path.exists():
        raise IndexNotFound(str(index_dir))
    if path.exists() and not path.is_dir():
        raise CorruptIndex(str(index_dir), f"{path} is not a directory")
    if not create and path.is_dir() and not _writable(path):
        path = _private_copy(path)
    try:
        return chromadb.PersistentClient(path=str(path), settings=settings)
    except Exception as exc:
        raise CorruptIndex(str(index_dir), f"{type(exc).__name__}: {exc}") from None


def _writable(chroma_dir: Path) -> bool:
    """Whether this process may write the folder, its database and its segment folders (asked of the kernel with
    `os.access`, so a read-only mount, missing permissions and dropped capabilities all count)."""
    paths = [chroma_dir, *chroma_dir.glob("chroma.sqlite3*"), *(p for p in chroma_dir.iterdir() if p.is_dir())]
    return all(os.access(p, os.W_OK) for p in paths)


def _private_copy(chroma_dir: Path) -> Path:
    """A temporary copy of a read-only Chroma folder, removed when the process ends.

    Why by hand: Chroma's embedded client opens its SQLite database read-write and applies migrations when it
    starts, and has no read-only mode; on a folder it may not write it fails with an unrelated AttributeError from
    its Rust bindings (issue 20, item 17). Asking never writes the index, so a copy answers exactly as the original
    would; its cost is one file copy (~0.1 s per 10k chunks)."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="assistant-readonly-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    copy = tmp / chroma_dir.name
    shutil.copytree(chroma_dir, copy)
    for path in (copy, *copy.rglob("*")):  # the copy keeps its source's modes: make it writable for Chroma
        path.chmod(path.stat().st_mode | 0o200)
    logging.getLogger(__name__).info("the index folder %s is read-only: answering from a private copy at %s", chroma_dir, copy)
    return copy


def recorded_embedder(index_dir: Path, chroma_url: str | None = None, collection: str = "documents") -> str | None:
    """The `--embedder` value an existing index was built with (`hash:256`, `minilm`), or None: no index yet, or one
    built with a model folder whose path the collection doesn't record. Never creates anything; a store that can't
    be opened gives None here and its clear error when it is opened for real."""
    from .embedders import spec_of

    if not chroma_url and not (Path(index_dir) / CHROMA_SUBDIR).is_dir():
        return None
    try:
        client = _client(Path(index_dir), chroma_url, create=False)
        name = (client.get_collection(collection, embedding_function=None).metadata or {}).get("embedder")
    except Exception:
        return None
    if not name or name.startswith("st:"):
        return None
    return spec_of(name)


def _unreachable(url: str, exc: BaseException) -> StoreUnavailable:
    return StoreUnavailable(
        f"the Chroma server at {url} is not reachable ({type(exc).__name__}) — start it with "
        "`chroma run --path DIR --host 127.0.0.1 --port 8000`, or unset ASSISTANT_CHROMA_URL to use a local index"
    )


def _is_connection_error(exc: BaseException) -> bool:
    import httpx

    return isinstance(exc, (httpx.TransportError, ConnectionError)) or "Connection refused" in str(exc)


class _Guarded:
    """A Chroma HttpClient, or a collection from one, whose calls turn a lost connection (the server stopped or was
    killed mid-ingest, mid-ask) into StoreUnavailable naming the server, instead of an httpx traceback."""

    def __init__(self, target, url: str):
        self._target, self._url = target, url

    def __getattr__(self, name: str):
        value = getattr(self._target, name)
        if not callable(value):
            return value

        def call(*args, **kwargs):
            try:
                result = value(*args, **kwargs)
            except Exception as exc:
                if _is_connection_error(exc):
                    raise _unreachable(self._url, exc) from None
                raise
            if type(result).__name__ in ("Collection", "CollectionModel") and hasattr(result, "add"):
                return _Guarded(result, self._url)
            return result

        return call


class ChromaStore:
    def __init__(self, index_dir: Path, embedder_name: str, dim: int, chroma_url: str | None = None,
                 collection: str = "documents", create: bool = True):
        self.index_dir = Path(index_dir)
        self.location = chroma_url or str(self.index_dir)
        self._last_order = 0  # the last write-order key given out (`_write_orders`)
        self._client = _client(self.index_dir, chroma_url, create)
        try:
            existing = {c.name if hasattr(c, "name") else c for c in self._client.list_collections()}
            if collection not in existing and collection + REBUILDING in existing:  # a rebuild killed at its end
                self._client.get_collection(collection + REBUILDING, embedding_function=None).modify(name=collection)
                existing.add(collection)
            if collection in existing:
                self._col = self._client.get_collection(collection, embedding_function=None)
            elif create:
                self._col = self._client.create_collection(
                    collection,
                    configuration={"hnsw": dict(HNSW)},
                    metadata={"embedder": embedder_name, "dim": dim, "generation": "empty"},
                    embedding_function=None,
                )
            else:
                raise CollectionNotFound(self.location, collection, sorted(existing))
        except (IndexNotFound, StoreUnavailable):
            raise
        except Exception as exc:
            if self._client is not None and chroma_url and _is_connection_error(exc):
                raise _unreachable(chroma_url, exc) from None
            raise CorruptIndex(self.location, f"{type(exc).__name__}: {exc}") from None
        built_with = (self._col.metadata or {}).get("embedder")
        if built_with and built_with != embedder_name:
            from .embedders import spec_of

            raise EmbedderMismatch(self.location, spec_of(built_with), spec_of(embedder_name))
        if not chroma_url:
            problem = self._vector_segment_problem()
            if problem:
                self._rebuild_vectors(problem)

    # -- the vector segment on disk (embedded Chroma) ----------------------------------------------
    def _vector_segment_dir(self) -> Path | None:
        import sqlite3
        from contextlib import closing

        db = self.index_dir / CHROMA_SUBDIR / "chroma.sqlite3"
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
                row = conn.execute("SELECT id FROM segments WHERE collection = ? AND scope = 'VECTOR'",
                                   (str(self._col.id),)).fetchone()
        except sqlite3.Error:
            return None
        return self.index_dir / CHROMA_SUBDIR / row[0] if row else None

    def _collection_names(self) -> set[str]:
        return {c.name if hasattr(c, "name") else c for c in self._client.list_collections()}

    def _vector_segment_problem(self) -> str | None:
        """What is wrong with the collection's HNSW files, checked against their own header before Chroma maps
        them (a SIGKILL once left a `link_lists.bin` of 1.38 TB, on which Chroma crashed the process; a truncated
        `data_level0.bin` gave silently different answers), else None. No files yet (fewer records than Chroma
        flushes at once) is fine."""
        folder = self._vector_segment_dir()
        if folder is not None and folder.with_name(folder.name + ".damaged").exists():
            return "an earlier rebuild of it was interrupted"  # the damaged files were moved aside, not yet replaced
        if folder is None or not folder.is_dir():
            return None
        header = folder / "header.bin"
        files = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
        if "header.bin" not in files:
            return f"{header} is missing" if "data_level0.bin" in files else None
        data = header.read_bytes()
        if len(data) != HNSW_HEADER.size:
            return f"{header} is {len(data)} bytes, not {HNSW_HEADER.size}"
        (version, _, max_elements, count, per_element, _, _, max_level, _, max_m, max_m0, _, _, _) = \
            HNSW_HEADER.unpack(data)
        dim = (self._col.metadata or {}).get("dim")
        # Chroma writes these for at least the elements held and at most the capacity (a fresh index: all of it)
        per_file = {"data_level0.bin": per_element, "length.bin": 4}
        if version != 1:  # the only one chromadb 1.x writes (a garbled header shows here first)
            return f"{header} has format version {version}, not 1"
        if not 0 <= count <= max_elements or not -1 <= max_level < 64:
            return f"{header} is garbled ({count} elements of {max_elements}, top level {max_level})"
        if dim and per_element != (max_m0 * 4 + 4) + int(dim) * 4 + 8:
            return f"{header} does not match the collection's {dim} dimensions"
        for name, unit in per_file.items():
            size = files.get(name, -1)
            if size % unit or not count * unit <= size <= max_elements * unit:
                return (f"{folder / name} is {size:,} bytes; its header says {count:,} to {max_elements:,} "
                        f"elements of {unit:,}")
        bound = count * (max_m * 4 + 4) * max(max_level, 0)
        if files.get("link_lists.bin", 0) > bound:
            size = files["link_lists.bin"]
            return f"{folder / 'link_lists.bin'} is {size:,} bytes, over the {bound:,} its header allows"
        return None

    def _rebuild_vectors(self, problem: str) -> None:
        """A new vector index from the stored records: their text is in Chroma's SQLite file, and embedding it again
        with the collection's embedder gives the vectors it held. Under the ingest lock, so no ingest writes
        meanwhile."""
        import sys

        from .embedders import make_embedder, spec_of
        from .locks import ingest_lock

        print(f"the vector index at {self.location} is damaged ({problem}); rebuilding it from the stored records",
              file=sys.stderr)
        try:
            with ingest_lock(self.index_dir, reentrant=True):
                folder = self._vector_segment_dir()
                if folder is not None and folder.exists():  # never let Chroma map the damaged files (a read does)
                    aside = folder.with_name(folder.name + ".damaged")
                    if aside.exists():  # from a rebuild killed part-way; Chroma has since started the folder anew
                        shutil.rmtree(aside)
                    folder.rename(aside)
                records = list(self._iter(include=("documents", "metadatas")))
                embedder = make_embedder(spec_of(self.embedder_name))
                name, metadata = self._col.name, dict(self._col.metadata or {})
                configuration = {"hnsw": dict(self._col.configuration.get("hnsw") or {})}  # as it was created
                # Filled under another name, then swapped in: a kill part-way leaves the damaged collection (found
                # again next time) or the full new one under its temporary name (`_adopt_rebuilt` finishes the swap).
                spare = name + REBUILDING
                if spare in self._collection_names():
                    self._client.delete_collection(spare)
                fresh = self._client.create_collection(spare, configuration=configuration, metadata=metadata,
                                                       embedding_function=None)
                for lo in range(0, len(records), 1000):
                    part = records[lo : lo + 1000]
                    chunks = [chunk_from_record(i, d, m) for i, d, m in part]
                    fresh.add(ids=[i for i, _, _ in part], metadatas=[m for _, _, m in part],
                              documents=[d for _, d, _ in part] if any(d for _, d, _ in part) else None,
                              embeddings=embedder.embed_documents([c.text for c in chunks]))
                self._client.delete_collection(name)
                fresh.modify(name=name)
                self._col = self._client.get_collection(name, embedding_function=None)
        except (IndexLocked, OSError) as exc:
            raise CorruptIndex(self.location, f"{problem}; it could not be rebuilt now: {exc}") from None
        if folder is not None:
            shutil.rmtree(folder.with_name(folder.name + ".damaged"), ignore_errors=True)

    # -- metadata ---------------------------------------------------------------------------------
    @property
    def embedder_name(self) -> str:
        return (self._col.metadata or {}).get("embedder", "")

    @property
    def generation(self) -> str:
        self._col = self._client.get_collection(self._col.name, embedding_function=None)  # refresh metadata
        return str((self._col.metadata or {}).get("generation", ""))

    def new_generation(self) -> str:
        """Mark the collection as changing; called before any write so derived indexes know they are stale."""
        gen = uuid.uuid4().hex
        meta = {k: v for k, v in (self._col.metadata or {}).items() if not k.startswith("hnsw:")}
        meta["generation"] = gen
        self._col.modify(metadata=meta)
        return gen

    def count(self) -> int:
        return self._col.count()

    # -- files ------------------------------------------------------------------------------------
    def file_states(self) -> dict[str, FileState]:
        """Per source file: the hash and chunk count recorded by its marker chunk (written last)."""
        out = {}
        for cid, doc, meta in self._iter(where={"marker": True}):
            chunk = chunk_from_record(cid, doc, meta)
            out[chunk.source] = FileState(chunk.file_hash, chunk.chunk_count)
        return out

    def ids_for_source(self, source: str) -> set[str]:
        return self.ids_for_sources([source])[source]

    def ids_for_sources(self, sources: list[str]) -> dict[str, set[str]]:
        """Chunk ids per source file, for many files in one query."""
        out: dict[str, set[str]] = {s: set() for s in sources}
        for lo in range(0, len(sources), 500):
            res = self._col.get(where={"source": {"$in": sources[lo : lo + 500]}}, include=["metadatas"])
            for cid, meta in zip(res["ids"], res["metadatas"]):
                out[meta["source"]].add(cid)
        return out

    def delete_source(self, source: str) -> int:
        ids = self.ids_for_source(source)
        if ids:
            self._col.delete(ids=list(ids))
        return len(ids)

    # -- chunks -----------------------------------------------------------------------------------
    def upsert(self, chunks: list[Chunk], embeddings: np.ndarray, markers: set[str] = frozenset(),
               new: bool = False) -> None:
        """Write chunks; `new=True` promises none of the ids exist yet (Chroma's `add` is cheaper than `upsert`)."""
        write = self._col.add if new else self._col.upsert
        step = self._write_batch
        orders = self._write_orders(len(chunks))
        for lo in range(0, len(chunks), step):  # each call is atomic: callers put what must come last, last
            part = chunks[lo : lo + step]
            metadatas = [record_metadata(c, marker=c.id in markers, order=o)
                         for c, o in zip(part, orders[lo : lo + step])]
            write(ids=[c.id for c in part], embeddings=embeddings[lo : lo + step], metadatas=metadatas)

    def _write_orders(self, n: int) -> list[str]:
        """`n` keys, each greater than any before it (fixed-width hex of a microsecond clock, kept increasing), to lead
        the stored records of the chunks written next. Chroma's SQLite indexes every string metadata value, so the
        chunks' ~1 KB records went into that index at random places; led by these keys, they go in at its end. At
        107,662 chunks that cut the write time by a third (Chroma alone, timed ad hoc, Dec 2026: 67-70 s -> 44-48 s
        in most runs). Short, because a record over ~1,000 bytes spills into an overflow page of that index (these
        13 characters: Chroma's SQLite file +8%; a 24-character key, +18%)."""
        first = max(time.time_ns() // 1000, self._last_order + 1)
        self._last_order = first + n - 1
        return [f"{first + i:013x}" for i in range(n)]

    @cached_property
    def _write_batch(self) -> int:
        """Records per write call: few, large calls (each costs ~20 ms on top of its records)."""
        try:
            return max(1, min(5000, int(self._client.get_max_batch_size())))
        except Exception:
            return 1000

    def delete(self, ids: list[str]) -> None:
        for lo in range(0, len(ids), 1000):
            self._col.delete(ids=ids[lo : lo + 1000])

    def get(self, ids: list[str]) -> dict[str, Chunk]:
        out = {}
        for lo in range(0, len(ids), IDS_PER_GET):
            res = self._col.get(ids=ids[lo : lo + IDS_PER_GET], include=["documents", "metadatas"])
            out.update((i, chunk_from_record(i, d, m)) for i, d, m in zip(res["ids"], res["documents"], res["metadatas"]))
        return out

    def all_ids(self) -> list[str]:
        return [row[0] for row in self._iter(include=(), page=ID_PAGE)]

    def nearest(self, embedding: np.ndarray, k: int) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the `k` nearest chunks; ids only, so a query reads no stored text
        (callers fetch the few chunks they keep with `get`)."""
        from chromadb.errors import InternalError

        try:
            res = self._col.query(query_embeddings=[embedding], n_results=max(1, k), include=["distances"])
        except InternalError as exc:
            # Another process is writing the collection and has not yet put its vector index on disk ("Nothing
            # found on disk"): the lexical side answers alone until it has.
            logging.getLogger(__name__).warning("vector search unavailable, lexical search only: %s", exc)
            return []
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0])]

    def _iter(self, where: dict | None = None, include: tuple[str, ...] = ("documents", "metadatas"),
              page: int = PAGE) -> Iterator[tuple]:
        """(id, *the `include`d fields) of every record matching `where`, a page at a time."""
        include = list(include)
        offset = 0
        while True:
            res = self._col.get(where=where, include=include, limit=page, offset=offset)
            if not res["ids"]:
                return
            yield from zip(*(res[key] for key in ["ids"] + include))
            offset += len(res["ids"])

    def all_chunks(self) -> Iterator[Chunk]:
        for i, d, m in self._iter():
            yield chunk_from_record(i, d, m)

    def all_chunks_with_embeddings(self) -> Iterator[tuple[Chunk, np.ndarray]]:
        for i, d, m, e in self._iter(include=("documents", "metadatas", "embeddings")):
            yield chunk_from_record(i, d, m), np.asarray(e)

    def documents(self) -> list[dict]:
        """One row per document: source, title, date, chunk count (for stats and the page's panel)."""
        docs: dict[str, dict] = {}
        for c in self.all_chunks():
            row = docs.setdefault(c.doc_id, {"source": c.source, "title": c.title, "date": c.date, "chunks": 0})
            row["chunks"] += 1
        return sorted(docs.values(), key=lambda r: (r["source"], r["title"]))

"""The Chroma store's own contracts, on a real embedded Chroma."""

from __future__ import annotations

import numpy as np

from assistant.types import Chunk
from index import store as store_module
from index.store import ChromaStore


def _chunk(n: int, text: str) -> Chunk:
    return Chunk(id=f"c{n}", text=text, source="/d/a.md", doc_id="d1", title="A", date=None, kind="text",
                 start=0, end=len(text), offsets=((0, 0),))


def test_stored_records_sort_in_the_order_they_were_written_even_if_the_clock_stands_still(tmp_path, monkeypatch):
    """Chroma's SQLite indexes every string metadata value: records that sort in write order go in at the index's
    end (see ChromaStore._write_orders). Texts here sort the other way round, and the clock is stopped."""
    monkeypatch.setattr(store_module.time, "time_ns", lambda: 1_000_000)
    store = ChromaStore(tmp_path, "test-8", 8)
    chunks = [_chunk(n, f"{'zyxwvu'[n]} text {n}") for n in range(6)]
    vectors = np.eye(8, dtype=np.float32)[:6]
    written = store.upsert(chunks[:3], vectors[:3], new=True) + store.upsert(chunks[3:], vectors[3:])

    raw = store._col.get(ids=[c.id for c in chunks], include=["metadatas"])
    blobs = {i: m[Chunk._BLOB] for i, m in zip(raw["ids"], raw["metadatas"])}
    in_write_order = [blobs[c.id] for c in chunks]
    assert in_write_order == sorted(in_write_order) and len(set(in_write_order)) == 6
    assert in_write_order == [m[Chunk._BLOB] for m in written]  # what the ingest copies into its local records
    assert store.get([c.id for c in chunks]) == {c.id: c for c in chunks}


def test_reading_every_id_and_record_takes_more_than_one_page(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "PAGE", 4)
    monkeypatch.setattr(store_module, "ID_PAGE", 3)
    store = ChromaStore(tmp_path, "test-8", 8)
    chunks = [_chunk(n, f"text {n}") for n in range(10)]
    store.upsert(chunks, np.tile(np.eye(8, dtype=np.float32), (2, 1))[:10], new=True)
    assert sorted(store.all_ids()) == sorted(c.id for c in chunks)
    assert sorted(store.all_chunks(), key=lambda c: c.id) == sorted(chunks, key=lambda c: c.id)

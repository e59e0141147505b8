"""The store contract (`index.store.Store`), one suite run on every backend: embedded Chroma and a Chroma server."""

from __future__ import annotations

import uuid
from dataclasses import replace

import numpy as np
import pytest

from index.store import ChromaStore, FileState, Store
from index.types import Chunk

DIM = 8


@pytest.fixture(params=["embedded", "server"])
def open_store(request, tmp_path):
    """Opens a store (a collection of its own per test) on the backend of the parameter; again with the same
    arguments, the same collection."""
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    collection = f"contract-{uuid.uuid4().hex[:8]}"
    return lambda: ChromaStore(tmp_path, "test-8", DIM, chroma_url=url, collection=collection)


def _chunk(n: int, source: str = "/d/a.md", **changes) -> Chunk:
    text = f"Passage {n} of {source}."
    return replace(Chunk(id=f"{source}#{n}", text=text, source=source, doc_id=source, title="T", date=None,
                         kind="text", start=0, end=len(text), offsets=((0, 0),)), **changes)


def _vectors(*hot: int) -> np.ndarray:
    """One unit vector per chunk, along axis `hot[i]`."""
    return np.eye(DIM, dtype=np.float32)[list(hot)]


def test_it_is_a_store_with_every_member_of_the_contract(open_store):
    store = open_store()
    assert isinstance(store, Store)
    members = {n for n in vars(Store) if not n.startswith("_")} | set(Store.__annotations__)
    assert members <= set(dir(store))
    assert store.embedder_name == "test-8" and store.count() == 0 and store.all_ids() == []


def test_written_chunks_read_back_equal_and_an_upsert_replaces_them(open_store):
    store = open_store()
    chunks = [_chunk(0), _chunk(1, lead="Before.")]
    store.upsert(chunks, _vectors(0, 1), new=True)
    assert store.get([c.id for c in chunks] + ["missing"]) == {c.id: c for c in chunks}
    changed = replace(chunks[0], text="Passage zero, revised.", end=22)
    store.upsert([changed], _vectors(2))
    assert store.get([changed.id]) == {changed.id: changed}
    assert store.count() == 2 and sorted(store.all_ids()) == sorted(c.id for c in chunks)
    assert sorted(c.id for c in store.all_chunks()) == sorted(c.id for c in chunks)
    vectors = {c.id: v for c, v in store.all_chunks_with_embeddings()}
    assert np.allclose(vectors[changed.id], _vectors(2)[0])


def test_a_files_marker_chunk_records_its_state(open_store):
    store = open_store()
    a = [_chunk(0, file_hash="h-a", chunk_count=2), _chunk(1, chunk_count=2)]
    b = [_chunk(0, "/d/b.md", file_hash="h-b", chunk_count=1)]
    store.upsert(a + b, _vectors(0, 1, 2), markers={a[0].id, b[0].id}, new=True)
    assert store.file_states() == {"/d/a.md": FileState("h-a", 2), "/d/b.md": FileState("h-b", 1)}
    assert store.get([a[1].id])[a[1].id].file_hash == ""  # the hash is kept on the marker only


def test_deleting_by_file_and_by_id(open_store):
    store = open_store()
    a, b = [_chunk(0), _chunk(1)], [_chunk(0, "/d/b.md"), _chunk(1, "/d/b.md")]
    store.upsert(a + b, _vectors(0, 1, 2, 3), new=True)
    assert store.ids_for_sources(["/d/a.md", "/d/b.md", "/d/none.md"]) == {
        "/d/a.md": {c.id for c in a}, "/d/b.md": {c.id for c in b}, "/d/none.md": set()}
    assert store.delete_source("/d/a.md") == 2 and store.delete_source("/d/a.md") == 0
    store.delete([b[0].id])
    assert store.all_ids() == [b[1].id]


def test_nearest_gives_ids_with_cosine_similarity_nearest_first(open_store):
    store = open_store()
    chunks = [_chunk(n) for n in range(4)]
    store.upsert(chunks, _vectors(0, 1, 2, 3), new=True)
    query = np.array([0.1, 0.0, 1.0, 0.0, 0, 0, 0, 0], dtype=np.float32)
    hits = store.nearest(query, k=2)
    assert [i for i, _ in hits] == [chunks[2].id, chunks[0].id]
    assert hits[0][1] == pytest.approx(1 / np.linalg.norm(query), abs=1e-4)


def test_the_generation_changes_before_writes_and_is_seen_by_a_second_opener(open_store):
    store = open_store()
    before = store.generation
    new = store.new_generation()
    assert new != before and store.generation == new
    assert open_store().generation == new


def test_documents_lists_each_document_once_with_its_chunk_count(open_store):
    store = open_store()
    store.upsert([_chunk(0), _chunk(1), _chunk(0, "/d/b.md")], _vectors(0, 1, 2), new=True)
    assert store.documents() == [
        {"source": "/d/a.md", "title": "T", "date": None, "chunks": 2},
        {"source": "/d/b.md", "title": "T", "date": None, "chunks": 1},
    ]

"""A chunk's stored record in Chroma (index/store.py): round trip, what is left out, the write-order key."""

import json
from dataclasses import replace

from index.store import chunk_from_record, record_metadata, stored_json
from index.types import Chunk

CHUNK = Chunk(id="c1", text="Silver output rose.", source="/d/a.md", doc_id="d1", title="Silver", date="2025-01-02",
              kind="text", start=10, end=29, offsets=((0, 10),), file_hash="f" * 64, chunk_count=3,
              lead="Earlier line.")


def test_stored_record_round_trips_and_keeps_the_file_hash_only_on_markers():
    marker = record_metadata(CHUNK, marker=True)
    plain = record_metadata(CHUNK)
    assert marker["marker"] is True and plain["marker"] is False
    assert chunk_from_record("c1", None, marker) == CHUNK
    assert chunk_from_record("c1", None, plain) == replace(CHUNK, file_hash="")


def test_fields_at_their_default_are_not_stored():
    stored = json.loads(record_metadata(CHUNK)["chunk"])
    assert not {"table_title", "header", "row_offset", "file_hash"} & stored.keys()
    assert stored["date"] == "2025-01-02" and stored["lead"] == "Earlier line."
    undated = replace(CHUNK, date=None)
    assert chunk_from_record("c1", None, record_metadata(undated, marker=True)) == undated


def test_a_write_order_key_leads_the_stored_record_and_is_not_read_back():
    meta = record_metadata(CHUNK, order="00000000000ff")
    assert meta["chunk"] == "00000000000ff" + stored_json(CHUNK)
    assert chunk_from_record("c1", None, meta) == replace(CHUNK, file_hash="")


def test_a_record_of_the_flat_layout_reads_back():
    """Indexes written before the JSON layout: the text in Chroma's documents, one metadata key per field."""
    meta = {"source": "/d/a.md", "doc_id": "d1", "title": "Silver", "date": "2025-01-02", "kind": "text", "start": 10,
            "end": 29, "offsets": json.dumps([[0, 10]]), "file_hash": "f" * 64, "chunk_count": 3,
            "lead": "Earlier line.", "marker": True}
    assert chunk_from_record("c1", "Silver output rose.", meta) == CHUNK

import json
from dataclasses import replace

from assistant.types import Chunk

CHUNK = Chunk(id="c1", text="Silver output rose.", source="/d/a.md", doc_id="d1", title="Silver", date="2025-01-02",
              kind="text", start=10, end=29, offsets=((0, 10),), file_hash="f" * 64, chunk_count=3,
              lead="Earlier line.")


def test_stored_record_round_trips_and_keeps_the_file_hash_only_on_markers():
    marker = CHUNK.to_metadata(marker=True)
    plain = CHUNK.to_metadata()
    assert marker["marker"] is True and plain["marker"] is False
    assert Chunk.from_record("c1", None, marker) == CHUNK
    assert Chunk.from_record("c1", None, plain) == replace(CHUNK, file_hash="")


def test_fields_at_their_default_are_not_stored():
    stored = json.loads(CHUNK.to_metadata()["chunk"])
    assert not {"table_title", "header", "row_offset", "file_hash"} & stored.keys()
    assert stored["date"] == "2025-01-02" and stored["lead"] == "Earlier line."
    undated = replace(CHUNK, date=None)
    assert Chunk.from_record("c1", None, undated.to_metadata(marker=True)) == undated


def test_a_write_order_key_leads_the_stored_record_and_is_not_read_back():
    meta = CHUNK.to_metadata(order="00000000000ff")
    assert meta["chunk"] == "00000000000ff" + CHUNK.stored_json()
    assert Chunk.from_record("c1", None, meta) == replace(CHUNK, file_hash="")

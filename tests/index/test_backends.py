"""The same ingest → ask scenarios against the embedded store and a real Chroma server (`chroma run` on
127.0.0.1, its own temp path, stopped by its PID)."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import free_port

from assistant import Assistant
from assistant.errors import StoreUnavailable



@pytest.fixture(params=["embedded", "server"])
def backend(request, tmp_path):
    """Assistant keyword arguments for one store backend (a fresh collection each test)."""
    kwargs = {"index_dir": tmp_path / "ix", "embedder": "hash"}
    if request.param == "server":
        kwargs |= {"chroma_url": request.getfixturevalue("chroma_server"), "collection": f"t-{uuid.uuid4().hex[:12]}"}
    return kwargs


def test_ingest_update_prune_and_ask(backend, corpus_copy):
    a = Assistant(**backend)
    first = a.ingest([corpus_copy])
    assert first.documents == 10 and first.chunks_added == a.store.count()
    assert a.ingest([corpus_copy]).chunks_added == 0

    target = sorted(corpus_copy.iterdir())[2]
    target.write_text(target.read_text(encoding="utf-8") + "\nZinc output hit 77 tons in 2025.\n", encoding="utf-8")
    changed = a.ingest([corpus_copy])
    assert changed.files_unchanged == 4 and changed.chunks_added >= 1

    ans = a.ask("What was Kazakhstan's silver output in 2024?")
    assert "697.5 tons" in ans.text and ans.citations[0].source.endswith("000_4b018e9b69cbf9ce.txt")

    sorted(corpus_copy.iterdir())[0].unlink()
    assert a.ingest([corpus_copy], prune=True).chunks_removed > 0
    assert a.ask("What was Kazakhstan's silver output in 2024?").abstained

    # a second client on the same store sees the same collection (another machine, or a restart)
    b = Assistant(**backend)
    assert b.store.count() == a.store.count()
    assert "77 tons" in b.ask("How much zinc output in 2025?").text


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(StoreUnavailable, match="Chroma server at .* is not reachable"):
        Assistant(embedder="hash", index_dir=tmp_path / "ix", chroma_url=f"http://127.0.0.1:{free_port()}").stats()

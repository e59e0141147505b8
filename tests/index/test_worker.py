"""The ingest helper process: large ingests prepare files in it; a caller's script never runs twice, and a helper
that dies costs time, not data."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant import Assistant
from bench.synth import generate
from index import pipeline
from index.worker import Helper

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def helper_for_every_collection(monkeypatch):
    """These tests use collections small enough that a process which, like this one, has imported llama-index
    prepares them itself; here the helper is made to take them."""
    monkeypatch.setattr(pipeline, "WARM_PARALLEL_MIN_BYTES", 0)


def _collection(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    paths = generate(docs, chunks=500, seed=3, sentences_per_doc=12)  # many small files: the helper is used
    assert len(paths) >= pipeline.PARALLEL_MIN_FILES
    return docs


def _per_file_counts(a: Assistant) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in a.store.documents():
        counts[row["source"]] = counts.get(row["source"], 0) + row["chunks"]
    return counts


def test_a_script_without_a_main_guard_ingests_once(tmp_path):
    """multiprocessing's spawn/forkserver would re-run this script inside the worker; the helper never imports it."""
    docs = _collection(tmp_path)
    script = tmp_path / "ingest_script.py"
    script.write_text(textwrap.dedent(f"""
        from assistant import Assistant
        print("SCRIPT START", flush=True)
        report = Assistant(embedder="hash", index_dir={str(tmp_path / "ix")!r}).ingest([{str(docs)!r}])
        print("ADDED", report.chunks_added, "FILES", report.files_read)
    """), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert out.returncode == 0, out.stderr
    files = len(list(docs.iterdir()))
    assert out.stdout.count("SCRIPT START") == 1
    added = int(out.stdout.split("ADDED ")[1].split()[0])
    assert added > 0 and f"FILES {files}" in out.stdout


def test_a_helper_that_dies_mid_ingest_is_replaced_by_this_process(tmp_path, monkeypatch, caplog):
    docs = _collection(tmp_path)
    reference = Assistant(embedder="hash", index_dir=tmp_path / "ix-ref").ingest([docs])

    received = []
    original = Helper.receive

    def receive_then_die(self):
        received.append(1)
        if len(received) == 5:
            self._proc.kill()  # as the OOM killer would
            self._proc.wait()
        return original(self)

    monkeypatch.setattr(Helper, "receive", receive_then_die)
    a = Assistant(embedder="hash", index_dir=tmp_path / "ix")
    report = a.ingest([docs])
    assert len(received) >= 5
    assert "preparing the remaining files in this process" in caplog.text
    assert (report.files_read, report.chunks_added, report.skipped) == (reference.files_read, reference.chunks_added, [])
    assert _per_file_counts(a) == _per_file_counts(Assistant(embedder="hash", index_dir=tmp_path / "ix-ref"))
    monkeypatch.setattr(Helper, "receive", original)
    assert a.ingest([docs]).chunks_added == 0  # nothing half-written: the next run finds every file complete


def _bm25_ids(a: Assistant) -> list[str]:
    """The ids of the saved BM25 index, after checking that its local records hold exactly what Chroma holds."""
    from index.lexical import LexicalIndex

    lexical = LexicalIndex.load(Path(a.settings.index_dir), a.store.generation)
    assert lexical is not None  # saved for the store's current generation
    ids = a.store.all_ids()
    assert lexical.chunks(ids) == a.store.get(ids)
    return sorted(lexical.ids)


def test_the_bm25_index_the_helper_builds_covers_exactly_the_stored_chunks(tmp_path, monkeypatch):
    docs = _collection(tmp_path)
    from index.lexical import LexicalIndex

    built_here = []  # BM25 builds in this process (the helper's own happen in its process)
    original = LexicalIndex.build.__func__

    def build(cls, ids, terms, records=None):
        built_here.append(len(ids))
        return original(cls, ids, terms, records)

    monkeypatch.setattr(LexicalIndex, "build", classmethod(build))
    a = Assistant(embedder="hash", index_dir=tmp_path / "ix")
    a.ingest([docs])
    assert built_here == []  # a first ingest: the helper's index is taken
    assert _bm25_ids(a) == sorted(a.store.all_ids())
    hit = a.retrieve("Nura Mining invest")[0]
    assert "Nura Mining" in hit.chunk.text

    # more files into a store that already holds chunks: the helper's index lacks them, so it is rebuilt here
    more = tmp_path / "more"
    generate(more, chunks=500, seed=4, sentences_per_doc=12)
    a.ingest([more])
    assert built_here == [len(a.store.all_ids())]
    assert _bm25_ids(a) == sorted(a.store.all_ids())
    assert len(_bm25_ids(a)) > a.last_ingest.chunks_added


def test_a_process_that_imported_llama_index_prepares_a_small_collection_itself(tmp_path, monkeypatch):
    import llama_index.core  # noqa: F401  (as a server or a script that has ingested before)

    docs = _collection(tmp_path)
    started = []
    monkeypatch.setattr(pipeline, "Helper", lambda: started.append(1) or Helper())
    monkeypatch.setattr(pipeline, "WARM_PARALLEL_MIN_BYTES", 4_000_000)
    small = Assistant(embedder="hash", index_dir=tmp_path / "ix").ingest([docs])
    assert started == [] and small.chunks_added > 0
    monkeypatch.setattr(pipeline, "WARM_PARALLEL_MIN_BYTES", sum(p.stat().st_size for p in docs.iterdir()))
    large = Assistant(embedder="hash", index_dir=tmp_path / "ix2").ingest([docs])
    assert started == [1] and large.chunks_added == small.chunks_added


def test_many_jobs_queued_at_once_neither_block_the_caller_nor_get_lost():
    """~1 MB of jobs sent before any result is read: more than the pipes hold either way. The helper reads its jobs
    on a thread of its own, so the caller's `submit` never waits on a helper blocked writing results."""
    import threading

    jobs = ["x" * (300 + n % 50) for n in range(3000)]
    with Helper() as helper:
        sender = threading.Thread(target=lambda: [helper.submit(len, job) for job in jobs], daemon=True)
        sender.start()
        sender.join(timeout=60)
        assert not sender.is_alive(), "submit blocked"
        assert [helper.receive() for _ in jobs] == [300 + n % 50 for n in range(3000)]  # all, in order


def test_a_helper_allowed_one_file_ahead_still_ingests_every_file(tmp_path, monkeypatch):
    docs = _collection(tmp_path)
    reference = Assistant(embedder="hash", index_dir=tmp_path / "ix-ref").ingest([docs])
    monkeypatch.setattr(pipeline, "HELPER_AHEAD_BYTES", 1)  # every file is over it: sent one at a time
    a = Assistant(embedder="hash", index_dir=tmp_path / "ix")
    report = a.ingest([docs])
    assert (report.files_read, report.chunks_added, report.skipped) == (reference.files_read, reference.chunks_added, [])
    assert _bm25_ids(a) == sorted(a.store.all_ids())

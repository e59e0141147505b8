"""The BM25 index stays in step with Chroma under concurrent processes, kills and
damage (issue 20, items 1, 2 and 4). Real processes, real files."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .collection import REPO, bm25_ids, cli, start_cli, stored_ids, write_collection

SAVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from assistant.types import Chunk
    from index.lexical import LexicalIndex

    n = int(sys.argv[2])
    chunks = [Chunk(id=f"c{n}-{i}", text=f"Plum jam batch {i} from kitchen {n}", source="/d/x.txt", doc_id="d",
                    title="t", date=None, kind="text", start=0, end=10, offsets=((0, 0),)) for i in range(200)]
    index = LexicalIndex.from_chunks(chunks)
    for _ in range(25):
        index.save(Path(sys.argv[1]), f"g{n}")
""")


def test_bm25_savers_in_several_processes_never_collide(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", SAVER, str(tmp_path), str(n)], cwd=REPO, stderr=subprocess.PIPE,
                              text=True) for n in range(4)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    from index.lexical import LexicalIndex

    stamp = (tmp_path / "bm25" / "generation.json").read_text()
    generation = stamp.split('"generation": "')[1].split('"')[0]
    loaded = LexicalIndex.load(tmp_path, generation)
    assert loaded is not None and loaded.size == 200
    assert set(loaded.ids) == {f"c{generation[1:]}-{i}" for i in range(200)}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("bm25")) == ["bm25", "bm25.lock"]


HOLD_INGEST_LOCK = textwrap.dedent("""
    import sys
    from pathlib import Path
    from index.locks import ingest_lock

    with ingest_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        sys.stdin.read()
""")


def test_a_reader_never_publishes_a_bm25_index_while_an_ingest_runs(tmp_path):
    from assistant.types import Chunk
    from index.lexical import LexicalIndex

    chunk = Chunk(id="c1", text="Quince paste keeps for a year", source="/d/q.txt", doc_id="d", title="t", date=None,
                  kind="text", start=0, end=29, offsets=((0, 0),))
    index = LexicalIndex.from_chunks([chunk])
    holder = subprocess.Popen([sys.executable, "-c", HOLD_INGEST_LOCK, str(tmp_path)], cwd=REPO, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert index.save(tmp_path, "g") is False  # a reader: kept in memory only
        assert not (tmp_path / "bm25").exists()
        assert index.save(tmp_path, "g", writer=True) is True  # the ingest itself
    finally:
        holder.communicate("", timeout=60)
    assert index.save(tmp_path, "g2") is True  # no ingest running: a reader's rebuilt index is published
    assert LexicalIndex.load(tmp_path, "g2").ids == ["c1"]


def test_an_ingest_rebuilds_a_bm25_index_of_its_generation_that_misses_stored_chunks(tmp_path):
    """A reader that read the collection half-way through an ingest that then died published an index under the
    collection's generation: the next ingest, with every file unchanged, must still see it is short and rebuild."""
    from index.lexical import LexicalIndex

    from .collection import open_store

    docs, ix = write_collection(tmp_path / "docs", files=12), tmp_path / "ix"
    assert cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress").returncode == 0
    store = open_store(ix)
    every = list(store.all_chunks())
    assert LexicalIndex.from_chunks(every[: len(every) // 2]).save(ix, store.generation)  # the reader's, short
    assert len(bm25_ids(ix)) == len(every) // 2
    again = cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")
    assert again.returncode == 0, again.stderr
    assert bm25_ids(ix) == stored_ids(ix) and len(stored_ids(ix)) == len(every)


ASKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from assistant import Assistant
    from assistant.errors import IndexNotFound

    ix, stop = Path(sys.argv[1]), Path(sys.argv[2])
    asked = 0
    while not stop.exists():
        try:
            a = Assistant(index_dir=ix, embedder="hash")  # a new process's view each time: loads or rebuilds BM25
            assert a.ask("How many crates of plums did Brookfield pick?").text
            asked += 1
        except IndexNotFound:
            time.sleep(0.05)
    print(asked)
""")


def _committed(ix: Path) -> int:
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"file:{ix / 'chroma' / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=0.1)) as c:
            return c.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("kill", [pytest.param(False, marks=pytest.mark.slow), True])  # the killed run in `make test`
def test_ingest_with_another_process_asking_ends_with_bm25_holding_exactly_the_stored_chunks(tmp_path, kill):
    """One process ingests while another asks over and over (rebuilding and saving BM25 whenever the generation
    moves); with `kill`, the ingest is SIGKILLed part-way, the asker asks on, then a new ingest runs."""
    docs, ix, stop = write_collection(tmp_path / "docs", files=150, seed=2), tmp_path / "ix", tmp_path / "stop"
    expected = None
    ingest = start_cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")
    asker = subprocess.Popen([sys.executable, "-c", ASKER, str(ix), str(stop)], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        if kill:
            target = random.Random().randint(50, 600)  # of the collection's ~900 chunks
            deadline = time.time() + 120
            while _committed(ix) < target and ingest.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            assert ingest.poll() is None, "the ingest ended before the kill"
            os.kill(ingest.pid, signal.SIGKILL)
        ingest.communicate(timeout=300)
        time.sleep(1.5)  # the asker sees the generation the ingest left (it re-checks every second)
    finally:
        stop.touch()
        out, err = asker.communicate(timeout=300)
    assert asker.returncode == 0, err
    assert int(out) > 0
    if not kill:
        assert ingest.returncode == 0
    again = cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")
    assert again.returncode == 0, again.stderr
    expected = write_and_ingest_clean(docs, tmp_path / "clean")
    assert stored_ids(ix) == expected
    assert bm25_ids(ix) == expected


def write_and_ingest_clean(docs: Path, ix: Path) -> list[str]:
    assert cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress").returncode == 0
    return stored_ids(ix)


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:  # garble: same size, different bytes
        path.write_bytes(bytes(b ^ 0x5A for b in data))


@pytest.mark.parametrize("name,how", [("corpus.jsonl", "truncate"),
                                      pytest.param("data.csc.index.npy", "garble", marks=pytest.mark.slow),
                                      ("generation.json", "truncate")])
def test_a_damaged_derived_file_is_rebuilt_by_ask_and_by_ingest(tmp_path, name, how):
    docs, ix = write_collection(tmp_path / "docs", files=6), tmp_path / "ix"
    assert cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress").returncode == 0
    expected = stored_ids(ix)
    good = cli("ask", "How many crates of plums did Brookfield pick?", "--index-dir", str(ix))
    assert good.returncode == 0

    _damage(ix / "bm25" / name, how)
    repaired = cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")  # every file unchanged
    assert repaired.returncode == 0, repaired.stderr
    assert bm25_ids(ix) == expected

    _damage(ix / "bm25" / name, how)
    asked = cli("ask", "How many crates of plums did Brookfield pick?", "--index-dir", str(ix))
    assert asked.returncode == 0 and "Traceback" not in asked.stderr, asked.stderr
    assert asked.stdout == good.stdout
    assert bm25_ids(ix) == expected  # the reader rebuilt it and, no ingest running, saved it

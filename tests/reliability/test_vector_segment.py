"""A damaged Chroma HNSW segment is found before Chroma maps it and rebuilt from the stored records (issue 20,
item 3). Real files damaged as a SIGKILL or a bad disk leaves them; real processes ask and ingest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from .collection import cli, open_store, stored_ids, write_collection

QUESTION = "How many crates of plums did Brookfield pick?"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, str]:
    """A collection large enough that Chroma has written its HNSW files (it flushes every 1,000 records)."""
    root = tmp_path_factory.mktemp("vectors")
    docs, ix = write_collection(root / "docs", files=220, seed=4), root / "ix"
    assert cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress").returncode == 0
    answer = cli("ask", QUESTION, "--index-dir", str(ix))
    assert answer.returncode == 0
    return docs, ix, answer.stdout


def _segment(ix: Path) -> Path:
    (folder,) = [p for p in (ix / "chroma").iterdir() if (p / "header.bin").exists()]
    return folder


def _huge_link_lists(folder: Path) -> None:
    os.truncate(folder / "link_lists.bin", 1_380_000_000_000)  # sparse: the apparent size a kill once left


def _truncated_level0(folder: Path) -> None:
    os.truncate(folder / "data_level0.bin", (folder / "data_level0.bin").stat().st_size // 2)


def _garbled_header(folder: Path) -> None:
    (folder / "header.bin").write_bytes(bytes(range(100)))


# Each damage and each first command once in `make test`; the other three pairings in `make test-slow`.
@pytest.mark.parametrize("damage,first", [
    (_huge_link_lists, "ask"), (_truncated_level0, "ask"), (_garbled_header, "ingest"),
    pytest.param(_huge_link_lists, "ingest", marks=pytest.mark.slow),
    pytest.param(_truncated_level0, "ingest", marks=pytest.mark.slow),
    pytest.param(_garbled_header, "ask", marks=pytest.mark.slow),
])
def test_a_damaged_vector_segment_is_rebuilt_with_a_message(built, tmp_path, damage, first):
    docs, good, answer = built
    ix = tmp_path / "ix"
    shutil.copytree(good, ix)
    expected = stored_ids(good)
    damage(_segment(ix))
    if first == "ask":
        r = cli("ask", QUESTION, "--index-dir", str(ix))
        assert r.returncode == 0 and "Brookfield orchard picked" in r.stdout
    else:
        r = cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")
        assert r.returncode == 0
    assert "vector index" in r.stderr and "damaged" in r.stderr and "rebuilding" in r.stderr
    assert "Traceback" not in r.stderr
    assert stored_ids(ix) == expected
    # the same vectors as before the damage (the graph over them may differ: HNSW is approximate)
    before, after = _vectors(good, expected[::50]), _vectors(ix, expected[::50])
    assert np.allclose(before, after)
    store = open_store(ix)
    # a vector's nearest chunk is its own, or another with the very same vector (identical texts embed the same)
    nearest_id, similarity = store.nearest(after[0], 5)[0]
    assert similarity > 0.9999 and (nearest_id == expected[0] or np.allclose(_vectors(ix, [nearest_id])[0], after[0]))
    again = cli("ask", QUESTION, "--index-dir", str(ix))  # rebuilt once: no message the next time
    assert again.returncode == 0 and "Brookfield orchard picked" in again.stdout and "damaged" not in again.stderr


def _vectors(ix: Path, ids: list[str]) -> np.ndarray:
    res = open_store(ix)._col.get(ids=ids, include=["embeddings"])
    by_id = dict(zip(res["ids"], res["embeddings"]))
    return np.asarray([by_id[i] for i in ids])


@pytest.mark.parametrize("files", [2, 220])  # below and above the 1,000 records Chroma flushes at once
def test_a_healthy_index_is_never_taken_for_damaged(tmp_path, files):
    docs, ix = write_collection(tmp_path / "docs", files=files, seed=5), tmp_path / "ix"
    first = cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")
    assert first.returncode == 0 and "damaged" not in first.stderr
    (docs / "notes-0000.txt").write_text("The Fern Bank orchard picked 12 crates of medlars in 2011.\n", encoding="utf-8")
    for r in (cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress"),
              cli("ask", QUESTION, "--index-dir", str(ix))):
        assert r.returncode == 0 and "damaged" not in r.stderr, r.stderr
    assert open_store(ix)._vector_segment_problem() is None

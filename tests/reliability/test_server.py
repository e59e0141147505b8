"""A Chroma server that goes away mid-ingest or before an ask, and a wrong collection name: clean messages and a
non-zero exit, never a traceback (issue 20, items 16 and 17). A real `chroma run` server, killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import time

from tests.conftest import start_chroma_server

from .collection import cli, start_cli, write_collection


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _wait_for_first_chunks(url: str, ingest: subprocess.Popen, timeout: float = 120) -> None:
    """Until the server holds some of the ingest's chunks (it is writing, with most still to come): a fixed sleep
    let a fast machine finish the whole ingest before the kill."""
    import chromadb

    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert ingest.poll() is None, "the ingest ended before the server was killed"
        if any(c.count() > 0 for c in client.list_collections()):
            return
        time.sleep(0.05)
    raise AssertionError("the ingest wrote nothing to the server in time")


def test_the_server_killed_mid_ingest_gives_a_clean_error_and_a_non_zero_exit(tmp_path):
    docs = write_collection(tmp_path / "docs", files=300, seed=9)
    server, url = start_chroma_server(tmp_path / "server")
    try:
        ingest = start_cli("ingest", str(docs), "--index-dir", str(tmp_path / "ix"), "--chroma-url", url,
                           "--no-progress")
        _wait_for_first_chunks(url, ingest)
    finally:
        _kill(server)
    out, err = ingest.communicate(timeout=300)
    assert ingest.returncode != 0
    assert f"the Chroma server at {url} is not reachable" in err and "Traceback" not in err, err


def test_an_ask_after_the_server_died_gives_a_clean_error(tmp_path):
    docs = write_collection(tmp_path / "docs", files=3)
    server, url = start_chroma_server(tmp_path / "server")
    try:
        assert cli("ingest", str(docs), "--index-dir", str(tmp_path / "ix"), "--chroma-url", url,
                   "--no-progress").returncode == 0
        assert cli("ask", "How many crates of plums?", "--chroma-url", url, "--index-dir",
                   str(tmp_path / "ix")).returncode == 0
    finally:
        _kill(server)
    r = cli("ask", "How many crates of plums?", "--chroma-url", url, "--index-dir", str(tmp_path / "ix"))
    assert r.returncode != 0
    assert f"the Chroma server at {url} is not reachable" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_store_losing_its_server_mid_use_raises_store_unavailable(tmp_path):
    from assistant import Assistant
    from assistant.errors import StoreUnavailable

    docs = write_collection(tmp_path / "docs", files=3)
    server, url = start_chroma_server(tmp_path / "server")
    try:
        a = Assistant(index_dir=tmp_path / "ix", chroma_url=url, embedder="hash")
        a.ingest([docs])
        assert a.ask("How many crates of plums?").text
    finally:
        _kill(server)
    try:
        a.store.count()
    except StoreUnavailable as exc:
        assert "is not reachable" in str(exc)
    else:
        raise AssertionError("no StoreUnavailable")


def test_a_missing_collection_is_named_with_the_ones_that_exist(tmp_path):
    from assistant.errors import CollectionNotFound
    from index.embedders import make_embedder
    from index.store import ChromaStore

    docs = write_collection(tmp_path / "docs", files=2)
    assert cli("ingest", str(docs), "--index-dir", str(tmp_path / "ix"), "--no-progress").returncode == 0
    embedder = make_embedder("hash")
    try:
        ChromaStore(tmp_path / "ix", embedder.name, embedder.dim, collection="docs-typo", create=False)
    except CollectionNotFound as exc:
        assert "no collection 'docs-typo'" in str(exc) and "'documents'" in str(exc)
    else:
        raise AssertionError("no CollectionNotFound")

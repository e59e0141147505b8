"""Faults: killed ingests, corrupt or foreign index directories, files that vanish, odd inputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import BadQuestion, CorruptIndex

REPO = Path(__file__).resolve().parents[2]


def _cli(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def _background_ingest(tmp_path: Path, chunks: int, seed: int) -> tuple[Path, Path, subprocess.Popen]:
    """A generated collection and an `assistant ingest` of it running in another process."""
    from bench.synth import generate

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    generate(docs, chunks=chunks, seed=seed)
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(docs), "--index-dir", str(ix),
                             "--embedder", "hash",
                             "--no-progress"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return docs, ix, proc


def _committed_records(db: Path) -> int:
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)) as conn:
            return conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:  # not created yet, or busy
        return 0


def test_sigkill_mid_ingest_leaves_an_index_that_opens_and_the_next_ingest_completes(tmp_path):
    docs, ix, proc = _background_ingest(tmp_path, chunks=6000, seed=3)
    # wait until some chunks are committed to Chroma (its SQLite file, read-only beside the writer), then kill
    # without warning
    deadline = time.time() + 120
    while time.time() < deadline and _committed_records(ix / "chroma" / "chroma.sqlite3") < 300:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    a = Assistant(embedder="hash", index_dir=ix)
    partial = a.store.count()
    assert partial > 0
    ans = a.ask("How many tons of silver did Saryarka Silver produce?")  # answers or abstains; no crash
    assert ans.text

    report = Assistant(embedder="hash", index_dir=ix).ingest([docs])
    assert not report.skipped
    clean = Assistant(embedder="hash", index_dir=tmp_path / "clean")
    clean.ingest([docs])
    done = Assistant(embedder="hash", index_dir=ix)
    assert partial < clean.store.count()  # the kill really came mid-ingest
    assert done.store.count() == clean.store.count()
    assert sorted(c.id for c in done.store.all_chunks()) == sorted(c.id for c in clean.store.all_chunks())
    assert done.ingest([docs]).chunks_added == 0


def test_corrupt_index_gives_a_clear_error(tmp_path):
    ix = tmp_path / "ix"
    (tmp_path / "a.txt").write_text("Tin output reached 10 tons in 2020.", encoding="utf-8")
    Assistant(embedder="hash", index_dir=ix).ingest([tmp_path / "a.txt"])
    (ix / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    r = _cli("ask", "How much tin?", "--index-dir", str(ix))
    assert r.returncode == 2 and "cannot be opened" in r.stderr and "Traceback" not in r.stderr


def test_foreign_index_directory_gives_a_clear_error(tmp_path):
    ix = tmp_path / "ix"
    ix.mkdir()
    (ix / "chroma").write_text("a file where the store should be", encoding="utf-8")
    with pytest.raises(CorruptIndex, match="not a directory"):
        Assistant(embedder="hash", index_dir=ix).stats()


def test_encodings_limits_links_and_vanishing_files(tmp_path, monkeypatch):
    import index.pipeline as pipeline

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "utf16.txt").write_text("Zinc output reached 55 tons in 2021.", encoding="utf-16")
    (docs / "cp1251.txt").write_bytes("Добыча цинка выросла до 60 тонн в 2022 году.".encode("cp1251"))
    (docs / "huge.txt").write_text("word " * 400_000, encoding="utf-8")  # 2 MB, over the 1 MB limit below
    (docs / "loop").symlink_to(docs, target_is_directory=True)  # a symlink loop
    (docs / "vanishing.txt").write_text("This file disappears before it is read.", encoding="utf-8")

    original = pipeline.prepare_file

    def vanish_then_prepare(job):
        if job.path.name == "vanishing.txt":
            job.path.unlink()
        return original(job)

    monkeypatch.setattr(pipeline, "prepare_file", vanish_then_prepare)
    a = Assistant(embedder="hash", index_dir=tmp_path / "ix", max_file_mb=1.0)
    report = a.ingest([docs])
    reasons = {Path(p).name: why for p, why in report.skipped}
    assert "over the 1.0 MB limit" in reasons["huge.txt"]
    assert reasons["vanishing.txt"].startswith("cannot read")
    assert report.files_read == 2
    assert "55 tons" in a.ask("How much zinc output in 2021?").text
    assert any("60 тонн" in c.text for c in a.store.all_chunks())


@pytest.mark.parametrize("question", [
    "Какой была добыча серебра в Казахстане в 2024 году?",
    "哈萨克斯坦2024年的白银产量是多少？",
    "what\x07 was\x1b the silver\u200b output?",
    "silver " * 200,
    "2024 2024 2024?",
])
def test_odd_questions_get_an_answer_or_an_abstention_never_an_exception(corpus_assistant, question):
    ans = corpus_assistant.ask(question)
    assert ans.text and (ans.abstained or ans.citations)


def test_a_100kb_question_is_refused_with_the_limit(corpus_assistant):
    with pytest.raises(BadQuestion, match="limit is 2000"):
        corpus_assistant.ask("x" * 100_000)


def test_a_file_changing_mid_ingest_is_indexed_as_read_and_caught_up_next_time(tmp_path, monkeypatch):
    import index.pipeline as pipeline

    docs = tmp_path / "docs"
    docs.mkdir()
    note = docs / "note.txt"
    note.write_text("Tin output was 5 tons in 2020.", encoding="utf-8")
    original = pipeline.prepare_file

    def change_then_prepare(job):
        note.write_text("Tin output was 6 tons in 2020.", encoding="utf-8")
        return original(job)

    monkeypatch.setattr(pipeline, "prepare_file", change_then_prepare)
    a = Assistant(embedder="hash", index_dir=tmp_path / "ix")
    a.ingest([docs])
    assert "6 tons" in a.ask("How much tin output in 2020?").text  # what was read is what is indexed
    monkeypatch.setattr(pipeline, "prepare_file", original)
    assert a.ingest([docs]).files_unchanged == 1  # its recorded hash is the content that was indexed


def test_a_second_ingest_process_is_refused_while_one_runs(tmp_path):
    docs, ix, first = _background_ingest(tmp_path, chunks=2000, seed=5)
    try:
        deadline = time.time() + 60
        while not (ix / "ingest.lock").exists() or "pid" not in (ix / "ingest.lock").read_text():
            assert time.time() < deadline and first.poll() is None
            time.sleep(0.1)
        second = _cli("ingest", str(docs), "--index-dir", str(ix), "--embedder", "hash", "--no-progress")
        assert second.returncode == 2
        assert "another ingest is writing" in second.stderr and f"pid {first.pid}" in second.stderr
    finally:
        first.wait(300)
    assert first.returncode == 0

"""A read-only index (a shared folder, a read-only mount, files owned by someone else) answers; ingesting into it,
or asking for a collection it doesn't hold, says so plainly and changes nothing (issue 20, item 17).

The commands run in real subprocesses. As root, permission bits alone don't stop a process, so the subprocess runs
with the capabilities that override them dropped (`setpriv`), which is what a normal user is.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = """# Harbour ferry timetable review

The Lindqvist Ferry Company ran the harbour crossing in 2025 under its managing director, Oskar Brandt.
Its boats made 14,200 crossings that year, and the first boat leaves the north pier at 6:15 a.m.
"""


def _as_normal_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner"] if setpriv else []
    if not prefix or subprocess.run([*prefix, "true"], capture_output=True).returncode:
        pytest.skip("running as root and the capabilities that override file permissions can't be dropped here")
    return prefix


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*_as_normal_user(), sys.executable, "-m", "assistant.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=300, env={**os.environ, **(env or {})})


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _make_read_only(folder: Path) -> None:
    for path in (folder, *folder.rglob("*")):
        path.chmod(path.stat().st_mode & ~0o222)


@pytest.fixture(scope="module")
def read_only_index(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("read-only")
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    docs.mkdir()
    (docs / "ferry.md").write_text(DOC, encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(docs), "--index-dir", str(ix),
                            "--embedder", "hash", "--no-progress"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert built.returncode == 0, built.stderr
    _make_read_only(ix)
    yield docs, ix
    for path in (ix, *ix.rglob("*")):  # let pytest clean it up
        path.chmod(path.stat().st_mode | 0o200)


def test_a_read_only_index_answers_and_is_left_unchanged(read_only_index):
    _, ix = read_only_index
    before = _snapshot(ix)
    run = _cli("ask", "Who was the managing director of the Lindqvist Ferry Company?", "--index-dir", str(ix))
    assert run.returncode == 0, run.stderr
    assert "Oskar Brandt" in run.stdout
    assert "cannot be opened" not in run.stderr + run.stdout
    assert _snapshot(ix) == before


def test_ingest_into_a_read_only_index_is_a_clear_error_and_changes_nothing(read_only_index):
    docs, ix = read_only_index
    (docs / "more.md").write_text("# Pier repairs\n\nThe south pier reopened in March 2026.\n", encoding="utf-8")
    before = _snapshot(ix)
    run = _cli("ingest", str(docs), "--index-dir", str(ix), "--no-progress")
    assert run.returncode != 0
    assert "read-only" in run.stderr and "--index-dir" in run.stderr
    assert "Traceback" not in run.stderr
    assert _snapshot(ix) == before


def test_a_collection_the_index_does_not_hold_is_named_with_the_ones_it_does(read_only_index):
    _, ix = read_only_index
    run = _cli("ask", "Who ran the ferry?", "--index-dir", str(ix), env={"ASSISTANT_COLLECTION": "ferries"})
    assert run.returncode != 0
    assert "no collection 'ferries'" in run.stderr and "'documents'" in run.stderr
    assert "Traceback" not in run.stderr and "move it away" not in run.stderr

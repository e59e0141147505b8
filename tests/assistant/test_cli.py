"""The `assistant` command, run as users run it: a real process, real files, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys


def run(*args, cwd=None, env=None):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def test_ingest_ask_and_stats(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zinc.md").write_text("---\ntitle: Zinc note\ndate: 2024-02-02\n---\nRidder made 91,300 tons of zinc in 2023.\n",
                                  encoding="utf-8")
    (docs / "empty.txt").write_text("", encoding="utf-8")
    ix = str(tmp_path / "ix")
    r = run("ingest", str(docs), "--index-dir", ix, "--embedder", "hash", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "chunks added: 1" in r.stdout and "empty.txt: empty file" in r.stdout

    r = run("ask", "How much zinc did Ridder make in 2023?", "--index-dir", ix, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["text"] == "91,300 tons of zinc [1]" and out["abstained"] is False
    c = out["citations"][0]
    assert c["title"] == "Zinc note" and c["date"] == "2024-02-02"
    assert (docs / "zinc.md").read_text(encoding="utf-8")[c["start"] : c["end"]] == c["passage"]

    r = run("ask", "How much zinc did Ridder make in 2023?", "--index-dir", ix)
    assert r.stdout.startswith("91,300 tons of zinc [1]") and "[1] Zinc note (2024-02-02)" in r.stdout

    r = run("stats", "--index-dir", ix, "--json")
    assert json.loads(r.stdout)["chunks"] == 1


def test_errors_are_clean_messages_not_tracebacks(tmp_path):
    r = run("ask", "anything?", "--index-dir", str(tmp_path / "nothing-here"))
    assert r.returncode == 2
    assert r.stderr.startswith("error: no index at") and "assistant ingest" in r.stderr
    assert "Traceback" not in r.stderr

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("Tin reserves reached 10 tons.", encoding="utf-8")
    run("ingest", str(tmp_path / "d"), "--index-dir", str(tmp_path / "ix"), "--embedder", "hash", "--no-progress")
    r = run("ask", "   ", "--index-dir", str(tmp_path / "ix"))
    assert r.returncode == 2 and "empty" in r.stderr and "Traceback" not in r.stderr


def test_settings_come_from_environment_and_config_file(tmp_path):
    import os

    (tmp_path / "assistant.toml").write_text('index_dir = "from-file"\nk = 5\n', encoding="utf-8")
    code = "from assistant.settings import load_settings as l; s = l(); print(s.index_dir, s.k)"
    env = dict(os.environ, ASSISTANT_K="7")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["from-file", "7"]

"""The `assistant` command, run as users run it: a real process, real files, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

KAYAKS = ("---\ntitle: Brightwater Kayaks annual note\ndate: 2025-03-01\n---\n"
          "Brightwater Kayaks reported revenue of 4.2 million euros in 2024.\n\n"
          "Brightwater Kayaks reported revenue of 3.1 million euros in 2023.\n\n"
          "The firm opened a new workshop in Tromsø in 2025.\n")


def run(*args, cwd=None, env=None, input=None):
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300, input=input)


@pytest.fixture(scope="module")
def kayak_index(tmp_path_factory):
    base = tmp_path_factory.mktemp("kayaks")
    docs = base / "docs"
    docs.mkdir()
    (docs / "kayaks.md").write_text(KAYAKS, encoding="utf-8")
    ix = str(base / "ix")
    r = run("ingest", str(docs), "--index-dir", ix, "--no-progress")
    assert r.returncode == 0, r.stderr
    return docs, ix


def test_ingest_ask_and_stats(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zinc.md").write_text("---\ntitle: Zinc note\ndate: 2024-02-02\n---\nRidder made 91,300 tons of zinc in 2023.\n",
                                  encoding="utf-8")
    (docs / "empty.txt").write_text("", encoding="utf-8")
    ix = str(tmp_path / "ix")
    r = run("ingest", str(docs), "--index-dir", ix, "--embedder", "hash", "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "chunks: 1 new, 0 unchanged" in r.stdout and "empty.txt: empty file" in r.stdout

    r = run("ask", "How much zinc did Ridder make in 2023?", "--index-dir", ix, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["text"] == "91,300 tons [1]" and out["value"] == "91,300 tons" and out["abstained"] is False
    c = out["citations"][0]
    assert c["title"] == "Zinc note" and c["date"] == "2024-02-02"
    assert (docs / "zinc.md").read_text(encoding="utf-8")[c["start"] : c["end"]] == c["passage"]

    r = run("ask", "How much zinc did Ridder make in 2023?", "--index-dir", ix)
    assert r.stdout.startswith("91,300 tons [1]") and "[1] Zinc note (2024-02-02)" in r.stdout
    assert "understood as" not in r.stdout  # a question asked on its own is not rewritten

    r = run("stats", "--index-dir", ix, "--json")
    assert json.loads(r.stdout)["chunks"] == 1
    r = run("stats", "--index-dir", ix)
    assert "[1 chunk]" in r.stdout and "1 chunks" not in r.stdout

    r = run("ingest", str(docs), "--index-dir", ix, "--no-progress")  # nothing changed
    assert r.returncode == 0, r.stderr
    assert "0 new or changed, 1 unchanged" in r.stdout and "chunks: 0 new, 1 unchanged" in r.stdout


def test_ingest_of_a_missing_path_fails_and_creates_nothing(tmp_path):
    ix = tmp_path / "ix"
    r = run("ingest", str(tmp_path / "no-such-folder"), "--index-dir", str(ix), "--no-progress")
    assert r.returncode != 0 and "no such file or folder" in r.stderr and "Traceback" not in r.stderr
    assert not ix.exists()


def test_ingest_of_nothing_readable_fails_with_the_reasons(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "blank.txt").write_text("", encoding="utf-8")
    (tmp_path / "d" / "tool.exe").write_bytes(b"MZ\x90\x00")
    r = run("ingest", str(tmp_path / "d"), "--index-dir", str(tmp_path / "ix"), "--no-progress")
    assert r.returncode != 0 and "none of the files could be read" in r.stderr
    assert "blank.txt: empty file" in r.stdout and "Traceback" not in r.stderr


@pytest.mark.parametrize("command", [["stats"], ["ask", "anything?"], ["chat"]])
def test_read_only_commands_never_create_an_index(tmp_path, command):
    missing = tmp_path / "typo" / "index"
    r = run(*command, "--index-dir", str(missing), input="")
    assert r.returncode == 2
    assert r.stderr.startswith("error: no index at") and "assistant ingest" in r.stderr and "Traceback" not in r.stderr
    assert not missing.exists() and not (tmp_path / "typo").exists()


def test_the_python_api_never_creates_an_index_when_asking(tmp_path):
    from assistant import Assistant
    from assistant.errors import IndexNotFound

    missing = tmp_path / "missing" / "dir"
    with pytest.raises(IndexNotFound):
        Assistant(index_dir=missing).ask("How much did it cost?")
    with pytest.raises(IndexNotFound):
        Assistant(index_dir=missing).stats()
    assert not missing.exists()


def test_errors_are_clean_messages_not_tracebacks(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("Tin reserves reached 10 tons.", encoding="utf-8")
    run("ingest", str(tmp_path / "d"), "--index-dir", str(tmp_path / "ix"), "--embedder", "hash", "--no-progress")
    r = run("ask", "   ", "--index-dir", str(tmp_path / "ix"))
    assert r.returncode == 2 and "empty" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("k", ["0", "-3", "many"])
def test_k_must_be_a_positive_number(k):
    r = run("ask", "anything?", "--k", k)
    assert r.returncode == 2 and "--k" in r.stderr and "Traceback" not in r.stderr


def test_every_option_and_argument_has_help_text():
    import argparse

    from assistant.cli import parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, p in sub.choices.items():
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if name == "eval" and action.dest not in ("index_dir", "chroma_url", "embedder"):
                continue  # the eval options belong to eval/runner.py
            if not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert not missing


def test_chat_keeps_the_conversation_and_shows_the_understood_question(kayak_index):
    _, ix = kayak_index
    r = run("chat", "--index-dir", ix, input="What was Brightwater Kayaks' revenue in 2024?\n\nAnd in 2023?\n")
    assert r.returncode == 0, r.stderr
    first, second = r.stdout.split("(understood as:")
    assert "4.2 million euros" in first
    assert second.startswith(" What was Brightwater Kayaks' revenue in 2023?)") and "3.1 million euros" in second


def test_chat_survives_a_bad_line_and_ends_at_eof(kayak_index):
    _, ix = kayak_index
    r = run("chat", "--index-dir", ix, "--json", input="???\nWhat was Brightwater Kayaks' revenue in 2024?\n")
    assert r.returncode == 0 and "empty" in r.stderr and "Traceback" not in r.stderr
    (answer,) = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert "4.2 million" in answer["text"]


def _sigint_to_a_worker_thread(pid: int) -> None:
    """SIGINT to one of the process's threads other than the main one (tgkill), as the kernel may pick for a Ctrl-C."""
    import ctypes
    import platform
    import signal

    numbers = {"x86_64": 234, "aarch64": 131}  # the tgkill system call
    if platform.machine() not in numbers:
        pytest.skip("tgkill's number is not known on this machine")
    workers = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
    assert workers, "the chat process has worker threads (the vector search pool, the model's)"
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(numbers[platform.machine()], pid, workers[0], signal.SIGINT) == 0


@pytest.mark.parametrize("to_worker", [False, True], ids=["main-thread", "worker-thread"])
def test_chat_ends_cleanly_on_ctrl_c(kayak_index, to_worker):
    import signal

    _, ix = kayak_index
    # A terminal's shell starts a command with Ctrl-C's default meaning; a runner that started this suite in the
    # background may have left SIGINT ignored, which children inherit (and then Python rightly ignores it too).
    code = ("import runpy, signal, sys\n"
            "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
            f"sys.argv = ['assistant', 'chat', '--index-dir', {ix!r}]\n"
            "runpy.run_module('assistant.cli', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", code],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write("What was Brightwater Kayaks' revenue in 2024?\n")
    proc.stdin.flush()
    assert "4.2 million" in proc.stdout.readline()  # the loop is running and waiting for the next line
    if to_worker:
        _sigint_to_a_worker_thread(proc.pid)
    else:
        proc.send_signal(signal.SIGINT)
    try:
        assert proc.wait(30) == 130  # stdin stays open: only the interrupt can end it
    finally:
        proc.kill()
        _, err = proc.communicate()
    assert "interrupted" in err and "Traceback" not in err


def test_control_sequences_from_documents_never_reach_the_terminal(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "river.md").write_text(
        "---\ntitle: River \x1b]0;pwned\x07gauge \x1b[2Jlog\n---\n"
        "The Aare gauge at Bern read 412\x1b[8m cubic metres\x1b[0m per second\x9b31m on 3 May 2025.\n",
        encoding="utf-8")
    ix = str(tmp_path / "ix")
    assert run("ingest", str(docs), "--index-dir", ix, "--no-progress").returncode == 0
    outputs = [run("ask", "What did the Aare gauge at Bern read on 3 May 2025?", "--index-dir", ix).stdout,
               run("ask", "What did the Aare gauge at Bern read on 3 May 2025?", "--index-dir", ix, "--json").stdout,
               run("stats", "--index-dir", ix).stdout]
    assert "412" in outputs[0] and "River" in outputs[2]
    for out in outputs:
        assert not any(ch in out for ch in "\x1b\x07\x9b"), repr(out)


def test_terminal_text_keeps_text_newlines_and_tabs():
    from assistant.cli import terminal_text

    assert terminal_text("a\tb\nc\x1b[31md\x1b]8;;http://x\x1b\\e\x00\u202ef") == "a\tb\ncdef"


def test_an_ask_loads_neither_torch_nor_transformers(kayak_index):
    """What makes `assistant ask` start in seconds: once the model's ONNX export and its checked tokenizer are cached
    (the fixture's ingest made them), asking runs on onnxruntime and tokenizers alone, and spaCy comes without torch."""
    _, ix = kayak_index
    code = ("import sys, runpy\n"
            f"sys.argv = ['assistant', 'ask', 'What was the revenue of Brightwater Kayaks in 2024?', '--index-dir', {ix!r}]\n"
            "try:\n    runpy.run_module('assistant.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print('loaded:', sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "4.2 million euros" in r.stdout.splitlines()[0], r.stdout + r.stderr
    assert r.stdout.rstrip().endswith("loaded: []"), r.stdout


def test_a_reader_that_stops_early_gets_no_traceback(kayak_index):
    _, ix = kayak_index
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "chat", "--index-dir", ix],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write("What was Brightwater Kayaks' revenue in 2024?\n")
    proc.stdin.flush()
    assert proc.stdout.readline()  # like `| head -1`: read one line, then go away
    proc.stdout.close()
    proc.stdin.write("And in 2023?\n" * 50)  # more answers, written into a closed pipe
    proc.stdin.close()
    proc.wait(120)
    err = proc.stderr.read()
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_settings_come_from_environment_and_config_file(tmp_path):
    (tmp_path / "assistant.toml").write_text('index_dir = "from-file"\nk = 5\n', encoding="utf-8")
    code = "from assistant.settings import load_settings as l; s = l(); print(s.index_dir, s.k)"
    env = dict(os.environ, ASSISTANT_K="7")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["from-file", "7"]

"""Benchmark scripts write their own history entries (bench/record.py), stamped with commit, date and command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.record import recorded

REPO = Path(__file__).resolve().parents[1]


def test_a_recorded_run_appends_its_output_under_a_stamp(tmp_path, monkeypatch, capsys):
    history = tmp_path / "history.md"
    history.write_text("# History\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", [str(REPO / "bench" / "made_up.py"), "--size", "10"])
    with recorded("Made-up speed", history=history):
        print("| rows | per s |\n|---|---|\n| 10 | 99 |")
    assert "| 10 | 99 |" in capsys.readouterr().out  # still printed
    text = history.read_text(encoding="utf-8")
    assert text.startswith("# History\n")
    assert "\n## Made-up speed\n" in text
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC · commit " + re.escape(commit), text)
    assert "`python bench/made_up.py --size 10`" in text
    assert text.rstrip().endswith("| 10 | 99 |")


def test_a_failed_or_unrecorded_run_leaves_the_history_alone(tmp_path):
    history = tmp_path / "history.md"
    history.write_text("# History\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with recorded("Broken", history=history):
            print("half a table")
            raise RuntimeError("benchmark failed")
    with recorded("Skipped", enabled=False, history=history):
        print("not recorded")
    assert history.read_text(encoding="utf-8") == "# History\n"


def test_every_bench_script_offers_no_record():
    for script in sorted((REPO / "bench").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        if "def main(" in source and "argparse" in source:
            assert "add_record_argument(" in source and "with recorded(" in source, script.name

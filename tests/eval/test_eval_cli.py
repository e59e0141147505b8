"""`assistant eval` end to end on the hand-made benchmark files, with the hash embedder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def _run_cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "assistant.cli", "eval", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_squad_run_writes_every_output_with_the_project_and_both_baselines(tmp_path):
    out = tmp_path / "out"
    proc = _run_cli(DATA / "tiny_squad.json", "--format", "squad", "--embedder", "hash", "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = _rows(out / "results.jsonl")
    assert len(rows) == 4 * 3  # 4 questions × (project, llama_index, nearest_sentence)
    assert {r["system"] for r in rows} == {"project", "llama_index", "nearest_sentence"}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["format"] == "squad" and report["articles"] == 1
    for name in ("project", "llama_index", "nearest_sentence"):
        s = report["systems"][name]
        assert s["questions"] == 4 and s["answerable"] == 3 and s["unanswerable"] == 1
        assert 0.0 <= s["v2_f1"] <= 1.0 and 0.0 <= s["recall@20"] <= 1.0
    # the baselines never abstain
    assert report["systems"]["llama_index"]["abstain_rate_unanswerable"] == 0.0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "| v2_f1 |" in md and "nearest_sentence" in md and "## By article" in md
    assert (out / "squad.png").stat().st_size > 1000
    assert len(list((out / "docs" / "squad").glob("*.md"))) == 1
    assert "report:" in proc.stdout


def test_gates_fail_the_run_with_a_message(tmp_path):
    out = tmp_path / "out"
    code = main(["eval", str(DATA / "tiny_squad.json"), "--embedder", "hash", "--out", str(out), "--no-baseline",
                 "--min-v2-f1", "1.01", "--max-wrong-abstain", "1.0", "--min-hit5", "0.5"])
    assert code == 1
    rows = _rows(out / "results.jsonl")
    assert len(rows) == 4 and {r["system"] for r in rows} == {"project"}


def test_tatqa_run_asks_each_excerpt_in_its_own_index(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["eval", str(DATA / "tiny_tatqa.json"), "--embedder", "hash", "--out", str(out), "--no-baseline"])
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["format"] == "tatqa" and report["excerpts"] == 1
    assert set(report["by_answer_type"]["project"]) == {"span", "multi-span", "arithmetic"}
    assert set(report["by_answer_from"]["project"]) == {"text", "table", "table-text"}
    assert len(_rows(out / "results.jsonl")) == 5
    assert (out / "index" / "tatqa" / "bike-share-2020").is_dir()
    assert (out / "tatqa.png").exists()
    assert "span_f1" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    ('{"version": "v2.0", "data": [{"title": "T", "paragraphs": [{"qas": []}]}]}',
     "data[0].paragraphs[0] has no 'context' field"),
    ('{"version": "v2.0", "data": [', "is not valid JSON"),
    ('[{"table": {"uid": "x", "table": []}, "paragraphs": []}]', "[0] has no 'questions' field"),
])
def test_a_broken_benchmark_file_is_a_clean_error_naming_the_field(tmp_path, capsys, content, message):
    bad = tmp_path / "bench.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["eval", str(bad), "--embedder", "hash", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(bad) in err and message in err and "Traceback" not in err


def test_jsonl_split_selects_items_and_items_without_a_split_are_dev(tmp_path):
    from eval.runner import load_items

    path = tmp_path / "set.jsonl"
    items = [{"id": "a", "question": "q", "accepted": ["x"], "category": "c"},
             {"id": "b", "question": "q", "accepted": ["x"], "category": "c", "split": "test"},
             {"id": "c", "question": "q", "accepted": ["x"], "category": "c", "split": "dev"}]
    path.write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    assert [i["id"] for i in load_items(path, "dev")] == ["a", "c"]
    assert [i["id"] for i in load_items(path, "test")] == ["b"]
    assert [i["id"] for i in load_items(path, "all")] == ["a", "b", "c"]


def test_an_excerpt_the_indexer_fails_on_is_reported_and_scores_zero(tmp_path, monkeypatch):
    from assistant.core import Assistant
    from assistant.settings import load_settings
    from eval import benchmarks

    def broken_ingest(self, paths, prune=False, progress=False):
        raise RuntimeError("indexer bug")

    monkeypatch.setattr(Assistant, "ingest", broken_ingest)
    report = benchmarks.run_tatqa(DATA / "tiny_tatqa.json", tmp_path, load_settings(embedder="hash"),
                                  baselines=False, progress=False)
    assert report["failed_excerpts"][0]["uid"] == "bike-share-2020"
    assert "indexer bug" in report["failed_excerpts"][0]["error"]
    assert report["systems"]["project"]["questions"] == 5
    assert report["systems"]["project"]["f1"] == 0.0 and report["systems"]["project"]["em"] == 0.0

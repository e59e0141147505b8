"""eval/REPORT.md: every set side by side, from the report.json of each run."""

import json

from eval import combined


def _write(dir_, report, chart=None):
    dir_.mkdir(parents=True)
    (dir_ / "report.json").write_text(json.dumps(report), encoding="utf-8")
    if chart:
        (dir_ / chart).write_bytes(b"\x89PNG fake")


def test_sets_side_by_side_with_charts_and_missing_sets(tmp_path):
    _write(tmp_path / "test", {"format": "jsonl", "command": "assistant eval --split test", "embedder": "hash",
                               "overall": {"items": 65, "accuracy": 0.5, "f1": 0.25},
                               "baselines": {"llama_index": {"accuracy": 0.4}, "nearest_sentence": {"accuracy": 0.3}}},
           chart="breakdown.png")
    _write(tmp_path / "squad", {"format": "squad", "command": "assistant eval squad.json", "embedder": "hash",
                                "systems": {"project": {"questions": 300, "unanswerable": 150, "v2_f1": 0.625,
                                                        "cite_ok": 0.5},
                                            "llama_index": {"questions": 300, "v2_f1": 0.125},
                                            "nearest_sentence": {"questions": 300, "v2_f1": 0.25}}},
           chart="squad.png")
    out = tmp_path / "eval" / "REPORT.md"
    out.parent.mkdir()
    assert combined.main(["--out", str(out), f"test={tmp_path / 'test'}", f"second={tmp_path / 'none'}",
                          f"squad={tmp_path / 'squad'}"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| test | 65 | accuracy | 0.500 | 0.400 | 0.300 |" in text
    assert "| second | — | not run | — | — | — |" in text
    assert "| squad | 300 | v2_f1 | 0.625 | 0.125 | 0.250 |" in text
    assert "| cite_ok | 0.500 | — | — |" in text
    assert "Always abstaining would score v2_f1 = 0.500" in text
    assert "Command: `assistant eval squad.json` (embedder `hash`)" in text
    assert "![squad](charts/squad.png)" in text and (out.parent / "charts" / "squad.png").exists()
    assert (out.parent / "charts" / "test.png").exists()


def test_another_embedders_runs_are_columns_beside_the_default_not_sets_of_their_own(tmp_path):
    _write(tmp_path / "test", {"format": "jsonl", "embedder": "minilm",
                               "overall": {"items": 65, "accuracy": 0.5, "hit@5": 0.9, "latency_p50_ms": 40.0}})
    _write(tmp_path / "test-hash", {"format": "jsonl", "embedder": "hash",
                                    "overall": {"items": 65, "accuracy": 0.375, "hit@5": 0.75, "latency_p50_ms": 20.0}})
    out = tmp_path / "REPORT.md"
    assert combined.main(["--out", str(out), f"test={tmp_path / 'test'}", f"test@hash={tmp_path / 'test-hash'}"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## The embedders side by side" in text
    assert "| set | metric | minilm | hash |" in text
    assert "| test | hit@5 | 0.900 | 0.750 |" in text and "| test | accuracy | 0.500 | 0.375 |" in text
    assert "## test@hash" not in text and "| test@hash |" not in text

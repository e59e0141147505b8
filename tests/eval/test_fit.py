"""eval/fit.py end to end on a tiny SQuAD-format file: it fits, writes a model the answerer loads, and a report."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.scoring import FEATURES, Model


def test_fit_writes_a_model_the_answerer_loads(tmp_path: Path):
    from eval.fit import main

    paragraphs = [
        ("The lighthouse at Corran Point was built in 1874 by the engineer Ada Pellow. It is 31 metres tall.",
         [("When was the lighthouse at Corran Point built?", "1874"), ("Who built the Corran Point lighthouse?",
                                                                     "Ada Pellow")]),
        ("Corran's harbour handled 412 fishing boats in 2020, most of them crab boats.",
         [("How many fishing boats did the harbour handle in 2020?", "412")]),
    ]
    data = {"version": "v2.0", "data": [{"title": "Corran", "paragraphs": []}]}
    for n, (context, qas) in enumerate(paragraphs):
        items = [{"id": f"{n}-{i}", "question": q, "is_impossible": False,
                  "answers": [{"text": a, "answer_start": context.index(a)}]} for i, (q, a) in enumerate(qas)]
        items.append({"id": f"{n}-x", "question": "What colour is the harbour master's boat?", "is_impossible": True,
                      "answers": [], "plausible_answers": []})
        data["data"][0]["paragraphs"].append({"context": context, "qas": items})
    squad = tmp_path / "tiny.json"
    squad.write_text(json.dumps(data), encoding="utf-8")
    out, report = tmp_path / "model.json", tmp_path / "fit.md"
    assert main(["--squad", str(squad), "--tatqa", "", "--qa", "", "--embedder", "hash", "--work",
                 str(tmp_path / "work"), "--out", str(out), "--report", str(report)]) == 0
    fitted = json.loads(out.read_text(encoding="utf-8"))
    assert set(fitted["weights"]) == set(FEATURES) and 0 < fitted["threshold"] < 1
    model = Model.load(out)
    assert model.weights != Model.load(tmp_path / "missing.json").weights  # loaded, not the fallback
    assert "threshold" in report.read_text(encoding="utf-8")


def test_fit_compute_writes_bounds_the_module_loads(tmp_path: Path, monkeypatch):
    """eval/fit_compute.py on the tiny TAT-QA file and a two-question set of our format: it tries the values, writes
    bounds `Bounds.load` reads (not the defaults' fallback) and a table with a row per value tried."""
    import eval.fit_compute as fit_compute
    from assistant import compute

    monkeypatch.setattr(fit_compute, "CHOICES", {"rows_tried": [1, 3], "pair_gap": [60, 20]})
    monkeypatch.setattr(compute, "BOUNDS", compute.BOUNDS)  # restored after the fit sets it
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "orchard.md").write_text("| Apples picked | 2023 | 2024 |\n|---|---|---|\n| Bramley | 410 | 520 |\n",
                                     encoding="utf-8")
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps(i) for i in [
        {"id": "a", "question": "How many Bramley apples were picked in 2024?", "answer": "520", "accepted": ["520"],
         "category": "table", "split": "dev"},
        {"id": "b", "question": "By how much did Bramley apples picked change from 2023 to 2024?",
         "answer": "110", "accepted": ["110"], "category": "computed", "split": "dev"},
    ]) + "\n", encoding="utf-8")
    out, report = tmp_path / "compute.json", tmp_path / "compute-fit.md"
    tatqa = Path(__file__).parent / "data" / "tiny_tatqa.json"
    assert fit_compute.main(["--tatqa", str(tatqa), "--tatqa-excerpts", "1", "--qa", str(qa), "--corpus", str(docs),
                             "--embedder", "hash", "--work", str(tmp_path / "work"), "--out", str(out),
                             "--report", str(report)]) == 0
    fitted = json.loads(out.read_text(encoding="utf-8"))
    assert fitted["bounds"]["rows_tried"] in (1, 3) and fitted["bounds"]["pair_gap"] in (60, 20)
    assert compute.Bounds.load(out) == compute.Bounds(**fitted["bounds"])
    assert 0 <= fitted["scores"]["dev_accuracy"] <= 1
    table = [line for line in report.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 3  # the header, the defaults, then one row per other value tried

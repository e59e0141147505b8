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

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


def _synthetic_examples(n_questions: int = 240, per_question: int = 8, seed: int = 0):
    """Questions whose answering candidate has the highest `cos` among its own, the rest noise; a quarter unanswerable
    (no candidate answers, none boosted)."""
    import numpy as np

    from eval.fit import Examples

    rng = np.random.default_rng(seed)
    cos, bias, absent = FEATURES.index("cos"), FEATURES.index("bias"), FEATURES.index("absent")
    X, y, owner, answerable = [], [], [], []
    for q in range(n_questions):
        level, missing = rng.uniform(-0.5, 0.5), rng.uniform(0, 1)
        ok = q % 4 != 0
        right = int(rng.integers(per_question)) if ok else -1
        for c in range(per_question):
            row = rng.normal(0, 0.3, len(FEATURES))
            row[bias], row[absent] = 1.0, missing  # the same for every candidate of a question
            row[cos] = level + rng.normal(0, 0.3) + (1.5 if c == right else 0.0)
            X.append(row)
            y.append(int(c == right))
            owner.append(q)
        answerable.append(ok)
    sets = np.array(["a" if q // 3 % 2 else "b" for q in range(n_questions)])
    groups = np.array([f"doc{q // 10}" for q in range(n_questions)])
    return Examples(np.array(X), np.array(y), np.array(owner), np.array(answerable), sets, groups)


def test_cross_validation_keeps_documents_whole_and_reports_every_set_at_matched_abstention(capsys):
    from types import SimpleNamespace

    from eval.fit import cross_validate, folds

    data = _synthetic_examples()
    fold = folds(data.groups, 3)
    assert all(len(set(fold[data.groups == g])) == 1 for g in set(data.groups))  # a document stays in one fold
    assert len(set(fold)) == 3
    result = cross_validate(data, SimpleNamespace(cv=3, max_wrong_abstain=0.1))
    assert set(result) == {"a", "b"}
    assert sum(r["answerable"] + r["unanswerable"] for r in result.values()) == len(data.sets)
    for r in result.values():
        assert abs(r["0.10"]["wrongly_abstained"] - 0.10) < 0.03 and abs(r["0.20"]["wrongly_abstained"] - 0.20) < 0.03
        # the answer is the candidate with the highest cos, which the fit must learn from the other folds
        assert r["0.10"]["answered_right"] > 0.8
        # unanswerable questions lack the boosted candidate: their best scores are lower, so more of them abstain
        assert r["0.20"]["unanswerable_abstained"] > r["0.20"]["wrongly_abstained"]
    assert "| set | questions" in capsys.readouterr().out


def test_fit_kinds_chooses_the_margin_that_judges_best():
    from eval.fit_kinds import FIGURE, TEXT, fit, fits

    def cos(best: str, gap: float) -> dict[str, float]:
        return {"ORG": 0.3, "MONEY": 0.3, "OTHER": 0.4, best: 0.4 + gap}

    # typed right up to a margin of 0.105, a sentence's worth typed wrong below 0.09: only 0.1 gets all three
    cases = {"a": [(cos("ORG", 0.105), "ORG"), (cos("MONEY", 0.09), TEXT)], "b": [(cos("MONEY", 0.105), FIGURE)]}
    margin, table = fit(cases)
    assert margin == 0.1
    assert any(line.startswith("| ORG |") for line in table)  # each kind's description measured without it
    assert fits(frozenset({"MONEY", "CARDINAL"}), FIGURE) and not fits(frozenset({"PERCENT"}), FIGURE)
    assert fits(frozenset(), TEXT) and not fits(frozenset({"ORG"}), TEXT)

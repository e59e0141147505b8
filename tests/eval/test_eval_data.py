"""The evaluation data is well formed: every item can be scored, every evidence is really in its source, and the
held-out parts (the `test` split, the second collection) are as large as issue 17 asks."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from eval import metrics

REPO = Path(__file__).resolve().parents[2]
QA = REPO / "eval" / "qa.jsonl"
SECOND = REPO / "eval" / "second.jsonl"
SECOND_DOCS = REPO / "eval" / "second"
TRIAL = REPO / "eval" / "trial.jsonl"
TRIAL_DOCS = REPO / "eval" / "trial"

FIELDS = {"id": str, "question": str, "history": list, "answer": str, "accepted": list, "sources": list,
          "evidence": str, "category": str, "unanswerable": bool, "conflict": bool, "split": str}
CATEGORIES = {"numeric", "name", "list", "table", "date", "explain", "paraphrase", "conflict", "followup",
              "unanswerable", "computed"}
SPLITS = {"dev", "test"}
PIPE_TABLE_SEPARATOR = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$", re.MULTILINE)


def load(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def qa() -> list[dict]:
    return load(QA)


@pytest.fixture(scope="module")
def second() -> list[dict]:
    return load(SECOND)


@pytest.fixture(scope="module")
def trial() -> list[dict]:
    return load(TRIAL)


def problems_of(item: dict) -> list[str]:
    """What is wrong with one item's shape (empty when it can be scored)."""
    found = [f"{key} should be {kind.__name__}" for key, kind in FIELDS.items()
             if not isinstance(item.get(key), kind)]
    if found:
        return found
    if item["category"] not in CATEGORIES:
        found.append(f"unknown category {item['category']!r}")
    if item["split"] not in SPLITS:
        found.append(f"unknown split {item['split']!r}")
    if not all(isinstance(turn, list) and len(turn) == 2 and all(isinstance(t, str) and t for t in turn)
               for turn in item["history"]):
        found.append("history should be a list of [question, answer] pairs")
    for alt in item["accepted"]:
        parts = alt if isinstance(alt, list) else [alt]
        if not parts or not all(isinstance(p, str) and p.strip() for p in parts):
            found.append(f"accepted form {alt!r} should be a non-empty string or list of strings")
    if item["unanswerable"]:
        if item["accepted"] or item["conflict"]:
            found.append("an unanswerable item accepts no answer and has no conflict")
    else:
        if not (item["accepted"] and item["sources"] and item["evidence"]):
            found.append("an answerable item needs accepted forms, sources and evidence")
        # the reference answer must itself pass the check a system's answer is held to
        elif not metrics.matches_accepted(item["answer"], item["accepted"]):
            found.append(f"the reference answer {item['answer']!r} matches none of {item['accepted']!r}")
    if item["category"] == "followup" and not item["history"]:
        found.append("a follow-up needs the previous turn in history")
    if item["conflict"] != (item["category"] == "conflict"):
        found.append("conflict and the conflict category go together")
    return found


def evidence_missing(items: list[dict], docs_dir: Path) -> list[str]:
    """Ids of answerable items whose evidence is not verbatim in any of their source files."""
    texts = {}
    missing = []
    for item in items:
        if item["unanswerable"]:
            continue
        for name in item["sources"]:
            if name not in texts:
                path = docs_dir / name
                texts[name] = path.read_text(encoding="utf-8") if path.is_file() else ""
        if not any(item["evidence"] in texts[name] for name in item["sources"]):
            missing.append(item["id"])
    return missing


@pytest.mark.parametrize("which", ["qa", "second", "trial"])
def test_every_item_is_well_formed(which, request):
    items = request.getfixturevalue(which)
    bad = {item.get("id", f"line {n}"): problems for n, item in enumerate(items, start=1)
           if (problems := problems_of(item))}
    assert not bad, bad


def test_ids_are_unique_across_the_files(qa, second, trial):
    counts = Counter(item["id"] for item in qa + second + trial)
    assert not [i for i, n in counts.items() if n > 1]


def test_seed_set_evidence_is_verbatim_in_the_corpus(qa, corpus_dir):
    assert evidence_missing(qa, corpus_dir) == []


def test_second_collection_evidence_is_verbatim_in_its_documents(second):
    assert evidence_missing(second, SECOND_DOCS) == []


def test_trial_evidence_is_verbatim_in_its_documents_and_the_set_is_tuned_on(trial):
    assert evidence_missing(trial, TRIAL_DOCS) == []
    assert {item["split"] for item in trial} == {"dev"}  # studied while changing the answerer: never held out


def test_seed_set_split_is_stratified_and_held_out_items_are_test(qa):
    seed = [item for item in qa if item["id"].startswith("q")]
    for category in {item["category"] for item in seed}:
        splits = Counter(item["split"] for item in seed if item["category"] == category)
        assert abs(splits["dev"] - splits["test"]) <= 1, (category, splits)
    paraphrased = [item for item in qa if item["id"].startswith("p")]
    assert {item["split"] for item in paraphrased} == {"test"}
    assert len(paraphrased) >= 60
    assert sum(item["unanswerable"] for item in paraphrased) >= 8
    assert sum(bool(item["history"]) for item in paraphrased) >= 3


def test_second_collection_meets_the_minimums(second):
    assert {item["split"] for item in second} == {"test"}
    assert len(second) >= 70
    assert sum(item["unanswerable"] for item in second) >= 10
    assert sum(item["category"] == "table" for item in second) >= 12
    assert sum(bool(item["history"]) for item in second) >= 6
    conflicts = [item for item in second if item["conflict"]]
    assert conflicts and all(len(item["sources"]) >= 2 for item in conflicts)
    sources = {name for item in second for name in item["sources"]}
    assert sources <= {p.name for p in SECOND_DOCS.iterdir()}


def test_second_collection_documents_are_sized_and_hold_tables():
    docs = sorted(p for p in SECOND_DOCS.iterdir() if p.suffix in {".md", ".txt"})
    assert len(docs) >= 7
    texts = {p.name: p.read_text(encoding="utf-8") for p in docs}
    sizes = {name: len(text.split()) for name, text in texts.items()}
    assert all(300 <= n <= 900 for n in sizes.values()), sizes
    assert sum(len(PIPE_TABLE_SEPARATOR.findall(text)) for text in texts.values()) >= 3

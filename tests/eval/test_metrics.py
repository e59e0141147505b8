"""The evaluation metrics on known inputs → known scores."""

import pytest

from eval import metrics


def test_normalisation_of_figures_and_units():
    assert metrics.normalize("6,400 Tonnes") == "6400 tons"
    assert metrics.normalize("The output fell 21.2 per cent.") == "output fell 21.2%"
    assert metrics.normalize("$4,600 an ounce") == "$4600 ounce"


def test_contains_respects_token_boundaries():
    assert metrics.contains("It made 697.5 tons of silver", "697.5 tons")
    assert not metrics.contains("It made 1697.5 tons", "697.5 tons")
    assert not metrics.contains("12.0x", "2.0x")
    assert metrics.contains("about 6,400 metric tonnes", "6400 metric tons")


def test_accepted_alternatives_and_required_lists():
    assert metrics.matches_accepted("the United Kingdom and the United States", [["United Kingdom", "United States"]])
    assert not metrics.matches_accepted("the United Kingdom", [["United Kingdom", "United States"]])
    assert metrics.matches_accepted("Khromtau [1]", ["Donskoy", "Khromtau"])


def test_token_f1_known_values():
    assert metrics.token_f1("697.5 tons of refined silver", "697.5 tons of refined silver") == 1.0
    assert metrics.token_f1("697.5 tons", "697.5 tons of refined silver") == pytest.approx(2 * 1.0 * 0.4 / 1.4)
    assert metrics.token_f1("copper", "silver") == 0.0


def test_evidence_rank_and_percentile():
    assert metrics.evidence_rank(["a b", "x 697.5 tons y", "697.5 tons"], "697.5 tons") == 2
    assert metrics.evidence_rank(["nothing"], "697.5 tons") is None
    assert metrics.percentile([10, 20, 30, 40], 0.5) == 25
    assert metrics.percentile([5.0], 0.95) == 5.0


def test_score_and_aggregate_a_small_run():
    items = [
        {"id": "a", "accepted": ["42"], "answer": "42", "evidence": "copper in 42 of 51 wells", "category": "n"},
        {"id": "b", "accepted": ["7 tons"], "answer": "7 tons", "evidence": "made 7 tons", "category": "n"},
        {"id": "c", "accepted": [], "answer": "", "evidence": "", "category": "u", "unanswerable": True},
        {"id": "d", "accepted": [], "answer": "", "evidence": "", "category": "u", "unanswerable": True},
        {"id": "e", "accepted": ["1", "2"], "answer": "1 or 2", "evidence": "x", "category": "c", "conflict": True},
    ]
    runs = [  # (text, abstained, conflict, cited passages, retrieved chunk texts)
        ("42 [1]", False, False, ["Drilling found copper in 42 of 51 wells."], ["copper in 42 of 51 wells"]),
        ("9 tons [1]", False, False, ["It made 9 tons."], ["other", "they made 7 tons"]),
        ("The documents don't say", True, False, [], []),
        ("5 tons [1]", False, False, ["5 tons"], []),
        ("1 [1]; 2 [2]", False, True, ["value 1", "value 2"], ["x"]),
    ]
    scores = [metrics.score_item(i, *r) for i, r in zip(items, runs)]
    answers = [{"abstained": r[1], "conflict": r[2]} for r in runs]
    m = metrics.aggregate(items, scores, answers)
    assert m["accuracy"] == pytest.approx(3 / 5)  # a, c, e
    assert m["hallucination_rate"] == pytest.approx(2 / 5)  # b, d
    assert m["crag_score"] == pytest.approx(1 / 5)
    assert m["citation_precision"] == pytest.approx(3 / 4)  # a's, e's two; not b's
    assert m["citation_recall"] == pytest.approx(2 / 3)
    assert m["abstention_precision"] == 1.0 and m["abstention_recall"] == 0.5
    assert m["conflicts_surfaced"] == 1.0
    assert m["hit@1"] == pytest.approx(2 / 3) and m["hit@5"] == 1.0
    assert m["mrr"] == pytest.approx((1 + 0.5 + 1) / 3)


def test_thresholds_fail_the_run():
    from eval.runner import check_thresholds

    assert check_thresholds({"accuracy": 0.8}, {"min_accuracy": 0.9}) == ["accuracy 0.800 < 0.9"]
    assert check_thresholds({"accuracy": 0.95}, {"min_accuracy": 0.9}) == []


def test_the_shipped_set_is_well_formed():
    from eval.runner import DEFAULT_QA, load_items

    items = load_items(DEFAULT_QA)
    assert len(items) >= 80 and len({i["id"] for i in items}) == len(items)
    assert sum(i["unanswerable"] for i in items) / len(items) >= 0.15
    assert all(i["evidence"] and i["sources"] for i in items if not i["unanswerable"])

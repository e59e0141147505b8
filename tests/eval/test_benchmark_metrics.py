"""The benchmark metrics (SQuAD 2.0, TAT-QA) on fixed predictions over the hand-made files → exact scores."""

from pathlib import Path

import pytest

from eval import benchmarks, formats, metrics
from eval.baseline import Cited, Prediction

DATA = Path(__file__).parent / "data"


# ------------------------------------------------------------------------------------------------ SQuAD pieces

def test_markers_leave_the_answer_text():
    assert metrics.strip_markers("121,300 customers in 2024 [1][2].") == "121,300 customers in 2024."
    assert metrics.strip_markers("Khromtau [3]") == "Khromtau"


def test_squad_official_normalisation_em_and_f1():
    assert metrics.squad_normalize("The  Normans, of France!") == "normans of france"
    golds = ["Margaret Doyle", "the engineer Margaret Doyle"]
    assert metrics.squad_em("An engineer: Margaret Doyle.", golds) == 1.0
    assert metrics.squad_em("Doyle", golds) == 0.0
    # 8 predicted tokens, 2 shared: vs "margaret doyle" F1 = 2·(2/8)·1/(2/8 + 1) = 0.4; vs the 3-token form 4/11
    assert metrics.squad_f1("It was built by Margaret Doyle in 1874", golds) == pytest.approx(0.4)
    assert metrics.squad_f1("", golds) == 0.0
    assert metrics.squad_contains("built by the engineer Margaret Doyle in 1874", ["engineer margaret doyle"])
    assert not metrics.squad_contains("Margaret Doyles", ["Margaret Doyle"])  # token boundaries


def test_per_question_squad_scores():
    golds = ["Margaret Doyle", "the engineer Margaret Doyle"]
    s = metrics.squad_scores("It was built by Margaret Doyle in 1874 [1]", "Margaret Doyle", False, golds, False, True)
    assert s["em"] == 0.0 and s["f1"] == pytest.approx(0.4) and s["v2_f1"] == pytest.approx(0.4)
    assert s["value_em"] == 1.0 and s["value_f1"] == 1.0  # the short value is scored on its own
    assert s["contains"] == 1.0 and s["cite_ok"] == 1.0 and s["wrong_abstain"] == 0.0 and s["answer_words"] == 8
    abstained = metrics.squad_scores("The documents don't say.", None, True, golds, False, False)
    assert abstained["f1"] == 0.0 and abstained["wrong_abstain"] == 1.0 and abstained["v2_f1"] == 0.0
    impossible = metrics.squad_scores("The documents don't say.", None, True, [], True, False)
    assert impossible["abstain_unanswerable"] == 1.0 and impossible["v2_f1"] == 1.0 and impossible["f1"] is None


def _squad_questions(tmp_path):
    questions = formats.write_squad_docs(formats.read_squad(DATA / "tiny_squad.json"), tmp_path)
    source = questions[0].source
    return {q.id: q for q in questions}, source, source.read_text(encoding="utf-8")


def _cite(source, text, passage) -> Cited:
    start = text.index(passage)
    return Cited(str(source), start, start + len(passage), passage)


def test_a_squad_run_scores_exactly(tmp_path):
    qs, source, text = _squad_questions(tmp_path)
    para1 = "The Harbour Lighthouse was built in 1874 by the engineer Margaret Doyle."
    para2 = "The lighthouse was automated in 1961, and the last keeper, Tomas Reilly, left the island that year."
    whole2 = para2 + " Today it is a museum open from May to September."
    preds = {
        # right answer, right sentence cited; the gold paragraph's chunk retrieved second
        "lh1": Prediction("Margaret Doyle [1]", citations=[_cite(source, text, para1)],
                          retrieved=[_cite(source, text, whole2), _cite(source, text, para1)]),
        # partly right (7 tokens, 1 shared with the 2 gold tokens: F1 2/9), cites the wrong paragraph; gold chunk retrieved first
        "lh2": Prediction("It could be seen 22 km away [1]", citations=[_cite(source, text, para2)],
                          retrieved=[_cite(source, text, "Its lamp could be seen 22 kilometres out to sea.")]),
        "lh3": Prediction("The documents don't say.", abstained=True),  # wrongful abstention, nothing retrieved
        "lh4": Prediction("1961 [1]", citations=[_cite(source, text, para2)]),  # unanswerable, answered
    }
    rows = []
    for qid, pred in preds.items():
        q = qs[qid]
        rows.append({"unanswerable": q.unanswerable, "has_place": not q.unanswerable, "latency_ms": 10.0,
                     **benchmarks.score_squad(q, pred, text)})
    m = benchmarks.summarize_squad(rows)
    assert m["questions"] == 4 and m["answerable"] == 3 and m["unanswerable"] == 1
    assert m["em"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx((1 + 2 / 9 + 0) / 3)
    assert m["contains"] == pytest.approx(1 / 3)
    assert m["cite_ok"] == pytest.approx(1 / 3)
    assert m["wrong_abstain_rate"] == pytest.approx(1 / 3)
    assert m["abstain_rate_unanswerable"] == 0.0
    assert m["v2_f1"] == pytest.approx((1 + 2 / 9 + 0 + 0) / 4)
    assert m["answer_words"] == pytest.approx((2 + 7 + 1) / 3)
    assert m["recall@1"] == pytest.approx(1 / 3) and m["recall@5"] == pytest.approx(2 / 3)


def test_a_citation_must_lie_inside_the_gold_paragraph_of_the_gold_file(tmp_path):
    qs, source, text = _squad_questions(tmp_path)
    q = qs["lh1"]
    whole_article = Cited(str(source), 0, len(text), text)  # holds the answer, but is not a precise citation
    assert not metrics.cite_ok([whole_article], q.source, q.regions, q.answers)
    sentence = _cite(source, text, "The Harbour Lighthouse was built in 1874 by the engineer Margaret Doyle.")
    assert metrics.cite_ok([sentence], q.source, q.regions, q.answers)
    other_file = Cited(str(tmp_path / "elsewhere.md"), sentence.start, sentence.end, sentence.passage)
    assert not metrics.cite_ok([other_file], q.source, q.regions, q.answers)
    # a retrieved chunk running over the paragraph break still hands over the answer: it counts for recall
    assert metrics.chunk_holds_gold(text, str(source), 0, len(text), q.source, q.regions, q.answers)


# ---------------------------------------------------------------------------------------------- TAT-QA pieces

def test_tatqa_number_normalisation():
    assert metrics.tat_to_number("(12.3)") == -12.3
    assert metrics.tat_to_number("$1,234.5") == 1234.5
    assert metrics.tat_to_number("12%") == 0.12
    assert metrics.tat_to_number("3 million") == 3000000
    assert metrics.tat_normalize("The Revenue was $ 3,100") == "revenue was 3100"


@pytest.mark.parametrize("text, gold, answer_type, scale, expected", [
    ("Velo City Ltd [1]", ["Velo City Ltd"], "span", "", (1.0, 1.0)),
    ("$3,100 thousand [1]", ["$ 3,100"], "span", "thousand", (1.0, 1.0)),
    ("$3,100 [1]", ["$ 3,100"], "span", "thousand", (0.0, 0.0)),  # the scale is part of the answer
    ("-410 thousand", ["(410)"], "span", "thousand", (1.0, 1.0)),  # (410) is -410
    ("Porto and Lisbon [1]", ["Lisbon", "Porto"], "multi-span", "", (1.0, 1.0)),  # order free
    ("Lisbon [1]", ["Lisbon", "Porto"], "multi-span", "", (0.0, 0.67)),  # EM needs every span; F1 of the bag
    ("13 [1]", 13, "arithmetic", "", (1.0, 1.0)),
    ("13 stations", 13, "arithmetic", "", (0.0, 0.0)),  # arithmetic: F1 = EM
    ("26.53% [1]", 26.53, "arithmetic", "percent", (1.0, 1.0)),
    ("26.53 percent", 26.53, "arithmetic", "percent", (1.0, 1.0)),
    ("0.2653", 26.53, "arithmetic", "percent", (1.0, 1.0)),  # a bare ratio of a percent answer
    ("26.5%", 26.53, "arithmetic", "percent", (0.0, 0.0)),
    ("2 [1]", 2, "count", "", (1.0, 1.0)),
])
def test_tatqa_official_em_and_f1(text, gold, answer_type, scale, expected):
    spans, pred_scale = metrics.tat_prediction(text, None, answer_type)
    assert metrics.tatqa_em_f1(spans, pred_scale, gold, answer_type, scale) == expected


def test_tatqa_reads_the_value_and_the_scale_from_the_text():
    assert metrics.tat_prediction("Revenue was $3,100 thousand in 2020 [1]", "$3,100", "span") == (["$3,100"], "thousand")
    assert metrics.tat_prediction("Lisbon, Porto; and Faro", None, "multi-span") == (["Lisbon", "Porto", "Faro"], "")
    # a computed answer's scale is its value's, not that of the figures its formula compares
    assert metrics.tat_prediction("2023 (€1.1 million < €1.5 million) [1][2]", "2023", "span", "computed") == \
        (["2023"], "")
    assert metrics.tat_prediction("0.4 million (€1.5 million − €1.1 million) [1][2]", "0.4 million", "arithmetic",
                                  "computed") == (["0.4"], "million")
    assert metrics.tat_prediction("12.5 (Margin (%), 2023) [1]", "12.5", "span", "cell") == (["12.5"], "percent")
    assert metrics.tatqa_em_f1([], "", ["x"], "span", "") == (0.0, 0.0)


def test_a_tatqa_run_scores_exactly_with_its_breakdowns(tmp_path):
    docs, questions = formats.write_tatqa_docs(formats.read_tatqa(DATA / "tiny_tatqa.json"), tmp_path)
    source, text = docs[0].path, docs[0].path.read_text(encoding="utf-8")
    p1 = "The scheme is run by Velo City Ltd, which operates in Lisbon and Porto."
    p2 = "Revenue rose because of the new monthly pass and the opening of 13 stations."
    row = "| Revenue | $ 3,100 | $ 2,450 |"
    preds = {
        "t1": Prediction("Velo City Ltd [1]", citations=[_cite(source, text, p1)]),
        "t2": Prediction("Lisbon [1]", citations=[_cite(source, text, p1)]),
        "t3": Prediction("$3,100 thousand [1]", citations=[_cite(source, text, row)]),
        "t4": Prediction("14 [1]", citations=[_cite(source, text, p2)]),  # wrong sum; the cited place states 13
        "t5": Prediction("The documents don't say.", abstained=True),
    }
    rows = []
    for q in questions:
        rows.append({"answer_type": q.answer_type, "answer_from": q.answer_from, "has_place": True,
                     "latency_ms": 1.0, **benchmarks.score_tatqa(q, preds[q.id], text)})
    m = benchmarks.summarize_tatqa(rows)
    assert m["em"] == pytest.approx(2 / 5)
    assert m["f1"] == pytest.approx((1 + 0.67 + 1 + 0 + 0) / 5)
    assert m["span_f1"] == pytest.approx((1 + 0.67 + 1) / 3)
    assert m["cite_ok"] == pytest.approx(4 / 5)
    assert m["scale_ok"] == pytest.approx(4 / 5)
    assert m["wrong_abstain_rate"] == pytest.approx(1 / 5)
    assert m["arithmetic_em"] == 0.0  # the two arithmetic questions: a wrong sum, an abstention
    by_type = benchmarks.breakdown(rows, "answer_type", ["em", "f1"])
    assert by_type["span"] == {"questions": 2, "em": 1.0, "f1": 1.0}
    assert by_type["multi-span"] == {"questions": 1, "em": 0.0, "f1": 0.67}
    assert by_type["arithmetic"] == {"questions": 2, "em": 0.0, "f1": 0.0}
    by_from = benchmarks.breakdown(rows, "answer_from", ["em", "f1"])
    assert by_from["text"]["em"] == 0.5 and by_from["text"]["f1"] == pytest.approx(0.835)
    assert by_from["table"] == {"questions": 2, "em": 0.5, "f1": 0.5}
    assert by_from["table-text"] == {"questions": 1, "em": 0.0, "f1": 0.0}


# ------------------------------------------------------------------------------------------------- sampling

def test_proportional_counts_use_largest_remainders():
    assert benchmarks.proportional_counts({"a": 6, "b": 3, "c": 1}, 5) == {"a": 3, "b": 2, "c": 0}
    assert benchmarks.proportional_counts({"a": 2, "b": 1}, 10) == {"a": 2, "b": 1}


def test_squad_sample_is_fixed_and_stratified():
    qs = [formats.BenchQuestion(id=f"{art}{n}", question="?", unanswerable=n % 2 == 0, group=art)
          for art in "AB" for n in range(20)]
    first = benchmarks.sample_squad(qs, 8, seed=0)
    assert [q.id for q in first] == [q.id for q in benchmarks.sample_squad(qs, 8, seed=0)]
    assert len(first) == 8
    for art in "AB":
        for unans in (True, False):
            assert sum(1 for q in first if q.group == art and q.unanswerable == unans) == 2
    assert [q.id for q in benchmarks.sample_squad(qs, 8, seed=1)] != [q.id for q in first]


def test_tatqa_sample_keeps_whole_excerpts_by_the_answer_types_they_hold():
    def excerpt(uid, types):
        return formats.TatExcerpt(uid, [], [], [formats.TatQuestion(f"{uid}{i}", i, "?", [], t, "text", "", [], "")
                                               for i, t in enumerate(types)])
    excerpts = [excerpt(f"s{i}", ["span"]) for i in range(6)] + [excerpt(f"m{i}", ["span", "arithmetic"])
                                                                 for i in range(6)]
    chosen = benchmarks.sample_tatqa(excerpts, 4, seed=0)
    assert sum(e.uid.startswith("s") for e in chosen) == 2 and sum(e.uid.startswith("m") for e in chosen) == 2
    assert all(len(e.questions) == (1 if e.uid.startswith("s") else 2) for e in chosen)

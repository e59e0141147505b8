"""Answers that compute (assistant/compute.py), on documents written for these tests — a bakery's yearly report
with pipe tables and a city's memo in prose — ingested for real and asked through `Assistant`. Every operand must
be cited at its exact place in the source file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.compute import NOT_COMPUTED, _from_to_pairs, read_figure, read_operation

DOCS = {
    "bakery.md": """---
title: Crumb and Hearth bakery, yearly report 2024
date: 2025-03-01
---
Crumb and Hearth runs three bakeries in the market town of Wellsby.

| Loaves and cakes sold | 2022 | 2023 | 2024 |
|---|---|---|---|
| Sourdough loaves | 41,200 | 45,950 | 52,310 |
| Croissants | 88,400 | 86,100 | 90,725 |
| Wedding cakes | 112 | 131 | 127 |

| Finances (EUR thousand) | 2023 | 2024 |
|---|---|---|
| Revenue | 1,146.2 | 1,452.4 |
| Flour costs | 210.5 | 236.8 |

The bakery employed 34 people at the end of 2024, most of them bakers working the early shift.
""",
    "memo.md": """---
title: Memo on the Harrowgate footbridge and the city accounts
date: 2025-06-10
---
To the city council, from the finance office.

The council budgeted €6.1 million for the Harrowgate footbridge. The footbridge finally cost €7.4 million, after the
piers had to be driven deeper than planned.

The parks department received €2.3 million in 2023 and €2.9 million in 2024.

The city's outstanding debt stood at €950 million at the end of 2023 and at €1.2 billion at the end of 2024.

Snow clearing cost €410,000 in 2023. In 2024 the crews spent 2,150 hours clearing snow.

The single bus fare went up to €2.40 from €2.10 when the new timetable started.

The harbour ferry carried 1.2 million passengers in 2024, its lowest number since 2011. Over the year, ridership
fell by 7.5%, the finance office reported.
""",
    "bicycles.md": """---
title: Fenwick touring bicycles, dealer sheet
date: 2025-04-02
---
## Technical data

| Specification | Fenwick Tour | Fenwick Tour E |
|---|---|---|
| Luggage capacity | 40 L | 25 L |
| Handlebar width | 0.62 m | 0.68 m |
| Weight (ready to ride, without pedals) | 11.4 kg | 22.9 kg |
| Service interval | 6 months | 12 months |

## The harbour workshop

The workshop by the harbour assembles both models. Its summary for the first quarter was as follows: Frames
welded: up from 1,240 to 1,395 Paint used: up from 820 kg to 1.4 tonnes Orders waiting: down from 310 to 262
""",
}


@pytest.fixture(scope="module")
def calc(tmp_path_factory, real_embedder, ingest_docs) -> Assistant:
    return ingest_docs(tmp_path_factory.mktemp("compute"), DOCS)


def _operands_cited_exactly(ans) -> None:
    """Each operand's text stands at its citation's exact offsets in the source file, inside the cited passage."""
    assert ans.kind == "computed" and len(ans.operands) == len(ans.citations) >= 2
    for op, cit in zip(ans.operands, ans.citations):
        source = Path(cit.source).read_text(encoding="utf-8")
        assert source[cit.span_start : cit.span_end] == op["text"]
        assert (op["start"], op["end"]) == (cit.span_start, cit.span_end)
        assert cit.start <= cit.span_start < cit.span_end <= cit.end
        assert source[cit.start : cit.end] == cit.passage


def test_a_change_between_two_years_of_a_table_row(calc):
    ans = calc.ask("By how much did the bakery's revenue change from 2023 to 2024?")
    assert ans.value == "306.2 thousand"
    assert ans.text.startswith("306.2 thousand (1,452.4 − 1,146.2) [1][2]")
    assert [o["text"] for o in ans.operands] == ["1,146.2", "1,452.4"]  # in time order; later minus earlier
    _operands_cited_exactly(ans)


@pytest.mark.parametrize("question, value, operands", [
    # (52,310 − 45,950) / 45,950
    ("What was the percentage increase in sourdough loaves sold between 2023 and 2024?", "13.84%",
     ["45,950", "52,310"]),
    # (88,400 + 86,100 + 90,725) / 3: a range covers the years between
    ("What was the average number of croissants sold per year from 2022 to 2024?", "88,408.33",
     ["88,400", "86,100", "90,725"]),
    ("What were flour costs as a percentage of revenue in 2024?", "16.3%", ["236.8", "1,452.4"]),
    ("In which year were more wedding cakes sold, 2023 or 2024?", "2023", ["131", "127"]),
    ("How much more did the footbridge cost than budgeted?", "€1.3 million", ["€7.4 million", "€6.1 million"]),
    ("By how much did the parks department's funding grow from 2023 to 2024?", "€0.6 million",
     ["€2.3 million", "€2.9 million"]),
    # "to B from A": the later figure first
    ("How much did the single bus fare go up?", "€0.30", ["€2.40", "€2.10"]),
])
def test_computed_answers_cite_every_operand(calc, question, value, operands):
    ans = calc.ask(question)
    assert ans.value == value
    assert [o["text"] for o in ans.operands] == operands
    _operands_cited_exactly(ans)


@pytest.mark.parametrize("question, value, operands", [
    # the row a comparative speaks of ("heavier": the Weight row, its qualifier in brackets), though the question's
    # words name only the two columns
    ("How much heavier is the Fenwick Tour E than the Fenwick Tour?", "11.5 kg", ["22.9 kg", "11.4 kg"]),
    # "m" after a plain number is metres, not million
    ("How much wider is the handlebar of the Fenwick Tour E than of the Fenwick Tour?", "0.06 m", ["0.68 m", "0.62 m"]),
    # a unit word longer than three letters still makes a figure of the cell; the row the question names wins
    ("How much longer is the service interval of the Fenwick Tour E than the Fenwick Tour?", "6 months",
     ["12 months", "6 months"]),
    # one "from A to B" pair among several in a long sentence: the one its own words ("Orders waiting") name
    ("By how much did the number of orders waiting fall in the first quarter?", "-48", ["262", "310"]),
])
def test_a_comparison_of_two_columns_or_a_pair_in_prose(calc, question, value, operands):
    ans = calc.ask(question)
    assert ans.value == value, ans.text
    assert [o["text"] for o in ans.operands] == operands
    _operands_cited_exactly(ans)


@pytest.mark.parametrize("question, value, operands", [
    # a superlative over all of a row's years, not only two of them
    ("In which year were the most croissants sold?", "2024", ["88,400", "86,100", "90,725"]),
    ("In which year did the bakery sell the fewest sourdough loaves?", "2022", ["41,200", "45,950", "52,310"]),
    # the years whose figure is beyond one the question states, each at its scale (EUR thousand vs EUR million)
    ("In which years were more than 120 wedding cakes sold?", "2023, 2024", ["112", "131", "127"]),
    ("In which year did revenue exceed EUR 1.2 million?", "2024", ["1,146.2", "1,452.4"]),
    ("In which year were revenues below 1,200 thousand?", "2023", ["1,146.2", "1,452.4"]),
    # … or how many they are
    ("How many years did the bakery sell over 45,000 sourdough loaves?", "2", ["41,200", "45,950", "52,310"]),
])
def test_the_years_of_a_row_compared(calc, question, value, operands):
    ans = calc.ask(question)
    assert ans.value == value, ans.text
    assert [o["text"] for o in ans.operands] == operands
    _operands_cited_exactly(ans)


def test_the_years_a_row_gives_figures_for(calc):
    ans = calc.ask("For which years does the report give the number of croissants sold?")
    assert ans.value == "2022, 2023, 2024", ans.text
    source = Path(ans.citations[0].source).read_text(encoding="utf-8")
    assert source[ans.citations[0].span_start : ans.citations[0].span_end] == "88,400 | 86,100 | 90,725"


def test_a_change_the_documents_state_is_answered_with_its_figure(calc):
    """No two figures to combine, but the sentence after the one about the ferry states the change itself."""
    ans = calc.ask("By how much did the harbour ferry's ridership fall in 2024?")
    assert ans.kind == "span" and ans.value == "7.5%", ans.text
    cit = ans.citations[0]
    assert Path(cit.source).read_text(encoding="utf-8")[cit.span_start : cit.span_end] == "7.5%"


def test_figures_of_something_the_question_does_not_name_are_not_combined(calc):
    """The memo gives the parks department's funding of this city; a question about another city's is not answered
    with a computation over this one's figures."""
    ans = calc.ask("By how much did Rotterdam's parks funding grow from 2023 to 2024?")
    assert ans.kind != "computed", ans.text


def test_a_percentage_bound_is_not_compared_with_amounts(calc):
    ans = calc.ask("In which years did the bakery sell more than 50% croissants?")
    assert ans.kind != "computed" and NOT_COMPUTED in ans.text and "different units" in ans.text


@pytest.mark.parametrize("question, why", [
    ("How much did the paint used by the harbour workshop rise in the first quarter?", "different units"),
    ("How much did the city's debt change from 2023 to 2024?", "different scales"),  # million and billion
    ("How much did snow clearing change from 2023 to 2024?", "different units"),  # euros and hours
])
def test_figures_that_cannot_be_combined_are_not(calc, question, why):
    ans = calc.ask(question)
    assert ans.kind != "computed"
    assert NOT_COMPUTED in ans.text and why in ans.note


def test_a_missing_year_falls_back_to_the_extractive_answer_and_says_which(calc):
    ans = calc.ask("What was the change in sourdough loaves sold from 2021 to 2024?")
    assert ans.kind != "computed"
    assert "2021 is missing" in ans.note and NOT_COMPUTED in ans.text
    shown = ans.citations or ans.related  # the extractive answer, or its closest passages when it abstains
    assert shown and "Sourdough loaves" in shown[0].passage


def test_a_lookup_is_still_a_lookup(calc):
    ans = calc.ask("How many sourdough loaves were sold in 2023?")
    assert ans.kind == "cell" and ans.value == "45,950"


# -- the parts, without the model ----------------------------------------------------------------------------------


@pytest.mark.parametrize("question, operation", [
    ("What was the change in revenue from 2023 to 2024?", "difference"),
    ("By how much did sales fall in 2024?", "difference"),
    ("What is the percentage change in rent between 2018 and 2019?", "percent_change"),
    ("What was the % change in fees from 2018 to 2019?", "percent_change"),
    ("What were staff costs as a percentage of revenue?", "share"),
    ("What is the ratio of debt to equity in 2024?", "ratio"),
    ("What was the average attendance over 2022–2025?", "average"),
    ("What is the sum of the grants for 2023 and 2024?", "sum"),
    ("In which year was the rainfall higher?", "compare"),
    ("What caused the increase in revenue in 2024?", None),  # asks for a reason
    ("What was the main reason for the decline in visitors?", None),
    ("Who founded the bakery?", None),
    ("How many people did the bakery employ?", None),
])
def test_the_operation_is_read_from_the_question(question, operation):
    op = read_operation(question)
    assert (op.name if op else None) == operation


def test_from_to_pairs_in_prose():
    pairs = _from_to_pairs("Placer gold: up from 28.3 kg to 57 kg Silver: up from 198 kg to 3.8 tons. Revenues "
                           "rose from 17.9 billion KGS ($205.2 million) to 27.8 billion KGS, and output went down to "
                           "an estimated 25,000 tons from 25,500 tons in 2023, from 2019 to 2024.")
    assert [(old.text, new.text) for old, new, _ in pairs] == [
        ("28.3 kg", "57 kg"), ("198 kg", "3.8 tons"), ("17.9 billion KGS", "27.8 billion KGS"),
        ("25,500 tons", "25,000 tons")]  # years are no figures


@pytest.mark.parametrize("text, number, unit, scale", [
    ("$(5,625)", Decimal("-5625"), "$", ""),
    ("−136", Decimal("-136"), "", ""),
    ("21.2%", Decimal("21.2"), "%", ""),
    ("€7.4 million", Decimal("7.4"), "€", "million"),
    ("EUR 3.2 million", Decimal("3.2"), "EUR", "million"),
    ("—", Decimal("0"), "", ""),
    ("2,150 hours", Decimal("2150"), "hour", ""),
    ("0.75 m", Decimal("0.75"), "m", ""),
    ("27.8 billion KGS", Decimal("27.8"), "KGS", "billion"),  # a currency code, not "kg"
    ("$5m", Decimal("5"), "$", "million"),
])
def test_figures_are_read_exactly(text, number, unit, scale):
    f = read_figure(text)
    assert (f.number, f.unit, f.scale) == (number, unit, scale)


@pytest.mark.parametrize("cell, scale", [("1,146.2", "thousand"), ("14.5%", ""), ("$2.1 million", "million")])
def test_a_cell_takes_its_tables_scale_unless_a_percentage_or_scaled(cell, scale):
    assert read_figure(cell, "thousand").scale == scale


def test_llm_mode_gets_the_computed_value_as_a_checked_fact(calc, tmp_path):
    from tests.openai_stub import OpenAIStub

    question = "By how much did the bakery's revenue change from 2023 to 2024?"
    with OpenAIStub() as stub:
        llm = Assistant(settings=calc.settings.model_copy(update={
            "answer_mode": "llm", "llm_base_url": stub.url, "llm_model": "stub-model", "llm_timeout": 5.0}))
        stub.script = [("text", "placeholder")]
        llm.ask(question)
        prompt = stub.requests[-1]["messages"][-1]["content"]
        fact = next(line for line in prompt.splitlines() if line.startswith("Checked computation"))
        assert "306.2 thousand = (1,452.4 − 1,146.2)" in fact
        marks = fact[fact.rindex(")") + 1 :].strip()  # the sources' numbers in the prompt, e.g. "[2][1]"
        for n in marks.strip("[]").split("]["):
            assert "Revenue" in next(line for line in prompt.splitlines() if line.startswith(f"[{n}]"))
        # the model states the checked result: its figure is not in any passage, and the answer keeps it
        stub.script = [("text", f"Revenue grew by 306.2 thousand euros {marks}.")]
        ans = llm.ask(question)
    assert ans.mode == "llm" and "306.2" in ans.text and not ans.note

"""Follow-up questions rewritten with spaCy's parse: only when they need the conversation, and only with whole phrases.

Examples are about a kayak maker, a water utility, a bridge and a town: none of them is in the seed corpus.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assistant.followup import standalone_question


def after(previous: str, question: str) -> str:
    return standalone_question(question, [(previous, "an answer")])


@pytest.mark.parametrize("question", [
    # a complete question (its "it" refers to the kayak maker named in it): nothing of the previous one glued on
    "Who was in charge of Brightwater Kayaks in 2025, and where did it open its new workshop?",
    "When did the bridge open and how much did it cost?",
    "Is there a fee for the guided tour?",  # existential "there"
    "Which company said that output fell?",  # "that" as a conjunction
    "How many staff does the Velmora Water Authority employ?",
])
def test_a_self_contained_question_is_left_unchanged(question):
    assert after("How much money did the kayak firm bring in during the third quarter?", question) == question


def test_a_pronoun_becomes_the_previous_questions_subject_not_arbitrary_words():
    assert after("When did the Ostrava Crossing open to traffic?", "And how much did it cost?") == \
        "How much did the Ostrava Crossing cost?"
    # the utility, not "managing director of the ..."
    assert after("Who was the managing director of the Velmora Water Authority?",
                 "How many customers did it have in 2025?") == "How many customers did the Velmora Water Authority have in 2025?"
    assert after("What was the output of Brightwater Kayaks in 2024?", "What was its profit?") == \
        "What was Brightwater Kayaks' profit in 2024?"
    assert after("Who was the first mayor of Ostrava?", "How many people live there?") == "How many people live in Ostrava?"


def test_it_as_the_bare_subject_stands_for_the_measured_quantity():
    measured = "How much firewood did the Halden sawmill sell in 2024?"
    assert after(measured, "By how much did it fall?") == "By how much did the Halden sawmill's firewood fall in 2024?"
    # with an object, or passive, "it" is the named one again; a "when" question takes no year along
    assert after(measured, "When was it founded?") == "When was the Halden sawmill founded?"
    assert after(measured, "How many workers did it employ?") == "How many workers did the Halden sawmill employ in 2024?"


def test_a_person_pronoun_with_no_person_before_it_is_left_alone():
    assert after("Who founded Brightwater Kayaks?", "When was she born?") == "When was she born?"


@pytest.mark.parametrize("question", ["And in 2023?", "what about 2023?", "How about 2023?"])
def test_an_ellipsis_swaps_the_year_into_the_previous_question(question):
    assert after("What was Brightwater Kayaks' revenue in 2024?", question) == "What was Brightwater Kayaks' revenue in 2023?"


def test_an_ellipsis_swaps_a_name_a_phrase_or_a_noun():
    assert after("What was Brightwater Kayaks' revenue in 2024?", "what about Velmora Water?") == \
        "What was Velmora Water's revenue in 2024?"
    assert after("What is the fine for a first offence at the Harbin marina?", "and for a repeat offence?") == \
        "What is the fine for a repeat offence at the Harbin marina?"
    assert after("Who was the first mayor of Ostrava?", "the second one?") == "Who was the second mayor of Ostrava?"
    assert after("What was the kayak maker's revenue in 2024?", "what about profit?") == \
        "What was the kayak maker's profit in 2024?"


def test_an_ellipsis_with_a_year_and_more_places_both_and_a_pronoun_alone_changes_nothing():
    assert after("What was Brightwater Kayaks' revenue in 2024?", "And in 2023 for Velmora Water?") == \
        "What was Velmora Water's revenue in 2023?"
    assert after("What is the fine for a first offence at the Harbin marina?", "and at the Oslo marina?") == \
        "What is the fine for a first offence at the Oslo marina?"
    assert after("What was Brightwater Kayaks' revenue in 2024?", "what about it?") == "what about it?"


def test_several_years_are_swapped_in_order():
    assert after("Did the kayak maker's sales grow between 2023 and 2024?", "what about 2024 and 2025?") == \
        "Did the kayak maker's sales grow between 2024 and 2025?"


def test_a_chain_of_follow_ups_resolves_turn_by_turn():
    history = [("What was the toll revenue of the Ostrava Crossing in 2024?", "x"), ("And in 2023?", "y")]
    assert standalone_question("what about 2022?", history) == "What was the toll revenue of the Ostrava Crossing in 2022?"


def test_no_history_means_no_rewrite():
    assert standalone_question("How much did it cost?", []) == "How much did it cost?"


def test_an_unplaceable_fragment_is_left_as_asked():
    assert after("What was Brightwater Kayaks' revenue in 2024?", "Really?") == "Really?"


def test_followup_is_self_contained():
    """question.py and text.py are being removed: follow-ups must not import them."""
    tree = ast.parse(Path(__file__).resolve().parents[2].joinpath("assistant/followup.py").read_text(encoding="utf-8"))
    imported = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m.endswith(("question", "text")) for m in imported)

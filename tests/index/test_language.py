"""The language data (index/language.py) and the patterns built from it."""

import re

import pytest

from index.dates import find_date
from index.language import MONTH_ABBREVIATIONS, MONTH_NUMBER, month_pattern
from index.sentences import sentence_spans


@pytest.mark.parametrize("name, number", [("january", 1), ("jan", 1), ("may", 5), ("june", 6), ("jun", 6),
                                          ("sept", 9), ("sep", 9), ("september", 9), ("dec", 12)])
def test_every_month_name_and_abbreviation_has_its_number(name, number):
    assert MONTH_NUMBER[name] == number


@pytest.mark.parametrize("text", ["January", "Jan", "March", "Mar", "May", "June", "Jun", "July", "Jul", "Sept",
                                  "Sep", "September", "December"])
def test_the_month_pattern_matches_whole_names_first(text):
    assert re.fullmatch(month_pattern(capitalised=True), text)
    assert re.match(month_pattern(), text.lower()).group() == text.lower()


@pytest.mark.parametrize("text, iso", [
    ("Published Oct 31, 2025.", "2025-10-31"), ("on 14 November 2025 the", "2025-11-14"),
    ("Sept. 3, 2024", "2024-09-03"), ("3 sep 2024", "2024-09-03"), ("2026-01-20", "2026-01-20"),
    ("Mayor 3, 2020", None), ("no date here", None),
])
def test_dates_are_read_with_the_shared_month_names(text, iso):
    assert find_date(text) == iso


def test_a_hard_wrapped_sentence_is_one_sentence_but_lines_of_a_list_or_table_are_not():
    text = ("The ferry left at dawn and reached the\nisland by noon. Then it rained.\n- oars\n- ropes\n## Crew\n"
            "three sailors\n| Boat | Crew |\nNext line.")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "The ferry left at dawn and reached the\nisland by noon.", "Then it rained.", "- oars", "- ropes", "## Crew",
        "three sailors", "| Boat | Crew |", "Next line."]


def test_a_line_ending_in_a_comma_or_an_ampersand_runs_on_into_the_next():
    text = ("The contract went to Dunmore &\nKeane, whose bid was lowest, to\nOrla Brick,\nFenwick Joinery.\n"
            "- nails,\n- glue\nTotal: 4,\n| Item | Cost |")
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "The contract went to Dunmore &\nKeane, whose bid was lowest, to", "Orla Brick,\nFenwick Joinery.",
        "- nails,", "- glue", "Total: 4,", "| Item | Cost |"]


def test_month_abbreviations_do_not_end_sentences():
    assert MONTH_ABBREVIATIONS == {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
    assert len(sentence_spans("It opened on Sept. 3 last year. Then it closed.")) == 2

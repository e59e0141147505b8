"""The answerer on a small collection written for these tests (never seen by the tuning on the shared corpus)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from assistant.answerer import ExtractiveAnswerer
from assistant.errors import BadQuestion
from assistant.types import Chunk, Hit

NOTES = {
    "norland-copper.md": """---
title: Norland copper output slips
date: 2025-03-02
---
Norland produced 412.5 tons of refined copper in 2024, down 8.4% from the year before.

In 2023, the country had produced 450.3 tons of refined copper.

Vestra Mining is the largest copper producer in Norland. Its chief executive, Ilse Marren, said the company would spend $45 million on a new smelter in Harrow.

The main copper regions are Harrow, Dunmore and Kestrel.
""",
    "ostland-metals.md": """---
title: Ostland metals review
date: 2025-05-10
---
Ostland produced 96 tons of refined copper in 2024.

Ostland's zinc exports rose by 12% in 2024 to 3,100 tons.
""",
    "tin-prices.md": """---
title: Tin price survey
date: 2025-06-01
---
Tin traded at an average of $31,500 per ton in 2024, according to the Harbor Metals survey.

| Producer | Tin output (tons) | Share of exports |
| Norland | 1,250 | 40% |
| Ostland | 880 | 25% |
""",
    "tin-prices-revised.md": """---
title: Revised tin price survey
date: 2025-09-15
---
The revised survey puts the average 2024 tin price at $29,800 per ton.
""",
}


@pytest.fixture(scope="module")
def notes_assistant(tmp_path_factory) -> Assistant:
    root = tmp_path_factory.mktemp("notes")
    docs = root / "docs"
    docs.mkdir()
    for name, text in NOTES.items():
        (docs / name).write_text(text, encoding="utf-8")
    a = Assistant(embedder="hash", index_dir=root / "index")
    a.ingest([docs])
    return a


def _source_text(citation) -> str:
    return Path(citation.source).read_text(encoding="utf-8")


def test_numeric_answer_leads_with_the_figure_and_cites_the_sentence(notes_assistant):
    ans = notes_assistant.ask("How much refined copper did Norland produce in 2024?")
    assert ans.text == "412.5 tons of refined copper [1]"
    assert not ans.abstained and not ans.conflict
    (c,) = ans.citations
    assert c.passage == "Norland produced 412.5 tons of refined copper in 2024, down 8.4% from the year before."
    assert _source_text(c)[c.start : c.end] == c.passage
    assert (c.title, c.date, Path(c.source).name) == ("Norland copper output slips", "2025-03-02", "norland-copper.md")


def test_the_year_asked_picks_the_figure(notes_assistant):
    assert notes_assistant.ask("How much refined copper did Norland produce in 2023?").text.startswith("450.3 tons")
    assert notes_assistant.ask("By how much did Norland's copper output fall in 2024?").text.startswith("8.4%")


def test_another_country_year_or_metal_is_not_answered(notes_assistant):
    for q in ("How much refined copper did Norland produce in 2021?",
              "How much refined copper did Sudland produce in 2024?",
              "How much refined gold did Norland produce in 2024?"):
        ans = notes_assistant.ask(q)
        assert ans.abstained, (q, ans.text)
        assert ans.citations == [] and ans.text.startswith("The documents don't say")


def test_an_abstention_lists_the_closest_passages_as_related(notes_assistant):
    # the closest passages state the asked thing for another year or country: ranked by how well they would answer
    ans = notes_assistant.ask("How much refined copper did Norland produce in 2021?")
    assert ans.abstained and ans.citations == []
    assert [r.passage for r in ans.related] == [
        "Norland produced 412.5 tons of refined copper in 2024, down 8.4% from the year before.",
        "In 2023, the country had produced 450.3 tons of refined copper."]
    ans = notes_assistant.ask("How much refined copper did Sudland produce in 2024?")
    assert [r.passage for r in ans.related] == [
        "Norland produced 412.5 tons of refined copper in 2024, down 8.4% from the year before.",
        "Ostland produced 96 tons of refined copper in 2024."]


def test_the_right_country_is_chosen_among_similar_sentences(notes_assistant):
    assert notes_assistant.ask("How much refined copper did Ostland produce in 2024?").text.startswith("96 tons")


def test_names_people_and_lists(notes_assistant):
    assert notes_assistant.ask("Who is the chief executive of Vestra Mining?").text.startswith("Ilse Marren")
    assert notes_assistant.ask("Which company is the largest copper producer in Norland?").text.startswith("Vestra Mining")
    ans = notes_assistant.ask("Which are the main copper regions of Norland?")
    assert ans.text.startswith("Harrow, Dunmore and Kestrel")
    assert notes_assistant.ask("How much will Vestra Mining spend on the new smelter?").text.startswith("$45 million")


def test_table_row_answers_from_the_right_column(notes_assistant):
    ans = notes_assistant.ask("What was Ostland's tin output in the producer table?")
    assert ans.text.startswith("880")
    assert ans.citations[0].passage == "| Ostland | 880 | 25% |"
    assert _source_text(ans.citations[0])[ans.citations[0].start : ans.citations[0].end] == "| Ostland | 880 | 25% |"


def test_disagreeing_sources_are_both_given_newest_first(notes_assistant):
    ans = notes_assistant.ask("What was the average tin price per ton in 2024?")
    assert ans.conflict and not ans.abstained
    assert [c.date for c in ans.citations] == ["2025-09-15", "2025-06-01"]
    assert "$29,800 per ton [1]" in ans.text and "$31,500 per ton [2]" in ans.text


def test_follow_ups_use_the_conversation(notes_assistant):
    first = notes_assistant.ask("How much refined copper did Norland produce in 2024?")
    history = [("How much refined copper did Norland produce in 2024?", first.text)]
    assert notes_assistant.ask("And in 2023?", history=history).text.startswith("450.3 tons")
    assert notes_assistant.ask("What about Ostland?", history=history).text.startswith("96 tons")
    assert notes_assistant.ask("By how much did it fall?", history=history).text.startswith("8.4%")


def test_retrieve_filters_by_source_and_date(notes_assistant):
    hits = notes_assistant.retrieve("tin price", k=5, sources=["revised"])
    assert hits and {Path(h.chunk.source).name for h in hits} == {"tin-prices-revised.md"}
    hits = notes_assistant.retrieve("copper", k=10, date_from="2025-05-01")
    assert hits and all(h.chunk.date >= "2025-05-01" for h in hits)
    assert [h.chunk.id for h in notes_assistant.retrieve("copper output", k=5)] == \
        [h.chunk.id for h in notes_assistant.retrieve("copper output", k=5)]  # deterministic


@pytest.mark.parametrize("bad", ["", "   ", "?!?", "\x00\x01"])
def test_empty_questions_get_a_clear_error(notes_assistant, bad):
    with pytest.raises(BadQuestion, match="empty"):
        notes_assistant.ask(bad)


def test_overlong_questions_get_a_clear_error(notes_assistant):
    with pytest.raises(BadQuestion, match="limit"):
        notes_assistant.ask("copper " * 2000)


def test_streaming_yields_growing_text_then_the_answer(notes_assistant):
    parts = list(notes_assistant.stream("How much refined copper did Norland produce in 2024?"))
    final = parts[-1]
    texts = parts[:-1]
    assert texts[-1] == final.text and all(b.startswith(a) for a, b in zip(texts, texts[1:]))


def _hit(text: str, date: str = "2025-01-01") -> Hit:
    chunk = Chunk(id="same-id", text=text, source="/d/note.md", doc_id="d", title="Norland notes", date=date,
                  kind="text", start=0, end=len(text), offsets=((0, 0),))
    return Hit(chunk, 1.0, 1)


def test_a_chunk_changed_under_the_same_id_is_read_anew():
    # readings of chunks are kept between questions: keyed by the whole chunk, never by its id alone
    answerer, question = ExtractiveAnswerer(), "How much tin did Norland produce in 2024?"
    assert answerer.answer(question, [_hit("Norland produced 5 tons of tin in 2024.")]).text == "5 tons of tin [1]"
    assert answerer.answer(question, [_hit("Norland produced 7 tons of tin in 2024.")]).text == "7 tons of tin [1]"
    # the year a sentence without one speaks of is its document's
    undated = "Norland produced 9 tons of tin."
    assert answerer.answer(question, [_hit(undated, "2024-06-01")]).text == "9 tons of tin [1]"
    assert answerer.answer(question, [_hit(undated, "2023-06-01")]).abstained


def test_a_year_named_only_to_compare_with_is_not_the_year_a_sentence_is_about():
    answerer = ExtractiveAnswerer()
    for text in ("Norland produced 430 tons of tin in 2025, more than in 2024.",
                 "Norland produced 430 tons of tin in 2025, up from 400 tons in 2024."):
        assert answerer.answer("How much tin did Norland produce in 2025?", [_hit(text)]).text == "430 tons of tin [1]"
        # 2024 is the baseline: the 2025 figure is no answer for it
        assert answerer.answer("How much tin did Norland produce in 2024?", [_hit(text)]).abstained, text

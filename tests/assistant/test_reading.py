"""Table-driven unit tests of the answer path's pieces, no index: question reading, spans, table cells, fusion."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.candidates import candidates_from_hits
from assistant.question import counted_terms, read_question, what_noun
from assistant.retrieval import keep_strong, rrf
from assistant.scoring import PREFIX, names_missing, present_terms
from assistant.spans import coordination, pick_value, quick_kinds, spans_in, year_of
from assistant.tables import label_column, pick_columns, scaled, split_cells
from assistant.text import content_terms, numbers_in, question_terms, years_in
from assistant.types import Chunk, Hit


@pytest.mark.parametrize("question, kinds", [
    ("How many lanes does the bridge have?", {"CARDINAL", "QUANTITY"}),
    ("How much did the refit cost?", {"MONEY", "QUANTITY", "CARDINAL", "PERCENT"}),
    ("When did the Gannet enter service?", {"DATE", "TIME"}),
    ("Where is the new workshop?", {"GPE", "LOC", "FAC", "ORG"}),
    ("Who founded the club?", {"PERSON", "ORG", "NORP", "GPE"}),
    ("What percentage of trips were cancelled?", {"PERCENT"}),
    ("Why did the club move its boathouse?", set()),
    # the question's own wh-word decides, not one of a clause inside it
    ("Why didn't the pump start when the power came back?", set()),
    ("Who ran the mill when the river flooded?", {"PERSON", "ORG", "NORP", "GPE"}),
    ("How did the crew react when the engine failed?", set()),
])
def test_the_kind_of_value_a_question_asks_for_by_its_grammar(question, kinds):
    assert set(read_question(question).wants) == kinds


def test_which_noun_questions_are_typed_by_the_model(real_embedder):
    assert "DATE" in read_question("In what year was the club founded?", embedder=real_embedder).wants
    assert "ORG" in read_question("Which company runs the ferry?", embedder=real_embedder).wants
    assert read_question("What reason did the council give?", embedder=real_embedder).wants == frozenset()
    assert "QUANTITY" in read_question("What temperature is the kiln fired at?", embedder=real_embedder).wants
    # an amount, a total, an income or a change of one is any figure but a percentage
    figures = {"MONEY", "QUANTITY", "CARDINAL"}
    assert read_question("What was the net income of the ferry company in 2022?", embedder=real_embedder).wants \
        == figures
    assert read_question("What was the increase / decrease in library loans?", embedder=real_embedder).wants \
        == figures


@pytest.mark.parametrize("question, noun", [
    ("Which company runs the ferry?", "company"),  # the verb after the noun is not part of it
    ("What was the total revenue in 2019?", "total revenue"),
    ("What was the Harbourline operating loss carryforward amount in 2019?", "operating loss carryforward amount"),
    ("What was Harbourline's operating margin?", "operating margin"),
    ("What was the 2024 ferry revenue?", "ferry revenue"),  # a year qualifies the noun, it doesn't name the kind
    ("What did the council decide?", ""),  # "the council" is the subject: it says nothing of the answer's kind
    ("What does the warranty cover?", ""),
    ("What is a tariff?", ""),
])
def test_the_noun_that_names_the_kind_of_the_answer(question, noun):
    assert what_noun(question) == noun


@pytest.mark.parametrize("question, counted", [
    ("How many tonnes of granite did the quarry ship?", {"tonnes", "granite"}),  # the noun with its "of" phrase
    ("How many letters are kept in the archive?", {"letters"}),  # up to the verb
    ("How much grant money came in 2023?", {"grant", "money"}),
    ("When did the quarry open?", set()),
])
def test_what_a_how_many_question_counts(question, counted):
    assert counted_terms(question) == {t for word in counted for t in content_terms(word)}
    assert read_question(question).counts == counted_terms(question)


@pytest.mark.parametrize("question, per_item", [
    ("What were the grants in 2022 and 2023 respectively?", True),
    ("How much grant money came in 2022 and in 2023?", True),
    ("What was the grant in 2023?", False),
    ("What were the museum's visitor numbers?", False),
])
def test_a_question_asking_for_one_figure_per_year(question, per_item):
    assert read_question(question).per_item == per_item


def test_question_terms_drop_the_words_that_only_shape_it():
    assert "mani" not in question_terms("How many boats were sold?")
    assert set(question_terms("How many boats were sold?")) == {"boat", "sold"}
    assert content_terms("The boats were sold") == ("boat", "sold")


@pytest.mark.parametrize("text, values", [
    ("It cost EUR 3.2 million and $45 million.", {"3.2", "45"}),
    ("1,250 tons, up 8.4%", {"1250", "8.4"}),
])
def test_numbers_in(text, values):
    assert numbers_in(text) == values


def test_years_in():
    assert years_in("From 1887 to 2024, not 12345 or 3000.") == {"1887", "2024"}


NUMERIC = {"MONEY", "QUANTITY", "CARDINAL", "PERCENT"}


@pytest.mark.parametrize("sentence, wants, question, value", [
    ("The refit cost EUR 3.2 million in 2024.", {"MONEY"}, "How much did the refit cost?", "EUR 3.2 million"),
    ("Cancellations rose by 12.5% in 2024.", {"PERCENT"}, "By what percentage did cancellations rise?", "12.5%"),
    ("The service is run by Harbourline Transport, whose operations director is Agnes Falk-Whitby.",
     {"PERSON", "ORG"}, "Who directs operations?", "Agnes Falk-Whitby"),
    ("The ferry carried 182,400 passengers in 2024.", {"CARDINAL", "QUANTITY"},
     "How many passengers did the ferry carry in 2024?", "182,400"),
    # nearer to a question word in characters, farther in the grammar: the parse decides
    ("The lighthouse at Carrow Point, lit in 1871, was automated in 1964 after its last keeper retired.",
     {"DATE", "TIME"}, "When was the lighthouse automated?", "1964"),
    ("The bridge, whose design competition closed in 2019, opened to traffic in March 2024.", {"DATE", "TIME"},
     "When did the bridge open to traffic?", "March 2024"),
    ("At about 05:40 a 20 m section of the sea wall at Pellow collapsed.", {"DATE", "TIME"},
     "When did the sea wall collapse?", "05:40"),
    # a figure with its unit: the noun it measures (unless the question names it), a rate's "per …"
    ("The kiln is fired at 1,240 °C for the stoneware glaze.", NUMERIC, "How hot is the kiln fired?", "1,240 °C"),
    ("Membership of the guild costs 35 Velmar florins a year.", NUMERIC, "What does membership of the guild cost?",
     "35 Velmar florins"),
    ("The orchard produced 18,200 apples in 2023.", NUMERIC, "How many apples did the orchard produce?", "18,200"),
    ("Entry to the museum costs €4 per child and €9 per adult.", NUMERIC, "How much does entry cost for a child?",
     "€4 per child"),
    ("The glacier retreated by 14 metres per year over the decade.", NUMERIC, "How fast did the glacier retreat?",
     "14 metres per year"),
    # a stretch of time is a count when the sentence has no other ("How many days…"), a count comes first
    ("Most workers are entitled to at least 28 days of paid holiday each year.", {"CARDINAL", "QUANTITY"},
     "How many days of paid holiday are workers entitled to?", "at least 28 days"),
    ("Over eighteen months the library lent 3,100 books to its first readers.", {"CARDINAL", "QUANTITY"},
     "How many books did the library lend?", "3,100"),
    # of two figures, the one counting what the question names, though farther from its verb
    ("Last season the quarry shipped 4,500 tonnes of slate and 9,200 tonnes of granite.", NUMERIC,
     "How many tonnes of granite did the quarry ship last season?", "9,200 tonnes"),
    ("Last season the quarry shipped 4,500 tonnes of slate and 9,200 tonnes of granite.", NUMERIC,
     "How many tonnes of slate did the quarry ship last season?", "4,500 tonnes"),
    # … and what a "how many" question counts, of the things it names
    ("The archive holds 14 reading rooms with over 2 million letters.", NUMERIC,
     "How many letters are kept in the archive's reading rooms?", "over 2 million"),
    # the name the question gives (a part of it) is not its answer, though nearer to the question's words
    ("James Walker founded the bakery with his cousin Robert Hughes in 1998.", {"PERSON"},
     "Who founded the bakery with Walker?", "Robert Hughes"),
])
def test_the_value_picked_from_a_sentence(sentence, wants, question, value):
    span = pick_value(sentence, replace(read_question(question), wants=frozenset(wants)))
    assert span is not None and span.text == value
    assert sentence[span.start : span.end] == span.text


@pytest.mark.parametrize("sentence, question, value", [
    # the year after a figure, up to the next figure, is the one it is given for …
    ("The average ferry fare rose from about $9 per crossing in 2024 to $11 in the same months of 2025.",
     "What was the average ferry fare in 2025?", "$11"),
    ("The average ferry fare rose from about $9 per crossing in 2024 to $11 in the same months of 2025.",
     "What was the average ferry fare in 2024?", "about $9 per crossing"),
    # … else the year before it, since the previous figure
    ("The 2025 library budget totals €4.9 million, after €4.6 million in 2024 and €3.8 million in 2023.",
     "What was the library budget in 2025?", "€4.9 million"),
    ("The 2025 library budget totals €4.9 million, after €4.6 million in 2024 and €3.8 million in 2023.",
     "What was the library budget in 2023?", "€3.8 million"),
])
def test_a_figure_for_the_year_asked(sentence, question, value):
    q = replace(read_question(question), wants=NUMERIC)
    assert pick_value(sentence, q).text == value


@pytest.mark.parametrize("sentence, figure, year", [
    ("Visitors rose 12% to 48,000 in 2023.", "12%", None),  # no year stands beside it: none
    ("Visitors rose 12% to 48,000 in 2023.", "48,000", "2023"),
    ("In 1998, the club had 40 members.", "40", "1998"),
    # a year after a figure counts only in the figure's own phrase: not past a verb or a comma
    ("In 2024, 310 members were counted at the club, the most since 1998.", "310", "2024"),
    ("The club had 40 members.", "40", None),
    # a figure for the year before, in parentheses after this year's
    ("At 31 March 2023, the club held deposits of £3,500 (2022: £3,000).", "£3,500", "2023"),
    ("At 31 March 2023, the club held deposits of £3,500 (2022: £3,000).", "£3,000", "2022"),
    # a list of figures paired with a list of years, in their order
    ("In 2021 and 2020, the club had 40 and 35 members, respectively.", "35", "2020"),
    ("In 2021 and 2020, the club had 40 and 35 members, respectively.", "40", "2021"),
])
def test_the_year_a_figure_is_given_for(sentence, figure, year):
    assert year_of(sentence, next(s for s in spans_in(sentence) if s.text == figure)) == year


@pytest.mark.parametrize("sentence, question, time, value", [
    # a point in time for "when" / "by what date", a stretch of it for "how long", whichever is nearer otherwise
    ("Objections may be filed within 45 days of the notice, that is until 9 October 2026.",
     "By what date may objections be filed?", "point", "9 October 2026"),
    ("The ferry, which takes 40 days to refit, returned to service in March 2021.",
     "When did the ferry return to service?", "point", "March 2021"),
    ("The restoration, begun in 2019, took three years.", "How long did the restoration take?", "stretch",
     "three years"),
    ("Objections may be filed within 45 days of the notice, that is until 9 October 2026.",
     "How long do people have to file objections?", "stretch", "45 days"),
])
def test_a_date_of_the_kind_asked(sentence, question, time, value):
    q = read_question(question, None, None)
    wants = q.wants or frozenset({"DATE", "TIME"})  # "by what date" is judged by the model, absent here
    assert pick_value(sentence, replace(q, wants=wants, time=time)).text == value
    if q.wants:
        assert q.time == time


@pytest.mark.parametrize("sentence, name, whole", [
    ("Ferries sail from Tromsø, Bodø and Svolvær in summer.", "Bodø", "Tromsø, Bodø and Svolvær"),
    ("The festival was founded by Ines Halloran and Tomas Wirth in 1998.", "Ines Halloran",
     "Ines Halloran and Tomas Wirth"),
    # two agents of two verbs are no list
    ("The mill was designed by Ines Halloran and rebuilt by Tomas Wirth.", "Ines Halloran", "Ines Halloran"),
])
def test_a_name_with_the_names_coordinated_with_it(sentence, name, whole):
    span = next(s for s in spans_in(sentence) if s.text == name)
    found = coordination(sentence, span)
    assert found.text == whole and sentence[found.start:found.end] == whole


def test_a_figure_starts_where_its_word_does():
    s = "The fault was logged as ticket QA-5120 and fixed by mid-2026."
    assert {x.text for x in spans_in(s)} >= {"QA-5120", "mid-2026"}


def test_a_question_word_is_found_in_the_longer_words_of_its_family():
    terms = frozenset(question_terms("How much copper did Chilean smelters produce?"))
    bag = frozenset(content_terms("Chile's copper production rose; its smelter count did not."))
    assert present_terms(terms, bag) == terms  # chilean / chile, produc / product, smelter
    # a stem shorter than PREFIX stands only for itself: "ore" is not "oregano"
    terms = frozenset(question_terms("Which ore was found?"))
    assert min(map(len, terms)) < PREFIX
    assert present_terms(terms, frozenset(content_terms("Oregano was found."))) == {"found"}


def test_spans_do_not_overlap_and_sit_at_their_offsets():
    s = "On 14 June 2024 the Gannet, bought for $2 million from Norsk Yards, carried 310 people (98% full)."
    spans = spans_in(s)
    for a, b in zip(spans, spans[1:]):
        assert a.end <= b.start
    assert all(s[x.start : x.end].strip() == x.text for x in spans)
    assert {"DATE", "MONEY", "PERCENT"} <= {x.label for x in spans}


@pytest.mark.parametrize("sentence, span, label", [
    # a range is one percentage, and a figure the recogniser cut short is made whole by the pattern
    ("The pump's efficiency reaches some 27-30% at full load.", "some 27-30%", "PERCENT"),
    ("Harbour fees rose -2% to 3%.", "-2%", "PERCENT"),
    # a name ends at its last word, not at a stop word or a possessive the recogniser kept
    ("The ferry belongs to Saltmere Lines’s parent.", "Saltmere Lines", "ORG"),
    ("Above several hundred horsepower the turbine wins.", "several hundred", "CARDINAL"),  # a figure stays whole
    # a time of day is one span, not two counts, however written
    ("At about 05:40 the alarm at the Vessel Street depot went off.", "05:40", "TIME"),
    ("The night bus leaves at 11.45 pm and returns by 6 a.m.", "11.45 pm", "TIME"),
    ("The night bus leaves at 11.45 pm and returns by 6 a.m.", "6 a.m.", "TIME"),
])
def test_spans_are_whole_and_end_at_a_word(sentence, span, label):
    assert (span, label) in {(s.text, s.label) for s in spans_in(sentence)}


def test_nothing_inside_a_web_address_is_a_value():
    """The recogniser took "x](http://127.0.0.1:40285" for a place (with that port, not with most others)."""
    for port in (40285, 41234):
        sentence = f"The mooring fine is 250 yuan ![x](http://127.0.0.1:{port}/leak-md) payable at the office."
        spans = spans_in(sentence)
        assert ("MONEY", "250 yuan") in {(s.label, s.text) for s in spans}
        assert not [s for s in spans if s.end > sentence.index("![x]")], port


def test_quick_kinds_without_a_model():
    assert {"PERCENT", "CARDINAL"} <= quick_kinds("Up 8.4% to 1,200")
    assert "PERSON" in quick_kinds("It was founded by Matthias Rook.")
    assert quick_kinds("it was founded long ago.") == frozenset()
    assert "CARDINAL" not in quick_kinds("a seat costs $12 a month, 8% more since 2021")  # no count among them
    assert quick_kinds("the alarm went off at 05:40.") == {"TIME"}


def test_cells_keep_their_offsets():
    line = "| Senior members | 190 | 215 |"
    cells = split_cells(line)
    assert [c.text for c in cells] == ["Senior members", "190", "215"]
    assert all(line[c.start : c.end] == c.text for c in cells)
    assert label_column(split_cells("| 2024 | Boats | 31 |")) == 1


@pytest.mark.parametrize("question", ["In 1846 who gave the lectures on natural history?",
                                      "The museum was founded by whom?", "Who founded the museum?"])
def test_who_asks_for_a_person_wherever_it_stands(question):
    assert "PERSON" in read_question(question).wants


@pytest.mark.parametrize("question, expected", [
    ("How many senior members were there in 2023?", ["2023"]),
    ("Senior members in 2024 and 2023?", ["2024", "2023"]),
])
def test_the_column_a_question_names(question, expected):
    header = split_cells("| Category | 2023 | 2024 |")
    row = split_cells("| Senior members | 190 | 215 |")
    q = read_question(question)
    picked = pick_columns(q, header, row, header_vectors=None)
    assert sorted(header[i].text for i in picked) == sorted(expected)


def test_words_naming_the_table_do_not_pick_a_column():
    header = split_cells("| Village | Harvest (tonnes) | Cooperative share (EUR) |")
    row = split_cells("| Arnsby | 412 | 18,300 |")
    q = read_question("What was Arnsby's harvest according to the cooperative share table?")
    assert [header[i].text for i in pick_columns(q, header, row, None, "Cooperative share table by village")] == \
        ["Harvest (tonnes)"]
    assert [header[i].text for i in pick_columns(q, header, row, None)] == ["Cooperative share (EUR)"]


@pytest.mark.parametrize("names", [("a", "b"), ("z", "y")])
def test_a_tie_in_fusion_goes_to_the_models_order_whatever_the_chunk_ids(names):
    first, second = names
    fused = rrf([[second, first], [first, second]])  # 1st and 2nd in each list, swapped: equal fused scores
    assert fused[0][1] == fused[1][1]
    assert [cid for cid, _ in fused] == [first, second]


@pytest.mark.parametrize("question, passage, missing", [
    ("Who ran Brightwater Kayaks in 2025?", "Brightwater Kayaks was run by its founder.", 0.0),
    ("How much silver did Mongolia mine in 2024?", "World silver output reached 25,000 tons in 2024.", 1.0),
    ("What do Kazakh mines export?", "Kazakhstan's mines export copper.", 0.0),  # one stem a prefix of the other
    ("Did Oslo or Bergen get more rain?", "Bergen had 2,250 mm of rain.", 0.5),
    ("How tall is the tower?", "The tower is 31 metres tall.", 0.0),  # no name asked: nothing missing
])
def test_the_share_of_the_questions_names_a_passage_lacks(question, passage, missing):
    q = read_question(question)
    assert names_missing(q.names, frozenset(content_terms(passage))) == missing


@pytest.mark.parametrize("question, passage, missing", [
    ("How many rescues did the NWSA report in 2024?", "The Northern Water Safety Agency reported 14 rescues.", 0.0),
    ("How many rescues did the Northern Water Safety Agency report?", "In 2024 the NWSA reported 14 rescues.", 0.0),
    ("How many rescues did the NWSA report in 2024?", "The coastguard reported 14 rescues.", 1.0),
])
def test_a_name_is_there_as_its_acronym_or_spelled_out(question, passage, missing):
    q = read_question(question)
    assert names_missing(q.names, frozenset(content_terms(passage)), q.name_texts, passage) == missing


def test_fusion_keeps_each_retrievers_best_hits():
    lexical = ["L1", "L2", "L3"] + [f"x{i}" for i in range(20)]
    vector = [f"x{i}" for i in range(20)] + ["V9"]
    fused = rrf([lexical, vector])
    top = [cid for cid, _ in keep_strong(fused, [lexical, vector], k=5)[:5]]
    assert {"L1", "L2", "L3", "x0", "x1"} <= set(top) or {"L1", "x0"} <= set(top)
    assert "L1" in top and "x0" in top


def _chunk(text: str, kind: str = "text", start: int = 0, **extra) -> Chunk:
    return Chunk(id=f"c{start}", text=text, source="/reports/depot.md", doc_id="d", title="Depot accounts",
                 date=None, kind=kind, start=start, end=start + len(text), offsets=((0, start),), **extra)


def test_a_table_row_knows_the_scale_its_table_or_document_states():
    header = "| Item | 2025 | 2024 |"
    row = _chunk(f"{header}\n| Fuel purchases | 7,111 | 6,165 |", "table_row", 100, header=header,
                 row_offset=len(header) + 1)
    note = _chunk("The depot's running costs are summarised below (in thousands of euros):", start=40)
    sentence = _chunk("Fuel prices rose by 12 million euros a year across the region.", start=400)
    assert candidates_from_hits([Hit(row, 1.0, 1), Hit(sentence, 0.5, 2)])[0].scale == ""  # a figure, no note
    assert candidates_from_hits([Hit(row, 1.0, 1), Hit(note, 0.5, 2)])[0].scale == "thousand"
    titled = header.replace("Item", "Item ($ in millions)")
    row_m = _chunk(f"{titled}\n| Fuel purchases | 7.1 | 6.2 |", "table_row", 100, header=titled,
                   row_offset=len(titled) + 1)
    assert candidates_from_hits([Hit(row_m, 1.0, 1), Hit(note, 0.5, 2)])[0].scale == "million"  # its own first
    stated = _chunk("All figures are in millions of euros. Fuel rose by 2 thousand litres.", start=60)
    assert candidates_from_hits([Hit(row, 1.0, 1), Hit(stated, 0.5, 2)])[0].scale == "million"
    # the document's prose nearest the table said it (found at ingest), with no note retrieved
    noted = replace(row, document_scale="million")
    assert candidates_from_hits([Hit(noted, 1.0, 1), Hit(note, 0.5, 2)])[0].scale == "million"
    # the header's second line says it, with no note retrieved; or a currency sign with a short scale ("€m")
    under = _chunk(f"{header}\n| Fuel purchases | 7,111 | 6,165 |", "table_row", 100, header=header,
                   subheader="| (In thousands) | € | € |", row_offset=len(header) + 1)
    assert candidates_from_hits([Hit(under, 1.0, 1), Hit(sentence, 0.5, 2)])[0].scale == "thousand"
    short = header.replace("2025", "2025 €m")
    row_short = _chunk(f"{short}\n| Fuel purchases | 7.1 | 6.2 |", "table_row", 100, header=short,
                       row_offset=len(short) + 1)
    assert candidates_from_hits([Hit(row_short, 1.0, 1)])[0].scale == "million"
    # thousands as "'000", with a straight or a typographic apostrophe
    for mark in ("US$'000", "US$’000"):
        row_k = _chunk(f"{header}\n| Fuel purchases | 7,111 | 6,165 |", "table_row", 100, header=header,
                       subheader=f"|  | {mark} | {mark} |", row_offset=len(header) + 1)
        assert candidates_from_hits([Hit(row_k, 1.0, 1)])[0].scale == "thousand", mark


@pytest.mark.parametrize("cell, label, head, said", [
    ("7,111", "Fuel purchases", "2025", "7,111 thousand"),
    ("(64)", "Losses", "2025", "(64) thousand"),
    ("12.5%", "Share of costs", "2025", "12.5%"),
    ("$1.20", "Dividend per share", "2025", "$1.20"),
    ("$3 million", "Grant", "2025", "$3 million"),
    ("$1.2 trillion", "Public debt", "2025", "$1.2 trillion"),
    ("Outsourced", "Fuel purchases", "Supplier", "Outsourced"),
])
def test_a_cell_is_said_in_its_tables_scale(cell, label, head, said):
    assert scaled(cell, "thousand", label, head) == said


def _row(doc: str, header: str, row: str) -> Chunk:
    text = f"{header}\n{row}"
    return Chunk(id=f"{doc}{header}", text=text, source=f"/reports/{doc}.md", doc_id=doc, title=doc, date=None,
                 kind="table_row", start=0, end=len(text), offsets=((0, 0),), header=header,
                 row_offset=len(header) + 1)


def test_a_figure_for_another_year_is_no_disagreement(real_embedder):
    from assistant.answerer import ExtractiveAnswerer
    from assistant.scoring import Scored

    answerer = ExtractiveAnswerer(real_embedder)
    q = answerer.read("What is Larkfield's estimated honey yield in 2026?")
    outlook = _row("outlook", "| Apiary | 2026 est. (kg) |", "| Larkfield | 1,240 |")
    harvest = _row("outlook", "| Apiary | Honey yield (kg) |", "| Larkfield | 1,105 |")  # another table, no year
    press = _row("press", "| Apiary | 2026 (kg) |", "| Larkfield | 1,300 |")  # another source, the same year
    hits = [Hit(chunk, 1.0, n) for n, chunk in enumerate((outlook, harvest, press), start=1)]
    scored = [Scored(c, 0.6, ()) for c in candidates_from_hits(hits)]
    rivals = answerer._disagreeing(q, scored[0], answerer.value(q, scored[0].candidate), scored)
    assert [v.text for _, v in rivals] == ["1,300"]


_MOORING = "| Mooring | 1,410 | 1,288 |"


def _introduced(real_embedder, question: str, header: str = "| Dues | 2025 | 2024 |", row: str = _MOORING):
    """The best candidate and its value when the best-scored passage is the sentence introducing a table (holding no
    figure) and the table's one row scores far below it."""
    from assistant.answerer import ExtractiveAnswerer
    from assistant.scoring import Scored

    answerer = ExtractiveAnswerer(real_embedder)
    intro = _chunk("The harbour dues were as follows (in thousands of kroner):")
    table_row = replace(_row("d", header, row), source=intro.source)
    sentence, row_candidate = candidates_from_hits([Hit(intro, 1.0, 1), Hit(table_row, 0.5, 2)])
    return answerer._best_with_value(answerer.read(question),
                                     [Scored(sentence, 0.6, ()), Scored(row_candidate, 0.05, ())])


def test_the_years_of_the_table_a_sentence_introduces(real_embedder):
    best, value = _introduced(real_embedder, "In which years were the harbour dues reported?")
    assert best.candidate.is_row and value.text == "2025, 2024"
    # a row with no name (its first cell empty) is said by its years alone
    _, value = _introduced(real_embedder, "In which years were the harbour dues reported?", "| | 2025 | 2024 |",
                           "| | 1,410 | 1,288 |")
    assert value.described == "2025, 2024"


def test_a_figure_asked_of_the_table_a_sentence_introduces(real_embedder):
    """The best passage introduces a table and holds no figure: a figure asked for a year is the cell of the
    document's best row."""
    best, value = _introduced(real_embedder, "How much did the harbour collect in mooring dues in 2025?")
    assert best.candidate.is_row and value.text == "1,410"
    # no year named: nothing says which cell, the sentence stays the answer ("What is X?" judged to ask for an amount)
    best, value = _introduced(real_embedder, "How much are the harbour dues?")
    assert not best.candidate.is_row and value is None

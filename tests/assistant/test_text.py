from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from assistant.text import ABBREVIATIONS, MONEY, PERCENT, QUANTITY, expand_query, sentence_spans


def _punkt_spans(text: str) -> list[tuple[int, int]]:
    """NLTK's Punkt with the same abbreviations: the reference `sentence_spans` stands in for."""
    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    punkt = PunktSentenceTokenizer(params)
    spans, pos = [], 0
    for line in text.split("\n"):
        for a, b in punkt.span_tokenize(line):
            seg = line[a:b]
            if seg.strip():
                lead = len(seg) - len(seg.lstrip())
                spans.append((pos + a + lead, pos + a + len(seg.rstrip())))
        pos += len(line) + 1
    return spans


def test_sentence_spans_match_punkt_on_the_corpus(corpus_dir):
    for path in corpus_dir.iterdir():
        text = path.read_text(encoding="utf-8")
        assert sentence_spans(text) == _punkt_spans(text), path.name


def test_sentence_spans_keep_abbreviations_and_decimals():
    text = "Output fell 21.2%, said the U.S. Geological Survey. Mr. Smith agreed (vs. Spot). Next one!"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Output fell 21.2%, said the U.S. Geological Survey.", "Mr. Smith agreed (vs. Spot).", "Next one!"]


def test_value_patterns():
    s = "invested 20.6 billion tenge ($38 million); premiums of 30-50 yuan per mt; between $4 and $10; up 29%"
    assert [m.group(0) for m in MONEY.finditer(s)] == ["20.6 billion tenge ($38 million)", "30-50 yuan per mt",
                                                        "between $4 and $10"]
    assert [m.group(0) for m in PERCENT.finditer(s)] == ["29%"]
    assert [m.group(0) for m in QUANTITY.finditer("made 697.5 tons of refined silver and 55-60 billion tons")] == [
        "697.5 tons of refined silver", "55-60 billion tons"]


def test_lexical_query_expansion_adds_forms_stemming_misses():
    assert expand_query("How much did prices rise?") == "How much did prices rise? rose risen"
    assert expand_query("plain words") == "plain words"


def test_sentence_spans_break_at_every_line_and_only_before_a_capital_or_digit():
    text = "First line without a stop\nA sentence. another one? Yes!  \n\n  Indented. 2024 was good.\r\nEnd"
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "First line without a stop", "A sentence. another one?", "Yes!", "Indented.", "2024 was good.", "End"]

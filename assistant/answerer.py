"""The default answerer: offline, extractive, grounded.

From the retrieved chunks it takes candidate units — sentences, and table rows with their header — keeps
those that satisfy the question's constraints (its years, names and the measured thing), scores them by
IDF-weighted coverage of the question's terms, and answers with the value of the kind the question asks
for, quoted from the best unit and cited. When no unit qualifies it abstains; when equally good units from
different tables or documents give different values, it says they disagree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Callable, NamedTuple, Protocol

from .question import MONTHS, QUESTION_WORDS, Question, analyze
from .text import (MONEY, NUM, PERCENT, QUANTITY, WORD, WORD_STEMS, YEAR, StemMatcher, canonical, content_stems,
                   numbers_in, sentence_spans, stem, stem_in, stopwords, words)
from .types import Answer, Chunk, Citation, Hit

MIN_COVERAGE = 0.5  # share of the question's (IDF-weighted) terms a unit must cover to be an answer
CONTEXT_WEIGHT = 0.5  # a term found only in the unit's context (title, previous sentence) counts half
CHUNK_WEIGHT = 0.2  # ... and only elsewhere in its chunk, a fifth
CONFLICT_COVERAGE_MARGIN = 0.1


class Answerer(Protocol):
    def answer(self, question: str, hits: list[Hit]) -> Answer: ...


class Passage(NamedTuple):
    """A sentence or table row of a chunk as the answerer reads it whatever the question: where it is, what is around
    it, the stems and years it names and its context names. (A tuple: a frozen dataclass takes 5× as long to make,
    and there are a dozen in a chunk.)"""

    start: int  # span in chunk.text
    end: int
    key: tuple[str, int]  # (source, offset in the source): one passage of overlapping chunks is read once
    prev_text: str
    next_text: str
    stems: frozenset[str]
    ctx_stems: frozenset[str]
    all_years: frozenset[str]  # the years it names or says ("last year"); `Unit.years` tells which it is about
    ctx_years: frozenset[str]
    near: frozenset[str]  # stems | ctx_stems


@dataclass(frozen=True)
class Reading:
    """A chunk as the answerer reads it whatever the question (`read_chunk`)."""

    passages: tuple[Passage, ...]
    stems: frozenset[str]  # of its title and text
    vocabulary: frozenset[str]  # every stem its passages and their contexts hold


def _of_passage(name: str) -> property:
    return property(attrgetter(f"passage.{name}"), doc=f"The passage's {name}.")


@dataclass
class Unit:
    """A passage considered as the answer to one question."""

    chunk: Chunk
    passage: Passage
    rank: int  # of its chunk in retrieval
    chunk_stems: frozenset[str]  # what the retrieved parts of its document mention
    # filled by scoring
    coverage: float = 0.0
    score: float = 0.0
    value: str = ""
    label: str = ""  # for table rows: the column the value comes from
    eligible: bool = False
    satisfied: bool | None = None  # the question's constraints hold (worked out once, by `Scoring.satisfies`)
    scored: bool = False
    _years: tuple[frozenset[str], frozenset[str]] | None = None

    # the passage's fields, read through it
    start, end, key, prev_text, next_text = map(_of_passage, ("start", "end", "key", "prev_text", "next_text"))
    stems, ctx_stems, ctx_years, near = map(_of_passage, ("stems", "ctx_stems", "ctx_years", "near"))

    @property
    def years(self) -> frozenset[str]:
        """The years the passage is about ..."""
        return (self._years or self._split_years())[0]

    @property
    def baseline_years(self) -> frozenset[str]:
        """... and those it names only to compare with ("than in 2024")."""
        return (self._years or self._split_years())[1]

    def _split_years(self) -> tuple[frozenset[str], frozenset[str]]:
        # Worked out here, for the units whose constraints are checked, not for every passage read: coverage and
        # the contexts need only the years a passage names, and the comparison regex was a sixth of reading a chunk
        # (line-profiled ad hoc).
        self._years = _primary_years(self.text, self.passage.all_years)
        return self._years

    @property
    def text(self) -> str:
        return self.chunk.text[self.passage.start : self.passage.end]

    @property
    def is_row(self) -> bool:
        return self.chunk.kind == "table_row"

    def citation(self, number: int) -> Citation:
        c = self.chunk
        ctx = " ".join(t for t in (self.prev_text, self.text, self.next_text) if t)
        if self.is_row:
            ctx = "\n".join(t for t in (c.table_title, c.header, self.text) if t)
        return Citation(number, c.source, c.title, c.date, self.text, c.source_offset(self.start),
                        c.source_offset(self.end - 1) + 1, c.id, ctx)


_THIS_YEAR = re.compile(r"\b(this year|so far this year|year to date|this month|this week)\b")
_LAST_YEAR = re.compile(r"\b(last year|a year earlier|previous year|past year)\b")


def _relative_years(text: str, doc_date: str | None) -> set[str]:
    """'last year' / 'this year' resolved against the document's date."""
    if not doc_date:
        return set()
    low = text.lower()
    if "year" not in low and "this " not in low:
        return set()  # every phrase above has one of them: most sentences need no regex
    year = int(doc_date[:4])
    out = set()
    if _THIS_YEAR.search(low):
        out.add(str(year))
    if _LAST_YEAR.search(low):
        out.add(str(year - 1))
    return out


_COMPARISON_YEAR = re.compile(
    r"\b(?:than|compared (?:to|with)|from|versus|vs\.?|over|since)\s+(?:in\s+)?(?:the\s+)?(?:same\s+)?(?:[\w,.$%]+\s+){0,4}?"
    r"(?:of\s+)?((?:19|20)\d{2})\b", re.I)


def _may_compare(low: str) -> bool:
    """One of the words every `_COMPARISON_YEAR` match has is in `low` (lower-cased): a cheap test first."""
    return ("than" in low or "from" in low or "over" in low or "since" in low or "compared" in low or "vs" in low
            or "versus" in low)


def _years_named(text: str, doc_date: str | None) -> set[str]:
    """The years `text` names or says ("this year", "last year")."""
    named = set(YEAR.findall(text))
    return named.union(_relative_years(text, doc_date)) if doc_date else named


def _primary_years(text: str, all_years: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(years a sentence is about, years it names only as a baseline: "than in 2024", "from ... in 2023"), given the
    years it names or says (`_years_named`)."""
    if not all_years or not _may_compare(text.lower()):  # a baseline year is a named year, after one of its words
        return all_years, frozenset()
    baseline = all_years.intersection(_COMPARISON_YEAR.findall(text))
    return all_years - baseline, baseline


def _foreign_names(u: "Unit", q: Question) -> bool:
    """The sentence names someone or something else in the place of the question's missing name."""
    asked = q.asked
    for run in _cap_runs(u.text):
        if run[0][0] == 0:
            run = run[1:]  # a sentence's first word is capitalised anyway
        toks = [canonical(stem(t[2])) for t in run if t[2].lower() not in _CONNECT and t[2].lower() not in MONTHS]
        if toks and not any(stem_in(t, asked) for t in toks) and not all(t.isdigit() for t in toks):
            return True
    return False


def _read_chunk(c: Chunk) -> Reading:
    # Written for speed (a question's chunks are read here unless read before, and reading was most of answering
    # from chunks not read before): sets are built once each, as frozensets, and a passage is made as a tuple.
    title_stems, title_years = frozenset(content_stems(c.title)), frozenset(YEAR.findall(c.title))
    if c.kind == "table_row":
        spans = [(c.row_offset, len(c.text))]
        prevs = nexts = [""]
        context = f"{c.title}\n{c.table_title}\n{c.header}"
        ctx_stems_of, ctx_years_of = [frozenset(content_stems(context))], [frozenset(YEAR.findall(context))]
        chunk_stems = title_stems.union(content_stems(c.text))
        row = c.text[c.row_offset :]
        stems_of = [(stem("table"), *content_stems(row))]  # "... in the 2026 table?" is about rows
        years_of = [_years_named(row, c.date)]
    else:
        spans = sentence_spans(c.text)
        texts = [c.text[a:b] for a, b in spans]
        prevs = [c.lead] + texts[:-1]
        nexts = texts[1:] + [""]
        # each sentence's stems and years are worked out once: a context is the title and the sentence before
        stems_of, years_of = [content_stems(t) for t in texts], [_years_named(t, c.date) for t in texts]
        ctx_stems_of = [title_stems.union(st) for st in [content_stems(c.lead)] + stems_of[:-1]]
        ctx_years_of = [title_years.union(ys) for ys in [_years_named(c.lead, c.date)] + years_of[:-1]]
        chunk_stems = title_stems.union(*stems_of)
    passages = []
    own_year = {c.date[:4]} if c.date else ()  # a dated report speaks of its own year unless it names another
    source, text, row = c.source, c.text, c.kind == "table_row"
    for (a, b), prev, nxt, stems, years, ctx_stems, ctx_years in zip(
            spans, prevs, nexts, stems_of, years_of, ctx_stems_of, ctx_years_of):
        if not row and text[a] == "|":
            continue  # table rows are answered from their own row nodes, which carry the header
        if not years:
            ctx_years = ctx_years.union(own_year)
        # "this year" in a 2026 report counts as the term 2026
        stems = frozenset(stems).union(years) if years else frozenset(stems)
        ctx_stems = ctx_stems.union(ctx_years)
        passages.append(tuple.__new__(Passage, (a, b, (source, c.source_offset(a)), prev, nxt, stems, ctx_stems,
                                                frozenset(years), ctx_years, stems | ctx_stems)))
    vocabulary = frozenset().union(*(p.near for p in passages))
    return Reading(tuple(passages), chunk_stems, vocabulary)


# Readings kept, by chunk (every field is part of the key: a chunk edited in place is read again). The same chunks
# come back question after question, and reading one was about half of answering from it. A reading of a 120-word
# chunk takes 30-40 KB (its sets; measured with tracemalloc), so this holds at most ~40 MB: the chunks of the last
# hundred or so questions. Least recently used out first, one at a time (clearing a full memo at once cost a
# question 15-30 ms).
READINGS_LIMIT = 1024


@lru_cache(maxsize=READINGS_LIMIT)
def read_chunk(c: Chunk) -> Reading:
    """`c`'s passages and stems, read once (a reading depends on the chunk alone)."""
    return _read_chunk(c)


def build_units(hits: list[Hit]) -> list[Unit]:
    readings = [read_chunk(hit.chunk) for hit in hits]
    doc_stems: dict[str, frozenset[str]] = {}  # what the retrieved parts of each document mention
    for hit, reading in zip(hits, readings):
        doc_id = hit.chunk.doc_id
        doc_stems[doc_id] = doc_stems[doc_id] | reading.stems if doc_id in doc_stems else reading.stems
    units: dict[tuple[str, int], Unit] = {}
    for hit, reading in zip(hits, readings):
        chunk_stems = doc_stems[hit.chunk.doc_id]
        for p in reading.passages:
            if p.key not in units:
                units[p.key] = Unit(hit.chunk, p, hit.rank, chunk_stems)
    return list(units.values())


# -- value extraction ------------------------------------------------------------------------------
_MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
_DATE_SPAN = re.compile(
    rf"\b(?:\d{{1,2}}\s{_MONTHS},?\s\d{{4}}|{_MONTHS}\s\d{{1,2}}(?:[-–]\d{{1,2}})?(?:,?\s\d{{4}})?|{_MONTHS}\s\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|(?:early|late|mid|end of|by late|by early)\s\d{{4}}|in\s\d{{4}})\b"
)


_ORG_WORDS = {"university", "group", "ministry", "exchange", "company", "institute", "center", "centre", "plant",
              "complex", "survey", "service", "bank", "fund", "division", "forum", "week", "council", "consortium",
              "department", "agency", "report", "limited", "ltd", "inc", "corporation", "administration"}
_CONNECT = {"of", "de", "and", "for", "the"}
_CAP_TOKEN = re.compile(r"[A-Z][\w’'&.-]*|\d+[A-Za-z][\w-]*")  # names, and codes such as "5G"
_CAP_RUN_TOKEN = re.compile(r"[^\s,;:()“”\"]+")


def _cap_runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised tokens (with connectors such as "of" inside), as lists of (start, end, token)."""
    runs, run = [], []
    for m in _CAP_RUN_TOKEN.finditer(text):
        tok = m.group(0).rstrip(".")
        end = m.start() + len(tok)
        first = tok[:1]  # most words are in lower case: a name's first character is tested before the regex
        if ("A" <= first <= "Z" or first.isdecimal()) and _CAP_TOKEN.fullmatch(tok) and not tok.isdigit():
            run.append((m.start(), end, tok[:-2] if tok.endswith(("'s", "’s")) else tok))
            if text[end : end + 1] in ",;:()“”\"" or m.group(0).endswith("."):
                runs.append(run)
                run = []
        elif run and tok.lower() in _CONNECT:
            run.append((m.start(), end, tok))
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    out = []
    for r in runs:
        while r and r[-1][2].lower() in _CONNECT:
            r = r[:-1]
        if r:
            out.append(r)
    return out


def _entity_spans(q: Question, text: str) -> list[tuple[int, int, str, float]]:
    """Names in `text` that could answer a who/which/where question, with a prior cost each."""
    asked = q.asked

    def novel(tokens: list[str]) -> bool:
        stems = {canonical(stem(t)) for t in tokens if t.lower() not in _CONNECT}
        return bool(stems) and not all(stem_in(x, asked) for x in stems)

    out = []
    for run in _cap_runs(text):
        if q.kind == "person":
            names = [t for t in run if t[2].lower() not in _CONNECT]
            for size in (2, 3):
                for i in range(len(names) - size + 1):
                    win = names[i : i + size]
                    if any(t1[1] + 2 < t2[0] for t1, t2 in zip(win, win[1:])):
                        continue  # not adjacent
                    toks = [t[2] for t in win]
                    if not all(stem_in(canonical(stem(t)), asked) is False for t in toks):
                        continue
                    cost = 0.5 * sum(t.lower() in _ORG_WORDS for t in toks) + (0.2 if size == 3 else 0)
                    out.append((win[0][0], win[-1][1], " ".join(toks), cost))
            continue
        toks = [t[2] for t in run]
        if not novel(toks):
            continue
        names = [canonical(stem(t)) for t in toks if t.lower() not in _CONNECT]
        echo = sum(stem_in(x, asked) for x in names) / max(1, len(names))  # share of the name the question already says
        a, b = run[0][0], run[-1][1]
        cost = 0.5 * echo
        if a == 0 or text[:a].rstrip().endswith((".", "“", '"')):
            if len(run) == 1 and (toks[0].lower().endswith("ly") or toks[0].lower() in stopwords() | QUESTION_WORDS):
                continue  # "Newly", "However", "Which": a capitalised first word, not a name
            cost += 0.8 if len(run) == 1 else 0.2  # a capitalised first word is often not a name
        before = text[max(0, a - 6) : a].lower()
        if q.kind == "place":
            cost += -0.4 if re.search(r"\b(in|at|near|from)\s$", before) else 0.4
            cost += 0.3 * sum(t.lower() in _ORG_WORDS for t in toks)
        out.append((a, b, text[a:b], cost))
    return out


_LOWER_LIST = re.compile(r"\b([a-z][\w-]+(?:,\s[a-z][\w-]+)+,?\s(?:and|or)\s[a-z][\w-]+)")


def _spans_for(q: Question, text: str) -> list[tuple[int, int, str, float]]:
    """Candidate answer spans of the kind `q` asks for, as (start, end, text, prior cost)."""
    if q.kind == "money":
        return [(m.start(), m.end(), m.group(0), 0.0) for m in MONEY.finditer(text)]
    if q.kind == "percent":
        return [(m.start(), m.end(), m.group(0), 0.0) for m in PERCENT.finditer(text)]
    if q.kind == "quantity":
        money = [(m.start(), m.end()) for m in MONEY.finditer(text)] + [(m.start(), m.end()) for m in PERCENT.finditer(text)]
        found = [(m.start(), m.end(), m.group(0), 0.0) for m in QUANTITY.finditer(text)
                 if not any(a <= m.start() < b for a, b in money)]
        # bare counts ("199 production licenses", "42 of 51 wells") as weaker candidates
        found += [(m.start(), m.end(), m.group(0), 1.0) for m in re.finditer(rf"(?<![\w.$]){NUM}(?![\w.%])", text)
                  if not YEAR.fullmatch(m.group(0)) and not any(a <= m.start() < b for a, b in money)
                  and not any(f[0] <= m.start() < f[1] for f in found)]
        return found
    if q.kind == "date":
        found = [(m.start(), m.end(), m.group(0), 0.0) for m in _DATE_SPAN.finditer(text)]
        found += [(m.start(), m.end(), m.group(0), 0.5) for m in YEAR.finditer(text) if m.group(0) not in q.years
                  and not any(f[0] <= m.start() < f[1] for f in found)]
        return found
    if q.kind == "list":
        names = _entity_spans(q, text)
        if names:
            return [(names[0][0], names[-1][1], _list_phrase(text, names), 0.0)]
        m = _LOWER_LIST.search(text)
        return [(m.start(), m.end(), m.group(1), 0.0)] if m else []
    if q.kind == "place":
        names = _entity_spans(q, text)
        runs = [r for r in _name_runs(text, names) if len(r) >= 2 and r[0][3] < 0]  # a list after "in"/"at"
        if runs:  # "in Guangxi, Gansu, and Inner Mongolia": the answer is all of them
            run = max(runs, key=len)
            return [(run[0][0], run[-1][1], text[run[0][0] : run[-1][1]], min(n[3] for n in run))]
        return names
    if q.kind in ("person", "org"):
        return _entity_spans(q, text)
    return []


def _name_runs(text: str, found: list[tuple[int, int, str, float]]) -> list[list[tuple[int, int, str, float]]]:
    """Names in `found` grouped into comma/and-joined runs, as they stand in the passage."""
    if not found:
        return []
    runs, run = [], [found[0]]
    for prev, cur in zip(found, found[1:]):
        gap = text[prev[1] : cur[0]]
        if re.fullmatch(r"\s*(,|and|, and|&|;|, as well as|or|, or)?\s*(the\s)?", gap):
            run.append(cur)
        else:
            runs.append(run)
            run = [cur]
    runs.append(run)
    return runs


def _list_phrase(text: str, found: list[tuple[int, int, str, float]]) -> str:
    """The comma/and-joined run of names in the passage with the most items, as written."""
    found = [f for f in found if f[3] < 0.8] or found  # not a capitalised first word of the sentence

    def items(run: list) -> int:
        return sum(1 + len(re.findall(r",|\band\b|\bor\b", r[2])) for r in run)

    best = max(_name_runs(text, found), key=lambda r: (items(r), r[-1][1] - r[0][0]))
    return text[best[0][0] : best[-1][1]]


def _term_positions(terms_of: Callable[[str], list[str]], text: str) -> dict[str, list[tuple[int, bool]]]:
    """Where each question term occurs: (position, is_label). A label ("Silver: 3.8 tons") governs what follows it."""
    positions: dict[str, list[tuple[int, bool]]] = {}
    for m in WORD.finditer(text):
        terms = terms_of(m.group(0))
        if terms:
            label = text[m.end() : m.end() + 1] == ":"
            for t in terms:
                positions.setdefault(t, []).append((m.start(), label))
    return positions


_SINCE = re.compile(r"\b(since|until|by|before|after|from)\s+(?:what|which)\s+(?:year|date|month)", re.I)


def _pick_span(q: Question, text: str, terms_of: Callable[[str], list[str]]) -> str:
    spans = _spans_for(q, text)
    if not spans:
        return ""
    positions = _term_positions(terms_of, text)
    q_numbers = numbers_in(q.text)

    since = _SINCE.search(q.text)

    def gap(a: int, b: int, pos: tuple[int, bool]) -> int:
        p, label = pos
        if a <= p < b:
            return 0
        if label and a < p:
            return 500  # a label's value comes after it
        if q.numeric and p >= b and re.search(r"[,;]\s", text[b:p]):
            return p - b + 100  # "286,000 tons, with copper reserves ...": the term starts another clause
        return min(abs(a - p), abs(b - p))

    def hard_cost(a: int, b: int, g: int) -> float:
        # the measured thing inside the span costs nothing, in the same clause a little, elsewhere a lot
        return 0.0 if g == 0 else g / 200 if g < 100 else 1.0

    def cost(span: tuple[int, int, str, float]) -> float:
        a, b, s, prior = span
        hard = [hard_cost(a, b, min(gap(a, b, p) for p in ps)) for t, ps in positions.items() if t in q.hard_terms]
        soft = [min(gap(a, b, p) for p in ps) for t, ps in positions.items() if t not in q.hard_terms]
        if since and re.search(rf"\b{since.group(1)}\s+$", text[max(0, a - 10) : a], re.I):
            prior -= 1.0  # "since what year" → "since 2012"
        c = prior + (sum(hard) / len(hard) if hard else 0) + (sum(soft) / len(soft) / 200 if soft else 0)
        if numbers_in(s) and numbers_in(s) <= q_numbers and q.kind != "date":
            c += 5  # the question's own figure is not the answer
        after = text[b : b + 32]
        other_figure = re.search(r"(?<!\d)\d[\d,.]*(?!\d)", after)
        if other_figure and not YEAR.fullmatch(other_figure.group(0)):
            after = after[: other_figure.start()]  # a year beyond another figure belongs to that figure
        next_year = YEAR.search(after)
        if next_year and q.years:
            # "$27 per troy ounce in January-October 2024": the figure belongs to the year that follows it
            c += -0.5 if next_year.group(0) in q.years else 2
        if re.search(r"\bfrom\s(?:around\s|about\s)?$", text[max(0, a - 13) : a]) and re.match(r"\s(?:\S+\s){0,6}?to\s", text[b : b + 60]):
            c += 0.6  # "from X to Y": Y is the current figure
        return c + a / 100000

    return min(spans, key=cost)[2]


def _row_value(q: Question, u: Unit) -> tuple[str, str]:
    """(cell, column header) answering `q` from a table row."""
    cells = [c.strip() for c in u.text.strip().strip("|").split("|")]
    header = [h.strip() for h in u.chunk.header.strip().strip("|").split("|")]
    if len(header) != len(cells):
        return "", ""
    entity_stems = {stem(w) for e in q.entities for w in words(e)}
    best, best_score = None, -1.0
    for i, (h, cell) in enumerate(zip(header, cells)):
        cell_stems = set(content_stems(cell))
        if i == 0 or cell_stems & entity_stems:
            continue
        hs = set(content_stems(h))
        overlap = len(hs & set(q.terms))
        typed = _typed_cell(q, cell)
        score = overlap * 2 + (1 if typed else 0) - i * 0.01
        if score > best_score:
            best, best_score = i, score
    if best is None or best_score <= 0:
        return "", ""
    return cells[best], header[best]


def _typed_cell(q: Question, cell: str) -> bool:
    if q.kind == "money":
        return bool(re.search(r"[$€£¥]", cell))
    if q.kind == "percent":
        return "%" in cell
    if q.kind == "quantity":
        return bool(re.fullmatch(rf"[~≈]?{NUM}\s?\w*", cell)) and not re.search(r"[$€£¥%]", cell)
    return bool(cell)


# -- scoring ---------------------------------------------------------------------------------------
class Scoring:
    """Scores passages for one question. What the passages share is worked out once: which of the question's terms
    (and name variants) each bag of stems holds, the terms' IDF over the passages, and the terms each word stands
    for."""

    def __init__(self, q: Question, units: list[Unit]):
        self.q = q
        # every stem of the passages and their documents: their chunks' readings hold them all
        readings = [read_chunk(c) for c in {id(u.chunk): u.chunk for u in units}.values()]
        self.match = StemMatcher(frozenset().union(*(r.vocabulary for r in readings), *(r.stems for r in readings)))
        self.terms = set(q.terms)
        n, nears = len(units), [u.near for u in units]
        # a term's document frequency: the passages whose stems meet its variants (`map` keeps the loop in C)
        self.idf = {t: math.log(1 + (n + 1) / (1 + n - sum(map(self.match.variants(t).isdisjoint, nears))))
                    for t in self.terms}
        self.total = sum(self.idf[t] for t in self.terms) or 1.0
        self._stem_terms: dict[str, list[str]] = {}
        self._term_heads = {t[:5] for t in q.terms}  # a variant of a term shares its first five characters
        self._entity_stems = [[WORD_STEMS[w] for w in words(e)] for e in q.entities]

    def terms_of(self, word: str) -> list[str]:
        """The question's (non-numeric) terms that `word` of a passage stands for, in the question's order."""
        st = WORD_STEMS[word]
        found = self._stem_terms.get(st)
        if found is None:
            found = [t for t in self.q.terms if not t.isdigit() and stem_in(t, {st})] \
                if st in self.terms or st[:5] in self._term_heads else []
            self._stem_terms[st] = found
        return found

    def cover(self, units: list[Unit]) -> None:
        """How much of the question (IDF-weighted) each unit states, its context, or its document."""
        terms = [(t, self.match.variants(t).isdisjoint, self.idf[t]) for t in self.terms]
        for u in units:
            p, got = u.passage, 0
            for t, misses, idf in terms:
                got += idf if not misses(p.stems) else CONTEXT_WEIGHT * idf if not misses(p.ctx_stems) \
                    else CHUNK_WEIGHT * idf if t in u.chunk_stems else 0
            u.coverage = got / self.total

    def score(self, u: Unit) -> None:
        """The unit's answer value, whether it may answer, and its score (after `cover`)."""
        q = self.q
        if u.is_row:
            u.value, u.label = _row_value(q, u)
        else:
            u.value = _pick_span(q, u.text, self.terms_of) if q.kind != "explain" else ""
        typed = bool(u.value) or not (q.numeric or q.kind == "date")  # names and lists may quote the sentence
        u.eligible = self.satisfies(u) and typed
        if q.years and not (q.years & (u.years | u.ctx_years)) and not u.is_row \
                and not q.years <= set(_COMPARISON_YEAR.findall(q.text)):  # "since 2018" asked as "since 2018"
            # the asked year is only this sentence's baseline: only the figure stated for that year answers
            at = u.text.find(u.value) if u.value else -1
            follow = YEAR.search(u.text[at + len(u.value) : at + len(u.value) + 32]) if at >= 0 else None
            u.eligible = u.eligible and follow is not None and follow.group(0) in q.years
        named = bool(q.wh_noun and u.value and stem_in(q.wh_noun, set(content_stems(u.value))))
        u.score = self._score(u, bool(u.value), named)
        u.scored = True

    def ceiling(self, u: Unit) -> float:
        """The highest score `score` could give the unit, whatever its value turns out to be (after `cover`)."""
        return self._score(u, True, bool(self.q.wh_noun))

    def _score(self, u: Unit, valued: bool, named: bool) -> float:
        q = self.q
        length_penalty = max(0, len(u.text) - 400) / 2000
        score = u.coverage + (0.3 if valued else 0) + 0.1 / u.rank - length_penalty
        if q.years and not (q.years & (u.years | u.ctx_years)):
            score -= 0.3  # the asked year is only this sentence's baseline ("11.1% less than in 2024")
        if named:
            score += 0.2  # "which valley" answered by "Rasht Valley"
        return score

    def satisfies(self, u: Unit) -> bool:
        """The unit meets the question's constraints (its years, names and measured thing): it may answer if it
        also holds a value of the kind asked for."""
        if u.satisfied is None:
            u.satisfied = self._satisfies(u)
        return u.satisfied

    def _satisfies(self, u: Unit) -> bool:
        q, match = self.q, self.match
        named = u.passage.all_years  # = u.years | u.baseline_years
        if q.years and not q.years <= named | u.ctx_years:
            return False
        if q.years and not (q.years & named) and not u.is_row and u.years:
            return False  # the sentence is about another year; the context's year doesn't carry over
        near = u.near
        if not all(match(h, near) for h in q.hard_terms):
            return False
        for ws in self._entity_stems:
            if all(match(w, near) for w in ws):
                continue
            # named only elsewhere in the document: fine unless this sentence names something else instead
            if not all(match(w, near) or match(w, u.chunk_stems) for w in ws) or _foreign_names(u, q):
                return False
        return True


def score_units(q: Question, units: list[Unit]) -> None:
    """Covers and scores every unit (the language-model answerer ranks them all as its sources)."""
    scoring = Scoring(q, units)
    scoring.cover(units)
    for u in units:
        scoring.score(u)


def _rank_key(u: Unit) -> tuple[float, int, tuple[str, int]]:
    return (-u.score, u.rank, u.key)


def ranked(units: list[Unit]) -> list[Unit]:
    """Best score first; ties by retrieval rank, then by place in the source (deterministic)."""
    return sorted(units, key=_rank_key)


# -- composing ---------------------------------------------------------------------------------------
def _same_column(a: str, b: str) -> bool:
    """Two table headers naming the same measure ("Production (Metric Tons)" ~ "2026 Est. Production (Metric Tons)")."""
    sa = {t for t in content_stems(a) if not YEAR.fullmatch(t)}
    sb = {t for t in content_stems(b) if not YEAR.fullmatch(t)}
    return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) >= 0.75


def _norm_value(v: str) -> str:
    return " ".join(sorted(numbers_in(v))) or v.lower()


class ExtractiveAnswerer:
    def answer(self, question: str, hits: list[Hit]) -> Answer:
        q = analyze(question)
        units = build_units(hits)
        if not units:
            return self._abstain(q, [])
        scoring = Scoring(q, units)
        scoring.cover(units)
        # Only a unit covering enough of the question and meeting its constraints may answer, so only those need a
        # value (finding one is the costly part: a synthetic 10k-chunk collection has ~47 units of 84 covering
        # enough, ~14 of them meeting the constraints).
        candidates = [u for u in units if u.coverage >= MIN_COVERAGE and scoring.satisfies(u)]
        eligible = self._eligible(q, scoring, candidates)
        if not eligible:
            for u in units:
                if not u.scored:
                    scoring.score(u)  # the closest passages are ranked by score
            return self._abstain(q, ranked(units))
        best = eligible[0]
        rivals = self._disagreeing(q, best, eligible)
        if rivals:
            return self._conflict(q, [best] + rivals)
        return self._answer(q, best, eligible)

    @staticmethod
    def _eligible(q: Question, scoring: Scoring, candidates: list[Unit]) -> list[Unit]:
        """The candidates that may answer, ranked, as far as the answer looks: the best one and, for a figure, every
        one that could disagree with it. Values are sought best-first, by the highest score each candidate could
        get, until none left could outrank the best found; then in those covering about as much of the question
        as the best (`_disagreeing`'s rivals). All of them for an explanation, which needs no value."""
        if q.kind == "explain":
            for u in candidates:
                scoring.score(u)
            return ranked([u for u in candidates if u.eligible])
        ceilings = {id(u): scoring.ceiling(u) for u in candidates}
        pending, best = sorted(candidates, key=lambda u: ceilings[id(u)], reverse=True), None
        while pending and (best is None or ceilings[id(pending[0])] >= best.score):  # a tie may win on rank
            u = pending.pop(0)
            scoring.score(u)
            if u.eligible and (best is None or _rank_key(u) < _rank_key(best)):
                best = u
        if best is not None and q.numeric and best.value:
            for u in pending:
                if not u.coverage < best.coverage - CONFLICT_COVERAGE_MARGIN:
                    scoring.score(u)
        return ranked([u for u in candidates if u.scored and u.eligible])

    def _disagreeing(self, q: Question, best: Unit, eligible: list[Unit]) -> list[Unit]:
        """Equally good units from other tables or documents whose value differs from the best one's."""
        if not q.numeric or not best.value:
            return []
        seen = {_norm_value(best.value)}
        out = []
        for u in eligible[1:]:
            # equally good = as much of the question covered (retrieval rank is no evidence of which source is right)
            if not u.value or u.coverage < best.coverage - CONFLICT_COVERAGE_MARGIN:
                continue
            if u.is_row != best.is_row or (u.is_row and not _same_column(u.label, best.label)):
                continue
            same_place = u.chunk.doc_id == best.chunk.doc_id and (
                not u.is_row or (u.chunk.table_title, u.chunk.header) == (best.chunk.table_title, best.chunk.header)
                and abs(u.chunk.start - best.chunk.start) < 2000)
            if same_place and not u.is_row:
                continue
            v = _norm_value(u.value)
            if v in seen:
                continue
            seen.add(v)
            out.append(u)
        return out

    def _answer(self, q: Question, best: Unit, eligible: list[Unit]) -> Answer:
        cite = best.citation(1)
        if q.kind == "explain" or not best.value:
            text = f"{best.text.strip()} [1]"
            extra = next((u for u in eligible[1:] if u.chunk.doc_id == best.chunk.doc_id and u.key != best.key
                          and u.score >= best.score - 0.05 and q.kind == "explain"), None)
            cites = [cite]
            if extra is not None:
                text += f" {extra.text.strip()} [2]"
                cites.append(extra.citation(2))
            return Answer(text, cites)
        if best.is_row:
            entity = best.text.strip().strip("|").split("|")[0].strip()
            text = f"{best.value} — {entity}, {best.label} [1]"
        else:
            text = f"{best.value} [1]"
        return Answer(text, [cite])

    def _conflict(self, q: Question, units: list[Unit]) -> Answer:
        units = sorted(units, key=lambda u: (-(int(u.chunk.date.replace("-", "")) if u.chunk.date else 0), u.key))
        parts, cites = [], []
        for n, u in enumerate(units, start=1):
            where = u.chunk.table_title or u.chunk.title
            when = f", {u.chunk.date}" if u.chunk.date else ""
            parts.append(f"{u.value} [{n}] ({where}{when})")
            cites.append(u.citation(n))
        text = "The sources disagree: " + "; ".join(parts) + "."
        return Answer(text, cites, conflict=True)

    def _abstain(self, q: Question, ranked: list[Unit]) -> Answer:
        related = [u.citation(n) for n, u in enumerate(ranked[:2], start=1)]
        text = f"The documents don't say: no passage answers “{q.text.strip()}”."
        if related:
            text += " The closest passages are listed as related, not as an answer."
        return Answer(text, [], abstained=True, related=related)

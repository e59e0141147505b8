"""Answers that compute: a change, a percentage change, a share, a ratio, a total, an average or a comparison of
figures the documents give, each operand cited where it stands.

Stages:
1. `read_operation`: which operation the question asks for, from its grammar — the comparison and aggregation words
   of English ("change", "percentage change", "as a percentage of", "ratio of", "average", "total", "which … higher",
   "how much heavier") in a question asking for a figure. spaCy's tagger keeps "What caused the increase…" out (a
   full verb before the operation word: it asks about the change) and tells a comparative ("heavier") from a noun
   ("how much silver"); a question about a reason or cause is no computation.
2. `find_operands`: the operands are looked up with the operation's words taken out of the question and every
   candidate scored again by the answerer's fitted model. Each figure is a typed value: a table cell by row and
   column (the row the question names or the scoring puts first; the columns by the periods the question names),
   two rows or two columns the question names ("between A and B", "A as a percentage of B", "A than B"), or a figure
   in prose — beside each year, beside the words naming each thing, or a "from A to B" pair. Each keeps its unit
   (currency, %, a unit word) and scale (thousand, million… its own, its table's header, or its document's "in
   thousands").
3. `compute`: decimal arithmetic at the report's precision; operands of different units or scales are refused
   with the reason; a missing operand is reported by what is missing (the answerer then falls back to its extractive
   answer and says so). A share or percentage change the best passage states itself is not computed, and a change
   a passage states ("fell by 21.2%") answers a question with no operands.

Its own bounds are data (`Bounds`, fitted by `python -m eval.fit_compute`). An operand row or sentence passes the
fitted answerer's bars (`Model.threshold` for the first figure of a period question or a "from A to B" pair,
`Model.related` otherwise, and for a pair its own words name), except a row whose label the question names whole and
the rows a comparative picks among, whose table passed.
Figures of a thing the question names and no operand's passage does ("Mongolia's output", figures of the world's)
are not combined.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .candidates import Candidate
from .citing import Value, citation_for
from .question import Question
from .scoring import Scored, names_missing
from .spans import Span, pos_tags, spans_in
from .tables import FISCAL_YEAR, header_years, is_numeric, label_column, split_cells, year_columns
from .text import content_terms, stem, stopwords, years_in

BOUNDS_FILE = Path(__file__).with_name("data") / "compute.json"


@dataclass(frozen=True)
class Bounds:
    """This module's own bounds, fitted on the development sets by `python -m eval.fit_compute` (written to
    `assistant/data/compute.json`; these defaults are the values before any fit)."""

    name_share: float = 0.5  # the share of a row label's words a phrase of the question must name to pick that row
    header_match: float = 0.5  # the word overlap (Jaccard) of a phrase and a column header to take that column
    rows_tried: int = 3  # best-scored rows tried for a period's figures or two columns of one row
    sentences_tried: int = 5  # best-scored passages tried for a "from A to B" pair
    pair_gap: int = 60  # characters of words (besides years) allowed between "from A" and "to B"
    change_gap: int = 15  # characters between a change word and the figure it states ("fell by 21.2%")

    @classmethod
    def load(cls, path: Path = BOUNDS_FILE) -> "Bounds":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))["bounds"]
            return cls(**{f.name: type(getattr(cls(), f.name))(data[f.name]) for f in fields(cls) if f.name in data})
        except (OSError, ValueError, KeyError, TypeError):
            return cls()


BOUNDS = Bounds.load()  # read where used, so the fit can try others

# -- 1. the operation --------------------------------------------------------------------------------------------

# Each pattern is a general phrase of English for the operation, not a word of any document.
_CHANGE_WORDS = (r"change[sd]?|difference|differ|increase[sd]?|decrease[sd]?|growth|grow|grew|decline[sd]?|rise|rose|"
                 r"risen|fall|fell|fallen|drop(?:ped)?|variance|movement|(?:go|goes|went|gone)\s+(?:up|down)")
# (not "gain" or "loss": nouns of a report, "income (loss)")
_SUPERLATIVES = r"highest|largest|greatest|biggest|most|lowest|smallest|least|fewest"
_SUPERLATIVE = re.compile(rf"\b(?:{_SUPERLATIVES})\b", re.I)  # "which year … the largest": one row's periods
_OPERATIONS: list[tuple[str, re.Pattern]] = [
    ("percent_change", re.compile(
        rf"\bpercent(?:age)?\s+(?:point\s+)?(?:{_CHANGE_WORDS})\b|\b(?:{_CHANGE_WORDS})\s+(?:\w+\s+){{0,2}}in\s+"
        r"percent(?:age)?\b|\bby\s+what\s+(?:percent(?:age)?|%)|\bgrowth\s+rate\b|\bhow\s+many\s+percent\b|"
        rf"%\s*(?:{_CHANGE_WORDS})\b", re.I)),
    ("share", re.compile(r"\bas\s+an?\s+(?:percentage|proportion|share|fraction|%)\s+of\b|"
                         r"\b(?:what|which)\s+(?:percentage|proportion|share|fraction|part)\s+of\b|"
                         r"\b(?:percentage|proportion|share|fraction)\s+of\b.+\b(?:in|of|out\s+of|to|within)\s+"
                         r"(?:the\s+)?total\b", re.I)),
    ("ratio", re.compile(r"\bratio\s+(?:of|between)\b", re.I)),
    ("compare", re.compile(r"\bwhich\b.*\b(?:higher|larger|greater|bigger|more|lower|smaller|less|fewer|"
                           rf"{_SUPERLATIVES}|exceed(?:s|ed)?|above|below|over|under)\b|"
                           r"\b(?:higher|larger|greater|bigger|lower|smaller)\s*[,:]?\s*(?:\w+\s+){0,4}or\b", re.I)),
    ("difference", re.compile(rf"\b(?:{_CHANGE_WORDS})\b|\bhow\s+(?:much|many)\s+(?:more|less|fewer|\w+er)\b|"
                              r"\bby\s+how\s+much\b", re.I)),
    ("average", re.compile(r"\b(?:average|mean)\b", re.I)),
    ("sum", re.compile(r"\b(?:total|sum|combined|altogether|together|in\s+all)\b", re.I)),
]
# The first pattern found wins: a change of an average or of a total ("How much did the average price rise…")
# is a change; "average" and "total" are then adjectives of the figure, not the operation.
_ASKS_FIGURE = re.compile(r"^\W*(?:(?:in|for|during|over|between|from)\b[^,?]*,\s*)?"
                          r"(?:what|how\s+much|how\s+many\s+(?:more|fewer|less)|by\s+how\s+much|by\s+what|which|"
                          r"in\s+which|"
                          r"calculate|compute)\b", re.I)
# A question about the reason for a change asks for an explanation, whatever its wh-word.
_ASKS_REASON = re.compile(r"\b(?:reasons?|causes?|explanations?|drivers?|factors?|why)\b", re.I)
_CHANGE = re.compile(rf"\b(?:{_CHANGE_WORDS})\b", re.I)  # a sentence that states a change
SYMBOL = {"difference": "−", "sum": "+"}


@dataclass(frozen=True)
class Bound:
    """A figure the question compares the periods' figures with ("less than 170 million"), and where it says so."""
    figure: Figure
    below: bool  # it asks for the periods below the figure
    start: int
    end: int


@dataclass(frozen=True)
class Operation:
    name: str  # percent_change | share | ratio | compare | average | difference | sum | count
    start: int  # where its word is in the question
    end: int
    bound: Bound | None = None  # "Which years was X less than 170 million?", "How many years did X exceed 5%?"


# A figure the question compares with ("less than 170 million", "exceed $5 million"): "which years…" asks for the
# periods whose figure is beyond it.
_BOUND = re.compile(r"\b(?:(?:less|more|greater|lower|higher|larger|smaller|fewer|bigger)\s+than|exceed(?:s|ed)?|above|"
                    r"below|over|under)\s*(?P<figure>(?:US\$|[$€£¥₹]|(?-i:[A-Z]{3})\s?)?\s*"
                    r"\d[\d,]*(?:\.\d+)?(?:\s*(?:%|[^\W\d_]+))?)", re.I)
_HOW_MANY = re.compile(r"\bhow\s+many\b", re.I)
_PLURAL_SCALE = re.compile(r"\b(thousand|million|billion|trillion)s\b", re.I)


def stated_bound(text: str) -> Bound | None:
    """The figure a question compares the periods' figures with (not a year: "over 2019 levels")."""
    m = _BOUND.search(text)
    if not m:
        return None
    said = _PLURAL_SCALE.sub(r"\1", m.group("figure")).strip()  # "15,000 thousands" is 15,000 thousand
    if re.fullmatch(r"(?:1[5-9]|20)\d{2}", said.split(" ")[0]):
        return None  # a year: "over 2019 levels" is no figure to compare with
    figure = read_figure(said)
    return Bound(figure, bool(_LOWER.search(m.group(0))), m.start(), m.end()) if figure is not None else None


def read_operation(text: str) -> Operation | None:
    """The operation `text` asks for, or None (a lookup, a name, a reason…)."""
    bound = stated_bound(text)
    if (m := _HOW_MANY.search(text)) and bound:  # "How many years did sales exceed $5 million?"
        return Operation("count", m.start(), m.end(), bound)
    if not _ASKS_FIGURE.search(text):
        return None
    if (m := _ASKS_REASON.search(text)) and m.start() < min((p.search(text).start() for _, p in _OPERATIONS
                                                             if p.search(text)), default=len(text)):
        return None
    for name, pattern in _OPERATIONS:
        for m in pattern.finditer(text):
            if not _verb_before(text, m) and not _not_comparative(text, m):
                return Operation(name, m.start(), m.end(), bound if name == "compare" else None)
    return None


def _verb_before(text: str, m: re.Match) -> bool:
    """A full verb between the question word and an operation noun ("What caused the increase…", "What drove the
    change…"): the question asks about the change, not for its size. A participle right after a noun qualifies it
    ("How much did the paint used by the workshop rise?") and is no such verb."""
    wh = _ASKS_FIGURE.search(text)
    begin = wh.end() if wh else 0
    tags = pos_tags(text)
    return any(pos == "VERB" and not (tag in ("VBN", "VBG") and k and tags[k - 1][1] in ("NOUN", "PROPN"))
               for k, (i, pos, tag) in enumerate(tags) if begin <= i < m.start())


def _not_comparative(text: str, m: re.Match) -> bool:
    """"how much silver" is no comparison: a word ending in -er after "how much" must be tagged a comparative
    (JJR, RBR: "heavier", "longer") to make one."""
    said = m.group(0)
    if not re.search(r"how\s+(?:much|many)\s+\w+er$", said, re.I) or re.search(r"(?:more|less|fewer)$", said, re.I):
        return False
    word_at = m.end() - len(said.split()[-1])
    return not any(i == word_at and tag in ("JJR", "RBR") for i, _, tag in pos_tags(text))


# -- values ------------------------------------------------------------------------------------------------------

_SCALES = {"thousand": Decimal(10) ** 3, "million": Decimal(10) ** 6, "billion": Decimal(10) ** 9,
           "trillion": Decimal(10) ** 12}
_SCALE_ALIASES = {"k": "thousand", "'000": "thousand", "000s": "thousand", "000": "thousand", "m": "million",
                  "mn": "million", "bn": "billion"}
_NUMBER = re.compile(
    r"^\s*(?P<neg>[-−–])?\s*(?P<cur>US\$|[$€£¥₹]|[A-Z]{3}(?=\s?[\d(]))?\s*(?P<neg2>[-−–])?\s*"
    r"(?P<paren>\()?\s*"
    r"(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*\)?\s*(?P<pct>%|per\s?cent\b|percent\b)?\s*"
    r"(?:(?P<scale>thousand|million|billion|trillion|bn|mn|m|k)\b)?\s*(?P<unit>[^\W\d_][\w-]*)?", re.I)
_DASHES = {"—", "–", "-", "−", "nil", "none"}  # an accounting table's dash is nil: 0


@dataclass(frozen=True)
class Figure:
    """A number as the document writes it, read: its exact value, unit, scale and decimal places."""

    text: str
    number: Decimal
    unit: str  # "$", "€", "%", "tons", … ; "" when the figure names none (a table's plain cell)
    scale: str  # "", "thousand", "million", …
    places: int
    unit_word: str = ""  # a unit word as written ("tons"), for the answer; `unit` is its compared form ("ton")


def read_figure(text: str, table_scale: str = "") -> Figure | None:
    """`text` as a Figure: "$(5,625)" → −5625 $, "21.2%" → 21.2 %, "EUR 3.2 million" → 3.2 EUR million,
    "—" → 0. `table_scale`: the scale of the table the cell is in, stated by the table or its document
    (`Candidate.scale`)."""
    t = text.strip()
    if t.lower() in _DASHES:
        return Figure(t, Decimal(0), "", table_scale, 0)
    m = _NUMBER.match(t)
    if not m:
        return None
    digits = m.group("num").replace(",", "")
    try:
        number = Decimal(digits)
    except InvalidOperation:
        return None
    if m.group("neg") or m.group("neg2") or (m.group("paren") and t.rstrip().endswith(")")):
        number = -number
    word = ""
    unit = "%" if m.group("pct") else (m.group("cur") or "").strip()
    if not unit and m.group("unit") and m.group("unit").lower() not in stopwords():
        word = m.group("unit")
        # a code in capitals after the figure is a currency ("27.8 billion KGS"), compared as written; a unit word
        # is compared in lower case without its plural ("tons" = "ton")
        unit = word if len(word) == 3 and word.isupper() else word.lower().rstrip("s")
    scale = (m.group("scale") or "").lower()
    if scale == "m" and not m.group("cur") and not unit:  # "0.75 m" is a length; "$5m" is five million
        unit, word, scale = "m", m.group("scale"), ""
    # a cell without a scale is in its table's, a percentage never
    scale = _SCALE_ALIASES.get(scale, scale) or (table_scale if unit != "%" else "")
    places = len(digits.split(".")[1]) if "." in digits else 0
    return Figure(t, number, unit, scale, places, word)


# -- 2. the operands ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operand:
    """One figure of the computation and where it stands: `start`/`end` in its candidate's chunk text."""

    figure: Figure
    candidate: Candidate
    start: int
    end: int
    label: str  # what it is: "Revenue, 2019"
    period: str = ""


@dataclass
class Refusal:
    """Why the asked computation was not made: an operand missing, or operands that can't be combined."""

    operation: str
    reason: str
    operands: list[Operand] = field(default_factory=list)


_RANGE = re.compile(r"\b((?:19|20)\d{2})\s*(?:-|–|to|through|until)\s*((?:19|20)\d{2})\b", re.I)


def periods_named(text: str) -> list[str]:
    """The years a text names, in the order named; "FY19" is 2019."""
    found = [(m.start(), m.group(1)) for m in re.finditer(r"\b(1[5-9]\d{2}|20\d{2})\b", text)]
    found += [(m.start(), "20" + m.group(1)) for m in FISCAL_YEAR.finditer(text)]
    out: list[str] = []
    for _, y in sorted(found):
        if y not in out:
            out.append(y)
    return out


def period_columns(question: str, op: Operation, header: list, row: list, label: int) -> list[tuple[str, int]]:
    """(period, column) for each period the question names that heads exactly one column of the row, in time order.
    A range ("from 2017 to 2019") covers the years between for a total or an average. No period named: every
    column headed by a year, when the table has no more than the operation can take."""
    columns = [i for i, c in enumerate(row) if i != label and c.text and i < len(header)]
    heads = {i: header[i].text for i in columns}
    q_low = question.lower()
    literal = [(q_low.find(h.lower()), i) for i, h in heads.items() if len(h) >= 4 and header_years(h)
               and h.lower() in q_low and h.strip() not in header_years(h)]
    if len(literal) >= 2:  # headers such as "2018/2019" named as written
        return sorted(((heads[i], i) for _, i in literal), key=lambda p: _period_key(p[0]))
    years = periods_named(question)
    if op.name in ("sum", "average"):
        for a, b in _RANGE.findall(question):
            years += [str(y) for y in range(int(a), int(b) + 1) if str(y) not in years]
    out = []
    for y in years:
        exact = [i for i in columns if header_years(heads[i]) == {y}]
        holding = exact or [i for i in columns if y in header_years(heads[i])]
        if len(holding) == 1:
            out.append((y, holding[0]))
    if not years:
        out = [(heads[i], i) for i in year_columns(header, row, label)]
        if op.name not in ("sum", "average", "compare", "count") and len(out) != 2:
            return []
    return sorted(out, key=lambda p: _period_key(p[0]))


def _period_key(period: str) -> tuple:
    ys = sorted(header_years(period))
    return (ys[-1] if ys else "", period)


def _row_operands(q: Question, op: Operation, s: Scored, years: list[str]) -> tuple[list[Operand], list[str]]:
    """The row's figures for the periods the question names, and the periods it names that the row lacks."""
    c = s.candidate
    row, header = split_cells(c.text), split_cells(c.chunk.header)
    label = label_column(row)
    name = row[label].text if label < len(row) else ""
    found = []
    for period, i in period_columns(q.text, op, header, row, label):
        fig = read_figure(row[i].text, c.scale) if (is_numeric(row[i].text) or row[i].text in _DASHES) else None
        if fig is not None:
            found.append(Operand(fig, c, c.start + row[i].start, c.start + row[i].end, f"{name}, {header[i].text}",
                                 period))
    have = {y for o in found for y in header_years(o.period)}
    return found, [y for y in years if y not in have]


_FIGURE_START = re.compile(r"(?:US\$|[$€£¥₹]|[A-Z]{3}\s?(?=\d)|[-−–(])?\s*\d")


def _span_figure(sp) -> tuple[Figure | None, int, int]:
    """The figure of a value span and its place in the sentence, words before it left out ("an estimated 25,000
    tons" → "25,000 tons"): the operand cites the figure itself."""
    m = _FIGURE_START.search(sp.text)
    if not m:
        return None, sp.start, sp.end
    text = sp.text[m.start():].rstrip()
    fig = read_figure(text)
    return fig, sp.start + m.start(), sp.start + m.start() + len(text)


def _sentence_operand(s: Scored, near: str, exclude: set[str], used: list[Operand] = ()) -> Operand | None:
    """The figure of a sentence nearest to `near` (a year or a word naming the operand), other than those `used`."""
    c = s.candidate
    taken = {(o.candidate.key, o.start) for o in used}
    text = c.text
    anchors = [m.start() for m in re.finditer(re.escape(near), text, re.I)] if near else []
    if near and not anchors:
        return None
    best = None
    for sp in spans_in(text):
        if sp.label not in ("MONEY", "PERCENT", "CARDINAL", "QUANTITY", "TIME"):
            continue
        if sp.text.strip() in exclude or re.fullmatch(r"(?:19|20)\d{2}", sp.text.strip()):
            continue
        fig, a0, a1 = _span_figure(sp)
        if fig is None or (c.key, c.start + a0) in taken:
            continue
        dist = min((min(abs(a - sp.end), abs(a - sp.start)) for a in anchors), default=0)
        if best is None or dist < best[0]:
            best = (dist, Operand(fig, c, c.start + a0, c.start + a1, fig.text, near))
    return best[1] if best else None


def _period_operands(q: Question, op: Operation, scored: list[Scored], model) -> list[Operand] | Refusal | None:
    years = periods_named(q.text)
    rows = [s for s in scored if s.candidate.is_row and s.score >= model.related]
    # rows whose label the question names whole ("Operating income (loss)"), the fullest label first: they come
    # before the rows the scoring prefers, and need no score (as for two things compared, `_row_by_label`)
    terms = set(q.terms)
    named = sorted((s for s in scored if s.candidate.is_row and _named_share(_row_label(s.candidate), terms) == 1.0),
                   key=lambda s: (-len(set(content_terms(_row_label(s.candidate)))), -s.score))
    if named or (rows and rows[0].score >= model.threshold):
        best_found, best_missing = None, years
        tried = named[:2] + [s for s in rows[: BOUNDS.rows_tried]
                             if rows[0].score >= model.threshold and s not in named[:2]]
        for s in tried:
            found, missing = _row_operands(q, op, s, years)
            if len(found) >= 2 and not missing:
                return found
            if best_found is None and found:
                best_found, best_missing = found, missing
        if best_found is not None and best_missing and len(years) >= 2:
            return Refusal(op.name, f"the figure for {', '.join(best_missing)} is missing", best_found)
    if len(years) < 2:
        return None
    if op.name in ("difference", "percent_change") and len(years) == 2:
        pair = _from_to_operands(q, scored, model, years)
        if pair:
            return pair
    sentences = [s for s in scored if not s.candidate.is_row and s.score >= model.related]
    found, missing = [], []
    for y in years:
        o = next((o for s in sentences if (o := _sentence_operand(s, y, {y}, found)) is not None), None)
        (found.append(o) if o else missing.append(y))
    if missing and found and scored and scored[0].score >= model.threshold:
        return Refusal(op.name, f"the figure for {', '.join(missing)} is missing", found)
    return found if not missing else None


_SPLIT = [  # how a question joins the two things it compares: "between A and B", "A as a percentage of B", …
    re.compile(r"\bbetween\s+(?P<a>.+?)\s+and\s+(?P<b>.+?)(?:\s+in\s+(?:19|20)\d{2})?\s*\??$", re.I),
    re.compile(r"(?P<a>.+?)\s+as\s+an?\s+\w+\s+of\s+(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"\bratio\s+of\s+(?P<a>.+?)\s+to\s+(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"\b(?:percentage|proportion|share|fraction|part)\s+of\s+(?P<a>.+?)\s+(?:in|of|out\s+of|to|within)\s+"
               r"(?P<b>(?:the\s+)?total\b.+?)\s*\??$", re.I),
    re.compile(r"\b(?:percentage|proportion|share|fraction|part)\s+of\s+(?P<b>.+?)\s+(?:is|was|were|are|came|comes|"
               r"come|went|goes|go|did|does)\s+(?:made\s+up\s+of\s+|accounted\s+for\s+(?:by|using)\s+|from\s+)?"
               r"(?P<a>.+?)\s*\??$", re.I),
    re.compile(r"(?P<a>.+?)\s+than\s+(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"(?P<a>[^,]+?)\s+or\s+(?P<b>.+?)\s*\??$", re.I),
    re.compile(r"(?P<a>.+?)\s+and\s+(?P<b>.+?)\s*\??$", re.I),
]


def _phrases(text: str) -> tuple[str, str] | None:
    for pattern in _SPLIT:
        m = pattern.search(text)
        if m and content_terms(m.group("a")) and content_terms(m.group("b")):
            return m.group("a"), m.group("b")
    return None


def _entity_operands(q: Question, op: Operation, scored: list[Scored], model, rescore, similar=None
                     ) -> list[Operand] | Refusal | None:
    """Two things named in the question ("Transportation Solutions and Industrial Solutions", "the bridge's cost
    than budgeted"): each one's figure, from the row whose label shares its words, or the sentence figure beside
    them."""
    split = _phrases(q.text[op.end:] if op.name in ("difference", "ratio") else q.text)
    if split is None:
        split = _phrases(q.text)
    if split is None:
        return None
    ta, tb = (set(content_terms(p)) - set(periods_named(p)) for p in split)  # years are periods, not names
    own = [ta - tb, tb - ta]
    years = periods_named(q.text)
    rows = scored
    said = q.text[op.start: op.end]
    bar = model.related
    if similar and re.search(r"\w+er$", said) and not re.search(r"(?:more|less|fewer)$", said):
        comparative = said.split()[-1]  # its rows were vetted by their table: no bar of their own
        rows, bar = _rows_by_comparative(scored, comparative, set(q.terms), model, similar), float("-inf")
    columns = _column_operands(rows, split, bar)
    if columns:
        return columns
    if not own[0] or not own[1]:
        return None
    out = []
    for words, phrase in zip(own, split):
        # each thing looked up on its own ("revenue in 2024"): its row may score low against the whole question
        alone = rescore(f"{phrase} {' '.join(years)}") if rescore else scored
        other = own[1] if words is own[0] else own[0]
        o = _row_by_label(q, alone, words, years, model, out) or _row_by_label(q, scored, words, years, model, out) or \
            _sentence_by_words(alone, words, other, model, out) or _sentence_by_words(scored, words, other, model, out)
        if o is None:
            return Refusal(op.name, f"no figure was found for “{phrase.strip(' ?')}”", out) if out else None
        out.append(o)
    if out[0].candidate == out[1].candidate and out[0].start == out[1].start:
        return None
    return out


def _rows_by_comparative(scored: list[Scored], comparative: str, terms: set[str], model, similar) -> list[Scored]:
    """"How much heavier…": the rows of the tables the question is about (those holding a row that passes the
    scoring's lower bar) ordered by the model's similarity of their labels to the comparative ("heavier" ≈ "Weight").
    The row asked for may itself score low: the question's words name the things compared, not the row. A label's
    parenthetical is a qualifier ("Weight (empty, without base)"), so the label is also compared without it."""
    tables = {(s.candidate.chunk.doc_id, s.candidate.chunk.header) for s in scored
              if s.candidate.is_row and s.score >= model.related}
    rows = [s for s in scored if s.candidate.is_row and (s.candidate.chunk.doc_id, s.candidate.chunk.header) in tables]
    if not rows:
        return []
    labels = [_row_label(s.candidate) for s in rows]
    heads = [re.sub(r"\s*\([^()]*\)", "", label).strip() or label for label in labels]
    sims = [max(a, b) for a, b in zip(similar(labels, comparative), similar(heads, comparative))]
    # a row the question names ("how much longer is the keep-warm time") before one the comparative suggests
    named = [_named_share(label, terms) >= BOUNDS.name_share for label in labels]
    return [s for *_, s in sorted(zip(named, sims, range(len(rows)), rows), key=lambda p: (-p[0], -p[1], p[2]))]


def _row_label(c: Candidate) -> str:
    cells = split_cells(c.text)
    return cells[label_column(cells)].text if cells else ""


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _name_words(text: str) -> set[str]:
    """The words of a name, single letters and digits too: "Tour E" is not "Tour" (`content_terms`, like BM25, keeps
    words of two characters or more)."""
    return {stem(w) for w in re.findall(r"\w+", text.lower()) if w not in stopwords()} - set(periods_named(text))


def _column_operands(scored: list[Scored], phrases: tuple[str, str], bar: float) -> list[Operand] | None:
    """Two things that head two columns of one row ("leases of more than 5 years in the total leases"): the best
    row's cells under the headers that share the words of each phrase (a row scored at least `bar`)."""
    ta, tb = (_name_words(p) for p in phrases)
    own = [(ta, ta - tb), (tb, tb - ta)]
    for s in scored[: BOUNDS.rows_tried]:
        c = s.candidate
        if not c.is_row or s.score < bar:
            continue
        row, header = split_cells(c.text), split_cells(c.chunk.header)
        label = label_column(row)
        picked = []
        naming_row = _name_words(row[label].text) if label < len(row) else set()
        for words, mine in own:  # the header most like the phrase (or its own words): "Aurelia K7" vs "… K7 Pro"
            heads = [(_name_words(header[i].text), i) for i in range(len(row))
                     if i != label and i < len(header) and is_numeric(row[i].text)]
            words, mine = words - naming_row, mine - naming_row  # "the keep-warm time of the K7 Pro": K7 Pro's column
            best = max(((max(_jaccard(words, h), _jaccard(mine, h)), i) for h, i in heads), default=(0.0, -1))
            if best[0] < BOUNDS.header_match:
                return None
            picked.append(best[1])
        if picked[0] == picked[1]:
            return None
        name = row[label].text if label < len(row) else ""
        out = []
        for i in picked:
            fig = read_figure(row[i].text, c.scale)
            if fig is None:
                return None
            out.append(Operand(fig, c, c.start + row[i].start, c.start + row[i].end, f"{name}, {header[i].text}"))
        return out
    return None


def _named_share(text: str, terms: set[str]) -> float:
    """How much of `text` (a header, a label) the terms name: the share of its content words among them."""
    words = set(content_terms(text)) - set(periods_named(text))
    return len(words & terms) / len(words) if words else 0.0


def _row_by_label(q: Question, scored: list[Scored], words: set[str], years: list[str], model,
                  beside: list[Operand] = ()) -> Operand | None:
    """The figure of the row whose label the words name; a row of the table `beside` holds first (two things
    compared in one table, when several tables have rows for them)."""
    best = None
    tables = {(o.candidate.chunk.doc_id, o.candidate.chunk.header) for o in beside if o.candidate.is_row}
    for s in scored:
        c = s.candidate
        if not c.is_row:
            continue
        row, header = split_cells(c.text), split_cells(c.chunk.header)
        label = label_column(row)
        name = row[label].text if label < len(row) else ""
        shared = _named_share(name, words)  # the row's label named by the phrase ("Mexico" in "did Mexico produce")
        # a label named whole is evidence enough; a partly named one needs the scoring's lower bar too
        if shared < BOUNDS.name_share or (shared < 1.0 and s.score < model.related):
            continue
        cols = [i for i, cell in enumerate(row) if i != label and (is_numeric(cell.text))]
        if years:
            cols = [i for i in cols if i < len(header) and header_years(header[i].text) & set(years)]
        if not cols:
            continue
        # the column whose header the question names most ("points"), else the first (a table's current period)
        i = max(cols, key=lambda j: (_named_share(header[j].text if j < len(header) else "", set(q.terms)), -j))
        key = ((c.chunk.doc_id, c.chunk.header) in tables, shared, len(set(content_terms(name)) & set(q.terms)),
               s.score)
        if best is None or key > best[0]:
            fig = read_figure(row[i].text, c.scale)
            if fig is not None:
                head = header[i].text if i < len(header) else ""
                best = (key, Operand(fig, c, c.start + row[i].start, c.start + row[i].end,
                                     ", ".join(x for x in (name, head) if x), head))
    return best[1] if best else None


def _sentence_by_words(scored: list[Scored], words: set[str], other: set[str], model,
                       used: list[Operand]) -> Operand | None:
    """The figure beside the words naming one of two things, in the sentence that names it most and the other one
    least (the better-scored sentence among equals)."""
    best = None
    for rank, s in enumerate(scored):
        if s.candidate.is_row or s.score < model.related:
            continue
        terms = set(content_terms(s.candidate.text))
        fit = len(terms & words) - len(terms & other)
        if not terms & words or (best is not None and fit <= best[0]):
            continue
        for m in re.finditer(r"\w+", s.candidate.text):
            if content_terms(m.group(0)) and content_terms(m.group(0))[0] in words:
                o = _sentence_operand(s, m.group(0), set(), used)
                if o is not None:
                    best = (fit, o)
                    break
    return best[1] if best else None


def _labels_total(scored: list[Scored]) -> bool:
    row = next((s.candidate for s in scored if s.candidate.is_row), None)
    if row is None:
        return False
    cells = split_cells(row.text)
    return "total" in content_terms(cells[label_column(cells)].text) if cells else False


_FIG = (r"(?:US\$|[$€£¥₹]|[A-Z]{3}\s?)?\d[\d,]*(?:\.\d+)?(?:\s?(?:thousand|million|billion|trillion|bn|mn)\b)?"
        r"(?:\s?%|\s?(?!(?:to|from|in|and|of|per|for|at|by|on|a|an|the)\b|(?-i:[A-Z][a-z]{2}))[A-Za-z³²]{1,6}\b)?")
# (a unit is lower case, upper case or a symbol — "kg", "KGS", "Hz" — never a capitalised word: "1,395 Paint
# used: …" starts the next item)
_ABOUT = r"(?:(?:around|about|roughly|approximately|nearly|some|an?\s+estimated)\s+)?"
_ASIDE = r"(?:\s*\([^()]*\))?"  # "17.9 billion KGS ($205.2 million)"


@lru_cache(maxsize=8)
def _pair_patterns(gap: int) -> tuple[re.Pattern, re.Pattern]:
    """"from A … to B" and "to B … from A", with at most `gap` characters of words between the two (years besides:
    no other figure)."""
    words = rf"[^\d]{{0,{gap}}}?(?:(?:19|20)\d{{2}}[^\d]{{0,{gap}}}?)*"
    return (re.compile(rf"\bfrom\s+{_ABOUT}(?P<old>{_FIG}){_ASIDE}{words}\bto\s+{_ABOUT}(?P<new>{_FIG})", re.I),
            re.compile(rf"\bto\s+{_ABOUT}(?P<new>{_FIG}){_ASIDE}{words}\bfrom\s+{_ABOUT}(?P<old>{_FIG})", re.I))


def _figure_span(text: str, start: int, end: int) -> Span:
    """The figure at text[start:end] as a span, a trailing stop word ("€2.10 when") left out: not a unit."""
    words = text[start:end].split()
    if len(words) > 1 and words[-1].lower() in stopwords():
        end = start + text[start:end].rstrip().rfind(" ")
    return Span(start, end, "", text[start:end].rstrip())


def _from_to_pairs(text: str) -> list[tuple[Span, Span, int]]:
    """(earlier, later, where the words naming the pair begin) for each "from A … to B" or "to B … from A" in
    `text`, in order ("Silver: up from 198 kg to 3.8 tons Coal: up from …")."""
    found = []
    for pattern in _pair_patterns(BOUNDS.pair_gap):
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e, _, _ in found):
                continue
            old, new = (_figure_span(text, m.start(g), m.end(g)) for g in ("old", "new"))
            if years_in(old.text) & {old.text} or years_in(new.text) & {new.text}:
                continue  # "from 2019 to 2024" names years, not figures
            found.append((m.start(), m.end(), old, new))
    found.sort(key=lambda f: f[0])
    out, begin = [], 0
    for s, e, old, new in found:
        # its own words: after the last figure before it, or after a colon that opens a list ("as follows: Frames
        # welded: up from…"), whichever is nearer
        bounds = [m.end() for m in re.finditer(r"\d|:\s+(?=[A-Z])", text[:s])]
        out.append((old, new, max([begin] + bounds[-1:])))
        begin = e
    return out


def _from_to_operands(q: Question, scored: list[Scored], model, years: list[str] = ()) -> list[Operand] | None:
    """A change stated in prose as "from <figure> to <figure>" ("up from 198 kg to 3.8 tons", "went down to 25,000
    tons from 25,500 tons") in the best sentence that holds one and names the question's years (in it or in the
    sentence before); of several pairs in it, the one whose own words ("Silver: up") share most with the question.
    A passage below the answer bar counts when the pair's own words name the question's thing. A better passage
    that states the change itself ("fell by 21.2%") ends the search: `_stated_change` answers with its figure.
    Returned later first, earlier second."""
    terms = set(q.terms)

    def named(text: str, pair) -> int:  # how many of the question's words the pair's own words name
        return len(set(content_terms(text[pair[2]: min(pair[0].start, pair[1].start)])) & terms)

    for s in scored[: BOUNDS.sentences_tried]:
        c = s.candidate
        if c.is_row or s.score < model.related:
            continue
        text = c.text
        pairs = _from_to_pairs(text)
        if not pairs:
            if s.score >= model.threshold and _CHANGE.search(text) and \
                    any(sp.label in ("MONEY", "PERCENT", "CARDINAL", "QUANTITY") for sp in spans_in(text)):
                return None  # the best passage with a figure states the change itself ("fell by 21.2%")
            continue
        if years and not set(years) <= set(periods_named(text + " " + c.previous)):
            continue
        old, new, _ = max(pairs, key=lambda p: (named(text, p), -p[2]))
        if s.score < model.threshold and not named(text, (old, new, _)):
            continue  # a passage below the answer bar counts only for a pair its own words name ("Silver: up")
        out = []
        for sp in (new, old):
            fig, a0, a1 = _span_figure(sp)
            if fig is None:
                return None
            out.append(Operand(fig, c, c.start + a0, c.start + a1, fig.text, ""))
        return out
    return None


def find_operands(q: Question, op: Operation, scored: list[Scored], model, rescore=None, similar=None
                  ) -> list[Operand] | Refusal | None:
    """The operands the question asks to combine: the figures of the periods it names (one row, or sentences), or of
    the two things it names."""
    if _adjective_total(q.text, op) and _labels_total(scored):
        return None  # the table's own Total row answers it
    years = periods_named(q.text)
    if len(years) >= 2 or (not years and op.name in ("difference", "percent_change", "average", "sum", "compare",
                                                     "count")):
        found = _period_operands(q, op, scored, model)
        if found is not None and not (isinstance(found, list) and len(found) < 2):
            return found
    if op.name == "count" or op.name == "compare" and (op.bound or _SUPERLATIVE.search(q.text[op.start:op.end])):
        return None  # the periods of one row compared with each other or with a figure: no two things named
    found = _entity_operands(q, op, scored, model, rescore, similar)
    if found is None and op.name in ("difference", "percent_change"):
        return _from_to_operands(q, scored, model, years)  # later minus earlier: "to" minus "from"
    return found


# -- 3. the computation ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    value: str  # as answered: "-$835 million", "-5.43%", "2019"
    formula: str  # "14,551 − 15,386"
    operation: str
    number: Decimal | None = None


def _compatible(ops: list[Operand]) -> str | None:
    """Why these figures can't be combined, or None: two units or two scales, each stated."""
    units = {o.figure.unit for o in ops if o.figure.unit}
    if len(units) > 1:
        return f"{' and '.join(o.figure.text for o in ops)} are in different units ({', '.join(sorted(units))})"
    # a table's cell without a scale has its table's (stated elsewhere, or none); a figure in prose states its own
    scales = {o.figure.scale or "units" for o in ops if o.figure.scale or not o.candidate.is_row}
    if len(scales) > 1:
        return f"{' and '.join(o.figure.text for o in ops)} are on different scales ({', '.join(sorted(scales))})"
    return None


def _fmt(number: Decimal, places: int) -> str:
    q = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if places else \
        number.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    text = f"{abs(q):,.{places}f}"
    return ("-" if q < 0 else "") + text


def _trimmed(number: Decimal, least: int, most: int = 2) -> str:
    """`number` rounded to `most` places, trailing zeros dropped down to `least` places."""
    text = _fmt(number, max(least, most))
    if "." in text:
        whole, frac = text.split(".")
        while len(frac) > least and frac.endswith("0"):
            frac = frac[:-1]
        text = whole + ("." + frac if frac else "")
    return text


def compute(op: Operation, ops: list[Operand], lower: bool = False) -> Result | Refusal:
    """Exact decimal arithmetic over the operands (time order for a change: the later minus the earlier); a
    comparison with a figure (`Operation.bound`) keeps the periods beyond it."""
    why = _compatible(ops)
    if why:
        return Refusal(op.name, why, ops)
    nums = [o.figure.number for o in ops]
    texts = [o.figure.text for o in ops]
    places = max(o.figure.places for o in ops)
    unit = next((o.figure.unit for o in ops if o.figure.unit), "")
    word = next((o.figure.unit_word for o in ops if o.figure.unit_word), "")
    scale = next((o.figure.scale for o in ops if o.figure.scale), "")
    name = op.name
    if name in ("difference", "percent_change") and len(ops) > 2:
        ops, nums, texts = [ops[0], ops[-1]], [nums[0], nums[-1]], [texts[0], texts[-1]]
    if name in ("difference", "percent_change") and len(ops) == 2 and all(header_years(o.period) for o in ops):
        new, old, tn, to = nums[1], nums[0], texts[1], texts[0]  # periods come in time order: later − earlier
    else:
        new, old, tn, to = nums[0], nums[-1], texts[0], texts[-1]
    if name == "difference":
        return _amount(new - old, places, unit, scale, f"{tn} − {to}", name, word=word)
    if name == "percent_change":
        if old == 0:
            return Refusal(name, f"the earlier figure {to} is zero: a percentage change of it is undefined", ops)
        return Result(f"{_trimmed((new - old) / abs(old) * 100, 0)}%", f"({tn} − {to}) / {to}", name,
                      (new - old) / abs(old) * 100)
    if name in ("share", "ratio"):
        if name == "share" and all(o.figure.unit == "%" for o in ops):
            return Refusal(name, f"{to} is already a percentage: a share of it is not a share of an amount", ops)
        if old == 0:
            return Refusal(name, f"{to} is zero: nothing can be divided by it", ops)
        if name == "share" or unit == "%":
            return Result(f"{_trimmed(new / old * 100, 0)}%", f"{tn} / {to}", name, new / old * 100)
        return Result(_trimmed(new / old, 0), f"{tn} / {to}", name, new / old)
    if name == "sum":
        return _amount(sum(nums, Decimal(0)), places, unit, scale, " + ".join(texts), name, word=word)
    if name == "average":
        mean = sum(nums, Decimal(0)) / len(nums)
        return _amount(mean, places, unit, scale, f"({' + '.join(texts)}) / {len(nums)}", name, average=True,
                       word=word)
    if op.bound is not None:
        bound = op.bound.figure
        if any((o.figure.unit == "%") != (bound.unit == "%") for o in ops):  # "exceed 20%": percentages only
            return Refusal(name, f"{bound.text} and {texts[0]} are in different units", ops)
        return _beyond(ops, bound, op.bound.below, count=name == "count")
    if name == "compare":
        hi = max(range(len(ops)), key=lambda i: nums[i])
        lo = min(range(len(ops)), key=lambda i: nums[i])
        pick = lo if lower else hi
        winner = _period_name(ops[pick])
        sign = "<" if pick == lo else ">"
        others = [t for i, t in enumerate(texts) if i != pick]
        return Result(winner, f"{texts[pick]} {sign} {', '.join(others)}", name)
    return Refusal(name, f"the operation {name} is not known", ops)


_LOWER = re.compile(r"\b(?:lower|smaller|less|fewer|least|lowest|smallest|fewest|below|under)\b", re.I)


def _beyond(ops: list[Operand], bound: Figure, below: bool, count: bool = False) -> Result:
    """The periods whose figure is beyond `bound` ("less than 170 million": 162.2 million, not 191.9 million), or
    how many they are (`count`), each figure and the bound compared at their scales."""
    limit = _absolute(bound)
    kept = [o for o in ops if (_absolute(o.figure) < limit if below else _absolute(o.figure) > limit)]
    periods = [_period_name(o) for o in kept]
    sign = "<" if below else ">"
    formula = ", ".join(f"{o.figure.text}{f' {o.figure.scale}' if o.figure.scale else ''}"
                        f" {sign if o in kept else ('≥' if below else '≤')} {bound.text}" for o in ops)
    if count:
        return Result(str(len(kept)), formula, "count", Decimal(len(kept)))
    return Result(", ".join(periods) if periods else f"none of {', '.join(_period_name(o) for o in ops)}", formula,
                  "compare")


def _absolute(figure: Figure) -> Decimal:
    return figure.number * _SCALES.get(figure.scale, Decimal(1))


def _period_name(o: Operand) -> str:
    years = header_years(o.period)
    return next(iter(years)) if len(years) == 1 else (o.period or o.label)


def _amount(number: Decimal, places: int, unit: str, scale: str, formula: str, name: str,
            average: bool = False, word: str = "") -> Result:
    text = _trimmed(number, places, max(places, 2)) if average else _fmt(number, places)
    neg = text.startswith("-")
    body = text.lstrip("-")
    scaled = f"{text} {scale}" if scale else text
    if unit == "%":
        value = f"{text}%"
    elif word:  # a unit word after the figure, as the document writes it: "3.1 million tons", "27.8 billion KGS"
        value = f"{scaled} {word}"
    elif unit:  # a currency before it: "$8", "-€0.30", "EUR 3.2 million"
        value = f"{'-' if neg else ''}{unit}{' ' if unit[-1].isalpha() else ''}{body}{f' {scale}' if scale else ''}"
    else:
        value = scaled
    return Result(value, formula, name, number)


# -- the answer --------------------------------------------------------------------------------------------------

NOT_COMPUTED = "Not computed"


def _adjective_total(text: str, op: Operation) -> bool:
    """"total" before a noun ("the total operating expense"): a table's Total row, or the sum of the figures named."""
    return op.name == "sum" and text[op.start: op.end].lower() == "total" and \
        bool(re.match(r"\s+(?!of\b)[a-z]", text[op.end:], re.I))


def _stated(op: Operation, scored: list[Scored], model) -> bool:
    """A share or percentage change the best passage states itself ("more than 96% of its exports went to four
    countries"): that sentence answers, nothing is computed."""
    best = scored[0] if scored else None
    return (op.name in ("share", "percent_change") and best is not None and not best.candidate.is_row
            and best.score >= model.threshold and any(sp.label == "PERCENT" for sp in spans_in(best.candidate.text)))


def _lookup(answerer, q: Question, op: Operation, hits) -> tuple[Question, list[Scored]] | None:
    """The question as the lookup of its operands ("What was the percentage change in revenue from 2018 to 2019?" →
    "What was the revenue from 2018 to 2019?"), read and scored again: the operation's words are in no passage
    that holds an operand, and they would pull the scoring toward prose that talks about changes."""
    adjective_total = _adjective_total(q.text, op)
    said = q.text[op.start: op.end]
    asked = "how much " if re.search(r"how\s+much", said, re.I) else ""  # "by how much" → "how much"
    # "how much heavier": the adjective names what is compared (weight), so the question stays whole
    whole = adjective_total or bool(re.search(r"\w+er$", said)) and not re.search(r"(?:more|less|fewer)$", said)
    if op.bound:  # the periods of a row compared with a figure: the row is looked up by the question without it
        text = (q.text[: op.bound.start] + q.text[op.bound.end:]).strip()
    elif not whole:
        text = (q.text[: op.start] + asked + q.text[op.end:]).strip()
    else:
        text = q.text
    text = re.sub(r"^(\W*\w+(?:\s+(?:is|was|are|were))?\s+(?:the\s+)?)(?:in|of|for)\s+", r"\1", text, flags=re.I)
    if not content_terms(text) or not hits:
        return None
    vector = answerer.embedder.embed_query(text) if q.vector is not None else None
    lookup = answerer.read(text, vector)
    lookup = Question(text=q.text, wants=lookup.wants, years=q.years, terms=lookup.terms, wh=q.wh,
                      plural=q.plural, vector=lookup.vector, names=q.names, name_texts=q.name_texts, counts=q.counts)
    return lookup, answerer.rank(lookup, hits)


def _rescored(answerer, q: Question, text: str, hits) -> list[Scored]:
    """The candidates scored against `text`, a part of the question (one operand's words)."""
    if not hits or not content_terms(text):
        return []
    vector = answerer.embedder.embed_query(text) if q.vector is not None else None
    return answerer.rank(answerer.read(text, vector), hits)


def _stated_change(q: Question, op: Operation, scored: list[Scored], model):
    """No operands, but a passage states the change itself ("Over the year, production fell by 21.2%"): its figure,
    the one next to a change word, answers "By how much did production fall?". The passage must be one of the best
    passing the lower bar, or follow one passing the answer bar, and name (with its context) whatever the question
    names; the question must be one the documents answer at all."""
    from .types import Answer

    if op.name not in ("difference", "percent_change") or not scored or scored[0].score < model.threshold:
        return None
    gap = BOUNDS.change_gap
    # a sentence right after one that passes the answer bar goes on about its subject ("In 2024, 697.5 tons of refined
    # silver were produced… Over the year, production fell by 21.2%"): it is tried next to that one
    strong = {(s.candidate.chunk.id, s.candidate.text) for s in scored if s.score >= model.threshold}
    following = [s for s in scored if (s.candidate.chunk.id, s.candidate.previous) in strong]
    for s in list(dict.fromkeys(scored[: BOUNDS.sentences_tried] + following)):
        c = s.candidate
        if c.is_row or (s.score < model.related and s not in following):
            continue
        if names_missing(q.names, frozenset(content_terms(f"{c.text} {c.context} {c.chunk.text}"))):
            continue
        figures = [sp for sp in spans_in(c.text) if sp.label in ("MONEY", "PERCENT", "QUANTITY", "CARDINAL")]
        near = [(min(abs(sp.start - m.end()), abs(m.start() - sp.end)), sp) for m in _CHANGE.finditer(c.text)
                for sp in figures if m.end() <= sp.start <= m.end() + gap or m.start() - gap <= sp.end <= m.start()]
        if near:
            sp = min(near, key=lambda p: p[0])[1]
            value = Value(sp.text, c.start + sp.start, c.start + sp.end, sp.text, "span")
            return Answer(f"{sp.text} [1]", [citation_for(1, c, value)], value=sp.text, kind="span", score=s.score)
    return None


def _unnamed(q: Question, ops: list[Operand]) -> bool:
    """A name the question gives (a place, a company, a person) that no operand's passage names — in its chunk, its
    table or its document's title."""
    context = frozenset().union(*(content_terms(" ".join((
        o.candidate.chunk.text, o.candidate.chunk.title or "", o.candidate.chunk.table_title or "",
        o.candidate.chunk.header or "", o.candidate.previous or ""))) for o in ops))
    return names_missing(q.names, context) > 0


def compute_answer(answerer, q: Question, scored: list[Scored], hits=None):
    """An `Answer` of kind "computed"; the figure of a change the documents state, when there are no operands (kind
    "span"); a `Refusal` (the answerer falls back to its extractive answer and says why); or None when the question
    asks for no computation or its figures are of something else."""
    from .types import Answer

    op = read_operation(q.text)
    if op is None or not scored:
        return None
    if _stated(op, scored, answerer.model):
        return None
    asked, whole = q, scored
    q, scored = _lookup(answerer, q, op, hits) or (q, scored)
    found = find_operands(q, op, scored, answerer.model, lambda text: _rescored(answerer, q, text, hits),
                          lambda texts, word: list(answerer.vectors(texts) @ answerer.embedder.embed_query(word)))
    if found is None:
        return _stated_change(asked, op, whole, answerer.model)
    if isinstance(found, Refusal):
        return found
    if _unnamed(q, found):
        return None  # the figures are of something else (the world's output, not "Mongolia's"): no computation
    result = compute(op, found, lower=bool(_LOWER.search(q.text[op.start:])))
    if isinstance(result, Refusal):
        return result
    score = {id(s.candidate): s.score for s in scored}
    citations, operands = [], []
    for n, o in enumerate(found, start=1):
        c = citation_for(n, o.candidate, Value(o.figure.text, o.start, o.end, o.label, "cell"))
        citations.append(c)
        operands.append({"text": o.figure.text, "number": str(o.figure.number), "unit": o.figure.unit,
                         "scale": o.figure.scale, "label": o.label, "period": o.period, "citation": n,
                         "source": c.source, "start": c.span_start, "end": c.span_end})
    marks = "".join(f"[{n}]" for n in range(1, len(found) + 1))
    return Answer(f"{result.value} ({result.formula}) {marks}", citations, value=result.value, kind="computed",
                  score=min(score.get(id(o.candidate), 0.0) for o in found), operands=operands)


def refusal_note(refusal: Refusal) -> str:
    """What the answer says when the asked computation was not made."""
    what = {"percent_change": "the percentage change", "share": "the share", "ratio": "the ratio",
            "compare": "the comparison", "average": "the average", "difference": "the difference",
            "sum": "the total", "count": "the count"}.get(refusal.operation, "it")
    return f"{NOT_COMPUTED} ({what}): {refusal.reason}."

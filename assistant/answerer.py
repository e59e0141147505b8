"""The extractive answerer: question + retrieved chunks → an answer that cites the passage it rests on.

Stages, each in its own module: candidates (`candidates.py`: sentences and table rows), scoring (`scoring.py`: one
fitted score per candidate), the value (`spans.py` for a typed span in a sentence, `tables.py` for a cell of a row),
then the decision made here — answer, report a disagreement between sources, or abstain — and the answer's text.
"""

from __future__ import annotations

import re

import numpy as np

from .candidates import Candidate, candidates_from_hits
from .citing import Value, citation_for
from .compute import Refusal, compute_answer, refusal_note
from .question import NUMERIC, TIMES, Question, read_question
from .scoring import Model, Scored, VectorCache, default_model, score_candidates
from .spans import all_values, coordination, only_other_years, pick_value, spans_in
from .tables import header_years, is_numeric, label_column, pick_columns, scaled, split_cells, year_columns
from .text import years_in
from .types import Answer, Hit

ABSTAIN_TEXT = "The documents don't say."
CONFLICT_RATIO = 0.6  # candidates scoring at least this share of the best one, from another document, may disagree
VALUE_MARGIN = 0.15  # a typed question may take its value from a candidate this close to the best, if the best has none
MAX_RELATED = 3


class ExtractiveAnswerer:
    def __init__(self, embedder, model: Model | None = None):
        self.embedder = embedder
        self.model = model or default_model()
        self.vectors = VectorCache(embedder)

    def read(self, question: str, vector: np.ndarray | None = None) -> Question:
        return read_question(question, vector, self.embedder)

    def rank(self, question: Question, hits: list[Hit]) -> list[Scored]:
        """Every candidate passage of `hits` that may answer, scored, best first (shared with the LLM mode). Headings
        are scored among them — a heading sharing the question's words is the strongest passage some other one is
        measured against, as in the fit — but never answer: they say nothing."""
        scored = score_candidates(question, candidates_from_hits(hits), self.vectors, self.model)
        return [s for s in scored if not s.candidate.is_heading]

    def answer(self, question: str, hits: list[Hit], vector: np.ndarray | None = None) -> Answer:
        q = self.read(question, vector)
        scored = self.rank(q, hits)
        computed = compute_answer(self, q, scored, hits)  # a change, share, total… of cited figures (compute.py)
        if isinstance(computed, Answer):
            return computed
        answer = self._extract(q, scored)
        if isinstance(computed, Refusal) and not (answer.abstained and not computed.operands):
            # asked to compute, couldn't: the extractive answer, and why not (an abstention with no figure found
            # already says it)
            answer.note = refusal_note(computed)
            answer.text = f"{answer.text} {answer.note}"
        return answer

    def _extract(self, q: Question, scored: list[Scored]) -> Answer:
        if not scored or scored[0].score < self.model.threshold:
            return self._abstain(scored)
        best, value = self._best_with_value(q, scored)
        if value is None and _figures_for_other_years(q, best.candidate):
            return self._abstain(scored)  # "$27 in 2024, $35 in 2025" is no answer for 2023
        rivals = self._disagreeing(q, best, value, scored)
        if rivals:
            return self._conflict(q, [(best, value)] + rivals)
        citation = citation_for(1, best.candidate, value)
        if value is None:
            return Answer(f"{best.candidate.text.strip()} [1]", [citation], kind="sentence", score=best.score)
        return Answer(f"{value.described} [1]", [citation], value=value.text, kind=value.kind, score=best.score)

    # -- the value ---------------------------------------------------------------------------------
    def _best_with_value(self, q: Question, scored: list[Scored]) -> tuple[Scored, Value | None]:
        """The best candidate and its value; for a typed question whose best candidate holds none, a close runner-up
        that does, else (`_asks_a_row`) the best row of the sentence's document."""
        best = scored[0]
        value = self.value(q, best.candidate)
        if value is not None or not q.typed:
            return best, value
        for s in scored[1:]:
            if s.score < best.score - VALUE_MARGIN or s.score < self.model.threshold:
                break
            v = self.value(q, s.candidate)
            if v is not None:
                return s, v
        if not best.candidate.is_row and _asks_a_row(q, best.candidate):
            for s in scored[1:]:  # the best row of the sentence's document
                if s.candidate.is_row and s.candidate.chunk.doc_id == best.candidate.chunk.doc_id:
                    v = self.value(q, s.candidate)
                    if v is not None:
                        return s, v
        return best, None

    def value(self, q: Question, c: Candidate) -> Value | None:
        if c.is_row:
            return (self._periods(c) if _asks_periods(q) else None) or self._cell(q, c)
        if not q.typed:
            return None
        several = q.per_item if q.numeric else q.plural  # a plural noun alone asks for one figure ("the sales")
        spans = all_values(c.text, q) if several else []
        if len(spans) > 1:  # several asked, several found: all of them, from the first to the last
            text = ", ".join(s.text for s in spans)
            return Value(text, c.start + spans[0].start, c.start + spans[-1].end, text, "span")
        span = pick_value(c.text, q)
        if span is None:
            return None
        if q.plural:  # several things asked, one name found: the names coordinated with it
            span = coordination(c.text, span)
        return Value(span.text, c.start + span.start, c.start + span.end, span.text, "span")

    def _periods(self, c: Candidate) -> Value | None:
        """The years heading a row's figures, in the table's order (each header naming one year), citing those
        figures."""
        row, header = split_cells(c.text), split_cells(c.chunk.header)
        label = label_column(row)
        columns = year_columns(header, row, label)
        years = list(dict.fromkeys(next(iter(header_years(header[i].text))) for i in columns))
        if len(years) < 2:
            return None
        text = ", ".join(years)
        first, last = row[columns[0]], row[columns[-1]]
        name = row[label].text if not is_numeric(row[label].text) else ""  # a row of figures only has no name
        return Value(text, c.start + first.start, c.start + last.end, f"{text} ({name})" if name else text, "span")

    def _cell(self, q: Question, c: Candidate) -> Value | None:
        row = split_cells(c.text)
        header = split_cells(c.chunk.header)
        columns = pick_columns(q, header, row, self.vectors, c.table_heading)
        if not columns:
            return None
        label = next((cell.text for cell in row if cell.text and cell not in [row[i] for i in columns]), "")
        parts = []
        for i in columns:
            head = header[i].text if i < len(header) else ""
            parts.append(f"{scaled(row[i].text, c.scale, label, head)} ({', '.join(x for x in (label, head) if x)})")
        first, last = row[columns[0]], row[columns[-1]]
        values = "; ".join(row[i].text for i in columns)
        return Value(values, c.start + min(first.start, last.start), c.start + max(first.end, last.end),
                     "; ".join(parts), "cell")

    # -- disagreement --------------------------------------------------------------------------------
    def _disagreeing(self, q: Question, best: Scored, value: Value | None, scored: list[Scored]):
        """Close candidates from other documents whose figure differs from the best one's (figures only: names and
        sentences are compared too loosely to call a disagreement)."""
        if value is None or not (q.numeric or best.candidate.is_row):
            return []
        out, seen = [], {_figure(value.text)}
        for s in scored:
            if s is best or s.score < max(self.model.threshold, best.score * CONFLICT_RATIO):
                continue
            if not _other_source(s.candidate, best.candidate) or not _same_years(q, s.candidate):
                continue
            v = self.value(q, s.candidate)
            if v is None or _figure(v.text) in seen or not _figure(v.text):
                continue
            seen.add(_figure(v.text))
            out.append((s, v))
        return out[:2]

    def _conflict(self, q: Question, found: list[tuple[Scored, Value]]) -> Answer:
        found = sorted(found, key=lambda sv: sv[0].candidate.chunk.date or "", reverse=True)  # newest first
        citations, parts = [], []
        for n, (s, v) in enumerate(found, start=1):
            c = s.candidate
            citations.append(citation_for(n, c, v))
            parts.append(f"{v.described} according to {c.chunk.title or 'a source'}"
                         f"{f' ({c.chunk.date})' if c.chunk.date else ''} [{n}]")
        text = "The sources differ: " + "; ".join(parts) + "."
        return Answer(text, citations, conflict=True, value=found[0][1].text, kind="conflict",
                      score=found[0][0].score)

    # -- abstaining ----------------------------------------------------------------------------------
    def _abstain(self, scored: list[Scored]) -> Answer:
        related = [s for s in scored if s.score >= self.model.related][:MAX_RELATED]
        citations = [citation_for(n, s.candidate, None) for n, s in enumerate(related, start=1)]
        text = ABSTAIN_TEXT + (" The closest passages are listed below." if citations else "")
        return Answer(text, abstained=True, related=citations, kind="abstain",
                      score=scored[0].score if scored else 0.0)


def _other_source(a: Candidate, b: Candidate) -> bool:
    """Two passages speak for different sources: different documents, or different tables of one document (a report
    whose two tables give two figures for the same thing)."""
    if a.chunk.doc_id != b.chunk.doc_id:
        return True
    return a.is_row and b.is_row and (a.chunk.table_title, a.chunk.header) != (b.chunk.table_title, b.chunk.header)


def _asks_a_row(q: Question, sentence: Candidate) -> bool:
    """The question asks for what a table row holds though its best passage is a sentence (the one introducing the
    table, mostly): the years a row's figures are given for, or a figure for a year the sentence holds no figure
    of. A question naming no year doesn't say which cell ("What is liquidity risk?", judged to ask for a rate)."""
    return _asks_periods(q) or q.numeric and bool(q.years) and not _holds_figure(sentence.text)


def _figures_for_other_years(q: Question, sentence: Candidate) -> bool:
    """A sentence (not a row) gives the figures asked for, each for another year than the question names."""
    return not sentence.is_row and q.numeric and bool(q.years) and only_other_years(sentence.text, q)


def _holds_figure(text: str) -> bool:
    """An amount, count or percentage in `text` (a year or a date is none)."""
    return any(s.label in NUMERIC for s in spans_in(text))


def _asks_periods(q: Question) -> bool:
    """"Which years does the table give X for?", "In which years was X calculated?": several points in time."""
    return q.plural and bool(q.wants) and q.wants <= TIMES


def _same_years(q: Question, c: Candidate) -> bool:
    """A passage speaks of the years the question names (in its words, or its table's header or title): a figure
    for another year, or for no year, is no disagreement about the one asked ("2026 est." vs a table of last year's)."""
    return not q.years or bool(q.years & set(years_in(f"{c.text} {c.previous} {c.chunk.header}")))


def _figure(text: str) -> str:
    """A value's digits, for comparing figures across sources ("6,400 tons" and "6400 t" agree)."""
    return "".join(re.findall(r"[\d.]+", text.replace(",", ""))).strip(".")

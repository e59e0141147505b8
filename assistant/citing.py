"""A citation from a candidate passage and the value found in it: exact offsets into the source file.

Shared by the extractive answerer, the computed answers (one citation per operand) and the LLM mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from .candidates import Candidate
from .types import Citation


@dataclass(frozen=True)
class Value:
    """The short answer found in a candidate: its text and its offsets in the candidate's chunk text."""

    text: str
    start: int
    end: int
    described: str  # how the answer states it: "121,300 (Customers, 2024)" for a cell, the span itself otherwise
    kind: str  # "span" | "cell"


def citation_for(number: int, c: Candidate, value: Value | None) -> Citation:
    chunk = c.chunk
    start, end = c.source_span
    span_start = span_end = None
    if value is not None:
        span_start, span_end = chunk.source_offset(value.start), chunk.source_offset(value.end - 1) + 1
    context = (c.previous + " " + c.text).strip() if not c.is_row else c.text
    return Citation(number=number, source=chunk.source, title=chunk.title, date=chunk.date, passage=c.text.strip(),
                    start=start, end=end, chunk_id=chunk.id, context=context, span_start=span_start,
                    span_end=span_end, kind=chunk.kind, header=chunk.header)

"""Typed records of the answer side: citations and answers. The shared ones (chunks, hits, ingest reports) are
`index.types`'s, re-exported here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from index.types import Chunk, Hit, IngestReport, map_offset  # noqa: F401  (re-exported)


@dataclass(frozen=True)
class Citation:
    """The exact passage an answer rests on: a sentence or a table row, with offsets in the source text."""

    number: int
    source: str
    title: str
    date: str | None
    passage: str
    start: int
    end: int
    chunk_id: str = ""
    context: str = ""  # a few sentences around the passage, for display
    # Where the answer's short value sits in the source text (inside start..end), when the answer is a span or cell.
    span_start: int | None = None
    span_end: int | None = None
    kind: str = "text"  # "text" (a sentence) | "table_row"
    header: str = ""  # for a table row: the table's header line (pipe text), to render the row as a table

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    conflict: bool = False
    related: list[Citation] = field(default_factory=list)
    question: str = ""
    standalone_question: str = ""
    mode: str = "extractive"
    note: str = ""  # e.g. why an LLM answer fell back to the extractive one
    # Answers as data: the short value (a figure, a name, a date, a table cell; None when the answer is a whole
    # sentence or an abstention), what kind of answer this is, and the answerer's confidence score.
    value: str | None = None
    kind: str = "sentence"  # "span" | "cell" | "sentence" | "abstain" | "conflict" | "computed" | "llm"
    score: float = 0.0
    # A computed answer's operands: each figure as written, its exact value, unit, scale, label, and the number of
    # the citation that holds it (with its source offsets) — see assistant/compute.py.
    operands: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "text": self.text,
            "abstained": self.abstained,
            "conflict": self.conflict,
            "mode": self.mode,
            "note": self.note,
            "value": self.value,
            "kind": self.kind,
            "score": self.score,
            "operands": self.operands,
            "citations": [c.to_dict() for c in self.citations],
            "related": [c.to_dict() for c in self.related],
        }

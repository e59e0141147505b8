"""Candidates: the sentences and table rows of the retrieved chunks, each with its context, that an answer may cite.

A sentence found in two overlapping chunks is one candidate (the better-ranked chunk's). Offsets are kept in the
chunk's text; `Candidate.source_span` maps them to the source file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from index.documents import is_heading, markdown_heading
from index.language import prose_scale

from .tables import table_scale
from .text import sentence_spans
from .types import Chunk, Hit


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    start: int  # the passage, in chunk.text
    end: int
    rank: int  # its chunk's retrieval rank (1-based)
    previous: str = ""  # the sentence before it (context), or for a row, the table's title
    scale: str = ""  # for a row: the scale its table's figures are in ("thousand", "million"), when stated
    section: str = ""  # for a sentence: the heading it stands under in its chunk ("Roof repair")

    @property
    def text(self) -> str:
        return self.chunk.text[self.start : self.end]

    @property
    def is_row(self) -> bool:
        return self.chunk.kind == "table_row"

    @property
    def is_heading(self) -> bool:
        """A Markdown heading line: it names what follows and answers nothing (`ExtractiveAnswerer.rank`)."""
        return not self.is_row and bool(markdown_heading(self.text))

    @property
    def table_heading(self) -> str:
        """A row's table title when it is a heading; "" when it is the paragraph above a table without one (which
        would outweigh the row when compared with a question, and whose words name no column)."""
        return self.chunk.table_title if self.is_row and is_heading(self.chunk.table_title) else ""

    @property
    def embed_text(self) -> str:
        """What the model compares with the question: a row with its table's heading and header; a sentence alone."""
        if not self.is_row:
            return self.text
        if self.table_heading:
            return self.chunk.text
        return f"{self.chunk.header}\n{self.text}"

    @property
    def context(self) -> str:
        """The words around the passage that still speak for it: the document title, the section heading, the
        previous sentence."""
        if self.is_row:
            return self.chunk.text
        return "\n".join(dict.fromkeys(t for t in (self.chunk.title, self.section, self.previous) if t))

    @property
    def source_span(self) -> tuple[int, int]:
        return self.chunk.source_offset(self.start), self.chunk.source_offset(self.end - 1) + 1

    @property
    def key(self) -> tuple[str, int]:
        return self.chunk.source, self.source_span[0]


@lru_cache(maxsize=4096)
def _sentences(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(sentence_spans(text))


def candidates_from_hits(hits: list[Hit]) -> list[Candidate]:
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    notes = _scale_notes(hits)
    for hit in hits:
        for cand in chunk_candidates(hit.chunk, hit.rank, _table_scale(hit.chunk, notes)):
            if cand.key not in seen:
                seen.add(cand.key)
                out.append(cand)
    return out


def _scale_notes(hits: list[Hit]) -> dict[str, list[tuple[int, str]]]:
    """Per document, where its retrieved prose states the scale of its tables ("…below (in thousands):")."""
    notes: dict[str, list[tuple[int, str]]] = {}
    for hit in hits:
        if hit.chunk.kind != "table_row":
            note = prose_scale(hit.chunk.text)
            if note:
                notes.setdefault(hit.chunk.source, []).append((hit.chunk.start, note))
    return notes


def _table_scale(chunk: Chunk, notes: dict[str, list[tuple[int, str]]]) -> str:
    """A row's scale: its table's header (either line of it) or title says it, else the document's prose nearest the
    table (found at ingest), else the nearest retrieved passage that states one (an index written before
    `Chunk.document_scale`; a table line's note in a text chunk)."""
    if chunk.kind != "table_row":
        return ""
    own = table_scale(chunk.header, chunk.subheader, chunk.table_title) or chunk.document_scale
    if own:
        return own
    near = min(notes.get(chunk.source, []), key=lambda n: abs(n[0] - chunk.start), default=None)
    return near[1] if near else ""


def chunk_candidates(chunk: Chunk, rank: int, scale: str = "") -> list[Candidate]:
    if chunk.kind == "table_row":
        return [Candidate(chunk, chunk.row_offset, len(chunk.text), rank, chunk.table_title, scale)]
    out, previous = [], chunk.lead
    section = markdown_heading(chunk.lead)
    for a, b in _sentences(chunk.text):
        if b - a < 3 or chunk.text.startswith("|", a):
            continue  # a table line is its row's candidate (a table_row chunk), with its header
        out.append(Candidate(chunk, a, b, rank, previous, section=section))
        previous = chunk.text[a:b]
        section = markdown_heading(previous) or section
    return out

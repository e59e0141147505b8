"""Typed records that cross module boundaries: chunks, citations, answers, ingest reports."""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import asdict, dataclass, field, fields


def map_offset(breaks: tuple[tuple[int, int], ...], i: int) -> int:
    """Map position `i` through sorted (text_offset, source_offset) breakpoints; verbatim between them."""
    if len(breaks) == 1:  # a chunk cleaning dropped no line inside: no search needed
        t, s = breaks[0]
        return s + (i - t)
    k = max(0, bisect_right(breaks, (i, float("inf"))) - 1)
    t, s = breaks[k]
    return s + (i - t)


@dataclass(frozen=True)
class Chunk:
    """One retrievable unit: a sentence-aware chunk of a document, or one table row with its header.

    `text` is what is embedded and searched. `offsets` maps positions in `text` to character positions
    in the source file's text: a sorted list of (text_offset, source_offset) breakpoints; between two
    breakpoints the text is a verbatim copy of the source (cleaning only ever drops whole lines).
    """

    id: str
    text: str
    source: str
    doc_id: str
    title: str
    date: str | None
    kind: str  # "text" | "table_row"
    start: int
    end: int
    offsets: tuple[tuple[int, int], ...]
    file_hash: str = ""
    chunk_count: int = 0
    table_title: str = ""
    header: str = ""
    row_offset: int = 0  # for table rows: where the row itself starts in `text`
    lead: str = ""  # the line or sentence just before the chunk in its document: context for its first sentence

    def source_offset(self, i: int) -> int:
        """Character position in the source text of position `i` in `text`."""
        return map_offset(self.offsets, i)

    # Stored form. Only the keys the store filters on are Chroma metadata keys; the rest, text included, is one
    # JSON value. Chroma's local write path indexes every `documents` entry in SQLite FTS5 (even when the
    # collection's schema deletes the FTS index; checked on chromadb 1.5.9) and adds index rows per metadata key:
    # together they halved ingest throughput, and this project's full-text search is its own BM25.
    _BLOB = "chunk"

    def to_metadata(self, marker: bool = False, order: str = "") -> dict:
        """`order`, when given, is written just before the JSON, so that stored strings sort by it (`ChromaStore`
        passes keys that increase with each write, see `_write_orders`)."""
        return {"source": self.source, self._BLOB: order + self.stored_json(marker), "marker": marker}

    def stored_json(self, marker: bool = False) -> str:
        """Every field but `id` and `source`, as JSON. Fields at their default are left out (Chroma's write cost grows
        with its size), and so is the file hash except on the file's marker chunk, the one place it is read
        (`ChromaStore.file_states`)."""
        stored = {f: v for f, default in _STORED_FIELDS.items() if (v := getattr(self, f)) != default}
        if not marker:
            stored.pop("file_hash", None)
        return json.dumps(stored, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_stored(cls, id: str, source: str, stored_json: str) -> "Chunk":
        """`stored_json` as `to_metadata` stores it: the JSON, maybe after a write-order key."""
        stored = json.loads(stored_json if stored_json.startswith("{") else stored_json[stored_json.index("{") :])
        stored["offsets"] = tuple(tuple(p) for p in stored["offsets"])
        return cls(id=id, source=source, **stored)

    @classmethod
    def from_record(cls, id: str, text: str | None, meta: dict) -> "Chunk":
        if cls._BLOB in meta:
            return cls.from_stored(id, meta["source"], meta[cls._BLOB])
        return cls._from_flat_record(id, text or "", meta)

    @classmethod
    def _from_flat_record(cls, id: str, text: str, meta: dict) -> "Chunk":
        """Indexes written before the JSON layout: text in Chroma's documents, one metadata key per field."""
        return cls(
            id=id,
            text=text,
            source=meta["source"],
            doc_id=meta["doc_id"],
            title=meta.get("title", ""),
            date=meta.get("date") or None,
            kind=meta.get("kind", "text"),
            start=int(meta["start"]),
            end=int(meta["end"]),
            offsets=tuple(tuple(p) for p in json.loads(meta["offsets"])),
            file_hash=meta.get("file_hash", ""),
            chunk_count=int(meta.get("chunk_count", 0)),
            table_title=meta.get("table_title", ""),
            header=meta.get("header", ""),
            row_offset=int(meta.get("row_offset", 0)),
            lead=meta.get("lead", ""),
        )


# field → its default (MISSING for the fields without one, which are therefore always stored)
_STORED_FIELDS = {f.name: f.default for f in fields(Chunk) if f.name not in ("id", "source")}


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and rank (1-based)."""

    chunk: Chunk
    score: float
    rank: int


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


@dataclass
class IngestReport:
    files_read: int = 0
    documents: int = 0
    chunks_added: int = 0
    chunks_unchanged: int = 0
    chunks_removed: int = 0
    files_unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0

    @property
    def nothing_read(self) -> bool:
        """No file given could be read (none exists, or every one was skipped): a script should see a failure."""
        return self.files_read == 0

    def summary(self) -> str:
        lines = [
            f"files read: {self.files_read} ({self.files_unchanged} unchanged)",
            f"documents: {self.documents}",
            f"chunks added: {self.chunks_added}, unchanged: {self.chunks_unchanged}, removed: {self.chunks_removed}",
            f"files skipped: {len(self.skipped)}",
        ]
        lines += [f"  - {path}: {why}" for path, why in self.skipped]
        lines.append(f"time: {self.seconds:.2f} s")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return asdict(self)

"""The data types every layer shares: chunks, retrieved hits, ingest reports (and the offset map chunks cite through).

They live in the bottom layer, `index/`, which produces them; `assistant` re-exports them.
"""

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
        """"2 files: 1 new or changed, 1 unchanged, 0 skipped / chunks: 3 new, 4 unchanged, 0 removed", the skips and
        the time: what `assistant ingest`, the page and `assistant eval` print."""
        files = self.files_read + len(self.skipped)
        lines = [
            f"{files} file{'' if files == 1 else 's'}: {self.files_read - self.files_unchanged} new or changed, "
            f"{self.files_unchanged} unchanged, {len(self.skipped)} skipped",
            f"chunks: {self.chunks_added} new, {self.chunks_unchanged} unchanged, {self.chunks_removed} removed",
        ]
        lines += [f"  skipped {path}: {why}" for path, why in self.skipped]
        lines.append(f"time: {self.seconds:.2f} s")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return asdict(self)

"""The data types every layer shares: chunks, retrieved hits, ingest reports (and the offset map chunks cite through).

They live in the bottom layer, `index/`, which produces them; `assistant` re-exports them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field


def map_offset(breaks: tuple[tuple[int, int], ...], i: int) -> int:
    """Map position `i` through sorted (text_offset, source_offset) breakpoints; verbatim between them."""
    if len(breaks) == 1:  # a chunk cleaning dropped no line inside: no search needed
        t, s = breaks[0]
        return s + (i - t)
    k = max(0, bisect_right(breaks, (i, float("inf"))) - 1)
    t, s = breaks[k]
    return s + (i - t)


# The way a file becomes chunks (cleaning, chunking, the fields a chunk carries). Raise it with any change that
# alters the chunks a file gives: a file's recorded hash (`readers.file_hash`) includes it, so the next ingest reads
# every file of an index written before the change again instead of keeping chunks that lack the new fields.
# 2: table rows carry `subheader` and `document_scale`.
# 3: a Markdown heading at the top is the title; a line of hard-wrapped prose is no title (nor a table's); a line
#    ending in "," or "&" runs on into the next (chunk boundaries move).
CHUNK_FORMAT = 3


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
    # for table rows: the table's rows between its header and its first row with a figure, a second header line
    # ("| (In thousands) | $ | $ |"), one per line
    subheader: str = ""
    # for table rows: the scale its document's prose states nearest the table ("…below (in thousands):" → "thousand")
    document_scale: str = ""
    row_offset: int = 0  # for table rows: where the row itself starts in `text`
    lead: str = ""  # the line or sentence just before the chunk in its document: context for its first sentence

    def source_offset(self, i: int) -> int:
        """Character position in the source text of position `i` in `text`."""
        return map_offset(self.offsets, i)


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

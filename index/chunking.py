"""Documents → chunks: sentence-aware chunks with overlap (llama-index), plus one node per table row.

Every chunk carries its offsets in the source text, so a citation inside it can point at the source exactly.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from .cleaning import TABLE_DELIMITER
from .documents import DocumentPart, is_title_like
from .language import prose_scale
from .sentences import split_sentences
from .types import Chunk, map_offset

_LEADING_SYMBOLS = re.compile(r"^[^\w\"“'(]+")


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    class WordSplitter(SentenceSplitter):
        def _token_size(self, text: str) -> int:
            # What the `tokenizer=str.split` below counts, without reaching the tokenizer through pydantic's
            # attribute lookup on every sentence (a fifth of chunking's time). tests/index/test_chunking.py holds
            # the chunks equal to the stock splitter's.
            return len(text.split())

    # Sized in whitespace-separated words: counting tiktoken tokens cost more than the rest of ingestion together.
    # Sentences from our regex splitter rather than NLTK Punkt (same boundaries, a fraction of the time).
    return WordSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap, include_metadata=False,
                        tokenizer=str.split, chunking_tokenizer_fn=split_sentences)


def chunk_id(doc_id: str, kind: str, start: int, text: str) -> str:
    return hashlib.sha1(f"{doc_id}\x00{kind}\x00{start}\x00{text}".encode()).hexdigest()[:24]


def _line_spans(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _table_title(lines: list[tuple[int, str]], first_row: int) -> tuple[int, str] | None:
    """The heading a table stands under: a title-like line just above it, else the line right above it."""
    above = [(pos, line) for pos, line in lines[max(0, first_row - 4) : first_row] if line.strip()]
    for pos, line in reversed(above):
        if is_title_like(_LEADING_SYMBOLS.sub("", line.strip())):
            return pos, line
    return above[-1] if above else None


@dataclass(frozen=True)
class TableRow:
    """A data row of a pipe table as its chunk's text: the table's title and header lines, then the row."""

    text: str
    breaks: tuple[tuple[int, int], ...]  # the text's breakpoints into the document (as `Chunk.offsets`)
    row_offset: int  # where the row itself starts in `text`
    title: str
    header: str
    subheader: str  # the header's second line(s): the rows above the first figure
    scale: str  # the scale the document's prose states nearest the table


def table_rows(doc: DocumentPart) -> list[TableRow]:
    """One entry per data row of each pipe table."""
    lines = _line_spans(doc.body.text)
    notes = [(pos, pos + len(line), scale) for pos, line in lines
             if not line.lstrip().startswith("|") and (scale := prose_scale(line))]
    out = []
    i = 0
    while i < len(lines):
        if not lines[i][1].lstrip().startswith("|"):
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j][1].lstrip().startswith("|"):
            j += 1
        if j - i >= 2:
            title = _table_title(lines, i)
            header_pos, header = lines[i]
            subheader = "\n".join(_subheader([row for _, row in lines[i + 1 : j]]))
            note = _nearest_note(notes, lines[i][0], lines[j - 1][0] + len(lines[j - 1][1]))
            pieces: list[tuple[int, str]] = ([title] if title else []) + [(header_pos, header)]
            for row_pos, row in lines[i + 1 : j]:
                if TABLE_DELIMITER.match(row.strip()):
                    continue
                text, breaks = "", []
                for pos, line in pieces + [(row_pos, row)]:
                    if text:
                        text += "\n"
                    # the line's own breakpoints: cleaning may have removed invisible characters inside it
                    row_offset = len(text)  # after the loop: where the row itself starts
                    breaks += [(len(text) + t, s) for t, s in doc.body.slice(pos, pos + len(line)).breaks]
                    text += line
                title_text = _LEADING_SYMBOLS.sub("", title[1].strip()) if title else ""
                out.append(TableRow(text, tuple(breaks), row_offset, title_text, header.strip(), subheader, note))
        i = j
    return out


def _nearest_note(notes: list[tuple[int, int, str]], start: int, end: int) -> str:
    """The scale stated by the note line (start, end, scale) nearest the table at [start, end), above or below it."""
    return min(notes, key=lambda n: start - n[1] if n[1] <= start else n[0] - end, default=(0, 0, ""))[2]


def _subheader(rows: list[str]) -> list[str]:
    """The rows under a table's header up to its first row holding a figure: a header's second line, such as a
    note of the figures' scale or currency ("| (In thousands) | $ | $ |"); none when the first row holds one."""
    out = []
    for row in rows:
        if TABLE_DELIMITER.match(row.strip()):
            continue
        if any(ch.isdigit() for ch in row):
            break
        out.append(row.strip())
    return out


# A run of this many characters without a space is no word (a base64 blob, a minified line, a 19 MB "token"): it is
# cut into pieces of LONG_PIECE_CHARS that are chunks of their own, and never reaches the word-based splitter, which
# would fall back to splitting it character by character (a 19 MB token gave one 19 MB chunk and 1.2 GB of memory).
LONG_TOKEN_CHARS = 200
LONG_PIECE_CHARS = 1000
MAX_ROW_CHUNK_CHARS = 4000  # a table row's chunk (title, header and row) beyond this is not kept as a row
_LONG_TOKEN = re.compile(r"\S{%d,}" % LONG_TOKEN_CHARS)


def _text_chunks(doc: DocumentPart, chunk_size: int, chunk_overlap: int) -> list[tuple[int, str]]:
    """(start, text) of each chunk, every one bounded in size whatever the input: the prose between over-long
    tokens goes through the sentence splitter, each over-long token is cut into fixed pieces."""
    text, out, pos = doc.body.text, [], 0
    for m in _LONG_TOKEN.finditer(text):
        out += _split_prose(text, pos, m.start(), chunk_size, chunk_overlap)
        out += [(a, text[a : min(a + LONG_PIECE_CHARS, m.end())]) for a in range(m.start(), m.end(), LONG_PIECE_CHARS)]
        pos = m.end()
    return out + _split_prose(text, pos, len(text), chunk_size, chunk_overlap)


def _split_prose(text: str, lo: int, hi: int, chunk_size: int, chunk_overlap: int) -> list[tuple[int, str]]:
    """(start, text) of the sentence-aware chunks of text[lo:hi]. `split_text` gives the same chunks as building
    nodes, without the cost of llama-index node objects (a third of chunking's time); their offsets are found here."""
    part = text[lo:hi] if lo or hi < len(text) else text
    if not part.strip():
        return []
    out, search_from = [], 0
    for piece in _splitter(chunk_size, chunk_overlap).split_text(part):
        start = part.find(piece, search_from)
        if start < 0:  # the splitter normalised something: search from the top
            start = part.find(piece)
            if start < 0:
                continue
        out.append((lo + start, piece))
        search_from = start + 1
    return out


def _lead(text: str, start: int) -> str:
    """The line (or, in a long paragraph, the sentence) just before `start`."""
    before = text[max(0, start - 400) : start].rstrip()
    line = before.rsplit("\n", 1)[-1].strip()
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])", line)
    return parts[-1] if parts else ""


def chunk_document(doc: DocumentPart, chunk_size: int = 120, chunk_overlap: int = 24) -> list[Chunk]:
    chunks = [_chunk(doc, "text", text, doc.body.slice(start, start + len(text)).breaks,
                     lead=_lead(doc.body.text, start))
              for start, text in _text_chunks(doc, chunk_size, chunk_overlap)]
    # a row longer than MAX_ROW_CHUNK_CHARS is no chunk of its own: its text is in the text chunks, in bounded pieces
    chunks += [_chunk(doc, "table_row", r.text, r.breaks, r.row_offset, table_title=r.title, header=r.header,
                      subheader=r.subheader, document_scale=r.scale)
               for r in table_rows(doc) if len(r.text) <= MAX_ROW_CHUNK_CHARS]
    return chunks


def _chunk(doc: DocumentPart, kind: str, text: str, breaks, row_offset: int = 0, **fields) -> Chunk:
    start = breaks[0][1]
    end = breaks[-1][1] + (len(text) - breaks[-1][0])
    # Identified by where the chunk's own text is, not only by its content: a table's rows all start at its title or
    # header, and two identical rows ("Total | 5 | 4" twice) must stay two chunks (issue 21).
    own_start = map_offset(breaks, row_offset) if kind == "table_row" else start
    return Chunk(id=chunk_id(doc.doc_id, kind, own_start, text), text=text, source=doc.source, doc_id=doc.doc_id,
                 title=doc.title, date=doc.date, kind=kind, start=start, end=end, offsets=tuple(breaks),
                 file_hash=doc.file_hash, row_offset=row_offset, **fields)

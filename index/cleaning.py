"""Cleaning real web text, with no rules keyed to any file.

Cleaning only ever drops whole lines and invisible characters (`strip_invisible`), so the cleaned text is a
sequence of verbatim runs of the source.
`MappedText` keeps, for each run, where it starts in the source: every cleaned position maps back to
a source position, and citations can point at the source text exactly.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from .dates import find_date
from .types import map_offset

# A line repeated this often in one page is chrome (tickers, share buttons, cookie banners), not content.
REPEAT_THRESHOLD = 3
# Navigation menus: at least this many consecutive short lines with no sentence in them.
NAV_RUN_MIN = 6
NAV_LINE_MAX_WORDS = 4
NAV_LINE_MAX_CHARS = 36

_SENTENCE_END = re.compile(r"[.!?…]['\"”’)]*$")
_LIST_ITEM = re.compile(r"^\s*([-*+]|\d+[.)])\s+\S")


@dataclass(frozen=True)
class MappedText:
    text: str
    breaks: tuple[tuple[int, int], ...]  # (position in text, position in source), sorted

    def to_source(self, i: int) -> int:
        return map_offset(self.breaks, i)

    @cached_property
    def _break_positions(self) -> list[int]:
        return [t for t, _ in self.breaks]

    def slice(self, start: int, end: int) -> "MappedText":
        """The text[start:end] with its own breakpoints (positions relative to the slice). The breakpoints inside
        are found by bisection: a file of many short lines has one per line, and a scan of them all per chunk made
        ingest quadratic in the number of lines (issue 20, item 10)."""
        positions = self._break_positions
        lo, hi = bisect_right(positions, start), bisect_left(positions, end)
        breaks = [(0, self.to_source(start))]
        breaks += [(t - start, s) for t, s in self.breaks[lo:hi]]
        return MappedText(self.text[start:end], tuple(breaks))


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        out.append((pos, line.rstrip("\r\n")))
        pos += len(line)
    return out


def is_nav_line(line: str) -> bool:
    s = line.strip()
    if not s or s.startswith("|") or _LIST_ITEM.match(s):
        return False
    short = len(s) <= NAV_LINE_MAX_CHARS and len(s.split()) <= NAV_LINE_MAX_WORDS and not _SENTENCE_END.search(s)
    return short and not find_date(s)  # a dateline is content: it dates the document


def _nav_line_indexes(lines: list[str], skip: set[int]) -> set[int]:
    """Indexes of lines in runs of >= NAV_RUN_MIN short, sentence-less lines (blank lines don't break a run)."""
    drop: set[int] = set()
    run: list[int] = []

    def close() -> None:
        if len(run) >= NAV_RUN_MIN:
            drop.update(run)
        run.clear()

    for i, line in enumerate(lines):
        if not line.strip() or i in skip:
            continue
        if is_nav_line(line):
            run.append(i)
        else:
            close()
    close()
    return drop


# A Markdown table's header delimiter ("|---|:---:|"): repeated in a page of tables, yet structure, not chrome.
TABLE_DELIMITER = re.compile(r"^\|?[\s:|-]+\|?$")


def _repeated_line_indexes(lines: list[str]) -> set[int]:
    counts = Counter(s for line in lines if (s := line.strip()) and not ("|" in s and TABLE_DELIMITER.match(s)))
    repeated = {s for s, n in counts.items() if n >= REPEAT_THRESHOLD and len(s) < 300}
    return {i for i, line in enumerate(lines) if line.strip() in repeated}


# Characters no reader sees that still split or hide words: C0/C1 controls (tab kept), the soft hyphen, zero-width
# space and joiners of words (U+2060), byte-order marks and the bidirectional overrides that reorder what is shown
# ("Trojan source"). A document's "zero\u200bwidth" is then found by "zerowidth". ZWJ/ZWNJ (U+200C/D) stay: they
# shape emoji and Persian or Indic script.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]+"
)


def strip_invisible(text: str) -> str:
    """`text` without the invisible characters cleaning removes (for questions: the same text matches the same)."""
    return _INVISIBLE.sub("", text)


def normalize_question(text: str) -> str:
    """A question as the index sees text: invisible characters removed, then NFKC (full-width letters, ligatures and
    superscripts as their plain forms, as `index.language.word_tokens` indexes them)."""
    return unicodedata.normalize("NFKC", strip_invisible(text))


def visible_runs(line: str) -> tuple[str, list[tuple[int, int]]]:
    """`line` without its invisible characters, and where each run of what is left starts: (position in the result,
    position in `line`) — the breakpoints that keep every kept character mapped to itself in the source."""
    runs, pieces, last, v = [], [], 0, 0
    for m in _INVISIBLE.finditer(line):
        a, b = m.span()
        if a > last:
            runs.append((v, last))
            pieces.append(line[last:a])
            v += a - last
        last = b
    if last < len(line) or not runs:
        runs.append((v, last))
        pieces.append(line[last:])
    return "".join(pieces), runs


def clean_text(text: str, drop_lines: set[int] | None = None) -> MappedText:
    """Drop chrome lines (repeated lines, navigation runs, extra blank lines) and keep the rest verbatim."""
    numbered = _lines_with_offsets(text)
    lines = [line for _, line in numbered]
    drop = _repeated_line_indexes(lines) | (drop_lines or set())
    drop |= _nav_line_indexes(lines, skip=drop)
    parts: list[str] = []
    breaks: list[tuple[int, int]] = []
    pos = 0
    prev_blank = True  # also strips leading blank lines
    dropped = False
    for i, (src, line) in enumerate(numbered):
        if i in drop:
            dropped = True
            continue
        blank = not _INVISIBLE.sub("", line).strip()
        if blank and prev_blank:
            continue
        if parts and dropped and not blank and not prev_blank:
            # a blank line where chrome was dropped between two lines of text: joined directly, a sentence would
            # run over the dropped line and its cited source span would hold text the passage doesn't
            parts.append("")
            pos += 1
        dropped = False
        if parts:
            pos += 1  # the "\n" joining lines
        visible, runs = visible_runs(line)
        breaks += [(pos + v, src + o) for v, o in runs]
        parts.append(visible)
        pos += len(visible)
        prev_blank = blank
    while parts and not parts[-1].strip():
        parts.pop()
    return MappedText("\n".join(parts), tuple(breaks) or ((0, 0),))

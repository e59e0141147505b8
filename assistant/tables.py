"""A table row as cells, and the cell(s) a question asks for: the row is the candidate that answers; the column is
the header cell that best matches the question (a year it names, its words, the model's similarity)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .question import Question
from .text import content_terms, years_in

# a figure, with a unit of up to three characters ("kg", "W") or one unit word ("minutes")
_NUMERIC_CELL = re.compile(r"^[\s$€£¥(+−-]*\d[\d,.\s]*%?\)?\s*(?:\w{0,3}|[^\W\d_]{4,12})$")


# How a table's title or header states the scale of its figures: "(Dollars in millions)", "€ million", "$'000" (or
# "US$’000", the apostrophe typeset), "2019 €m", "£bn".
_TABLE_SCALE = re.compile(r"\b(thousand|million|billion|trillion)s?\b|\B['’]000\b|\b000s\b|\(000\)|\$000\b|"
                          r"(?<=[$€£¥])\s?(?P<short>mn|m|bn|k)\b", re.I)
_SHORT_SCALE = {"m": "million", "mn": "million", "bn": "billion", "k": "thousand"}
_SCALED_ALREADY = re.compile(r"%|\b(?:thousand|million|billion|trillion|bn|mn|[mk])\b", re.I)
_PER = re.compile(r"\bper\b", re.I)  # a figure per share, per employee…: never in the table's scale


FISCAL_YEAR = re.compile(r"\bFY\s?'?(\d{2})\b", re.I)  # "FY19" is 2019


def header_years(head: str) -> set[str]:
    """The years a column header names: "Fiscal Year Ended August 31, 2019" → {"2019"}, "FY19" → {"2019"}."""
    return set(years_in(head)) | {"20" + y for y in FISCAL_YEAR.findall(head)}


def year_columns(header: list[Cell], row: list[Cell], label: int) -> list[int]:
    """The row's filled columns (its label's aside) whose header names exactly one year, in the table's order."""
    return [i for i, cell in enumerate(row) if i != label and cell.text and i < len(header)
            and len(header_years(header[i].text)) == 1]


def table_scale(*texts: str) -> str:
    """The scale a table's title or header states for its figures ("thousand", "million", …), or "": the first of
    `texts` that states one."""
    for text in texts:
        m = _TABLE_SCALE.search(text or "")
        if m:
            if m.group(1):
                return m.group(1).lower()
            return _SHORT_SCALE[m.group("short").lower()] if m.group("short") else "thousand"  # "$'000", "(000)"
    return ""


def scaled(cell: str, scale: str, label: str, head: str) -> str:
    """`cell` with the table's scale said ("7,111 thousand") when it is a figure that has none, no percentage and
    no figure per something (the row or column says "per")."""
    if not scale or not is_numeric(cell) or _SCALED_ALREADY.search(cell) or _PER.search(label) or _PER.search(head):
        return cell
    return f"{cell} {scale}"


@dataclass(frozen=True)
class Cell:
    start: int  # in the row line
    end: int
    text: str


def split_cells(line: str) -> list[Cell]:
    """The cells of a pipe-table line with their offsets, outer pipes dropped, each cell's text stripped."""
    cells, pos = [], 0
    parts = line.split("|")
    if parts and not parts[0].strip():  # a leading pipe
        pos += len(parts[0]) + 1
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    for part in parts:
        stripped = part.strip()
        offset = pos + (len(part) - len(part.lstrip()))
        cells.append(Cell(offset, offset + len(stripped), stripped))
        pos += len(part) + 1
    return cells


def is_numeric(text: str) -> bool:
    return bool(_NUMERIC_CELL.match(text)) and any(ch.isdigit() for ch in text)


def label_column(row: list[Cell]) -> int:
    """The column that names the row: the first non-empty, non-numeric cell (usually the first)."""
    for i, c in enumerate(row):
        if c.text and not is_numeric(c.text):
            return i
    return 0


def pick_columns(q: Question, header: list[Cell], row: list[Cell], header_vectors, title: str = "") -> list[int]:
    """The value column(s) the question asks for. Several when the question names several years that head columns
    ("in 2019 and 2018"); else the one column whose header best matches the question. Words the question shares
    with the table's `title` name the table, not a column ("…production in the value-added table" asks for the
    production column, not "Value added")."""
    label = label_column(row)
    columns = [i for i, c in enumerate(row) if i != label and c.text]
    if not columns:
        return []
    if len(columns) == 1:
        return columns
    heads = [header[i].text if i < len(header) else "" for i in columns]
    by_year = [i for i, h in zip(columns, heads) if years_in(h) & q.years]
    if len(q.years) > 1 and len(by_year) > 1:
        return by_year
    terms = set(q.terms) - set(content_terms(title))
    scores = []
    for i, h in zip(columns, heads):
        s = 2.0 * bool(years_in(h) & q.years)
        words = set(content_terms(h))
        s += len(words & terms) / max(1, len(words))
        scores.append(s)
    if q.vector is not None and any(heads):
        sims = header_vectors([h or "-" for h in heads]) @ q.vector
        scores = [s + float(sim) for s, sim in zip(scores, sims)]
    return [columns[int(np.argmax(scores))]]

"""Sentence boundaries with offsets: used to chunk documents (index) and to pick answer sentences (assistant)."""

from __future__ import annotations

import re

ABBREVIATIONS = {"u.s", "u.k", "u.n", "e.u", "dr", "mr", "mrs", "ms", "st", "inc", "co", "ltd", "corp", "no", "approx",
                 "e.g", "i.e", "vs", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                 "nov", "dec", "gov", "dept", "prof", "fig", "vol", "etc"}

# A full stop (or ! ? …), closing quotes or brackets, then space and a capital, digit or opening quote.
_BOUNDARY = re.compile(r"[.!?…]+['\"”’)\]]*(?=\s+['\"“‘(\[]?[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a line break always ends one (lists, headings and table rows are units).

    Written here rather than calling NLTK's Punkt: importing nltk costs 1.7 s of `assistant ask`'s start-up, and
    Punkt was half of chunking's time at ingest. With the same abbreviation list it gives Punkt's spans on the
    shared corpus (tested)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start = 0
        for m in _BOUNDARY.finditer(line):
            if m.group(0).startswith(".") and _is_abbreviation(_last_word(line, start, m.start())):
                continue  # "U.S. Geological Survey", "(vs. Spot)", "Mr. Smith"
            _add_span(spans, line, pos, start, m.end())
            start = m.end()
        _add_span(spans, line, pos, start, len(line))
        pos += len(line) + 1
    return spans


def _last_word(line: str, start: int, end: int) -> str:
    """The word just before `end` (not before `start`), lower-cased, without leading punctuation or final dots."""
    before = line[start:end].rsplit(None, 1)
    return _LEADING_PUNCT.sub("", before[-1].lower()).rstrip(".") if before else ""


def _is_abbreviation(word: str) -> bool:
    return word in ABBREVIATIONS or _INITIALS.fullmatch(word) is not None


_LEADING_PUNCT = re.compile(r"^\W+")
_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")


def _add_span(spans: list[tuple[int, int]], line: str, pos: int, a: int, b: int) -> None:
    seg = line[a:b]
    if seg.strip():
        lead = len(seg) - len(seg.lstrip())
        spans.append((pos + a + lead, pos + a + len(seg.rstrip())))


def split_sentences(text: str) -> list[str]:
    """`text` cut at sentence starts, losslessly (the pieces join back to `text`): the shape llama-index's
    SentenceSplitter wants from its `chunking_tokenizer_fn`."""
    starts = [a for a, _ in sentence_spans(text)]
    if not starts:
        return [text]
    starts[0] = 0
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]

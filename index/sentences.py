"""Sentence boundaries with offsets: used to chunk documents (index) and to pick answer sentences (assistant)."""

from __future__ import annotations

import re

from .language import MONTH_ABBREVIATIONS

ABBREVIATIONS = {"u.s", "u.k", "u.n", "e.u", "dr", "mr", "mrs", "ms", "st", "inc", "co", "ltd", "corp", "no", "approx",
                 "e.g", "i.e", "vs", "est", "gov", "dept", "prof", "fig", "vol", "etc"} | MONTH_ABBREVIATIONS

# A full stop (or ! ? …), closing quotes or brackets, then space and a capital, digit or opening quote; or a line break,
# which ends a sentence unless the next line goes on in lower case (see `_wrapped`; the space after a stop never runs
# over a line break).
# (Written to start with one character class: the regex engine then skips to candidates; 2.5× faster than `\n|...`,
# timed ad hoc.)
_CUT = re.compile(r"[\n.!?…](?:(?<=\n)|(?<=[.!?…])[.!?…]*['\"”’)\]]*(?=[^\S\n]+['\"“‘(\[]?[A-Z0-9]))")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a line break ends one (lists, headings and table rows are units), except in
    hard-wrapped prose (`_wrapped`).

    Written here rather than calling NLTK's Punkt: importing nltk costs 1.7 s of `assistant ask`'s start-up, and
    Punkt was half of chunking's time at ingest. With the same abbreviation list it gives Punkt's spans on the
    shared corpus (tested). One pass over the whole text, the abbreviation test inline: the answerer splits every
    chunk it reads."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CUT.finditer(text):
        cut = m.end()
        if text[m.start()] == "\n":
            if _wrapped(text, m.start()):
                continue
            cut = m.start()  # the line break belongs to neither sentence
        elif text[m.start()] == ".":
            before = text[start : m.start()].rsplit(None, 1)  # the word before the stop, lower-cased, bare
            word = _LEADING_PUNCT.sub("", before[-1].lower()).rstrip(".") if before else ""
            if word in ABBREVIATIONS or _INITIALS.fullmatch(word) is not None:
                continue  # "U.S. Geological Survey", "(vs. Spot)", "Mr. Smith"
        _add_span(spans, text, start, cut)
        start = m.end()  # after the line break, or after the stop
    _add_span(spans, text, start, len(text))
    return spans


def _wrapped(text: str, newline: int) -> bool:
    """The line break at `newline` wraps a sentence ("…was as follows: Frames\nwelded: up from…"): the next line goes
    on in lower case, or the line it ends leaves its sentence open (a comma, an ampersand) and the next one starts
    with a word; and the line is no table row or heading. A new sentence, list item, heading or row never starts in
    lower case, and after such a line one starts with a list mark or a pipe rather than a word: this joins no two
    units but rare ones."""
    after = text[newline + 1 : newline + 2]
    if not after.isalnum():  # a list mark, a pipe, a blank line: a new unit (the line itself need not be read)
        return False
    line = text[text.rfind("\n", 0, newline) + 1 : newline].strip()
    if line.startswith(("|", "#")):
        return False
    # a line ending in a comma or an ampersand leaves its sentence open ("…the board chose Baxter &\nSons, whose…")
    return after.islower() or line.endswith((",", "&"))


def _add_span(spans: list[tuple[int, int]], text: str, a: int, b: int) -> None:
    """`text[a:b]` without its surrounding space, unless blank."""
    seg = text[a:b]
    stripped = seg.lstrip()
    if stripped:
        a += len(seg) - len(stripped)
        spans.append((a, a + len(stripped.rstrip())))


_LEADING_PUNCT = re.compile(r"^\W+")
_INITIALS = re.compile(r"(?:[a-z]\.)*[a-z]")


def split_sentences(text: str) -> list[str]:
    """`text` cut at sentence starts, losslessly (the pieces join back to `text`): the shape llama-index's
    SentenceSplitter wants from its `chunking_tokenizer_fn`."""
    starts = [a for a, _ in sentence_spans(text)]
    if not starts:
        return [text]
    starts[0] = 0
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]

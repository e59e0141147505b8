"""Text utilities shared by the answerer: sentences with offsets, tokens, stems, and value spans."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:[.’'-][^\W_]+)*", re.U)


ABBREVIATIONS = {"u.s", "u.k", "u.n", "e.u", "dr", "mr", "mrs", "ms", "st", "inc", "co", "ltd", "corp", "no", "approx",
                 "e.g", "i.e", "vs", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
                 "nov", "dec", "gov", "dept", "prof", "fig", "vol", "etc"}


@lru_cache(maxsize=1)
def _punkt():
    # NLTK's Punkt with known abbreviations and no trained model: nothing to download.
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = set(ABBREVIATIONS)
    return PunktSentenceTokenizer(params)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from llama_index.core.utils import globals_helper

    return frozenset(globals_helper.stopwords) | {"also", "would", "could", "much", "many", "mr", "ms"}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; a line break always ends one (lists, headings and table rows are units)."""
    spans = []
    pos = 0
    tok = _punkt()
    for line in text.split("\n"):
        if line.strip():
            for a, b in tok.span_tokenize(line):
                seg = line[a:b]
                lead = len(seg) - len(seg.lstrip())
                spans.append((pos + a + lead, pos + a + len(seg.rstrip())))
        pos += len(line) + 1
    return [s for s in spans if s[1] > s[0]]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def normalize_word(w: str) -> str:
    w = w.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return w


def stem(word: str) -> str:
    w = normalize_word(word)
    return _stemmer().stemWord(w) if w.isalpha() else w


def content_stems(text: str) -> list[str]:
    stops = stopwords()
    out = []
    for w in words(text):
        n = normalize_word(w)
        if n in stops or len(n) < 2 and not n.isdigit():
            continue
        out.append(stem(n))
    return out


# -- values --------------------------------------------------------------------------------------
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
SCALE = r"(?:\s?(?:million|billion|trillion|thousand|bn|mn|B|M|K)\b)"
CURRENCY_WORDS = r"(?:tenge|yuan|KGS|KZT|USD|CNY|EUR|dollars?|euros?|rubles?|roubles?|soms?)"
PER = r"(?:\s?(?:/|per\s|an?\s)(?:troy\s)?(?:ounce|oz|kg|kilogram|ton|tonne|mt|gram|g)\b)"
MONEY = re.compile(
    rf"(?:[+-]?[$€£¥]\s?{NUM}{SCALE}?{PER}?|{NUM}{SCALE}?\s?{CURRENCY_WORDS}\b(?:\s\(\$?{NUM}{SCALE}?\))?{PER}?"
    rf"|\b(?:CNY|USD|EUR|KZT|KGS)\s?{NUM}{SCALE}?|{NUM}-{NUM}\s{CURRENCY_WORDS}{PER}?)"
)
PERCENT = re.compile(rf"[+-]?{NUM}\s?(?:%|percent\b|per cent\b)")
UNIT_WORDS = (
    r"(?:metric\s)?(?:tons?|tonnes?|t\b|kg|kilograms?|grams?(?:\sper\s(?:tonne|ton))?|ounces?|oz|troy ounces?"
    r"|m³|cubic met(?:er|re)s?|square kilomet(?:er|re)s?|km|kilomet(?:er|re)s?|barrels?|wells|deposits|sites|samples"
    r"|licenses|licences|countries|companies|times|years|MW|GW|kWh|MWh)"
)
QUANTITY = re.compile(
    rf"(?:(?:more than|over|nearly|about|approximately|around|up to|some)\s)?{NUM}{SCALE}?\s?{UNIT_WORDS}"
    rf"(?:\s(?:of|of\s(?:refined|raw|primary))\s[a-z]+(?:\s(?:ore|silver|gold|copper|ferroalloys))?)?"
    rf"|(?:(?:more than|over|nearly|about|approximately)\s)?{NUM}\s?(?:million|billion|thousand)\b(?:\s[a-z]+){{0,2}}"
)
YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
NUMBER = re.compile(rf"[+-]?[$€£¥]?\s?{NUM}{SCALE}?")


def numbers_in(text: str) -> set[str]:
    """Bare numeric values in `text`, normalised (6,400 → 6400): for checking figures against passages."""
    return {m.replace(",", "") for m in re.findall(NUM, text)}

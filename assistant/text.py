"""Text utilities shared by the answerer: sentences with offsets, tokens, stems, and value spans."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from index.memo import Memo
from index.sentences import ABBREVIATIONS, sentence_spans  # noqa: F401  (re-exported)

WORD = re.compile(r"[^\W_]+(?:[.’'-][^\W_]+)*", re.U)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """NLTK's English stop words, read from the copy llama-index bundles (importing llama_index.core to get
    them costs 1.7 s of start-up); bm25s's list if that file is missing."""
    import importlib.util

    words_: set[str] = set()
    spec = importlib.util.find_spec("llama_index.core")
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "_static" / "nltk_cache" / "corpora" / "stopwords" / "english"
        if path.is_file():
            words_ = set(path.read_text(encoding="utf-8").split())
            break
    if not words_:
        from bm25s.stopwords import STOPWORDS_EN

        words_ = set(STOPWORDS_EN)
    return frozenset(words_) | {"also", "would", "could", "much", "many", "mr", "ms"}


def words(text: str) -> list[str]:
    return WORD.findall(text)


def normalize_word(w: str) -> str:
    w = w.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    return w


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    w = normalize_word(word)
    return _stemmer().stemWord(w) if w.isalpha() else w


# Words that say the same thing in news about quantities. General English, not tied to any collection:
# each group is matched as one term.
SYNONYM_GROUPS = [
    "produce produced producing production output make made yield yielded extract extracted extraction mine mined",
    "fall fell fallen decline declined drop dropped decrease decreased shrink shrank down reduce reduced reduction",
    "rise rose risen increase increased grow grew growth climb climbed surge surged jump jumped gain gained up",
    "revenue revenues earnings income proceeds",
    "price prices trade trading traded cost",
    "invest invested investment investments spend spent",
    "ton tons tonne tonnes",
    "company companies firm firms",
    "begin began start started launch launched open opened",
    "find found discover discovered uncover uncovered identify identified",
    "hold holds contain contains",
    "yoy year-on-year",
    "mom month-on-month",
    "head heads chief leader",
    "country countries nation nations",
    "quote quoted quotes",
    "big large size",
]


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in SYNONYM_GROUPS:
        members = group.split()
        canon = _stemmer().stemWord(members[0])
        for m in members:
            table[_stemmer().stemWord(m)] = canon
    return table


# Forms a stemmer cannot join: irregular verbs and abbreviations. The lexical query is expanded with them.
QUERY_EXPANSIONS = [
    "rise rose risen", "fall fell fallen", "grow grew grown", "make made", "find found", "begin began begun",
    "hold held", "spend spent", "buy bought", "sell sold", "pay paid", "lead led", "yoy year-on-year",
    "mom month-on-month", "tonnes tons", "usd dollars",
]


@lru_cache(maxsize=1)
def _expansions() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in QUERY_EXPANSIONS:
        members = tuple(group.split())
        for m in members:
            out[m] = members
    return out


def expand_query(text: str) -> str:
    """The query plus the forms of its words that stemming does not join ("rise" → "rose", "year-on-year" →
    "yoy"), for the lexical retriever."""
    table = _expansions()
    extra: list[str] = []
    for w in words(text):
        for m in table.get(w.lower(), ()):
            if m != w.lower() and m not in extra:
                extra.append(m)
    return f"{text} {' '.join(extra)}" if extra else text


def canonical(stemmed: str) -> str:
    return _synonyms().get(stemmed, stemmed)


WORD_STEMS = Memo(lambda word: canonical(stem(word)), limit=200_000)  # a word as written → its canonical stem


def _content_stem(word: str) -> str:
    """`word`'s canonical stem; "" for a stop word or a lone letter."""
    n = normalize_word(word)
    if n in stopwords() or len(n) < 2 and not n.isdigit():
        return ""
    return WORD_STEMS[n]


_CONTENT_STEMS = Memo(_content_stem, limit=200_000)


@lru_cache(maxsize=50_000)  # chunk texts and titles recur from question to question
def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the content words of `text`, synonyms folded together."""
    return tuple(filter(None, map(_CONTENT_STEMS.__getitem__, words(text))))


def _may_vary(stemmed: str) -> bool:
    return len(stemmed) >= 5 and not stemmed.isdigit()


def stem_in(term: str, bag: set[str]) -> bool:
    """`term` is in `bag`, allowing name variants that share a long prefix (Kazakh ~ Kazakhstan, Australian ~ Australia)."""
    if term in bag:
        return True
    if not _may_vary(term):
        return False
    return any(_may_vary(b) and (b.startswith(term) or term.startswith(b)) for b in bag)


class StemMatcher:
    """`stem_in` for bags drawn from one vocabulary (the stems of the passages being scored): each term's variants
    in the vocabulary are found once, after which a test is one set intersection. The answerer tests every
    question term against several bags of every passage; scanning each bag for prefixes was most of its time."""

    def __init__(self, vocabulary: set[str]):
        # variants share their first five characters, so only that bucket needs a look
        self._buckets: dict[str, list[str]] = {}
        for b in vocabulary:
            if len(b) >= 5 and not b.isdigit():  # `_may_vary`, inline: this loop is a fifth of a Scoring's making
                self._buckets.setdefault(b[:5], []).append(b)
        self._variants: dict[str, frozenset[str]] = {}

    def variants(self, term: str) -> frozenset[str]:
        found = self._variants.get(term)
        if found is None:
            bucket = self._buckets.get(term[:5], []) if _may_vary(term) else []
            found = frozenset([term] + [b for b in bucket if b.startswith(term) or term.startswith(b)])
            self._variants[term] = found
        return found

    def __call__(self, term: str, bag: set[str]) -> bool:
        """Same as `stem_in(term, bag)` for any `bag` within the vocabulary."""
        return term in bag or not self.variants(term).isdisjoint(bag)


# -- values --------------------------------------------------------------------------------------
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
RANGE = rf"{NUM}(?:[-–]{NUM})?"
SCALE = r"(?:\s?(?:million|billion|trillion|thousand|bn|mn|B|M|K)\b)"
CURRENCY_WORDS = r"(?:tenge|yuan|KGS|KZT|USD|CNY|EUR|dollars?|euros?|rubles?|roubles?|soms?)"
PER = r"(?:\s?(?:/|per\s|an?\s)(?:troy\s)?(?:ounce|oz|kg|kilogram|ton|tonne|mt|gram|g)\b)"
MONEY = re.compile(
    rf"(?:[+-]?[$€£¥]\s?{NUM}{SCALE}?{PER}?|{NUM}{SCALE}?\s?{CURRENCY_WORDS}\b(?:\s\(\$?{NUM}{SCALE}?\))?{PER}?"
    rf"|\b(?:CNY|USD|EUR|KZT|KGS)\s?{NUM}{SCALE}?|{NUM}-{NUM}\s{CURRENCY_WORDS}{PER}?"
    rf"|between\s[$€£¥]{NUM}{SCALE}?\sand\s[$€£¥]{NUM}{SCALE}?)"
)
PERCENT = re.compile(rf"[+-]?{NUM}\s?(?:%|percent\b|per cent\b)")
UNIT_WORDS = (
    r"(?:metric\s)?(?:tons?|tonnes?|t\b|kg|kilograms?|grams?(?:\sper\s(?:tonne|ton))?|ounces?|oz|troy ounces?"
    r"|m³|cubic met(?:er|re)s?|square kilomet(?:er|re)s?|km|kilomet(?:er|re)s?|barrels?|wells|deposits|sites|samples"
    r"|licenses|licences|countries|companies|times|years|MW|GW|kWh|MWh)"
)
QUANTITY = re.compile(
    rf"(?:(?:more than|over|nearly|about|approximately|around|up to|some)\s)?{RANGE}{SCALE}?\s?{UNIT_WORDS}"
    rf"(?:\s(?:of\s(?:refined|raw|primary|crude|processed)|of)\s[a-z]+)?"
    rf"|(?:(?:more than|over|nearly|about|approximately)\s)?{NUM}\s?(?:million|billion|thousand)\b"
    rf"(?:\s(?!(?:to|and|from|in|of|on|at|by|for|with|than|the|a|an|was|were|is)\b)[a-z]+){{0,2}}"
)
YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
NUMBER = re.compile(rf"[+-]?[$€£¥]?\s?{NUM}{SCALE}?")


def numbers_in(text: str) -> set[str]:
    """Bare numeric values in `text`, normalised (6,400 → 6400): for checking figures against passages."""
    return {m.replace(",", "") for m in _NUM.findall(text)}


_NUM = re.compile(NUM)

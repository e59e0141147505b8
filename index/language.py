"""The language the collection is read in (English), in one place: the one word tokenizer, the one stemmer, the
stop-word lists, the month names and how prose states the scale of a table's figures. Everything that splits, stems
or recognises words uses these, so a word the answerer sees is the word BM25 matched; another language means changing
this module's data."""

from __future__ import annotations

import re
import sys
import threading
import unicodedata
from functools import lru_cache

LANGUAGE = "english"  # Snowball's name for the stemmer

# -- words ----------------------------------------------------------------------------------------------------------
# scikit-learn's default token pattern, which bm25s uses too: the offline embedder and the BM25 analyzer share each
# chunk's tokens, found once at ingest
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of `text` under Unicode NFKC: "ｆｕｌｌ-ｗｉｄｔｈ", "ﬁre" and "m³" are
    indexed as "full", "width", "fire" and "m3", as a question typed in plain letters writes them (chunk texts keep
    the source's characters, so citations stay exact)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _TOKEN.findall(text.lower())


def new_stemmer():
    """A Snowball stemmer for LANGUAGE (PyStemmer): BM25's, and the answerer's, so their stems agree."""
    import Stemmer

    return Stemmer.Stemmer(LANGUAGE)


# -- stop words: two lists for two jobs ---------------------------------------------------------------------------
@lru_cache(maxsize=1)
def index_stopwords() -> frozenset[str]:
    """BM25's: bm25s's English list, so the index's terms are the ones bm25s (and llama-index's BM25Retriever) make."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def content_stopwords() -> frozenset[str]:
    """The answerer's: spaCy's English list. BM25's (Lucene-sized) keeps "how", "were", "what" and the like, which
    would count as content a question shares with every passage."""
    import_spacy()
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


# -- spaCy, without torch -------------------------------------------------------------------------------------------
# Held while importing spaCy or anything that imports torch (sentence-transformers), so no thread imports torch while
# import_spacy blocks it.
heavy_imports = threading.RLock()


def import_spacy():
    """spaCy, imported so that thinc (its machine-learning library) does not import torch. thinc imports torch whenever
    it is installed (it is, for sentence-transformers): ~2 of the ~5.5 s of a one-question `assistant ask` (measured
    with `python -X importtime`); the small English pipeline runs on numpy either way. Written by hand because neither
    spaCy nor thinc has a switch for it: during the import `import torch` fails (a None entry in sys.modules is
    Python's documented way to block one), then torch is importable again. When torch is already loaded, a plain
    import."""
    with heavy_imports:
        if "thinc" in sys.modules or "torch" in sys.modules:
            import spacy

            return spacy
        sys.modules["torch"] = None  # type: ignore[assignment]
        try:
            import spacy
        finally:
            if "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]
        return spacy


# -- month names ------------------------------------------------------------------------------------------------------
# each month's full name, then the abbreviations documents use for it
MONTHS = (
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
    ("december", "dec"),
)
MONTH_NUMBER = {name: n for n, names in enumerate(MONTHS, start=1) for name in names}  # "sept" → 9
MONTH_ABBREVIATIONS = frozenset(name for names in MONTHS for name in names[1:])


def month_pattern(capitalised: bool = False) -> str:
    """A regex alternation of every month name and abbreviation, longest first (lower-case, for re.I; or
    capitalised: "January", "Jan")."""
    names = sorted(MONTH_NUMBER, key=len, reverse=True)
    return "(?:" + "|".join(n.capitalize() if capitalised else n for n in names) + ")"


# -- a table's scale, as prose states it ----------------------------------------------------------------------------
# In a note ("(in thousands)", "(in millions, except per-share amounts)", "(All amounts expressed in thousands of U.S.
# dollars)") or a sentence ("All figures are in millions of euros.")
_PROSE_SCALE = re.compile(r"\([^()]*\bin\s+(thousand|million|billion)s?\b[^()]*\)|\bin\s+(thousand|million|billion)s\b",
                          re.I)


def prose_scale(text: str) -> str:
    """The scale `text` states for a document's tables ("…summarized below (in thousands):" → "thousand"), or ""; a
    figure a sentence names ("rose by $2 million") is not one."""
    m = _PROSE_SCALE.search(text)
    return (m.group(1) or m.group(2)).lower() if m else ""

"""Words, stems and figures: the lexical side of reading questions and passages.

The tokenizer, the stemmer and the stop words are `index.language`'s (the tokenizer and stemmer BM25 uses, so a word
here is the word the retriever matched; the stop words are its `content_stopwords`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.language import content_stopwords, new_stemmer, word_tokens
from index.sentences import sentence_spans  # noqa: F401  (re-exported for the answerer and the LLM checks)

YEAR = re.compile(r"\b(1[5-9]\d{2}|20\d{2})\b")
RESPECTIVELY = re.compile(r"\brespectively\b", re.I)  # pairs a list of figures with a list of years or things
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUM = re.compile(NUM)


# Words that only shape a question ("how many", "how much"): BM25's list keeps them, as they are content words
# elsewhere, but in a question they name no topic a passage must share.
QUESTION_ONLY = frozenset({"many", "much"})

stopwords = content_stopwords  # the answerer's: spaCy's list (see index.language)
_stemmer = lru_cache(maxsize=1)(new_stemmer)  # one for the process; its stems are memoised by `stem`


def question_terms(text: str) -> tuple[str, ...]:
    """A question's content terms: `content_terms` without the words that only shape the question."""
    skip = {stem(w) for w in QUESTION_ONLY}
    return tuple(t for t in content_terms(text) if t not in skip)


@lru_cache(maxsize=300_000)
def stem(token: str) -> str:
    return _stemmer().stemWord(token)


@lru_cache(maxsize=50_000)  # passages recur from question to question
def content_terms(text: str) -> tuple[str, ...]:
    """Stems of the content words of `text` (stop words dropped), in order."""
    stop = stopwords()
    return tuple(stem(t) for t in word_tokens(text) if t not in stop)


def numbers_in(text: str) -> set[str]:
    """Bare numeric values in `text`, normalised (6,400 → 6400): for checking figures against passages."""
    return {m.replace(",", "") for m in _NUM.findall(text)}


def years_in(text: str) -> set[str]:
    return set(YEAR.findall(text))

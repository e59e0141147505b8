"""Words, stems and figures: the lexical side of reading questions and passages.

One tokenizer (`index.tokens`, shared with BM25) and one stemmer (Snowball English, as BM25 uses), so a word here is
the word the retriever matched. Stop words are spaCy's English list: BM25's (bm25s's, Lucene-sized) keeps "how",
"were", "what" and the like, which would count as shared content between a question and every passage.
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.sentences import sentence_spans  # noqa: F401  (re-exported for the answerer and the LLM checks)
from index.tokens import word_tokens

YEAR = re.compile(r"\b(1[5-9]\d{2}|20\d{2})\b")
NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUM = re.compile(NUM)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# Words that only shape a question ("how many", "how much"): BM25's list keeps them, as they are content words
# elsewhere, but in a question they name no topic a passage must share.
QUESTION_ONLY = frozenset({"many", "much"})


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


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

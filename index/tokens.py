"""Word tokens shared by the offline embedder and the BM25 analyzer. Both use scikit-learn's default token pattern
(bm25s's too) on lower-cased text, so ingestion finds each chunk's tokens once for the two of them."""

from __future__ import annotations

import re

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)


def word_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())

"""Word tokens shared by the offline embedder and the BM25 analyzer. Both use scikit-learn's default token pattern
(bm25s's too) on lower-cased text, so ingestion finds each chunk's tokens once for the two of them."""

from __future__ import annotations

import re
import unicodedata

TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_TOKEN = re.compile(TOKEN_PATTERN)


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens of `text` under Unicode NFKC: "ｆｕｌｌ-ｗｉｄｔｈ", "ﬁre" and "m³" are
    indexed as "full", "width", "fire" and "m3", as a question typed in plain letters writes them (chunk texts keep
    the source's characters, so citations stay exact)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _TOKEN.findall(text.lower())

"""A bounded memo for the per-token work of ingestion (hashed features, BM25 terms)."""

from __future__ import annotations

from typing import Callable


class Memo(dict):
    """key → compute(key), computed on first lookup. Looked up as `map(memo.__getitem__, tokens)`, a hit never
    leaves C: that is what makes per-token work over a whole corpus cheap. Forgets everything past `limit` keys
    (a bound on memory; vocabularies are Zipfian, so the common keys come back at once)."""

    def __init__(self, compute: Callable, limit: int = 500_000):
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, key):
        if len(self) >= self._limit:
            self.clear()
        value = self[key] = self._compute(key)
        return value

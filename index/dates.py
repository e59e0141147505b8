"""Finding a stated date in text (`2026-01-20`, `Oct 31, 2025`, `14 November 2025`)."""

from __future__ import annotations

import re
from datetime import date

from .language import MONTH_NUMBER, month_pattern

_MONTH_RE = "(" + month_pattern() + r")\.?"  # matched with re.I
_DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(_MONTH_RE + r"\s+(\d{1,2}),?\s+(\d{4})\b", re.I), ("mon", "d", "y")),
    (re.compile(r"\b(\d{1,2})\s+" + _MONTH_RE + r",?\s+(\d{4})\b", re.I), ("d", "mon", "y")),
]
_DIGIT = re.compile(r"\d")


def find_date(text: str) -> str | None:
    """The first date stated in `text` as ISO yyyy-mm-dd, or None."""
    if not _DIGIT.search(text):  # every pattern needs digits; most lines tested (title candidates) have none
        return None
    found: list[tuple[int, str]] = []
    for pattern, order in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups()))
            try:
                month = int(parts["m"]) if "m" in parts else MONTH_NUMBER[parts["mon"].lower().rstrip(".")]
                found.append((m.start(), date(int(parts["y"]), month, int(parts["d"])).isoformat()))
            except (ValueError, KeyError):
                continue
            break
    return min(found)[1] if found else None



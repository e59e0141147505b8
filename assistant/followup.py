"""Turning a follow-up ("And in 2025?", "what about copper?", "what was its price?") into a standalone question,
using the conversation so far. Pure text rules; the LLM mode condenses with a prompt instead."""

from __future__ import annotations

import re

from .question import QUESTION_WORDS, analyze
from .text import YEAR, normalize_word, stopwords, words

_FOLLOWUP_START = re.compile(r"^\s*(and|what about|how about|and what about|also|same for|then|now)\b", re.I)
_PRONOUN = re.compile(r"\b(it|its|they|their|them|there|that one|this one)\b", re.I)
_WH = re.compile(r"^\s*(?:(?:by|in|for|from|to|at|of|on)\s+)?(what|which|who|whom|whose|when|where|why|how|is|are|was|were|did|does|do|can|list|name)\b", re.I)


def _is_followup(q: str) -> bool:
    if _PRONOUN.search(q) and _WH.match(q):
        return False  # a full question with a pronoun: resolved by substitution instead
    if _FOLLOWUP_START.match(q):
        return True
    content = [w for w in words(q) if normalize_word(w) not in stopwords() | QUESTION_WORDS]
    return not _WH.match(q) and len(content) <= 3


def _new_terms(q: str, prev: str) -> list[str]:
    prev_words = {normalize_word(w) for w in words(prev)}
    skip = stopwords() | QUESTION_WORDS | {"about", "and", "also", "then", "now", "same"}
    return [w for w in words(q) if normalize_word(w) not in skip and normalize_word(w) not in prev_words
            and not YEAR.fullmatch(w) and w[:1].islower()]


def resolve(question: str, previous: str) -> str:
    q = question.strip()
    pq = analyze(previous)
    if _is_followup(q):
        out = previous.strip()
        years = YEAR.findall(q)
        if years:
            if pq.years:
                old = sorted(pq.years)
                for i, y in enumerate(old):
                    out = re.sub(rf"\b{y}\b", years[min(i, len(years) - 1)], out)
            else:
                out = out.rstrip("?") + f" in {' and '.join(years)}?"
        cq = analyze(q)
        new_entities = [e for e in cq.entities if e.lower() not in previous.lower()]
        if new_entities:
            if pq.entities:
                out = out.replace(pq.entities[0], new_entities[0], 1)
            else:
                out = out.rstrip("?") + f" for {new_entities[0]}?"
        terms = _new_terms(q, previous)
        if terms and pq.hard_terms:
            for w in words(previous):
                if analyze(w).terms and analyze(w).terms[0] in pq.hard_terms:
                    out = re.sub(rf"\b{re.escape(w)}\b", terms[0], out, count=1)
                    break
        elif terms and not years and not new_entities:
            out = out.rstrip("?") + " " + " ".join(terms) + "?"
        return out
    if _PRONOUN.search(q):
        phrase = _subject_phrase(previous)
        subject = phrase or (pq.entities[0] if pq.entities else "")
        if subject:
            q = re.sub(r"\bits\b", f"{subject}'s", q, flags=re.I)
            q = re.sub(r"\btheir\b", f"{subject}'s", q, flags=re.I)
            q = re.sub(r"\b(it|they|them)\b", subject, q, flags=re.I)
            q = re.sub(r"\bthere\b", f"in {subject}", q, flags=re.I)
        if pq.years and not YEAR.search(q):
            q = q.rstrip("?") + f" in {' and '.join(sorted(pq.years))}?"
        if not phrase:  # "it" stood for more than a name: carry the previous question's terms along
            have = {normalize_word(w) for w in words(q)}
            extra = [w for w in _new_terms(previous, q) if normalize_word(w) not in have]
            if extra:
                q = q.rstrip("?") + f" ({' '.join(extra)})?"
    return q


_SUBJECT = re.compile(
    r"^\s*(?:what|who|how much|how many)\s+(?:was|were|is|are|did|does|do|has|have)\s+(?:the\s+)?(.+?)"
    r"(?:\s+(?:in|during|for)\s+(?:the\s+)?(?:\w+\s+){0,3}\d{4})?\s*\??$", re.I)


def _subject_phrase(previous: str) -> str:
    """"What was Kazakhstan's silver output in 2024?" → "Kazakhstan's silver output"."""
    m = _SUBJECT.match(previous)
    if not m or len(m.group(1).split()) > 8:
        return ""
    return m.group(1).strip()


def standalone_question(question: str, history: list[tuple[str, str]]) -> str:
    """Resolve `question` against the conversation, oldest turn first (each turn resolved in turn)."""
    previous = ""
    for prev_q, _answer in history:
        previous = resolve(prev_q, previous) if previous else prev_q
    return resolve(question, previous) if previous else question

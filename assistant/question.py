"""Reading a question: the kind of value it asks for, the years it mentions, its content terms.

The kinds are spaCy's entity labels (PERSON, ORG, GPE, DATE, MONEY, PERCENT, QUANTITY, CARDINAL, ...), so the spans
the answer is drawn from (`spans.py`) and the question speak one vocabulary. The wh-word patterns below are general
English grammar; for "what/which <noun>" questions the noun's kind is judged by the embedding model against a short
description of each kind (`KIND_DESCRIPTIONS`), not by a list of nouns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .spans import names_in, pos_tags
from .text import RESPECTIVELY, content_terms, question_terms, years_in

PEOPLE = frozenset({"PERSON", "ORG", "NORP", "GPE"})
PLACES = frozenset({"GPE", "LOC", "FAC", "ORG"})
TIMES = frozenset({"DATE", "TIME"})
AMOUNTS = frozenset({"MONEY", "QUANTITY", "CARDINAL", "PERCENT"})
COUNTS = frozenset({"CARDINAL", "QUANTITY"})
NUMERIC = frozenset({"MONEY", "QUANTITY", "CARDINAL", "PERCENT"})

# What a wh-phrase asks for, by its grammar alone.
_HOW_LONG = re.compile(r"\bhow\s+(?:long|often)\b", re.I)
_WH_KINDS: list[tuple[re.Pattern, frozenset[str]]] = [
    (re.compile(r"\bhow\s+many\b", re.I), COUNTS),
    (re.compile(r"\bhow\s+much\b", re.I), AMOUNTS),
    (_HOW_LONG, frozenset({"DATE", "TIME", "QUANTITY", "CARDINAL"})),
    (re.compile(r"\bhow\s+old\b", re.I), frozenset({"DATE", "CARDINAL", "QUANTITY"})),
    (re.compile(r"\bhow\s+(?:far|big|large|small|tall|high|deep|wide|heavy|fast|hot|cold|long)\b", re.I),
     frozenset({"QUANTITY", "CARDINAL"})),
    (re.compile(r"\b(?:what|which)\s+(?:percentage|percent|share|proportion|fraction)\b", re.I),
     frozenset({"PERCENT"})),
    (re.compile(r"\bwhen\b", re.I), TIMES),
    (re.compile(r"\bwhere\b", re.I), PLACES),
    (re.compile(r"\b(?:who|whom|whose)\b", re.I), PEOPLE),
]
# "what/which" followed by the noun phrase that names the kind of the answer ("which company", "what year").
_WHAT = re.compile(r"\b(?:what|which)\s+(.*)", re.I | re.S)
_AUX = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would"}
_COPULAS = {"is", "was", "are", "were"}  # "what was the revenue": the noun after names the answer
_STOP_AT = _AUX | {"of", "in", "on", "at", "for", "to", "by", "from", "with", "that", "which", "who"}

# One line per kind, for the model to judge a "what/which <noun>" phrase against. OTHER: not a typed value. A line
# whose removal judges better on every development set goes (`python -m eval.fit_kinds`, docs/kind-fit.md): one for
# natural places (region, river, mountain, sea) did; "which river" is judged a GPE, whose labels include LOC.
KIND_DESCRIPTIONS = {
    "PERSON": "which person, which man or woman, who by name",
    "ORG": "which organization, company, business, institution, team or agency",
    "GPE": "which country, city, state, province or town",
    "DATE": "which year, date, day, month, decade, century or period",
    "MONEY": "what amount of money, price, cost or fee",
    "PERCENT": "what percentage, share or rate",
    "QUANTITY": "what measured quantity, distance, weight, size, volume or temperature",
    "CARDINAL": "what number or count of things",
    "AMOUNT": "what amount, total, value, balance or figure",
    "OTHER": "what thing, idea, reason, method, event, name or description",
}
_KIND_SETS = {
    "PERSON": frozenset({"PERSON"}), "ORG": frozenset({"ORG"}), "GPE": frozenset({"GPE", "LOC"}), "DATE": TIMES,
    "MONEY": frozenset({"MONEY"}), "PERCENT": frozenset({"PERCENT"}), "QUANTITY": frozenset({"QUANTITY", "CARDINAL"}),
    "CARDINAL": COUNTS, "AMOUNT": frozenset({"MONEY", "QUANTITY", "CARDINAL"}),
}
KIND_MARGIN = 0.12  # the best kind must beat OTHER by this much in cosine: chosen by `python -m eval.fit_kinds`


@dataclass(frozen=True)
class Question:
    text: str
    wants: frozenset[str] = frozenset()  # entity labels an answer value may have; empty = a sentence answers it
    years: frozenset[str] = frozenset()
    terms: tuple[str, ...] = ()  # stemmed content terms
    wh: str = ""  # the first question word: what, who, why, how, ...
    plural: bool = False  # asks for several things: "which countries…", "what are the…", "who were…"
    # asks for one figure per year or per thing: "in 2019 and 2018", "…, respectively"
    per_item: bool = False
    # of the dates a sentence holds, the kind asked for: "point" (when, what date: "14 April 2025", not "30 days"),
    # "stretch" (how long, how often: "30 days", not "2019"), or "" (either)
    time: str = ""
    names: tuple[tuple[str, ...], ...] = ()  # the content terms of each name it gives: a person, place, organisation
    name_texts: tuple[str, ...] = ()  # the same names as written ("NWSA"), for matching an acronym to its words
    counts: frozenset[str] = frozenset()  # what a "how many/much" question counts (`counted_terms`)
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def typed(self) -> bool:
        return bool(self.wants)

    @property
    def numeric(self) -> bool:
        return bool(self.wants) and self.wants <= NUMERIC


_PLURAL = re.compile(r"\b(?:what|which|who)\s+(?:are|were)\b|\b(?:name|list)\s+(?:the|all)\b", re.I)
_FIRST_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)


def read_question(text: str, vector: np.ndarray | None = None, embedder=None) -> Question:
    """`vector` is the question's embedding (shared with retrieval); `embedder` judges "what <noun>" phrases."""
    wants = _kind_by_grammar(text)
    if wants is None:
        wants = _kind_by_model(text, embedder) if embedder is not None else frozenset()
    first = _FIRST_WH.search(text)
    wh = first.group(0).lower() if first else ""
    years = frozenset(years_in(text))
    names = names_in(text)
    head = what_noun(text).split(" ")[-1]  # "dissolved-oxygen levels" → "levels"
    plural = bool(_PLURAL.search(text)) or head.endswith("s") and not head.endswith("ss")
    time = "point" if wants and wants <= TIMES else "stretch" if wants and _HOW_LONG.search(text) else ""
    return Question(text=text, wants=wants, years=years, terms=question_terms(text),
                    wh=wh, vector=vector, plural=plural, names=tuple(names), name_texts=tuple(names.values()),
                    per_item=len(years) > 1 or bool(RESPECTIVELY.search(text)), time=time,
                    counts=counted_terms(text))


def _kind_by_grammar(text: str) -> frozenset[str] | None:
    """The kinds the question's own wh-phrase asks for — the one holding its first wh-word, so "Why didn't the pump
    start when the power came back?" asks why, not when; None when only the noun after what/which can tell."""
    first = _FIRST_WH.search(text)
    for pattern, kinds in _WH_KINDS:
        if any(first is None or m.start() <= first.start() < m.end() for m in pattern.finditer(text)):
            return kinds
    return frozenset() if first is not None and first.group(0).lower() not in ("what", "which") else None


def what_noun(text: str) -> str:
    """The noun phrase after "what/which" that names the kind of the answer: "which company runs…" → "company",
    "what was the total revenue in 2019" → "total revenue", "what was X's output" → "output". Empty for "what is
    a …" (a definition) and for "what did/does/has …", whose next words are the verb's subject, not the answer."""
    m = _WHAT.search(text)
    if not m or m.start() != _FIRST_WH.search(text).start():  # "why …, which …": the question asks why
        return ""
    # a figure or year in the phrase qualifies it, it doesn't name the kind: "the 2019 revenue" asks for money
    words = [w for w in re.finditer(r"[\w'’-]+", m.group(1)) if not any(ch.isdigit() for ch in w.group(0))]
    if words and words[0].group(0).lower() in _AUX:
        if words[0].group(0).lower() not in _COPULAS:
            return ""
        words = words[1:]
        if words and words[0].group(0).lower() in ("a", "an"):
            return ""
        if words and words[0].group(0).lower() == "the":
            words = words[1:]
        while words and words[0].group(0)[:1].isupper():  # a name the question is about: "X's output" → "output"
            words = words[1:]
    phrase = []
    for w in words:
        if w.group(0).lower() in _STOP_AT or len(phrase) == 4 or phrase and _is_verb(text, m.start(1) + w.start()):
            break
        phrase.append(w.group(0).lower())
    return " ".join(phrase)


_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\s+", re.I)


def counted_terms(text: str) -> frozenset[str]:
    """The terms of what a "how many/much" question counts: the noun phrase after it, with its "of" phrase ("How
    many tons of ferroalloys did…" → ton, ferroalloy); empty for other questions. Of several figures in a sentence,
    the answer is the one counting this (`spans.pick_value`)."""
    m = _HOW_MANY.search(text)
    if not m:
        return frozenset()
    words = []
    for offset, pos, _ in pos_tags(text):
        if offset < m.end():
            continue
        word = re.match(r"[\w'’-]+", text[offset:])
        if not word or not (pos in ("NOUN", "PROPN", "ADJ") or word.group(0).lower() == "of"):
            break
        words.append(word.group(0))
    return frozenset(content_terms(" ".join(words)))


def _is_verb(text: str, offset: int) -> bool:
    return any(i == offset and pos in ("VERB", "AUX") for i, pos, _ in pos_tags(text))


def _kind_by_model(text: str, embedder) -> frozenset[str]:
    phrase = judged_phrase(text)
    return judge_kind(kind_cosines(phrase, embedder)) if phrase else frozenset()


def judged_phrase(text: str) -> str:
    """What the model judges the kind of a question by: "which <noun>" when its wh-phrase alone doesn't tell (a
    "what/which <noun>" question), else empty."""
    noun = what_noun(text) if _kind_by_grammar(text) is None else ""
    return f"which {noun}" if noun else ""


def judge_kind(cosines: dict[str, float], margin: float | None = None) -> frozenset[str]:
    """The entity labels of the kind most like the phrase, if it beats OTHER by `margin` (`KIND_MARGIN`)."""
    margin = KIND_MARGIN if margin is None else margin
    best = max(cosines, key=cosines.get)
    if best == "OTHER" or cosines[best] - cosines["OTHER"] < margin:
        return frozenset()
    return _KIND_SETS[best]


@lru_cache(maxsize=4096)
def _cosines(phrase: str, embedder) -> tuple[tuple[str, float], ...]:
    labels, matrix = _kind_matrix(embedder)
    return tuple(zip(labels, (float(x) for x in matrix @ embedder.embed_query(phrase))))


def kind_cosines(phrase: str, embedder) -> dict[str, float]:
    """The model's cosine between a "which <noun>" phrase and each kind's description (`KIND_DESCRIPTIONS`)."""
    return dict(_cosines(phrase, embedder))


@lru_cache(maxsize=8)
def _kind_matrix(embedder) -> tuple[list[str], np.ndarray]:
    labels = list(KIND_DESCRIPTIONS)
    return labels, embedder.embed_documents([KIND_DESCRIPTIONS[k] for k in labels])

"""Scoring candidates: how well each sentence or row answers the question, as one probability-like score.

Evidence from the model (question–passage cosine) and from the words (IDF-weighted overlap with the passage and
its context, the years the question names, whether the kind of value asked for is present, the retrieval rank) is
combined by a logistic model whose weights are fitted on the development sets by `eval/fit.py` and stored as data
(`assistant/data/answerer.json`). Nothing here is tuned by hand per question.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .candidates import Candidate
from .question import Question
from .spans import quick_kinds
from .text import content_terms, years_in

WEIGHTS_FILE = Path(__file__).with_name("data") / "answerer.json"
# Candidates compared with the question by the model (the best by words and rank): embedding them is most of an
# answer's time on a fresh passage. 16 instead of 40 changed no answer decision on the development sets' features and
# one or two answers per gated set either way (eval/REPORT.md, 2026-12-03), with a lower p95 latency. The weights
# in answerer.json were fitted with 40; a refit with 16 was tried and not adopted (same report).
MAX_EMBEDDED = 16

FEATURES = (
    "bias", "cos", "cos_gap", "lex", "lex_gap", "lex_context", "absent", "type_ok", "type_missing", "year_ok",
    "year_clash", "inv_rank", "is_row", "miss_rare", "row_cos", "row_lex", "name_missing",
)


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    features: tuple[float, ...]


@dataclass(frozen=True)
class Model:
    weights: tuple[float, ...]
    threshold: float  # below it the best candidate doesn't answer the question: abstain
    related: float  # above it a candidate is worth showing as related when abstaining

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> "Model":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            weights = tuple(float(data["weights"][f]) for f in FEATURES)
            return cls(weights, float(data["threshold"]), float(data["related"]))
        except (OSError, ValueError, KeyError):
            return DEFAULT_MODEL

    def score(self, features: tuple[float, ...]) -> float:
        z = sum(w * f for w, f in zip(self.weights, features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Before any fit (or when the fitted file is missing): a plain weighting of the main signals.
DEFAULT_MODEL = Model(
    weights=(-6.0, 5.0, 2.0, 3.0, 1.0, 1.0, -2.0, 1.0, -1.0, 0.5, -1.0, 0.5, 0.0, -1.0, 0.0, 0.0, -1.0), threshold=0.3,
    related=0.1,
)


@lru_cache(maxsize=1)
def default_model() -> Model:
    return Model.load()


class VectorCache:
    """Embeddings of passages, kept by text (the same passages come back question after question)."""

    def __init__(self, embedder, limit: int = 50_000):
        self.embedder = embedder
        self.limit = limit
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            vectors = self.embedder.embed_documents(missing)
            with self._lock:
                for t, v in zip(missing, vectors):
                    self._vectors[t] = v
                while len(self._vectors) > self.limit:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.vstack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 1))


def _idf(candidates: list[Candidate], terms: set[str]) -> dict[str, float]:
    """Rarity of each question term among the candidates' passages and contexts (smoothed)."""
    n = len(candidates)
    df = dict.fromkeys(terms, 0)
    for c in candidates:
        for t in present_terms(frozenset(terms), _bag(c.text + "\n" + c.context)):
            df[t] += 1
    return {t: math.log(1.0 + (n + 1) / (df[t] + 0.5)) for t in terms}


@lru_cache(maxsize=50_000)
def _bag(text: str) -> frozenset[str]:
    return frozenset(content_terms(text))


PREFIX = 4  # the shortest stem that stands for the longer words it begins (4, 5 and 6 measured: eval/REPORT.md)


@lru_cache(maxsize=100_000)
def present_terms(terms: frozenset[str], bag: frozenset[str]) -> frozenset[str]:
    """The question terms a passage's `bag` holds: the same stem, or a stem of at least `PREFIX` letters beginning
    the other ("chile" / "chilean", "produc" / "product"): the stemmer leaves such families of words apart."""
    found = terms & bag
    rest = [t for t in terms - found if len(t) >= PREFIX]
    if not rest:
        return found
    long = [w for w in bag if len(w) >= PREFIX]
    return found | {t for t in rest if any(w.startswith(t) or t.startswith(w) for w in long)}


def _coverage(weights: dict[str, float], bag: frozenset[str]) -> float:
    total = sum(weights.values())
    present = present_terms(frozenset(weights), bag)
    return sum(w for t, w in weights.items() if t in present) / total if total else 0.0


def score_candidates(question: Question, candidates: list[Candidate], vectors: VectorCache,
                     model: Model | None = None) -> list[Scored]:
    """Every candidate worth comparing, scored, best first."""
    model = model or default_model()
    if not candidates:
        return []
    terms = set(question.terms)
    idf = _idf(candidates, terms)
    present = set().union(*(_bag(c.text + "\n" + c.context) for c in candidates)) if terms else set()
    absent = 1.0 - _coverage(idf, frozenset(present)) if terms else 0.0
    lex = [_coverage(idf, _bag(c.text)) for c in candidates]
    # The model compares only the candidates the words and the ranks make likely (embedding is the costly part).
    order = sorted(range(len(candidates)), key=lambda i: (-(lex[i] + 1.0 / candidates[i].rank), i))[:MAX_EMBEDDED]
    kept = [candidates[i] for i in order]
    lex = [lex[i] for i in order]
    if question.vector is not None:
        cos = vectors([c.embed_text for c in kept]) @ question.vector
    else:
        cos = np.zeros(len(kept))
    best_cos, best_lex = float(np.max(cos)), max(lex)
    scored = []
    for c, cs, lx in zip(kept, cos, lex):
        features = _features(question, c, float(cs), best_cos, lx, best_lex, idf, absent)
        scored.append(Scored(c, model.score(features), features))
    scored.sort(key=lambda s: (-s.score, s.candidate.rank, s.candidate.start))
    return scored


def names_missing(names: tuple[tuple[str, ...], ...], bag: frozenset[str], texts: tuple[str, ...] = (),
                  passage: str = "") -> float:
    """The share of the question's names (`Question.names`) that `bag` (a passage's terms) lacks. A name is there
    when each of its terms is, as itself or a word of its family (`present_terms`: "Kazakh", "Kazakhstan"), or —
    given the names as written (`texts`) and the passage — when the passage spells out its acronym or abbreviates
    it ("NWSA", "Northern Water Safety Agency")."""
    if not names:
        return 0.0

    def present(i: int, name: tuple[str, ...]) -> bool:
        return present_terms(frozenset(name), bag) == set(name) or i < len(texts) and bool(passage) \
            and acronym_match(texts[i], passage)

    return sum(not present(i, name) for i, name in enumerate(names)) / len(names)


_LINKING = r"(?:\s+(?:of|and|the|for|&))*\s*"


def acronym_match(name: str, passage: str) -> bool:
    """`name` is an acronym the passage spells out, its letters as words or as initials ("NWSA" → "Northern Water
    Safety Agency", "N.W.S. Agency"), or a name of three or more capitalised words the passage abbreviates (its
    initials as one word)."""
    letters = name.replace(".", "")
    if re.fullmatch(r"[A-Z]{2,6}", letters):
        words = _LINKING.join(rf"{c}(?:\.|[\w'’-]+)" for c in letters)
        return re.search(rf"\b{words}", passage) is not None
    initials = "".join(w[0] for w in re.findall(r"\b[A-Z][\w'’-]*", name))
    return len(initials) >= 3 and re.search(rf"\b{initials}\b", passage) is not None


def _features(q: Question, c: Candidate, cos: float, best_cos: float, lex: float, best_lex: float,
              idf: dict[str, float], absent: float) -> tuple[float, ...]:
    bag = _bag(c.text + "\n" + c.context)
    context = _coverage(idf, bag)
    # the rarest question word the passage and its context lack: a question about something else often differs
    # from its look-alike passage by one such word
    top_idf = max(idf.values(), default=1.0)
    present = present_terms(frozenset(idf), bag)
    miss_rare = max((w for t, w in idf.items() if t not in present), default=0.0) / top_idf
    kinds = quick_kinds(c.text)
    type_ok = float(q.typed and bool(q.wants & kinds))
    type_missing = float(q.typed and not type_ok)
    year_ok = year_clash = 0.0
    if q.years:
        named = years_in(c.text + "\n" + c.context)
        year_ok = float(q.years <= named)
        # a row's years are its table's (the header's): "2026" asked of a table of 2023–2025 clashes
        stated = years_in(c.chunk.text if c.is_row else c.text)
        year_clash = float(bool(stated) and not (q.years & named))
    # a name the question gives (a person, a place, a company) that the passage and its context never name: a
    # passage about a neighbouring entity
    name_missing = names_missing(q.names, bag | _bag(c.chunk.text), q.name_texts, f"{c.context}\n{c.chunk.text}")
    return (1.0, cos, cos - best_cos, lex, lex - best_lex, context, absent, type_ok, type_missing, year_ok,
            year_clash, 1.0 / c.rank, float(c.is_row), miss_rare, cos * c.is_row, context * c.is_row, name_missing)

"""Scoring functions: pure, so they are tested on known inputs → known scores.

Normalisation follows SQuAD's (lower case, no punctuation, no articles, single spaces) with two changes for
figures: thousands separators go (`6,400` = `6400`) and decimal points, `%` and `$` stay (`21.2%` ≠ `212`);
`tonnes` = `tons`, `percent` = `%`.
"""

from __future__ import annotations

import re
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    t = text.lower().replace("’", "'").replace("–", "-")
    t = re.sub(r"\btonnes?\b", lambda m: "tons" if m.group(0).endswith("s") else "ton", t)
    t = re.sub(r"\s?\b(per cent|percent)\b", "%", t)
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)
    t = re.sub(r"(?<=\d)\.(?=\d)", "<DOT>", t)
    t = re.sub(r"[^\w\s%$<>]", " ", t).replace("<dot>", ".").replace("<DOT>", ".")
    t = _ARTICLES.sub(" ", t)
    return " ".join(t.split())


def contains(haystack: str, needle: str) -> bool:
    """`needle` occurs in `haystack` on token boundaries, after normalisation."""
    h, n = normalize(haystack), normalize(needle)
    return bool(n) and re.search(rf"(?<![\w.]){re.escape(n)}(?![\w])", h) is not None


def matches_accepted(answer: str, accepted: list) -> bool:
    """Any accepted alternative matches; an alternative that is a list needs all of its parts."""
    for alt in accepted:
        parts = alt if isinstance(alt, list) else [alt]
        if parts and all(contains(answer, p) for p in parts):
            return True
    return False


def token_f1(prediction: str, reference: str) -> float:
    p, r = normalize(prediction).split(), normalize(reference).split()
    if not p or not r:
        return float(p == r)
    common = Counter(p) & Counter(r)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(r)
    return 2 * precision * recall / (precision + recall)


def citation_supports(passage: str, evidence: str, accepted: list) -> bool:
    """A citation supports an answer when its passage holds the evidence (or lies within it), or the answer figure."""
    if evidence and (contains(passage, evidence) or contains(evidence, passage)):
        return True
    return any(contains(passage, p) for alt in accepted for p in (alt if isinstance(alt, list) else [alt]))


def evidence_rank(chunk_texts: list[str], evidence: str) -> int | None:
    """1-based rank of the first retrieved chunk containing the evidence, or None."""
    for rank, text in enumerate(chunk_texts, start=1):
        if contains(text, evidence):
            return rank
    return None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def score_item(item: dict, text: str, abstained: bool, conflict: bool, passages: list[str],
               retrieved: list[str]) -> dict:
    """Per-item scores; aggregated by `aggregate`."""
    unanswerable = bool(item.get("unanswerable"))
    if unanswerable:
        correct = abstained
        f1 = 1.0 if abstained else 0.0
    else:
        correct = not abstained and matches_accepted(text, item["accepted"])
        f1 = 0.0 if abstained else token_f1(text, item["answer"])
    supported = [citation_supports(p, item.get("evidence", ""), item.get("accepted", [])) for p in passages]
    rank = evidence_rank(retrieved, item["evidence"]) if item.get("evidence") else None
    return {
        "correct": correct,
        "f1": f1,
        "hallucination": (not abstained) and not correct,
        "citations": len(passages),
        "citations_supported": sum(supported) if not unanswerable else 0,
        "has_supporting_citation": any(supported),
        "evidence_rank": rank,
    }


def aggregate(items: list[dict], scores: list[dict], answers: list[dict], k: int = 5) -> dict:
    n = len(items)
    if n == 0:
        return {}
    answered = [(i, s, a) for i, s, a in zip(items, scores, answers) if not a["abstained"] and not i.get("unanswerable")]
    cited = sum(s["citations"] for _, s, _ in answered)
    with_evidence = [s for i, s in zip(items, scores) if i.get("evidence")]
    unans = [a for i, a in zip(items, answers) if i.get("unanswerable")]
    abstained = [i for i, a in zip(items, answers) if a["abstained"]]
    conflicts = [a for i, a in zip(items, answers) if i.get("conflict")]
    accuracy = sum(s["correct"] for s in scores) / n
    hallucination = sum(s["hallucination"] for s in scores) / n
    return {
        "items": n,
        "accuracy": accuracy,
        "f1": sum(s["f1"] for s in scores) / n,
        "citation_precision": (sum(s["citations_supported"] for _, s, _ in answered) / cited) if cited else 0.0,
        "citation_recall": (sum(s["has_supporting_citation"] for _, s, _ in answered) / len(answered)) if answered else 0.0,
        "hit@1": _hit(with_evidence, 1),
        f"hit@{k}": _hit(with_evidence, k),
        "mrr": (sum(1 / s["evidence_rank"] for s in with_evidence if s["evidence_rank"]) / len(with_evidence))
        if with_evidence else 0.0,
        "abstention_precision": (sum(bool(i.get("unanswerable")) for i in abstained) / len(abstained)) if abstained else 0.0,
        "abstention_recall": (sum(a["abstained"] for a in unans) / len(unans)) if unans else 0.0,
        "conflicts_surfaced": (sum(a["conflict"] for a in conflicts) / len(conflicts)) if conflicts else 0.0,
        "hallucination_rate": hallucination,
        "crag_score": accuracy - hallucination,
    }


def _hit(scores: list[dict], k: int) -> float:
    if not scores:
        return 0.0
    return sum(1 for s in scores if s["evidence_rank"] and s["evidence_rank"] <= k) / len(scores)

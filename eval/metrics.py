"""Scoring functions: pure, so they are tested on known inputs → known scores.

The project's JSONL sets: normalisation follows SQuAD's (lower case, no punctuation, no articles, single spaces)
with two changes for figures: thousands separators go (`6,400` = `6400`) and decimal points, `%` and `$` stay
(`21.2%` ≠ `212`); `tonnes` = `tons`, `percent` = `%`.

The public benchmarks (below `Benchmark metrics`) use each benchmark's own official normalisation, unchanged, so
their numbers compare with published ones: SQuAD 2.0's `normalize_answer` and TAT-QA's number-aware one.
"""

from __future__ import annotations

import re
import string
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


# ------------------------------------------------------------------------------------------------------------
# Benchmark metrics (SQuAD 2.0, TAT-QA): pure functions over strings, offsets and flags.

_MARKERS = re.compile(r"\s*\[\d+\]")
_PUNCT = set(string.punctuation)


def strip_markers(text: str) -> str:
    """The answer text without its citation markers: "121,300 customers [1][2]." → "121,300 customers."."""
    return _MARKERS.sub("", text or "").strip()


def squad_normalize(text: str) -> str:
    """SQuAD's official `normalize_answer` (evaluate-v2.0.py): lower case, punctuation, a/an/the, whitespace."""
    t = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    t = re.sub(r"\b(a|an|the)\b", " ", t)
    return " ".join(t.split())


def squad_em(prediction: str, golds: list[str]) -> float:
    """Exact match after SQuAD normalisation, max over the gold answers."""
    p = squad_normalize(prediction)
    return float(any(p == squad_normalize(g) for g in golds)) if golds else 0.0


def squad_f1(prediction: str, golds: list[str]) -> float:
    """SQuAD's official token F1, max over the gold answers."""
    return max((_squad_f1_one(prediction, g) for g in golds), default=0.0)


def _squad_f1_one(prediction: str, gold: str) -> float:
    p, g = squad_normalize(prediction).split(), squad_normalize(gold).split()
    if not p or not g:
        return float(p == g)
    same = sum((Counter(p) & Counter(g)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def squad_contains(text: str, golds: list[str]) -> bool:
    """Some gold answer occurs in the text, both SQuAD-normalised, on token boundaries."""
    h = " " + squad_normalize(text) + " "
    return any(n and f" {n} " in h for n in (squad_normalize(str(g)) for g in golds))


def word_count(text: str) -> int:
    return len(strip_markers(text).split())


def passage_in_regions(start: int, end: int, regions) -> bool:
    """[start, end) lies inside one of the gold regions (objects with .start/.end, or (start, end) pairs)."""
    return any(_lo(r) <= start and end <= _hi(r) for r in regions)


def cite_ok(citations, gold_source, regions, golds: list[str]) -> bool:
    """Some citation (objects with .source/.start/.end/.passage) is in the gold document, lies inside a gold region
    and its passage holds a gold answer (normalised). With no gold texts to look for (a computed answer whose
    operands are unknown) the place alone counts."""
    for c in citations:
        if not same_file(c.source, gold_source) or not passage_in_regions(c.start, c.end, regions):
            continue
        if not golds or squad_contains(c.passage, golds):
            return True
    return False


def chunk_holds_gold(doc_text: str, source, start: int, end: int, gold_source, regions, golds: list[str]) -> bool:
    """A retrieved chunk [start, end) of `source` holds the answer where the gold region says it is: the part of the
    chunk that overlaps a gold region contains a gold answer. (Overlap, not inclusion: a chunk may run across a
    paragraph break and still hand the reader the answer.)"""
    if not same_file(source, gold_source):
        return False
    for r in regions:
        lo, hi = max(start, _lo(r)), min(end, _hi(r))
        if lo < hi and (not golds or squad_contains(doc_text[lo:hi], golds)):
            return True
    return False


def first_gold_rank(holds: list[bool]) -> int | None:
    """1-based rank of the first retrieved chunk holding the answer, or None."""
    return next((n for n, ok in enumerate(holds, start=1) if ok), None)


def recall_at(ranks: list[int | None], k: int) -> float:
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def same_file(a, b) -> bool:
    from pathlib import Path

    if a is None or b is None:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return str(a) == str(b)


def _lo(r) -> int:
    return r.start if hasattr(r, "start") else r[0]


def _hi(r) -> int:
    return r.end if hasattr(r, "end") else r[1]


def squad_scores(text: str, value: str | None, abstained: bool, golds: list[str], unanswerable: bool,
                 cited_ok: bool) -> dict:
    """Per-question SQuAD 2.0 scores. Keys that don't apply to the question are None (skipped by `mean_of`).

    Answerable: em/f1 of the answer text (abstention → 0), value_em/value_f1 of the short value when the answer
    has one (else of the text), contains, cite_ok, wrong_abstain. Unanswerable: abstain_unanswerable.
    Both: v2_f1 (the SQuAD-v2 overall: unanswerable → 1 if abstained else 0; answerable → F1 if answered)."""
    plain = strip_markers(text)
    short = value if value else plain
    if unanswerable:
        return {"em": None, "f1": None, "value_em": None, "value_f1": None, "contains": None, "cite_ok": None,
                "wrong_abstain": None, "abstain_unanswerable": float(abstained), "v2_f1": float(abstained),
                "answer_words": None if abstained else word_count(plain)}
    answered = not abstained
    f1 = squad_f1(plain, golds) if answered else 0.0
    return {
        "em": squad_em(plain, golds) if answered else 0.0,
        "f1": f1,
        "value_em": squad_em(short, golds) if answered else 0.0,
        "value_f1": squad_f1(short, golds) if answered else 0.0,
        "contains": float(answered and squad_contains(plain, golds)),
        "cite_ok": float(answered and cited_ok),
        "wrong_abstain": float(abstained),
        "abstain_unanswerable": None,
        "v2_f1": f1,
        "answer_words": word_count(plain) if answered else None,
    }


def mean_of(rows: list[dict], key: str) -> float | None:
    """Mean of a key over the rows where it applies (not None); None when it applies nowhere."""
    values = [r[key] for r in rows if r.get(key) is not None]
    return sum(values) / len(values) if values else None




# ------------------------------------------------------------------------------------------------------------
# TAT-QA's official metric, ported from https://github.com/NExTplusplus/TAT-QA (commit 870accc4, files
# tatqa_metric.py and tatqa_utils.py: normalize_answer, to_number, get_answer_str, add_percent_pred, get_metrics,
# and the F1 = EM rule for arithmetic and count). Only the scoring of one prediction is ported; the model's
# bookkeeping (operator and scale counters, pandas pivots) is not.

_TAT_SCALES = ("thousand", "million", "billion", "percent")
_EXCLUDE_IN_NUM = "'\"\\$€£¥%(),[]"


def _tat_scale_to_num(scale: str) -> float:
    scale = scale.lower()
    for word, num in (("hundred", 100), ("thousand", 1000), ("million", 1000000), ("billion", 1000000000),
                      ("percent", 0.01)):
        if word in scale:
            return num
    return 1


def _tat_clean_num(text: str) -> str:
    return "".join(ch for ch in str(text) if ch not in _EXCLUDE_IN_NUM)


def _tat_extract_one_num(s: str):
    groups = re.findall(r"([+-]?\d+(\.\d+)?)|([+-]?\.\d+)", _tat_clean_num(s))
    if not groups or groups[0][0] == "":
        return None
    num = groups[0][0]
    return float(num) if "." in num else int(num)


def tat_is_number(text: str) -> bool:
    import math

    try:
        words = " ".join(_tat_clean_num(w) for w in text.split()).split()
        if not words:
            return False
        num = float(words[0])
        if math.isnan(num):
            return False
        if len(words) >= 2 and _tat_scale_to_num(words[1]) == 1:
            return False
        return True
    except ValueError:
        return False


def tat_to_number(text: str):
    """"(1,234.5)" → -1234.5, "12%" → 0.12, "3 million" → 3000000; None without a number."""
    num = _tat_extract_one_num(text)
    if num is None:
        return None
    scale = 1
    for m in re.finditer(r"([\d.]+\s?[a-zA-Z]+)", text):
        scale = _tat_scale_to_num(m.group(0).lower())
        break
    negative = -1 if re.findall(r"(\([\d.\s]+\))", text.strip()) else 1
    percent = 0.01 if re.findall(r"([\d.\s]+%)", text.strip()) else 1
    return round(num * scale * negative * percent, 4)


def tat_normalize(text: str) -> str:
    """TAT-QA's `normalize_answer`: per space-separated token, lower case, punctuation off unless it is a number,
    numbers as their value, articles off."""
    parts = []
    for token in text.split(" "):
        t = token.lower()
        if not tat_is_number(t):
            t = "".join(ch for ch in t if ch not in _PUNCT)
        if tat_is_number(t):
            t = str(tat_to_number(t))
        t = " ".join(re.sub(r"\b(a|an|the)\b", " ", t).split())
        if t.strip():
            parts.append(t)
    return " ".join(parts).strip()


def tat_answer_str(answers: list, scale: str) -> list[str]:
    """TAT-QA's `get_answer_str`: spans sorted, numbers scaled to their value, joined into one string."""
    out = []
    for ans in sorted(str(a) for a in answers):
        if tat_is_number(ans):
            num = tat_to_number(ans)
            if num is None:
                out.append(ans + " " + scale if scale else ans)
            elif "%" in ans:  # the answer itself is a percentage
                out.append("%.4f" % num)
            else:
                out.append("%.4f" % (round(num, 2) * _tat_scale_to_num(scale)))
        else:
            out.append(ans + " " + scale if scale else ans)
    return [" ".join(out)]


def _tat_bag_f1(predicted: set, gold: set) -> float:
    inter = len(gold & predicted)
    precision = inter / len(predicted) if predicted else 1.0
    recall = inter / len(gold) if gold else 1.0
    return 0.0 if precision == 0.0 and recall == 0.0 else 2 * precision * recall / (precision + recall)


def tat_em_f1(predicted: str, gold: str) -> tuple[float, float]:
    """TAT-QA's `get_metrics` for one predicted and one gold string (DROP-style: EM on the normalised spans, F1 on
    bags of tokens aligned one to one)."""
    from scipy.optimize import linear_sum_assignment

    p_spans = [tat_normalize(s) for s in [predicted]]
    g_spans = [tat_normalize(s) for s in [gold]]
    em = float(set(p_spans) == set(g_spans) and len(p_spans) == len(g_spans))
    p_bags, g_bags = [set(s.split()) for s in p_spans], [set(s.split()) for s in g_spans]
    scores = [[_tat_bag_f1(p, g) for p in p_bags] for g in g_bags]
    rows, cols = linear_sum_assignment([[-x for x in row] for row in scores])
    best = [0.0] * max(len(g_bags), len(p_bags))
    for r, c in zip(rows, cols):
        best[r] = max(best[r], scores[r][c])
    return em, round(sum(best) / len(best), 2)


def tat_gold(answer, answer_type: str) -> list[str]:
    """TAT-QA's `extract_gold_answers`: spans as given; an arithmetic answer as its string; a count as an int."""
    if answer_type in ("span", "multi-span"):
        return [str(a) for a in (answer if isinstance(answer, list) else [answer])]
    value = answer[0] if isinstance(answer, list) and len(answer) == 1 else answer
    if answer_type == "count":
        try:
            return [str(int(float(value)))]
        except (TypeError, ValueError):
            return [str(value)]
    return [str(value)]


def tatqa_em_f1(prediction: list[str], pred_scale: str, gold_answer, answer_type: str, gold_scale: str
                ) -> tuple[float, float]:
    """TAT-QA's `TaTQAEmAndF1.__call__` for one question: (EM, F1). An empty prediction scores 0."""
    if not prediction or not any(str(p).strip() for p in prediction):
        return 0.0, 0.0
    gold = tat_gold(gold_answer, answer_type)
    if not gold:
        return 0.0, 0.0
    gold_strings = tat_answer_str(gold, gold_scale)
    pred_strings = tat_answer_str(prediction, pred_scale)
    # add_percent_pred: a bare number without a scale may be a ratio of a percent answer (0.2342 for 23.42%)
    if len(prediction) == 1 and not pred_scale and "%" not in str(prediction[0]) and tat_is_number(str(prediction[0])):
        num = tat_to_number(str(prediction[0]))
        if num is not None:
            pred_strings.append("%.4f" % num)
    em, f1 = max(tat_em_f1(p, g) for p in pred_strings for g in gold_strings)
    if answer_type in ("arithmetic", "count"):
        f1 = em
    return em, f1


_SCALE_WORDS = re.compile(r"\b(thousands?|millions?|billions?|per\s?cent|percent)\b|%", re.I)


def tat_prediction(text: str, value: str | None, answer_type: str, kind: str = "") -> tuple[list[str], str]:
    """An answer of the assistant → (predicted spans, predicted scale) for the TAT-QA metric.

    The scale is read from the answer text ("thousand", "million", "billion"; "%", "percent" → percent) — for a
    computed answer from its value, not from the figures its formula combines — and the scale words leave the spans
    (the official metric multiplies a number by its scale; "3 million" with scale million would count twice). The
    official metric takes a model's list of spans; the assistant gives one string, so for a multi-span question it
    is split on ", ", ";", " and " and line breaks (the metric sorts the spans, so their order does not matter)."""
    plain = strip_markers(text)
    raw = strip_markers(value) if value else plain
    scale = ""
    # "2018 ($162.2 million < 170 million) [1]" is a year; a cell's scale may be in its header ("22.9 (Margin (%))")
    m = _SCALE_WORDS.search(raw) if kind == "computed" else _SCALE_WORDS.search(plain) or _SCALE_WORDS.search(raw)
    if m:
        word = m.group(0).lower()
        scale = "percent" if (word == "%" or "cent" in word) else word.rstrip("s")
    raw = re.sub(r"\s*\b(per\s?cent|percent)\b", "%", raw, flags=re.I)
    raw = re.sub(r"\s*\b(thousands?|millions?|billions?)\b", "", raw, flags=re.I)
    raw = raw.strip().rstrip(".").strip()
    if not raw:
        return [], scale
    if answer_type == "multi-span":
        spans = [s.strip() for s in re.split(r"\s*(?:,\s+|;)\s*(?:and\s+)?|\s+and\s+|\n+", raw) if s.strip()]
        return spans, scale
    return [raw], scale

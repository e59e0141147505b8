"""Measure the model's kind judge on the development sets and choose its margin (`assistant.question.KIND_MARGIN`);
write the table to docs/kind-fit.md.

    python -m eval.fit_kinds [--squad FILE] [--tatqa FILE] [--qa eval/qa.jsonl] [--embedder NAME]

A "what/which <noun>" question is typed by the model: its noun phrase is compared with one description per kind
(`question.KIND_DESCRIPTIONS`), and the best kind counts when it beats OTHER by the margin. Here every such question
of SQuAD 2.0 dev8 (answerable ones), TAT-QA dev (span and multi-span questions) and the `dev` split of eval/qa.jsonl
is judged at each margin of a grid and compared with the kind of its gold answer: the entity label spaCy gives the
answer where it stands (SQuAD), the answer's scale and figures (TAT-QA: a percentage, a year, any other figure), or
the label of the answer's longest span (eval/qa.jsonl); an answer with no such label, or longer than six words, is a
sentence's worth and wants no kind. A figure of no stated currency or unit fits any figure kind but a percentage.
The margin with the best mean accuracy over the three sets is chosen (the smaller of two equal ones); each kind's
description is measured by judging without it, the way a word list earns its place. Held-out sets (the `test`
split, eval/second.jsonl) are never read here. No index is built: only the questions and the model are needed.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from assistant import question as Q
from assistant.spans import spans_in
from eval import formats
from eval.runner import load_items

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
MARGINS = [0.0, 0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2]
FIGURE = "FIGURE"  # a TAT-QA figure with no percentage: money, a count or a quantity fit it
TEXT = "TEXT"  # a sentence's worth: no kind fits it but none
_YEARS = re.compile(r"[\s,]*(?:(?:19|20)\d\d[\s,]*)+")
_FIGURES = re.compile(r"[\s\d,.\-()$]+")


def _label(answer: str) -> str:
    spans = spans_in(answer)
    if not spans or len(answer.split()) > 6:
        return TEXT
    return max(spans, key=lambda s: s.end - s.start).label


def _squad(path: Path):
    for article in formats.read_squad(path):
        for p in article.paragraphs:
            found = spans_in(p.context)
            for q in p.questions:
                if q.unanswerable:
                    continue
                answer = q.answers[0]
                start = p.context.find(answer)
                end = start + len(answer)
                over = [s for s in found if start >= 0 and s.start < end and start < s.end
                        and min(end, s.end) - max(start, s.start) >= 0.5 * len(answer)]
                yield q.question, over[0].label if over else TEXT


def _tatqa(path: Path):
    for excerpt in formats.read_tatqa(path):
        for q in excerpt.questions:
            if q.answer_type not in ("span", "multi-span"):
                continue
            answer = " ".join(map(str, q.answer if isinstance(q.answer, list) else [q.answer]))
            if q.scale == "percent" or "%" in answer:
                gold = "PERCENT"
            elif _YEARS.fullmatch(answer):
                gold = "DATE"
            elif q.scale or _FIGURES.fullmatch(answer):
                gold = FIGURE
            else:
                gold = _label(answer)
            yield q.question, gold


def _seed_dev(path: Path):
    for item in load_items(path, split="dev"):
        if not item.get("unanswerable") and item.get("answer"):
            yield item["question"], _label(item["answer"])


def fits(wants: frozenset[str], gold: str) -> bool:
    if gold == TEXT:
        return not wants
    if gold == FIGURE:
        return bool(wants & {"MONEY", "QUANTITY", "CARDINAL"})
    return gold in wants


def judged(sets: dict[str, list[tuple[str, str]]], embedder) -> dict[str, list[tuple[dict[str, float], str]]]:
    """Each set's questions the model types (no wh-phrase decides their kind), as (cosines per kind, gold kind)."""
    out = {}
    for name, items in sets.items():
        out[name] = [(Q.kind_cosines(phrase, embedder), gold) for text, gold in items
                     if (phrase := Q.judged_phrase(text))]
    return out


def accuracy(cases, margin: float, without: str | None = None) -> float:
    def judge(cosines):
        return Q.judge_kind({k: v for k, v in cosines.items() if k != without}, margin)

    return sum(fits(judge(c), gold) for c, gold in cases) / len(cases) if cases else 0.0


def fit(cases: dict[str, list[tuple[dict[str, float], str]]]) -> tuple[float, list[str]]:
    """The margin with the best mean accuracy over the sets, and the table of every margin and ablation."""
    names = list(cases)
    lines = ["| margin | " + " | ".join(f"{n} ({len(cases[n])})" for n in names) + " | mean |",
             "|---|" + "---|" * (len(names) + 1)]
    best, best_mean = MARGINS[0], -1.0
    for m in MARGINS:
        accs = [accuracy(cases[n], m) for n in names]
        mean = sum(accs) / len(accs)
        lines.append(f"| {m:.2f} | " + " | ".join(f"{a:.3f}" for a in accs) + f" | {mean:.3f} |")
        if mean > best_mean + 1e-12:
            best, best_mean = m, mean
    lines += ["", f"Each kind's description left out, at margin {best:.2f}:", "",
              "| without | " + " | ".join(names) + " | mean |", "|---|" + "---|" * (len(names) + 1)]
    kinds = dict.fromkeys(kind for judged in cases.values() for cosines, _ in judged for kind in cosines)
    for kind in [k for k in kinds if k != "OTHER"]:
        accs = [accuracy(cases[n], best, without=kind) for n in names]
        lines.append(f"| {kind} | " + " | ".join(f"{a:.3f}" for a in accs) + f" | {sum(accs) / len(accs):.3f} |")
    return best, lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", default=str(SHARED / "benchmarks" / "squad2-dev8" / "squad2-dev8.json"),
                    help="SQuAD 2.0 file (its answerable questions)")
    ap.add_argument("--tatqa", default=str(SHARED / "benchmarks" / "tatqa-dev" / "tatqa_dataset_dev.json"),
                    help="TAT-QA file (its span and multi-span questions)")
    ap.add_argument("--qa", default=str(HERE / "qa.jsonl"), help="the project's set (its dev split is used)")
    ap.add_argument("--embedder", default="minilm", help="embedder judging the kinds (default: minilm)")
    ap.add_argument("--report", default=str(HERE.parent / "docs" / "kind-fit.md"), help="where the table goes")
    args = ap.parse_args(argv)
    from index.embedders import make_embedder

    sets = {"squad": list(_squad(Path(args.squad))), "tatqa": list(_tatqa(Path(args.tatqa))),
            "seed-dev": list(_seed_dev(Path(args.qa)))}
    best, lines = fit(judged(sets, make_embedder(args.embedder)))
    text = "\n".join([
        "# The kind judge's margin", "",
        "Written by `python -m eval.fit_kinds` (eval/fit_kinds.py says how the gold kinds are read). Accuracy of",
        "the model's kind judgment on the development sets' \"what/which <noun>\" questions, by margin over OTHER:",
        "", *lines, "", f"Chosen margin: {best:.2f} (assistant/question.py `KIND_MARGIN` is {Q.KIND_MARGIN:.2f}).", ""])
    Path(args.report).write_text(text, encoding="utf-8")
    print(text)
    if abs(best - Q.KIND_MARGIN) > 1e-9:
        print(f"set KIND_MARGIN = {best} in assistant/question.py", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`assistant eval`: answer every item of the set through the public API, score it, write a report.

Outputs in --out: results.jsonl (every prediction with its citations), report.json, report.md and
breakdown.png. Thresholds (--min-*) make the exit code non-zero when quality drops below them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import metrics

HERE = Path(__file__).resolve().parent
DEFAULT_QA = HERE / "qa.jsonl"
THRESHOLDS = {  # flag → metric key
    "min_accuracy": "accuracy",
    "min_f1": "f1",
    "min_citation_precision": "citation_precision",
    "min_citation_recall": "citation_recall",
    "min_hit5": "hit@5",
    "min_abstention_precision": "abstention_precision",
    "min_abstention_recall": "abstention_recall",
    "min_conflicts": "conflicts_surfaced",
    "min_crag": "crag_score",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--qa", type=Path, default=DEFAULT_QA, help="evaluation set (JSONL; see eval/README.md)")
    p.add_argument("--corpus", type=Path, help="documents to ingest before answering (skipped if unchanged)")
    p.add_argument("--out", type=Path, default=Path("eval-out"), help="where to write the report")
    p.add_argument("--k", type=int, help="passages retrieved per question")
    p.add_argument("--no-baseline", action="store_true", help="skip the plain llama-index baseline row")
    p.add_argument("--mode", choices=["extractive", "llm"], help="answer mode")
    p.add_argument("--judge", action="store_true",
                   help="add LLM-judged faithfulness and correctness (llama-index evaluators; needs ASSISTANT_LLM_*)")
    for flag in THRESHOLDS:
        p.add_argument("--" + flag.replace("_", "-"), type=float, default=None)


def load_items(path: Path) -> list[dict]:
    from assistant.errors import ConfigError

    items = []
    try:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                items.append(json.loads(line))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the evaluation set {path}: {exc}") from None
    for it in items:
        for key in ("id", "question", "accepted", "category"):
            if key not in it:
                raise ConfigError(f"item {it.get('id', '?')} in {path} has no {key!r} field — see eval/README.md")
    return items


def evaluate(assistant, items: list[dict], k: int = 8, baseline: bool = True, progress: bool = True,
             judge=None) -> dict:
    from tqdm import tqdm

    rows, scores, answers, latencies = [], [], [], []
    assistant.ask("warm-up question")  # load indexes once: latency measures warm queries
    for item in tqdm(items, desc="eval", unit="q", disable=None if progress else True):
        history = [tuple(turn) for turn in item.get("history", [])]
        t0 = time.perf_counter()
        ans = assistant.ask(item["question"], history=history, k=k)
        latencies.append((time.perf_counter() - t0) * 1000)
        retrieved = [h.chunk.text for h in assistant.retrieve(ans.standalone_question, k=10)]
        passages = [c.passage for c in ans.citations]
        s = metrics.score_item(item, ans.text, ans.abstained, ans.conflict, passages, retrieved)
        scores.append(s)
        answers.append({"abstained": ans.abstained, "conflict": ans.conflict})
        if judge is not None and not item.get("unanswerable"):
            s.update(judge(item, ans))
        rows.append({"id": item["id"], "category": item["category"], "question": item["question"],
                     "standalone_question": ans.standalone_question, "prediction": ans.text,
                     "reference": item.get("answer", ""), "abstained": ans.abstained, "conflict": ans.conflict,
                     "citations": [c.to_dict() for c in ans.citations], "latency_ms": round(latencies[-1], 2), **s})
    overall = metrics.aggregate(items, scores, answers)
    overall["latency_p50_ms"] = metrics.percentile(latencies, 0.5)
    overall["latency_p95_ms"] = metrics.percentile(latencies, 0.95)
    judged = [s for s in scores if "judge_faithful" in s]
    if judged:
        overall["judge_faithfulness"] = sum(s["judge_faithful"] for s in judged) / len(judged)
        overall["judge_correctness"] = sum(s["judge_correctness"] for s in judged) / len(judged) / 5
    by_category = {}
    for cat in sorted({i["category"] for i in items}):
        idx = [n for n, i in enumerate(items) if i["category"] == cat]
        by_category[cat] = metrics.aggregate([items[n] for n in idx], [scores[n] for n in idx], [answers[n] for n in idx])
    report = {"overall": overall, "by_category": by_category, "rows": rows}
    if baseline:
        report["baseline"] = evaluate_baseline(assistant, items, progress=progress)
    return report


def make_judge(assistant):
    """LLM-judged faithfulness (answer supported by its cited passages) and correctness (1–5 vs the reference),
    with llama-index's evaluators and the configured model."""
    from llama_index.core.evaluation import CorrectnessEvaluator, FaithfulnessEvaluator

    llm = assistant.llm_answerer().llm
    faithfulness, correctness = FaithfulnessEvaluator(llm=llm), CorrectnessEvaluator(llm=llm)

    def judge(item: dict, ans) -> dict:
        try:
            f = faithfulness.evaluate(query=item["question"], response=ans.text,
                                      contexts=[c.passage for c in ans.citations] or [""])
            c = correctness.evaluate(query=item["question"], response=ans.text, reference=item.get("answer", ""))
            return {"judge_faithful": float(bool(f.passing)), "judge_correctness": float(c.score or 0.0)}
        except Exception:  # a judge failure must not sink the run
            return {}

    return judge


def evaluate_baseline(assistant, items: list[dict], k: int = 8, progress: bool = True) -> dict:
    from tqdm import tqdm

    from .baseline import LlamaIndexBaseline

    base = LlamaIndexBaseline(assistant, k=k)
    scores, answers, latencies = [], [], []
    for item in tqdm(items, desc="baseline", unit="q", disable=None if progress else True):
        question = " ".join([t[0] for t in item.get("history", [])] + [item["question"]])  # no follow-up handling
        t0 = time.perf_counter()
        ans, texts = base.ask(question)
        latencies.append((time.perf_counter() - t0) * 1000)
        scores.append(metrics.score_item(item, ans.text, ans.abstained, ans.conflict,
                                         [c.passage for c in ans.citations], texts))
        answers.append({"abstained": ans.abstained, "conflict": ans.conflict})
    overall = metrics.aggregate(items, scores, answers)
    overall["latency_p50_ms"] = metrics.percentile(latencies, 0.5)
    overall["latency_p95_ms"] = metrics.percentile(latencies, 0.95)
    return overall


SUMMARY_KEYS = ["accuracy", "f1", "citation_precision", "citation_recall", "hit@1", "hit@5", "mrr",
                "abstention_precision", "abstention_recall", "conflicts_surfaced", "hallucination_rate", "crag_score",
                "latency_p50_ms", "latency_p95_ms", "judge_faithfulness", "judge_correctness"]


def _fmt(key: str, value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if key.endswith("_ms") else f"{value:.3f}"


def render_markdown(report: dict, command: str) -> str:
    o, b = report["overall"], report.get("baseline")
    lines = ["# Evaluation report", "", f"Made by: `{command}`", "",
             f"{o['items']} questions. Baseline: plain llama-index `VectorStoreIndex` over the same chunks "
             "and embeddings, top-k retrieval, answer = best chunk.", "",
             "| metric | this project | llama-index baseline |", "|---|---|---|"]
    for key in SUMMARY_KEYS:
        if key in o or (b and key in b):
            lines.append(f"| {key} | {_fmt(key, o.get(key))} | {_fmt(key, b.get(key)) if b else '—'} |")
    lines += ["", "## By category", "", "| category | n | accuracy | f1 | citation precision | hit@5 |", "|---|---|---|---|---|---|"]
    for cat, m in report["by_category"].items():
        lines.append(f"| {cat} | {m['items']} | {m['accuracy']:.3f} | {m['f1']:.3f} | {m['citation_precision']:.3f} | {m['hit@5']:.3f} |")
    wrong = [r for r in report["rows"] if not r["correct"]]
    lines += ["", f"## Wrong answers ({len(wrong)})", ""]
    for r in wrong:
        lines.append(f"- `{r['id']}` ({r['category']}) {r['question']} → {r['prediction'][:160]!r} (expected {r['reference']!r})")
    return "\n".join(lines) + "\n"


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = list(report["by_category"])
    acc = [report["by_category"][c]["accuracy"] for c in cats]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(cats, acc, color="#3b7dd8")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.set_title(f"Accuracy by category (overall {report['overall']['accuracy']:.2f})")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_outputs(report: dict, out: Path, command: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.jsonl", "w", encoding="utf-8") as fh:
        for row in report["rows"]:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = {k: v for k, v in report.items() if k != "rows"}
    (out / "report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report, command), encoding="utf-8")
    write_chart(report, out / "breakdown.png")


def check_thresholds(overall: dict, limits: dict[str, float | None]) -> list[str]:
    failures = []
    for flag, key in THRESHOLDS.items():
        limit = limits.get(flag)
        if limit is not None and overall.get(key, 0.0) < limit:
            failures.append(f"{key} {overall.get(key, 0.0):.3f} < {limit}")
    return failures


def run_from_args(args, settings) -> int:
    from assistant.core import Assistant

    if args.index_dir is None and settings.chroma_url is None:
        settings = settings.model_copy(update={"index_dir": args.out / "index"})
    items = load_items(args.qa)
    assistant = Assistant(settings=settings)
    if args.corpus:
        print(assistant.ingest([args.corpus], progress=True).summary(), file=sys.stderr)
    judge = make_judge(assistant) if args.judge else None
    report = evaluate(assistant, items, k=args.k or settings.k, baseline=not args.no_baseline, judge=judge)
    command = "assistant eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else "assistant eval"
    write_outputs(report, args.out, command)
    o, b = report["overall"], report.get("baseline") or {}
    print(f"{'metric':<22}{'project':>10}{'baseline':>10}")
    for key in [k for k in SUMMARY_KEYS if k in o]:
        print(f"{key:<22}{_fmt(key, o.get(key)):>10}{_fmt(key, b.get(key)) if b else '—':>10}")
    print(f"report: {args.out / 'report.md'}")
    failures = check_thresholds(o, vars(args))
    for f in failures:
        print(f"below threshold: {f}", file=sys.stderr)
    return 1 if failures else 0

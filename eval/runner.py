"""`assistant eval [PATH] [--format squad|tatqa|jsonl]`: answer every question of a set through the public API,
score it next to two baselines (plain llama-index; nearest sentence), write a report.

PATH is the project's JSONL set (default eval/qa.jsonl, over --corpus DIR), a SQuAD 2.0 file or a TAT-QA file; the
format is read from the file when --format is not given. Outputs in --out: results.jsonl (every prediction with
its citations and scores: the project's for a JSONL set, every system's for a benchmark), report.json, report.md
and a chart. Gates (--min-*/--max-*) make the exit code 1 when a metric of the project's row is on the wrong side
of its limit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.resources import files
from pathlib import Path

from . import metrics

# package data (pyproject.toml), so `assistant eval` runs from an installed wheel; a Path, as PATH arguments are
# (pip installs a wheel as plain files)
DEFAULT_QA = Path(str(files(__package__) / "qa.jsonl"))
SPLITS = ("dev", "test", "all")
# gate flag → (metric key in the project's row, "min" | "max"); JSONL sets and benchmarks share the flags whose
# metric they both report (f1)
THRESHOLDS = {
    "min_accuracy": ("accuracy", "min"),
    "min_f1": ("f1", "min"),
    "min_citation_precision": ("citation_precision", "min"),
    "min_citation_recall": ("citation_recall", "min"),
    "min_hit5": ("hit@5", "min"),
    "min_abstention_precision": ("abstention_precision", "min"),
    "min_abstention_recall": ("abstention_recall", "min"),
    "min_conflicts": ("conflicts_surfaced", "min"),
    "min_crag": ("crag_score", "min"),
    # benchmarks (SQuAD, TAT-QA)
    "min_em": ("em", "min"),
    "min_contains": ("contains", "min"),
    "min_cite_ok": ("cite_ok", "min"),
    "min_abstain_unanswerable": ("abstain_rate_unanswerable", "min"),
    "max_wrong_abstain": ("wrong_abstain_rate", "max"),
    "min_v2_f1": ("v2_f1", "min"),
    "min_span_f1": ("span_f1", "min"),
    "min_arithmetic_em": ("arithmetic_em", "min"),
    "min_recall5": ("recall@5", "min"),
}


# `assistant eval`: this module is a plug-in command of the `assistant` CLI (assistant.cli.plugin_commands)
COMMAND = "eval"
HELP = "run the question-answer evaluation set"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", type=Path,
                   help="evaluation file: the project's JSONL (default eval/qa.jsonl), SQuAD 2.0 JSON or TAT-QA JSON")
    p.add_argument("--format", choices=["squad", "tatqa", "jsonl"], help="format of PATH (read from the file if omitted)")
    p.add_argument("--qa", type=Path, default=DEFAULT_QA, help="the JSONL set when PATH is not given (see eval/README.md)")
    p.add_argument("--corpus", type=Path, help="JSONL sets: documents to ingest before answering (skipped if unchanged)")
    p.add_argument("--split", choices=SPLITS, default="all",
                   help="JSONL sets: the items of this split (items without a \"split\" field are dev)")
    p.add_argument("--sample", type=int, help="benchmarks: a fixed stratified sample of N questions (SQuAD) or "
                                              "N excerpts (TAT-QA)")
    p.add_argument("--seed", type=int, default=0, help="seed of --sample")
    p.add_argument("--out", type=Path, default=Path("eval-out"), help="where to write the report")
    p.add_argument("--k", type=int, help="passages retrieved per question")
    p.add_argument("--no-baseline", action="store_true", help="skip the two baseline rows")
    p.add_argument("--mode", choices=["extractive", "llm"], help="answer mode")
    p.add_argument("--judge", action="store_true",
                   help="JSONL sets: add LLM-judged faithfulness and correctness (llama-index evaluators; needs ASSISTANT_LLM_*)")
    for flag, (key, side) in THRESHOLDS.items():
        p.add_argument("--" + flag.replace("_", "-"), type=float, default=None, metavar="VALUE",
                       help=f"exit 1 when the project's {key} is {'below' if side == 'min' else 'above'} VALUE")


def load_items(path: Path, split: str = "all") -> list[dict]:
    """The JSONL set's items (of one split: an item without a "split" field belongs to dev)."""
    from assistant import ConfigError

    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read the evaluation set {path}: {exc.strerror or exc}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}, line {n}, is not valid JSON ({exc})") from None
        if not isinstance(item, dict):
            raise ConfigError(f"{path}, line {n}, should be a JSON object")
        items.append(item)
    for it in items:
        for key in ("id", "question", "accepted", "category"):
            if key not in it:
                raise ConfigError(f"item {it.get('id', '?')} in {path} has no {key!r} field — see eval/README.md")
    if split != "all":
        items = [it for it in items if it.get("split", "dev") == split]
        if not items:
            raise ConfigError(f"{path} has no items of split {split!r}")
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
                     "value": ans.value, "kind": ans.kind,
                     "reference": item.get("answer", ""), "abstained": ans.abstained, "conflict": ans.conflict,
                     "citations": [c.to_dict() for c in ans.citations], "latency_ms": round(latencies[-1], 2), **s})
    overall = metrics.aggregate(items, scores, answers)
    overall["answer_words"] = _answer_words([r["prediction"] for r in rows], answers)
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
        report["baselines"] = evaluate_baseline(assistant, items, progress=progress)
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
    """Both baselines over the assistant's collection, scored like the project: {name: overall}."""
    from tqdm import tqdm

    from .baseline import make_baselines

    out = {}
    for base in make_baselines(assistant):
        scores, answers, latencies, texts = [], [], [], []
        for item in tqdm(items, desc=base.name, unit="q", disable=None if progress else True):
            pred = base.answer(item["question"], history=[tuple(t) for t in item.get("history", [])])
            latencies.append(pred.latency_ms)
            texts.append(pred.text)
            scores.append(metrics.score_item(item, pred.text, pred.abstained, pred.conflict,
                                             [c.passage for c in pred.citations], [c.passage for c in pred.retrieved]))
            answers.append({"abstained": pred.abstained, "conflict": pred.conflict})
        overall = metrics.aggregate(items, scores, answers)
        overall["answer_words"] = _answer_words(texts, answers)
        overall["latency_p50_ms"] = metrics.percentile(latencies, 0.5)
        overall["latency_p95_ms"] = metrics.percentile(latencies, 0.95)
        out[base.name] = overall
    return out


def _answer_words(texts: list[str], answers: list[dict]) -> float | None:
    """Mean length in words of the answers given (abstentions left out)."""
    given = [metrics.word_count(t) for t, a in zip(texts, answers) if not a["abstained"]]
    return sum(given) / len(given) if given else None


SUMMARY_KEYS = ["accuracy", "f1", "citation_precision", "citation_recall", "hit@1", "hit@5", "mrr",
                "abstention_precision", "abstention_recall", "conflicts_surfaced", "hallucination_rate", "crag_score",
                "answer_words", "latency_p50_ms", "latency_p95_ms", "ingest_s", "judge_faithfulness", "judge_correctness"]


def _fmt(key: str, value) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if key.endswith(("_ms", "_s")) or key == "answer_words" else f"{value:.3f}"


def render_markdown(report: dict, command: str) -> str:
    o, bases = report["overall"], report.get("baselines") or {}
    names = ["project"] + list(bases)
    rows = {"project": o, **bases}
    lines = ["# Evaluation report", "", f"Made by: `{command}`", "",
             f"{o['items']} questions. Baselines: `llama_index` = plain llama-index `VectorStoreIndex` over the same "
             "documents (default SentenceSplitter nodes, same embedder), answer = top node; `nearest_sentence` = the "
             "project's retrieval (k=10), answer = the sentence closest to the question by the embedder. Neither "
             "abstains.", "",
             "| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for key in SUMMARY_KEYS:
        if any(key in r for r in rows.values()):
            lines.append(f"| {key} | " + " | ".join(_fmt(key, rows[n].get(key)) for n in names) + " |")
    lines += ["", "## By category (project)", "", "| category | n | accuracy | f1 | citation precision | hit@5 |",
              "|---|---|---|---|---|---|"]
    for cat, m in report["by_category"].items():
        lines.append(f"| {cat} | {m['items']} | {m['accuracy']:.3f} | {m['f1']:.3f} | {m['citation_precision']:.3f} | {m['hit@5']:.3f} |")
    wrong = [r for r in report["rows"] if not r["correct"]]
    lines += ["", f"## Wrong answers of the project ({len(wrong)})", ""]
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
    _write_rows(report["rows"], out / "results.jsonl")
    summary = {"format": "jsonl", "command": command, **{k: v for k, v in report.items() if k != "rows"}}
    (out / "report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report, command), encoding="utf-8")
    write_chart(report, out / "breakdown.png")


def write_benchmark_outputs(report: dict, out: Path, command: str) -> Path:
    """results.jsonl, report.json, report.md and `<format>.png` in out; returns the chart's path."""
    from . import benchmarks

    out.mkdir(parents=True, exist_ok=True)
    _write_rows(report["rows"], out / "results.jsonl")
    summary = {"command": command, **{k: v for k, v in report.items() if k != "rows"}}
    (out / "report.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "report.md").write_text(benchmarks.render_markdown(report, command), encoding="utf-8")
    chart = out / f"{report['format']}.png"
    benchmarks.write_chart(report, chart)
    return chart


def _write_rows(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


def check_thresholds(overall: dict, limits: dict[str, float | None]) -> list[str]:
    """One message per gate the project's row fails; a gate on a metric this set doesn't report fails too (a gate
    that silently passes would be no gate)."""
    failures = []
    for flag, (key, side) in THRESHOLDS.items():
        limit = limits.get(flag)
        if limit is None:
            continue
        value = overall.get(key)
        if value is None:
            failures.append(f"{key} is not measured on this set (gate --{flag.replace('_', '-')})")
        elif side == "min" and value < limit:
            failures.append(f"{key} {value:.3f} < {limit}")
        elif side == "max" and value > limit:
            failures.append(f"{key} {value:.3f} > {limit}")
    return failures


def _command() -> str:
    return "assistant eval " + " ".join(sys.argv[2:]) if sys.argv[1:2] == ["eval"] else "assistant eval"


def run_from_args(args, settings) -> int:
    from .formats import detect_format

    path = args.path or args.qa
    kind = args.format or detect_format(path)
    if kind == "jsonl":
        return run_jsonl(args, settings, path)
    return run_benchmark(args, settings, path, kind)


def run_jsonl(args, settings, path: Path) -> int:
    from assistant import Assistant

    if args.index_dir is None and settings.chroma_url is None:
        settings = settings.model_copy(update={"index_dir": args.out / "index"})
    from assistant import ConfigError

    if args.sample is not None:
        raise ConfigError("--sample is for SQuAD and TAT-QA files; a JSONL set is asked in full (use --split)")
    items = load_items(path, args.split)
    assistant = Assistant(settings=settings)
    ingest_s = None
    if args.corpus:
        t0 = time.perf_counter()
        print(assistant.ingest([args.corpus], progress=True).summary(), file=sys.stderr)
        ingest_s = time.perf_counter() - t0
    judge = make_judge(assistant) if args.judge else None
    report = evaluate(assistant, items, k=args.k or settings.k, baseline=not args.no_baseline, judge=judge)
    report["overall"]["ingest_s"] = ingest_s  # None when the index was already built
    report["embedder"] = settings.embedder
    write_outputs(report, args.out, _command())
    o, bases = report["overall"], report.get("baselines") or {}
    print(f"{'metric':<22}{'project':>10}" + "".join(f"{n:>18}" for n in bases))
    for key in [k for k in SUMMARY_KEYS if k in o]:
        print(f"{key:<22}{_fmt(key, o.get(key)):>10}" + "".join(f"{_fmt(key, b.get(key)):>18}" for b in bases.values()))
    print(f"report: {args.out / 'report.md'}")
    return _gate(o, args)


def run_benchmark(args, settings, path: Path, kind: str) -> int:
    from assistant import ConfigError

    from . import benchmarks

    if args.corpus:
        raise ConfigError(f"--corpus is for JSONL sets: a {kind} file brings its own documents")
    if args.sample is not None and args.sample < 1:
        raise ConfigError("--sample must be at least 1")
    run = benchmarks.run_squad if kind == "squad" else benchmarks.run_tatqa
    index_dir = Path(args.index_dir) if args.index_dir else None
    report = run(path, args.out, settings, sample=args.sample, seed=args.seed, baselines=not args.no_baseline,
                 k=args.k, index_dir=index_dir)
    report["embedder"] = settings.embedder
    write_benchmark_outputs(report, args.out, _command())
    systems = report["systems"]
    print(f"{'metric':<28}" + "".join(f"{n:>18}" for n in systems))
    for key in benchmarks.HEADLINE[kind]:
        print(f"{key:<28}" + "".join(f"{benchmarks.fmt(key, s.get(key)):>18}" for s in systems.values()))
    print(f"report: {args.out / 'report.md'}")
    return _gate(systems["project"], args)


def _gate(overall: dict, args) -> int:
    failures = check_thresholds(overall, vars(args))
    for f in failures:
        print(f"below gate: {f}", file=sys.stderr)
    return 1 if failures else 0

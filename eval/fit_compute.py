"""Fit computed answers' own bounds (`assistant.compute.Bounds`) on the development sets; write
`assistant/data/compute.json` and the table of every value tried to docs/compute-fit.md.

    python -m eval.fit_compute [--tatqa FILE] [--tatqa-excerpts 40] [--qa eval/qa.jsonl --corpus DIR] [--work DIR]

Development sets only: a sample of TAT-QA dev excerpts (every question: computed answers must be right on the
arithmetic ones and must not fire on the others) and the `dev` split of eval/qa.jsonl (all of it, for the same
reason). The objective is the mean of TAT-QA EM and the dev split's accuracy, through the production `Assistant.ask`.
The bounds are searched one at a time (coordinate descent, two passes) from the values before the fit; a value
replaces the current one only when it scores strictly higher, so a bound the data can't tell apart stays where it was.
Held-out sets (the `test` split, eval/second.jsonl) are never read here.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from assistant import compute
from eval import formats, metrics
from eval.baseline import project_prediction
from eval.benchmarks import sample_tatqa, score_tatqa
from eval.runner import load_items

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
# The values tried for each bound, around the ones before the fit.
CHOICES = {
    "name_share": [0.34, 0.5, 0.67, 1.0],
    "header_match": [0.34, 0.5, 0.67],
    "rows_tried": [1, 2, 3, 5],
    "sentences_tried": [2, 3, 5, 8],
    "pair_gap": [30, 60, 100],
    "change_gap": [8, 15, 30],
}


def _tatqa_collections(path: Path, work: Path, excerpts: int, settings):
    """(assistant, its questions, the excerpt's text) per sampled excerpt, ingested once."""
    from assistant import Assistant

    chosen = sample_tatqa(formats.read_tatqa(path), excerpts, seed=0)
    docs, questions = formats.write_tatqa_docs(chosen, work / "docs" / "tatqa")
    out = []
    for doc in docs:
        a = Assistant(index_dir=work / "index" / "tatqa" / formats.slug(doc.uid), settings=settings)
        try:
            a.ingest([doc.path], progress=False)
        except Exception as exc:  # noqa: BLE001 — an excerpt the pipeline can't ingest is left out, as in eval.fit
            print(f"skipped excerpt {doc.uid}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        out.append((a, [q for q in questions if q.group == doc.uid], Path(doc.path).read_text(encoding="utf-8")))
    return out


def _seed_dev(qa: Path, corpus: Path, work: Path, settings):
    from assistant import Assistant

    items = load_items(qa, split="dev")
    a = Assistant(index_dir=work / "index" / "seed", settings=settings)
    a.ingest([corpus], progress=False)
    return a, items


def _score(tatqa, seed) -> dict:
    """TAT-QA EM (all questions and the arithmetic ones) and the dev split's accuracy with the current bounds."""
    em, arith = [], []
    for assistant, questions, text in tatqa:
        for q in questions:
            pred, _ = project_prediction(assistant, q.question, depth=1)
            e = score_tatqa(q, pred, text)["em"]
            em.append(e)
            if q.answer_type == "arithmetic":
                arith.append(e)
    assistant, items = seed
    correct = []
    for item in items:
        ans = assistant.ask(item["question"], history=[tuple(t) for t in item.get("history", [])])
        s = metrics.score_item(item, ans.text, ans.abstained, ans.conflict, [c.passage for c in ans.citations], [])
        correct.append(s["correct"])
    result = {"tatqa_em": sum(em) / len(em), "tatqa_arithmetic_em": sum(arith) / max(1, len(arith)),
              "dev_accuracy": sum(correct) / len(correct)}
    result["objective"] = (result["tatqa_em"] + result["dev_accuracy"]) / 2
    return result


def fit(args) -> tuple[compute.Bounds, list[dict]]:
    from assistant.settings import load_settings

    settings = load_settings(embedder=args.embedder)
    work = Path(args.work or tempfile.mkdtemp(prefix="fit-compute-"))
    tatqa = _tatqa_collections(Path(args.tatqa), work, args.tatqa_excerpts, settings)
    seed = _seed_dev(Path(args.qa), Path(args.corpus), work, settings)
    best = compute.Bounds()
    tried: dict[tuple, dict] = {}

    def evaluate(bounds: compute.Bounds) -> dict:
        key = dataclasses.astuple(bounds)
        if key not in tried:
            compute.BOUNDS = bounds
            tried[key] = {**dataclasses.asdict(bounds), **_score(tatqa, seed)}
            print(json.dumps(tried[key]), file=sys.stderr)
        return tried[key]

    best_score = evaluate(best)["objective"]
    for _ in range(2):
        for name, values in CHOICES.items():
            for value in values:
                candidate = dataclasses.replace(best, **{name: value})
                score = evaluate(candidate)["objective"]
                if score > best_score:
                    best, best_score = candidate, score
    compute.BOUNDS = best
    return best, list(tried.values())


def _write(best: compute.Bounds, rows: list[dict], args, out: Path, report: Path) -> None:
    command = "python -m eval.fit_compute " + " ".join(sys.argv[1:])
    chosen = next(r for r in rows if all(r[k] == v for k, v in dataclasses.asdict(best).items()))
    out.write_text(json.dumps({"bounds": dataclasses.asdict(best), "scores": {k: chosen[k] for k in (
        "tatqa_em", "tatqa_arithmetic_em", "dev_accuracy", "objective")}, "tatqa_excerpts": args.tatqa_excerpts,
        "command": command}, indent=2) + "\n", encoding="utf-8")
    names = list(CHOICES)
    lines = [
        "# Computed answers: the fit of their bounds", "",
        f"Made by: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC})", "",
        f"Development sets: {args.tatqa_excerpts} TAT-QA dev excerpts (sample seed 0, every question) and the `dev` "
        "split of eval/qa.jsonl. Objective: the mean of TAT-QA EM and the dev accuracy. Coordinate descent from "
        "the values before the fit (the first row); a value is taken only when it scores strictly higher.", "",
        "Chosen: " + ", ".join(f"`{k}` = {v}" for k, v in dataclasses.asdict(best).items()), "",
        "| " + " | ".join(names) + " | TAT-QA EM | arithmetic EM | dev accuracy | objective |",
        "|" + "---|" * (len(names) + 4),
    ]
    for r in rows:
        lines.append("| " + " | ".join(str(r[n]) for n in names) +
                     f" | {r['tatqa_em']:.3f} | {r['tatqa_arithmetic_em']:.3f} | {r['dev_accuracy']:.3f} | "
                     f"{r['objective']:.4f} |")
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tatqa", default=str(SHARED / "benchmarks" / "tatqa-dev" / "tatqa_dataset_dev.json"),
                    help="TAT-QA dev JSON")
    ap.add_argument("--tatqa-excerpts", type=int, default=40, help="excerpts sampled from TAT-QA (seed 0)")
    ap.add_argument("--qa", default=str(HERE / "qa.jsonl"), help="the project's set (its dev split is used)")
    ap.add_argument("--corpus", default=str(SHARED / "corpus"), help="the documents of --qa")
    ap.add_argument("--embedder", default=None, help="embedder (default: the settings' default)")
    ap.add_argument("--work", default=None, help="working folder for documents and indexes (default: a temp dir)")
    ap.add_argument("--out", default=str(compute.BOUNDS_FILE), help="where the fitted bounds are written")
    ap.add_argument("--report", default=str(HERE.parent / "docs" / "compute-fit.md"),
                    help="where the table of every value tried is written")
    args = ap.parse_args(argv)
    best, rows = fit(args)
    _write(best, rows, args, Path(args.out), Path(args.report))
    print(f"bounds: {dataclasses.asdict(best)} → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

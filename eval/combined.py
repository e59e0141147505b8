"""`python -m eval.combined --out eval/REPORT.md NAME=DIR ...`: one report with every set side by side.

Each DIR is the --out of an `assistant eval` run (its report.json); the charts are copied next to the report
(`eval/charts/<NAME>.png`) so the committed report links to committed images. A set whose DIR has no report.json
(e.g. the second collection before it exists) is listed as not run. A NAME of the form `SET@EMBEDDER` (e.g.
`test@hash`) is SET run with another embedder: it is not a set of its own but a column of the section that puts the
embedders side by side.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from .benchmarks import HEADLINE, fmt

SYSTEMS = ("project", "llama_index", "nearest_sentence")
JSONL_KEYS = ["accuracy", "f1", "citation_precision", "citation_recall", "hit@1", "hit@5", "abstention_precision",
              "abstention_recall", "hallucination_rate", "crag_score", "answer_words", "ingest_s", "latency_p50_ms",
              "latency_p95_ms"]
# the one number per set in the overview: the set's main answer-quality measure
MAIN = {"jsonl": "accuracy", "squad": "v2_f1", "tatqa": "f1"}
# what the embedder changes: retrieval (hit/recall), the answers, and the time to ingest and to answer
EMBEDDER_KEYS = {"jsonl": ["hit@1", "hit@5", "accuracy", "citation_recall", "latency_p50_ms", "ingest_s"],
                 "squad": ["recall@1", "recall@5", "f1", "v2_f1", "cite_ok", "latency_p50_ms", "ingest_s"],
                 "tatqa": ["recall@1", "recall@5", "f1", "span_f1", "cite_ok", "latency_p50_ms", "ingest_s"]}


def load(dir_: Path) -> dict | None:
    path = dir_ / "report.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def rows_of(report: dict) -> dict:
    """{system: metrics} for any kind of report."""
    if report.get("format", "jsonl") == "jsonl":
        return {"project": report["overall"], **(report.get("baselines") or {})}
    return report["systems"]


def render(sets: list[tuple[str, Path, dict | None]], chart_dir: Path, report_path: Path) -> str:
    variants = [s for s in sets if "@" in s[0]]
    sets = [s for s in sets if "@" not in s[0]]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Evaluation report: every set side by side", "",
             f"Written by `make eval` ({stamp}). `project` is this assistant; `llama_index` a plain llama-index "
             "`VectorStoreIndex` (default SentenceSplitter nodes, same embedder, answer = top node); "
             "`nearest_sentence` the project's retrieval (k=10) with the sentence closest to the question as the "
             "answer. Neither baseline abstains. Definitions: eval/BENCHMARKS.md and eval/README.md.", "",
             "`dev` is the part of our own set the answerer may be tuned on, and `trial` (documents written as a new "
             "user would bring them) was studied while changing it; `test`, the second collection and the public "
             "benchmarks are held out: read their numbers, don't tune on their failures.", "",
             "## Overview", "", "| set | questions | main metric | " + " | ".join(SYSTEMS) + " |",
             "|---|---|---|---|---|---|"]
    for name, _, report in sets:
        if report is None:
            lines.append(f"| {name} | — | not run | — | — | — |")
            continue
        kind, rows = report.get("format", "jsonl"), rows_of(report)
        key = MAIN[kind]
        n = rows["project"].get("items") or rows["project"].get("questions")
        lines.append(f"| {name} | {n} | {key} | " + " | ".join(fmt(key, rows.get(s, {}).get(key)) for s in SYSTEMS)
                     + " |")
    lines += _embedder_lines(sets, variants)
    for name, dir_, report in sets:
        lines += ["", f"## {name}", ""]
        if report is None:
            lines.append(f"Not run: no report in `{dir_}`.")
            continue
        kind, rows = report.get("format", "jsonl"), rows_of(report)
        lines += [f"Command: `{report.get('command', 'assistant eval')}` (embedder `{report.get('embedder', '?')}`)", ""]
        lines += ["| metric | " + " | ".join(SYSTEMS) + " |", "|---|---|---|---|"]
        for key in (JSONL_KEYS if kind == "jsonl" else HEADLINE[kind]):
            lines.append(f"| {key} | " + " | ".join(fmt(key, rows.get(s, {}).get(key)) for s in SYSTEMS) + " |")
        lines += _notes(report)
        for title, field in (("By answer type", "by_answer_type"), ("By answer source", "by_answer_from")):
            if field in report:
                lines += _breakdown_lines(title, report[field])
        chart = _copy_chart(dir_, kind, chart_dir, name)
        if chart is not None:
            rel = chart.resolve().relative_to(report_path.parent.resolve())
            lines += ["", f"![{name}]({rel.as_posix()})"]
        lines += ["", f"Full report (all breakdowns, wrong answers): `{dir_ / 'report.md'}` after `make eval`."]
    return "\n".join(lines) + "\n"


def _embedder_lines(sets: list[tuple[str, Path, dict | None]], variants: list[tuple[str, Path, dict | None]]) -> list[str]:
    """The project on each set with the default embedder and with the others (`SET@EMBEDDER`), same run."""
    by_set: dict[str, list[dict]] = {}
    for name, _, report in variants:
        if report is not None:
            by_set.setdefault(name.partition("@")[0], []).append(report)
    rows = []
    for name, _, report in sets:
        if report is None or name not in by_set:
            continue
        kind = report.get("format", "jsonl")
        runs = [report, *by_set[name]]
        for key in EMBEDDER_KEYS[kind]:
            cells = [fmt(key, rows_of(r)["project"].get(key)) for r in runs]
            rows.append(f"| {name} | {key} | " + " | ".join(cells) + " |")
        embedders = [r.get("embedder", "?") for r in runs]
    if not rows:
        return []
    return ["", "## The embedders side by side", "",
            "The project on each set with each embedder (answerer weights fitted with the default one). Columns: "
            + ", ".join(f"`{e}`" for e in embedders) + ".", "",
            "| set | metric | " + " | ".join(embedders) + " |", "|---|---" + "|---" * len(embedders) + "|", *rows]


def _notes(report: dict) -> list[str]:
    """What a reader needs to weigh the numbers: the always-abstain level of SQuAD-v2 F1, excerpts lost."""
    lines = []
    p = report.get("systems", {}).get("project", {})
    if report.get("format") == "squad" and p.get("questions") and "unanswerable" in p:
        lines += ["", f"Always abstaining would score v2_f1 = {p['unanswerable'] / p['questions']:.3f} here (the "
                      "share of unanswerable questions): read v2_f1 with f1 and wrong_abstain_rate."]
    failed = report.get("failed_excerpts") or []
    if failed:
        lines += ["", f"{len(failed)} excerpt(s) could not be ingested, their questions scored 0: "
                      + "; ".join(f"`{f['uid']}` ({f['error'][:80]})" for f in failed)]
    return lines


def _breakdown_lines(title: str, table: dict) -> list[str]:
    """EM and F1 of each system per group (e.g. TAT-QA's answer types)."""
    systems = [s for s in SYSTEMS if s in table]
    lines = ["", f"{title}:", "", "| group | n | " + " | ".join(f"{k} ({s})" for k in ("em", "f1") for s in systems)
             + " |", "|---|---" + "|---" * (2 * len(systems)) + "|"]
    for group, m in table["project"].items():
        cells = [fmt(k, table[s].get(group, {}).get(k)) for k in ("em", "f1") for s in systems]
        lines.append(f"| {group} | {m['questions']} | " + " | ".join(cells) + " |")
    return lines


def _copy_chart(dir_: Path, kind: str, chart_dir: Path, name: str) -> Path | None:
    src = dir_ / ("breakdown.png" if kind == "jsonl" else f"{kind}.png")
    if not src.exists():
        return None
    chart_dir.mkdir(parents=True, exist_ok=True)
    dst = chart_dir / f"{name}.png"
    shutil.copyfile(src, dst)
    return dst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.combined", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="the combined report (Markdown)")
    ap.add_argument("sets", nargs="+", metavar="NAME=DIR", help="a set's name and its `assistant eval --out` folder")
    args = ap.parse_args(argv)
    sets = []
    for spec in args.sets:
        name, sep, dir_ = spec.partition("=")
        if not sep:
            print(f"error: {spec!r} should be NAME=DIR", file=sys.stderr)
            return 2
        sets.append((name, Path(dir_), load(Path(dir_))))
    chart_dir = args.out.parent / "charts"
    args.out.write_text(render(sets, chart_dir, args.out), encoding="utf-8")
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

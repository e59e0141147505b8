"""SQuAD 2.0 and TAT-QA runs: build the documents, ingest them, ask every question of the project and of both
baselines, score each with the same metrics, summarise, render.

SQuAD: one collection holding every article (`OUT/index/squad`), every question asked of it.
TAT-QA: one collection per excerpt (`OUT/index/tatqa/<uid>`), each question asked of its own excerpt.
"""

from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from pathlib import Path

from . import formats, metrics
from .baseline import NearestSentenceBaseline, LlamaIndexBaseline, Prediction, project_prediction

SYSTEMS = ("project", "llama_index", "nearest_sentence")
RECALL_KS = (1, 5, 10, 20)


# ------------------------------------------------------------------------------------------------------ sampling


def proportional_counts(sizes: dict, n: int) -> dict:
    """n split over the strata in proportion to their sizes: each gets the whole part of its share, the units left
    go to the largest remainders (ties by the stratum's name, so the split is fixed)."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    exact = {k: n * s / total for k, s in sizes.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(sizes, key=lambda k: (-(exact[k] - counts[k]), str(k)))[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def stratified_sample(items: list, key, n: int | None, seed: int = 0) -> list:
    """A fixed sample of n items, stratified by key(item), in the items' original order."""
    if n is None or n >= len(items):
        return list(items)
    strata = defaultdict(list)
    for i, item in enumerate(items):
        strata[key(item)].append(i)
    rng = random.Random(seed)
    chosen = []
    for k, c in proportional_counts({k: len(v) for k, v in strata.items()}, n).items():
        chosen += rng.sample(strata[k], c)
    return [items[i] for i in sorted(chosen)]


def sample_squad(questions: list[formats.BenchQuestion], n: int | None, seed: int = 0):
    """n questions stratified by article and answerable/unanswerable."""
    return stratified_sample(questions, lambda q: (q.group, q.unanswerable), n, seed)


def sample_tatqa(excerpts: list[formats.TatExcerpt], n: int | None, seed: int = 0):
    """n excerpts stratified by the answer types their questions hold (all their questions are asked)."""
    return stratified_sample(excerpts, lambda e: tuple(sorted({q.answer_type for q in e.questions})), n, seed)


# ------------------------------------------------------------------------------------------------------- scoring


def gold_texts_for_place(q: formats.BenchQuestion) -> list[str]:
    """What a cited passage or retrieved chunk must hold to count as the answer's place: the answer spans, or for
    a computed answer the figures its derivation uses (a count's derivation may list its items: "A##B") or the
    result itself, stated in the document."""
    answers = [str(a) for a in q.answers]
    if q.answer_type in ("arithmetic", "count"):
        if "##" in q.derivation:
            return [s.strip() for s in q.derivation.split("##") if s.strip()] + answers
        return re.findall(r"\d[\d,]*(?:\.\d+)?", q.derivation) + answers
    return answers


def place_scores(q: formats.BenchQuestion, pred: Prediction, doc_text: str) -> dict:
    """cite_ok and the rank of the first retrieved chunk holding the answer in its gold region."""
    golds = gold_texts_for_place(q)
    ok = metrics.cite_ok(pred.citations, q.source, q.regions, golds)
    holds = [metrics.chunk_holds_gold(doc_text, c.source, c.start, c.end, q.source, q.regions, golds)
             for c in pred.retrieved]
    return {"cited_ok": ok, "gold_rank": metrics.first_gold_rank(holds)}


def score_squad(q: formats.BenchQuestion, pred: Prediction, doc_text: str) -> dict:
    place = place_scores(q, pred, doc_text) if not q.unanswerable else {"cited_ok": False, "gold_rank": None}
    s = metrics.squad_scores(pred.text, pred.value, pred.abstained, q.answers, q.unanswerable, place["cited_ok"])
    s["gold_rank"] = place["gold_rank"]
    return s


def score_tatqa(q: formats.BenchQuestion, pred: Prediction, doc_text: str) -> dict:
    place = place_scores(q, pred, doc_text)
    spans, scale = (metrics.tat_prediction(pred.text, pred.value, q.answer_type, pred.kind) if not pred.abstained
                    else ([], ""))
    em, f1 = metrics.tatqa_em_f1(spans, scale, q.answers if q.answer_type in ("span", "multi-span") else q.answers[0],
                                 q.answer_type, q.scale)
    plain = metrics.strip_markers(pred.text)
    gold_for_text = metrics.tat_gold(q.answers if q.answer_type in ("span", "multi-span") else q.answers[0],
                                     q.answer_type)
    return {
        "em": em, "f1": f1,
        "span_f1": f1 if q.answer_type in ("span", "multi-span") else None,
        "scale_ok": float(bool(spans) and scale == q.scale),
        # every gold span inside the answer text (one for most types; all for multi-span)
        "contains": float(not pred.abstained and all(metrics.squad_contains(plain, [g]) for g in gold_for_text)),
        "cite_ok": float(not pred.abstained and place["cited_ok"]),
        "wrong_abstain": float(pred.abstained),
        "answer_words": metrics.word_count(plain) if not pred.abstained and plain else None,
        "gold_rank": place["gold_rank"],
    }


def summarize(rows: list[dict], keys: list[str]) -> dict:
    """Means of the per-question scores (over the questions each applies to), recall@k and latency."""
    out = {"questions": len(rows)}
    for key in keys:
        out[key] = metrics.mean_of(rows, key)
    ranked = [r for r in rows if r.get("has_place")]
    for k in RECALL_KS:
        out[f"recall@{k}"] = metrics.recall_at([r["gold_rank"] for r in ranked], k) if ranked else None
    lat = [r["latency_ms"] for r in rows]
    out["latency_p50_ms"] = metrics.percentile(lat, 0.5)
    out["latency_p95_ms"] = metrics.percentile(lat, 0.95)
    return out


SQUAD_KEYS = ["em", "f1", "value_em", "value_f1", "contains", "cite_ok", "answer_words", "abstain_unanswerable",
              "wrong_abstain", "v2_f1"]
TATQA_KEYS = ["em", "f1", "span_f1", "scale_ok", "contains", "cite_ok", "wrong_abstain", "answer_words"]
# report names of the rates (the per-question flags are averaged into them)
RENAMES = {"abstain_unanswerable": "abstain_rate_unanswerable", "wrong_abstain": "wrong_abstain_rate"}


def summarize_squad(rows: list[dict]) -> dict:
    out = _renamed(summarize(rows, SQUAD_KEYS))
    out["answerable"] = sum(1 for r in rows if not r["unanswerable"])
    out["unanswerable"] = sum(1 for r in rows if r["unanswerable"])
    return out


def summarize_tatqa(rows: list[dict]) -> dict:
    out = _renamed(summarize(rows, TATQA_KEYS))
    # the computed answers' measure (issue 23): EM of the arithmetic questions, scale included
    out["arithmetic_em"] = metrics.mean_of([r for r in rows if r["answer_type"] == "arithmetic"], "em")
    return out


def _renamed(d: dict) -> dict:
    return {RENAMES.get(k, k): v for k, v in d.items()}


def breakdown(rows: list[dict], field: str, keys: list[str]) -> dict:
    groups = defaultdict(list)
    for r in rows:
        groups[r[field]].append(r)
    return {g: {"questions": len(rs), **{k: metrics.mean_of(rs, k) for k in keys}} for g, rs in sorted(groups.items())}


# --------------------------------------------------------------------------------------------------------- runs


def _row(system: str, q: formats.BenchQuestion, pred: Prediction, scores: dict) -> dict:
    return {
        "system": system, "id": q.id, "group": q.group, "question": q.question, "gold": q.answers,
        "unanswerable": q.unanswerable, "answer_type": q.answer_type, "answer_from": q.answer_from,
        "scale": q.scale, "prediction": pred.text, "value": pred.value, "kind": pred.kind,
        "abstained": pred.abstained, "citations": [c.to_dict() for c in pred.citations],
        "latency_ms": round(pred.latency_ms, 2), "has_place": bool(q.regions) and not q.unanswerable, **scores,
    }


def _ask_all(assistant, baselines: list, questions: list, score, k: int | None, texts: dict, bar) -> list[dict]:
    rows = []
    for q in questions:
        pred, _ = project_prediction(assistant, q.question, k=k)
        doc_text = texts[q.source]
        rows.append(_row("project", q, pred, score(q, pred, doc_text)))
        for base in baselines:
            p = base.answer(q.question)
            rows.append(_row(base.name, q, p, score(q, p, doc_text)))
        bar.update(1)
    return rows


def _doc_texts(paths) -> dict:
    return {p: Path(p).read_text(encoding="utf-8") for p in paths}


def run_squad(path: Path, out: Path, settings, sample: int | None = None, seed: int = 0, baselines: bool = True,
              k: int | None = None, index_dir: Path | None = None, progress: bool = True) -> dict:
    from tqdm import tqdm

    from assistant import Assistant

    articles = formats.read_squad(path)
    questions = formats.write_squad_docs(articles, out / "docs" / "squad")
    chosen = sample_squad(questions, sample, seed)
    assistant = Assistant(settings=_collection_settings(settings, index_dir or out / "index" / "squad", "squad"))
    t0 = time.perf_counter()
    report = assistant.ingest([out / "docs" / "squad"], prune=True, progress=progress)
    ingest_s = time.perf_counter() - t0
    _check_skipped(report)
    files = sorted({q.source for q in questions}, key=str)
    texts = _doc_texts(files)
    bases = _baselines(assistant, [str(f) for f in files]) if baselines else []
    assistant.ask("warm-up question")  # open the index once: latency measures warm queries
    with tqdm(total=len(chosen), desc="squad", unit="q", disable=None if progress else True) as bar:
        rows = _ask_all(assistant, bases, chosen, score_squad, k, texts, bar)
    systems = {name: summarize_squad([r for r in rows if r["system"] == name]) for name in _names(bases)}
    systems["project"]["ingest_s"] = ingest_s
    by_article = {name: breakdown([r for r in rows if r["system"] == name], "group", ["f1", "v2_f1", "cite_ok"])
                  for name in _names(bases)}
    return {"format": "squad", "file": str(path), "articles": len(articles), "questions_in_file": len(questions),
            "sample": sample, "seed": seed, "systems": systems, "by_article": by_article, "rows": rows}


def run_tatqa(path: Path, out: Path, settings, sample: int | None = None, seed: int = 0, baselines: bool = True,
              k: int | None = None, index_dir: Path | None = None, progress: bool = True) -> dict:
    from tqdm import tqdm

    from assistant import Assistant

    excerpts = sample_tatqa(formats.read_tatqa(path), sample, seed)
    docs, questions = formats.write_tatqa_docs(excerpts, out / "docs" / "tatqa")
    by_excerpt = defaultdict(list)
    for q in questions:
        by_excerpt[q.group].append(q)
    base_dir = index_dir or out / "index" / "tatqa"
    names = ["project"] + (["llama_index", "nearest_sentence"] if baselines else [])
    rows, ingest_s, failed = [], 0.0, []
    with tqdm(total=len(questions), desc="tatqa", unit="q", disable=None if progress else True) as bar:
        for doc in docs:
            # one collection per excerpt, all with the same settings (the embedding model is shared per process)
            name = formats.slug(doc.uid)
            assistant = Assistant(settings=_collection_settings(settings, base_dir / name, f"tatqa-{name}"))
            t0 = time.perf_counter()
            try:
                _check_skipped(assistant.ingest([doc.path], prune=True, progress=False))
            except Exception as exc:  # noqa: BLE001 — one excerpt the indexer fails on must not end a long run
                failed.append(_failed_excerpt(doc, exc))
                rows += _failed_rows(names, by_excerpt[doc.uid], bar)
                continue
            finally:
                ingest_s += time.perf_counter() - t0
            bases = _baselines(assistant, [str(doc.path)]) if baselines else []
            rows += _ask_all(assistant, bases, by_excerpt[doc.uid], score_tatqa, k, _doc_texts([doc.path]), bar)
    systems = {name: summarize_tatqa([r for r in rows if r["system"] == name]) for name in names}
    systems["project"]["ingest_s"] = ingest_s
    keys = ["em", "f1", "cite_ok"]
    return {"format": "tatqa", "file": str(path), "excerpts": len(docs), "sample": sample, "seed": seed,
            "failed_excerpts": failed, "systems": systems,
            "by_answer_type": {n: breakdown([r for r in rows if r["system"] == n], "answer_type", keys) for n in names},
            "by_answer_from": {n: breakdown([r for r in rows if r["system"] == n], "answer_from", keys) for n in names},
            "rows": rows}


def _collection_settings(settings, index_dir: Path, collection: str):
    """The same settings for a benchmark collection of its own: its index folder, and on a Chroma server its own
    collection name (otherwise every excerpt would land in one server collection)."""
    update = {"index_dir": Path(index_dir)}
    if settings.chroma_url:
        update["collection"] = collection[:63]
    return settings.model_copy(update=update)


def _failed_excerpt(doc, exc: Exception) -> dict:
    import sys

    why = f"{type(exc).__name__}: {exc}"
    print(f"warning: excerpt {doc.uid} could not be ingested ({why}); its questions score 0", file=sys.stderr)
    return {"uid": doc.uid, "path": str(doc.path), "error": why}


def _failed_rows(names: list[str], questions: list, bar) -> list[dict]:
    """The questions of an excerpt that could not be ingested, scored as unanswered by every system: a failure
    counts against the numbers instead of vanishing from them."""
    rows = []
    for q in questions:
        for name in names:
            pred = Prediction("", kind="error")
            rows.append(_row(name, q, pred, score_tatqa(q, pred, "")))
        bar.update(1)
    return rows


def _baselines(assistant, files: list[str]) -> list:
    return [LlamaIndexBaseline(assistant, files), NearestSentenceBaseline(assistant)]


def _names(bases: list) -> list[str]:
    return ["project"] + [b.name for b in bases]


def _check_skipped(report) -> None:
    from assistant import AssistantError

    if report.skipped:
        path, why = report.skipped[0]
        raise AssistantError(f"the benchmark document {path} could not be ingested: {why}")


# ------------------------------------------------------------------------------------------------------ output

HEADLINE = {
    "squad": ["f1", "em", "value_f1", "contains", "cite_ok", "abstain_rate_unanswerable", "wrong_abstain_rate",
              "v2_f1", "answer_words", "recall@1", "recall@5", "recall@10", "recall@20",
              "latency_p50_ms", "latency_p95_ms", "ingest_s"],
    "tatqa": ["em", "f1", "span_f1", "arithmetic_em", "scale_ok", "contains", "cite_ok", "wrong_abstain_rate",
              "answer_words", "recall@1", "recall@5", "recall@10", "recall@20", "latency_p50_ms", "latency_p95_ms",
              "ingest_s"],
}
CHART = {"squad": ["f1", "contains", "cite_ok", "abstain_rate_unanswerable", "v2_f1", "recall@5"],
         "tatqa": ["em", "f1", "span_f1", "cite_ok", "recall@5"]}


def fmt(key: str, value) -> str:
    if value is None:
        return "—"
    if key.endswith("_ms") or key.endswith("_s") or key == "answer_words":
        return f"{value:.1f}"
    return f"{value:.3f}"


def render_markdown(report: dict, command: str) -> str:
    kind, systems = report["format"], report["systems"]
    names = list(systems)
    p = systems["project"]
    what = (f"{p['questions']} questions ({p['answerable']} answerable, {p['unanswerable']} unanswerable) over "
            f"{report['articles']} articles in one collection" if kind == "squad"
            else f"{p['questions']} questions over {report['excerpts']} excerpts, each asked of its own excerpt")
    sample = f"; fixed stratified sample of {report['sample']} (seed {report['seed']})" if report.get("sample") else ""
    lines = [f"# {kind.upper()} evaluation report", "", f"Made by: `{command}`", "",
             f"File `{report['file']}`: {what}{sample}.", "",
             "Baselines: `llama_index` = plain llama-index `VectorStoreIndex` (default SentenceSplitter nodes, same "
             "embedder), answer = top node; `nearest_sentence` = the project's retrieval (k=10), answer = the "
             "sentence closest to the question by the embedder. Neither abstains.", "",
             "| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for key in HEADLINE[kind]:
        lines.append(f"| {key} | " + " | ".join(fmt(key, systems[n].get(key)) for n in names) + " |")
    if kind == "squad" and p["questions"]:
        lines += ["", f"Always abstaining would score v2_f1 = {p['unanswerable'] / p['questions']:.3f} here (the share "
                      "of unanswerable questions): read v2_f1 with f1 and wrong_abstain_rate."]
    for f in report.get("failed_excerpts") or []:
        lines += ["", f"**Excerpt {f['uid']} could not be ingested** ({f['error']}); its questions score 0."]
    for title, field in [("By article", "by_article"), ("By answer type", "by_answer_type"),
                         ("By answer source", "by_answer_from")]:
        if field not in report:
            continue
        table = report[field]
        groups = list(table["project"])
        keys = [k for k in next(iter(table["project"].values())) if k != "questions"] if groups else []
        lines += ["", f"## {title}", "",
                  "| group | n | " + " | ".join(f"{k} ({n})" for k in keys for n in names) + " |",
                  "|---|---" + "|---" * (len(keys) * len(names)) + "|"]
        for g in groups:
            cells = [fmt(k, table[n].get(g, {}).get(k)) for k in keys for n in names]
            lines.append(f"| {g} | {table['project'][g]['questions']} | " + " | ".join(cells) + " |")
    lines += ["", "Definitions: eval/BENCHMARKS.md."]
    return "\n".join(lines) + "\n"


def write_chart(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kind, systems = report["format"], report["systems"]
    keys = CHART[kind]
    names = list(systems)
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    for i, name in enumerate(names):
        values = [systems[name].get(k) or 0.0 for k in keys]
        ax.bar([x + i * width for x in range(len(keys))], values, width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(keys))], keys, rotation=20)
    ax.set_ylim(0, 1.05)
    ax.set_title(f"{kind.upper()}: {systems['project']['questions']} questions")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)

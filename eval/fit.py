"""Fit the answerer's scoring weights and thresholds on the development sets; write `assistant/data/answerer.json`.

    python -m eval.fit [--squad FILE] [--tatqa FILE] [--tatqa-excerpts N] [--qa eval/qa.jsonl --corpus DIR]

Development sets only: SQuAD 2.0 dev8 and TAT-QA dev (../shared/benchmarks) and the `dev` split of eval/qa.jsonl.
Held-out sets (the `test` split, eval/second.jsonl) are never read here.

Every candidate passage of every question is a training example, labelled 1 when it lies in the gold region and
holds a gold answer (SQuAD, TAT-QA span questions) or holds the item's evidence (the project's set). A logistic
regression over `scoring.FEATURES` gives the weights. The abstention threshold is then chosen on the questions'
best scores: the highest threshold that keeps wrongful abstention on answerable questions (averaged over the sets) at or
below `--max-wrong-abstain`; the precision/recall of the choice is written to docs/answerer-fit.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.scoring import FEATURES, WEIGHTS_FILE, Model, score_candidates
from eval import formats
from eval.metrics import contains, normalize

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared"
NEUTRAL = Model(weights=tuple([0.0] * len(FEATURES)), threshold=0.0, related=0.0)  # features only


def _examples(assistant, questions, label_of, k: int, progress_desc: str):
    """(features matrix, labels, question index per row, answerable per question)."""
    from tqdm import tqdm

    rows, labels, owner, answerable = [], [], [], []
    ans = assistant.answerer
    _warm(assistant)
    for qi, bq in enumerate(tqdm(questions, desc=progress_desc, unit="q")):
        text, unanswerable = bq[0], bq[1]
        vector = assistant.embedder.embed_query(text)
        hits = assistant.retrieve(text, k=k, vector=vector)
        q = ans.read(text, vector)
        scored = score_candidates(q, _cands(hits), ans.vectors, NEUTRAL)
        answerable.append(not unanswerable)
        for s in scored:
            rows.append(s.features)
            labels.append(0 if unanswerable else int(label_of(bq, s.candidate)))
            owner.append(qi)
    return rows, labels, owner, answerable


def _warm(assistant) -> None:
    """Embed every candidate passage of the collection in large batches once (the fit then reads them from the
    answerer's cache instead of embedding a few at a time per question)."""
    from assistant.candidates import chunk_candidates

    texts = sorted({c.embed_text for chunk in assistant.store.all_chunks() for c in chunk_candidates(chunk, 1)},
                   key=len)
    for lo in range(0, len(texts), 256):
        assistant.answerer.vectors(texts[lo : lo + 256])


def _cands(hits):
    from assistant.candidates import candidates_from_hits

    return candidates_from_hits(hits)


def _in_regions(bq, cand) -> bool:
    start, end = cand.source_span
    return any(Path(cand.chunk.source) == Path(bq[2]).resolve() and r.start <= start and end <= r.end + 1
               for r in bq[3])


def _squad(path: Path, work: Path, settings, limit: int | None):
    from assistant import Assistant

    articles = formats.read_squad(path)
    questions = formats.write_squad_docs(articles, work / "docs" / "squad")
    a = Assistant(index_dir=work / "index" / "squad", settings=settings)
    a.ingest([work / "docs" / "squad"], progress=False)
    rng = random.Random(0)
    if limit and len(questions) > limit:
        questions = rng.sample(questions, limit)
    items = [(q.question, q.unanswerable, q.source, q.regions, q.answers) for q in questions]

    def label(bq, cand):
        return _in_regions(bq, cand) and any(contains(cand.text, g) for g in bq[4])

    return a, items, label


def _tatqa(path: Path, work: Path, settings, excerpts: int):
    from assistant import Assistant

    chosen = formats.read_tatqa(path)
    random.Random(0).shuffle(chosen)
    chosen = chosen[:excerpts]
    docs, questions = formats.write_tatqa_docs(chosen, work / "docs" / "tatqa")
    by_doc = {d.uid: d for d in docs}
    for uid in by_doc:
        d = by_doc[uid]
        a = Assistant(index_dir=work / "index" / "tatqa" / formats.slug(uid), settings=settings)
        try:
            a.ingest([d.path], progress=False)
        except Exception as exc:  # an excerpt the pipeline can't ingest is reported, not fitted on
            print(f"skipped excerpt {uid}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        items = [(q.question, False, q.source, q.regions, [str(x) for x in q.answers])
                 for q in questions if q.group == uid and q.answer_type in ("span", "multi-span")]
        yield a, items


def _label_tatqa(bq, cand) -> bool:
    return _in_regions(bq, cand) and any(normalize(g) and normalize(g) in normalize(cand.text) for g in bq[4])


def _seed_dev(qa: Path, corpus: Path, work: Path, settings):
    from assistant import Assistant

    items = [json.loads(line) for line in qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [i for i in items if i.get("split", "dev") == "dev" and not i.get("history")]
    a = Assistant(index_dir=work / "index" / "seed", settings=settings)
    a.ingest([corpus], progress=False)
    out = [(i["question"], bool(i.get("unanswerable")), None, [], i.get("evidence", "")) for i in items]

    def label(bq, cand):
        return bool(bq[4]) and (contains(cand.text, bq[4]) or contains(bq[4], cand.text))

    return a, out, label


def fit(args) -> dict:
    from sklearn.linear_model import LogisticRegression

    from assistant.settings import load_settings

    settings = load_settings(embedder=args.embedder)
    work = Path(args.work or tempfile.mkdtemp(prefix="fit-"))
    X, y, owner, answerable, sets = [], [], [], [], []

    def add(assistant, items, label, name):
        rows, labels, own, ans = _examples(assistant, items, label, args.k, name)
        base = len(answerable)
        X.extend(rows)
        y.extend(labels)
        owner.extend(o + base for o in own)
        answerable.extend(ans)
        sets.extend([name] * len(ans))

    collections = []  # (assistant, its questions) per collection, for the off-topic examples below
    if args.squad:
        squad = _squad(Path(args.squad), work, settings, args.squad_limit)
        add(*squad, "squad")
        collections.append(squad[:2])
    if args.tatqa:
        for a, items in _tatqa(Path(args.tatqa), work, settings, args.tatqa_excerpts):
            add(a, items, _label_tatqa, "tatqa")
            collections.append((a, items))
    if args.qa and args.corpus:
        seed = _seed_dev(Path(args.qa), Path(args.corpus), work, settings)
        add(*seed, "seed-dev")
        collections.insert(1, seed[:2])  # the first collections asked off-topic questions: SQuAD's, the seed's, …
    # Off-topic questions: each collection asked the questions of another. Within a benchmark every question is about
    # its own documents, so without these the model never sees a question nothing in the collection is about.
    rng = random.Random(1)
    for i, (a, _) in enumerate(collections[: args.off_topic_collections]):
        others = [q for j, (_, items) in enumerate(collections) if j != i for q in items]
        picked = rng.sample(others, min(args.off_topic_per_collection, len(others)))
        add(a, [(q[0], True, None, [], []) for q in picked], lambda bq, cand: False, "off-topic")

    X, y, owner = np.array(X), np.array(y), np.array(owner)
    # Each development set weighs the same, whatever its size: SQuAD's crowd-written questions share many words with
    # their sentences, and alone they would teach the model to trust word overlap more than other documents allow.
    per_set = {name: sets.count(name) for name in set(sets)}
    weight = np.array([1.0 / per_set[sets[q]] for q in owner]) * len(answerable) / len(per_set)
    clf = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False)
    clf.fit(X, y, sample_weight=weight)
    weights = clf.coef_[0]
    scores = 1.0 / (1.0 + np.exp(-(X @ weights)))
    best = {}
    for i, (qi, s) in enumerate(zip(owner, scores)):
        if qi not in best or s > best[qi][0]:
            best[qi] = (s, y[i])
    n_q = len(answerable)
    top_scores = np.array([best.get(q, (0.0, 0))[0] for q in range(n_q)])
    top_right = np.array([best.get(q, (0.0, 0))[1] for q in range(n_q)])
    ans_mask = np.array(answerable)
    set_of = np.array(sets)

    def balanced(mask_fn, within) -> float:
        """The mean over development sets of a per-set rate (each set counts the same, as in the fit)."""
        rates = [float(mask_fn()[within & (set_of == name)].mean()) for name in per_set
                 if (within & (set_of == name)).any()]
        return sum(rates) / len(rates) if rates else 0.0

    curve = []
    for t in np.linspace(0.02, 0.9, 45):
        abstain = top_scores < t
        wrong_abstain = balanced(lambda: abstain, ans_mask)
        right_abstain = balanced(lambda: abstain, ~ans_mask)
        answered_right = balanced(lambda: ~abstain & top_right.astype(bool), ans_mask)
        curve.append((float(t), wrong_abstain, right_abstain, answered_right))
    ok = [c for c in curve if c[1] <= args.max_wrong_abstain]
    threshold = max(ok, key=lambda c: c[0])[0] if ok else curve[0][0]
    related = threshold / 2
    result = {
        "weights": {f: float(w) for f, w in zip(FEATURES, weights)},
        "threshold": threshold,
        "related": related,
        "fitted_on": {name: sets.count(name) for name in dict.fromkeys(sets)},
        "examples": int(len(y)),
        "positives": int(y.sum()),
        "max_wrong_abstain": args.max_wrong_abstain,
        "command": "python -m eval.fit " + " ".join(sys.argv[1:]),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    _write_curve(curve, threshold, result, Path(args.report))
    return result


def _write_curve(curve, threshold, result, out: Path) -> None:
    lines = ["# Answerer fit", "", f"Made by: `{result['command']}`", "",
             f"Questions per development set: {result['fitted_on']}; {result['examples']} candidate passages, "
             f"{result['positives']} of them answering.", "",
             "Weights (logistic regression over `assistant/scoring.py` FEATURES):", "",
             "| feature | weight |", "|---|---|"]
    lines += [f"| {f} | {w:+.3f} |" for f, w in result["weights"].items()]
    lines += ["", f"Abstention threshold chosen: **{threshold:.2f}** (the highest with wrongful abstention on "
              f"answerable development questions ≤ {result['max_wrong_abstain']:.2f}).", "",
              "| threshold | answerable abstained (wrongly) | unanswerable abstained | answerable, top passage right |",
              "|---|---|---|---|"]
    lines += [f"| {t:.2f} | {wa:.3f} | {ra:.3f} | {ar:.3f} |" for t, wa, ra, ar in curve]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", default=str(SHARED / "benchmarks" / "squad2-dev8" / "squad2-dev8.json"),
                    help="SQuAD 2.0 development file ('' to skip)")
    ap.add_argument("--squad-limit", type=int, default=None, help="questions sampled from SQuAD (default all)")
    ap.add_argument("--tatqa", default=str(SHARED / "benchmarks" / "tatqa-dev" / "tatqa_dataset_dev.json"),
                    help="TAT-QA development file ('' to skip)")
    ap.add_argument("--tatqa-excerpts", type=int, default=80, help="excerpts sampled from TAT-QA")
    ap.add_argument("--qa", default=str(HERE / "qa.jsonl"), help="the project's set (its dev split is used)")
    ap.add_argument("--corpus", default=str(SHARED / "corpus"), help="the documents of --qa")
    ap.add_argument("--off-topic-collections", type=int, default=12,
                    help="collections asked other collections' questions (off-topic examples)")
    ap.add_argument("--off-topic-per-collection", type=int, default=25, help="off-topic questions per collection")
    ap.add_argument("--embedder", default=None, help="embedder (default: the settings' default)")
    ap.add_argument("--k", type=int, default=12, help="chunks retrieved per question")
    ap.add_argument("--max-wrong-abstain", type=float, default=0.10,
                    help="the most wrongful abstention on answerable dev questions the threshold may cause")
    ap.add_argument("--out", default=str(WEIGHTS_FILE), help="where the fitted model is written")
    ap.add_argument("--report", default=str(HERE.parent / "docs" / "answerer-fit.md"),
                    help="where the weights and the threshold curve are written as Markdown")
    ap.add_argument("--work", default=None, help="working folder for documents and indexes (default: a temp dir)")
    result = fit(ap.parse_args(argv))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

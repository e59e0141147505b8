"""Fit the answerer's scoring weights and thresholds on the development sets; write `assistant/data/answerer.json`.

    python -m eval.fit [--squad FILE] [--tatqa FILE] [--tatqa-excerpts N] [--qa eval/qa.jsonl --corpus DIR] [--cv K]

Development sets only: SQuAD 2.0 dev8 and TAT-QA dev (../shared/benchmarks) and the `dev` split of eval/qa.jsonl.
Held-out sets (the `test` split, eval/second.jsonl) are never read here.

Every candidate passage of every question is a training example, labelled 1 when it lies in the gold region and
holds a gold answer (SQuAD, TAT-QA span questions) or holds the item's evidence (the project's set). A logistic
regression over `scoring.FEATURES` gives the weights. The abstention threshold is then chosen on the questions'
best scores: the highest threshold that keeps wrongful abstention on answerable questions (averaged over the sets) at or
below `--max-wrong-abstain`; the precision/recall of the choice is written to docs/answerer-fit.md.

`--cv K` fits nothing to keep: it reports how the fit does on questions it was not fitted on (K folds by document),
at the threshold the rule picks and at fixed rates of wrongful abstention — the way to judge a new feature before
refitting the answerer with it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.scoring import FEATURES, WEIGHTS_FILE, Model, score_candidates
from eval import formats
from eval.metrics import contains, normalize
from eval.runner import load_items

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

    items = [i for i in load_items(qa, split="dev") if not i.get("history")]
    a = Assistant(index_dir=work / "index" / "seed", settings=settings)
    a.ingest([corpus], progress=False)
    out = [(i["question"], bool(i.get("unanswerable")), None, [], i.get("evidence", "")) for i in items]

    def label(bq, cand):
        return bool(bq[4]) and (contains(cand.text, bq[4]) or contains(bq[4], cand.text))

    return a, out, label


def fit(args) -> dict:
    from assistant.settings import load_settings

    settings = load_settings(embedder=args.embedder)
    work = Path(args.work or tempfile.mkdtemp(prefix="fit-"))
    X, y, owner, answerable, sets, groups = [], [], [], [], [], []

    def add(assistant, items, label, name, group=None):
        rows, labels, own, ans = _examples(assistant, items, label, args.k, name)
        base = len(answerable)
        X.extend(rows)
        y.extend(labels)
        owner.extend(o + base for o in own)
        answerable.extend(ans)
        sets.extend([name] * len(ans))
        groups.extend(group or f"{name}:{item[2]}" for item in items)  # a document (an article, an excerpt)

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
        add(a, [(q[0], True, None, [], []) for q in picked], lambda bq, cand: False, "off-topic", f"off-topic:{i}")

    data = Examples(np.array(X), np.array(y), np.array(owner), np.array(answerable), np.array(sets), np.array(groups))
    if args.cv:
        return cross_validate(data, args)
    weights = fit_weights(data)
    curve = threshold_curve(data, weights)
    threshold = choose_threshold(curve, args.max_wrong_abstain)
    related = threshold / 2
    result = {
        "weights": {f: float(w) for f, w in zip(FEATURES, weights)},
        "threshold": threshold,
        "related": related,
        "fitted_on": {name: sets.count(name) for name in dict.fromkeys(sets)},
        "examples": int(len(y)),
        "positives": int(data.y.sum()),
        "max_wrong_abstain": args.max_wrong_abstain,
        "command": "python -m eval.fit " + " ".join(sys.argv[1:]),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    _write_curve(curve, threshold, result, Path(args.report))
    return result


@dataclass(frozen=True)
class Examples:
    """Every candidate of every question (rows of X, grouped by question in order) and what is known per question."""

    X: np.ndarray  # features, one row per candidate
    y: np.ndarray  # 1: the candidate answers its question
    owner: np.ndarray  # the question of each row
    answerable: np.ndarray  # per question
    sets: np.ndarray  # per question: its development set
    groups: np.ndarray  # per question: its document or collection (cross-validation folds never split one)

    def spans(self) -> list[tuple[int, int]]:
        """(first row, end row) of each question's candidates."""
        qs = np.arange(len(self.answerable))
        return list(zip(np.searchsorted(self.owner, qs), np.searchsorted(self.owner, qs, side="right")))

    def question_weights(self) -> np.ndarray:
        """Each development set weighs the same, whatever its size: SQuAD's crowd-written questions share many words
        with their sentences, and alone they would teach the model to trust word overlap more than other documents
        allow."""
        names, counts = np.unique(self.sets, return_counts=True)
        per_set = dict(zip(names, counts))
        return np.array([len(self.sets) / len(per_set) / per_set[s] for s in self.sets])

    def subset(self, questions: np.ndarray) -> "Examples":
        questions = np.sort(questions)
        renumber = np.full(len(self.answerable), -1)
        renumber[questions] = np.arange(len(questions))
        rows = np.isin(self.owner, questions)
        return Examples(self.X[rows], self.y[rows], renumber[self.owner[rows]], self.answerable[questions],
                        self.sets[questions], self.groups[questions])


def fit_weights(data: Examples) -> np.ndarray:
    """A logistic regression over every candidate of every question (label: it answers its question)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0, max_iter=2000, fit_intercept=False)
    clf.fit(data.X, data.y, sample_weight=data.question_weights()[data.owner])
    return clf.coef_[0]


def best_candidates(data: Examples, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the best candidate's score and whether it answers (0 and False for a question with none)."""
    top, right = np.zeros(len(data.answerable)), np.zeros(len(data.answerable), dtype=bool)
    for q, (a, b) in enumerate(data.spans()):
        if b > a:
            z = data.X[a:b] @ weights
            i = int(np.argmax(z))
            top[q], right[q] = 1.0 / (1.0 + np.exp(-z[i])), bool(data.y[a + i])
    return top, right


def _rates(data: Examples, top: np.ndarray, right: np.ndarray, t, name: str | None = None):
    """(answerable wrongly abstained, unanswerable abstained, answerable answered right) at threshold t (one for all
    questions, or one per question), within one set, or averaged over the sets (each counts the same, as in the
    fit); None for a rate with no question in the set."""
    def within(mask, within_set):
        rows = within_set & ((data.sets == name) if name else True)
        return float(mask[rows].mean()) if rows.any() else None

    if name is None:
        per = [_rates(data, top, right, t, n) for n in np.unique(data.sets)]
        return tuple(float(np.mean([p[i] for p in per if p[i] is not None] or [0.0])) for i in range(3))
    abstain = top < t
    return within(abstain, data.answerable), within(abstain, ~data.answerable), within(~abstain & right, data.answerable)


def threshold_curve(data: Examples, weights: np.ndarray) -> list[tuple[float, float, float, float]]:
    top, right = best_candidates(data, weights)
    return [(float(t), *_rates(data, top, right, float(t))) for t in np.linspace(0.02, 0.9, 45)]


def choose_threshold(curve, max_wrong_abstain: float) -> float:
    """The highest threshold whose wrongful abstention on answerable questions stays within the bound."""
    ok = [c for c in curve if c[1] <= max_wrong_abstain]
    return max(ok, key=lambda c: c[0])[0] if ok else curve[0][0]


def folds(groups: np.ndarray, k: int) -> np.ndarray:
    """A fold number per question, by its document's name (stable from run to run; a document is never split)."""
    import zlib

    names = sorted(set(groups))
    if len(names) >= k:  # spread the documents evenly: the same count of documents in every fold, give or take one
        order = sorted(names, key=lambda g: zlib.crc32(g.encode()))
        of = {g: i % k for i, g in enumerate(order)}
    else:
        of = {g: zlib.crc32(g.encode()) % k for g in names}
    return np.array([of[g] for g in groups])


def cross_validate(data: Examples, args) -> dict:
    """Out-of-fold results: folds by document (a SQuAD article, a TAT-QA excerpt, a collection), each fold's weights
    and threshold fitted on the others, as `fit` does. Per set: at each fold's own threshold, and at fixed rates of
    wrongful abstention (two fits are comparable only at the same rate: one that abstains less answers more of the
    answerable questions and fewer of the unanswerable ones). Prints a table; writes no weights."""
    fold = folds(data.groups, args.cv)
    top, right = np.zeros(len(data.sets)), np.zeros(len(data.sets), dtype=bool)
    fitted_threshold = np.zeros(len(data.sets))
    for k in range(args.cv):
        train_q, test_q = np.where(fold != k)[0], np.where(fold == k)[0]
        train = data.subset(train_q)
        weights = fit_weights(train)
        fitted_threshold[test_q] = choose_threshold(threshold_curve(train, weights), args.max_wrong_abstain)
        top[test_q], right[test_q] = best_candidates(data.subset(test_q), weights)
    result = {}
    for name in sorted(set(data.sets)):
        a = (data.sets == name) & data.answerable
        row = {"answerable": int(a.sum()), "unanswerable": int(((data.sets == name) & ~data.answerable).sum())}
        points = {"fitted": fitted_threshold}
        if a.any():
            points.update({f"{rate:.2f}": float(np.quantile(top[a], rate)) for rate in (0.10, 0.20)})
        for point, t in points.items():
            wrong, unanswerable, answered = _rates(data, top, right, t, name)
            row[point] = {"answered_right": answered, "wrongly_abstained": wrong, "unanswerable_abstained": unanswerable}
        result[str(name)] = row
    _print_cv(result, args.cv)
    return result


def _print_cv(result: dict, k: int) -> None:
    def f(v):
        return "—" if v is None else f"{v:.3f}"

    print(f"{k}-fold cross-validation (answered right / wrongly abstained / unanswerable abstained):\n")
    print("| set | questions (answerable / not) | at each fold's threshold | at 0.10 wrongly abstained | "
          "at 0.20 wrongly abstained |\n|---|---|---|---|---|")
    for name, row in result.items():
        cells = [" / ".join(f(row[p][m]) for m in ("answered_right", "wrongly_abstained", "unanswerable_abstained"))
                 if p in row else "—" for p in ("fitted", "0.10", "0.20")]
        print(f"| {name} | {row['answerable']} / {row['unanswerable']} | " + " | ".join(cells) + " |")


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
    ap.add_argument("--cv", type=int, default=0, metavar="K",
                    help="report K-fold cross-validated results (folds by document) instead of writing weights")
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

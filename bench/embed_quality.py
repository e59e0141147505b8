"""Dense retrieval quality and speed of all-MiniLM-L6-v2 per backend, side by side in one run: torch fp32, ONNX
Runtime fp32, ONNX Runtime int8 (index/onnx_encoder.py). Exact cosine search in numpy, so only the embeddings differ.

    python bench/embed_quality.py [--backends torch onnx onnx-int8] [--corpus ../shared/corpus]

- SQuAD 2.0 dev (8 articles, /work/shared/benchmarks/squad2-dev8): every paragraph embedded as a document, every
  answerable question as a query; recall@5 = share of questions whose own paragraph is among the 5 nearest.
- The seed set (eval/qa.jsonl over the shared corpus): the corpus chunked as ingestion chunks it; hit@5 = share of
  answerable questions with a chunk of one of their `sources` among the 5 nearest chunks.
- texts/s: embedding the SQuAD paragraphs (the same texts for every backend, timed in the same run).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)
SQUAD = Path("/work/shared/benchmarks/squad2-dev8/squad2-dev8.json")


def squad_set(path: Path) -> tuple[list[str], list[str], list[int]]:
    """(paragraphs, answerable questions, index of each question's paragraph)."""
    articles = json.loads(path.read_text(encoding="utf-8"))["data"]
    paragraphs, questions, gold = [], [], []
    for article in articles:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                if not qa.get("is_impossible"):
                    questions.append(qa["question"])
                    gold.append(len(paragraphs))
            paragraphs.append(p["context"])
    return paragraphs, questions, gold


def seed_set(corpus: Path, qa: Path) -> tuple[list[str], list[str], list[str], list[set[str]]]:
    """(chunk texts, each chunk's file name, answerable questions, each question's source file names)."""
    from index.prepare import Job, prepare_file

    texts, files = [], []
    for path in sorted(p for p in corpus.iterdir() if p.is_file()):
        _, pending, _ = prepare_file(Job(path, 10**8, 120, 24, None))
        if pending:
            texts += [c.text for c in pending.chunks]
            files += [path.name] * len(pending.chunks)
    items = [json.loads(line) for line in qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = [it for it in items if not it.get("unanswerable") and it.get("sources") and not it.get("history")]
    return texts, files, [it["question"] for it in items], [set(it["sources"]) for it in items]


def top_k(queries: np.ndarray, docs: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(queries @ docs.T), axis=1, kind="stable")[:, :k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", nargs="+", default=["torch", "onnx", "onnx-int8"])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    ap.add_argument("--k", type=int, default=5)
    add_record_argument(ap)
    args = ap.parse_args()
    with recorded("Embedding backends: retrieval quality", enabled=not args.no_record):
        from index.embedders import SentenceTransformerEmbedder, minilm_folder

        paragraphs, questions, gold = squad_set(SQUAD)
        chunks, files, seed_qs, seed_sources = seed_set(args.corpus, ROOT / "eval" / "qa.jsonl")
        print(f"SQuAD: {len(paragraphs)} paragraphs, {len(questions)} answerable questions; seed: {len(chunks)} chunks, "
              f"{len(seed_qs)} answerable single-turn questions", flush=True)
        print(f"| backend | SQuAD paragraph recall@{args.k} | seed hit@{args.k} | paragraphs/s | lowest cosine vs first "
              f"backend |\n|---|---|---|---|---|", flush=True)
        first = None
        for backend in args.backends:
            e = SentenceTransformerEmbedder(str(minilm_folder()), backend=backend)
            e.embed_documents(paragraphs[:16])  # warm (and export on first use)
            t0 = time.perf_counter()
            p_vecs = e.embed_documents(paragraphs)
            rate = len(paragraphs) / (time.perf_counter() - t0)
            q_vecs = e.embed_documents(questions)
            recall = np.mean([g in row for g, row in zip(gold, top_k(q_vecs, p_vecs, args.k))])
            c_vecs, s_vecs = e.embed_documents(chunks), e.embed_documents(seed_qs)
            hit = np.mean([any(files[i] in want for i in row) for want, row in zip(seed_sources, top_k(s_vecs, c_vecs, args.k))])
            first = first if first is not None else p_vecs
            low = float(np.min(np.sum(p_vecs * first, axis=1)))
            print(f"| {e.backend} | {recall:.3f} | {hit:.3f} | {rate:.1f} | {low:.4f} |", flush=True)


if __name__ == "__main__":
    main()

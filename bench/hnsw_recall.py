"""Chroma HNSW parameters: recall@48 against exact cosine search, agreement between processes, and build time.

    python bench/hnsw_recall.py [--size 10000] [--queries 300] [--k 48] [--configs JSON ...]

Vectors: all-MiniLM-L6-v2 embeddings (ONNX int8, index/onnx_encoder.py: the graph's behaviour depends on the
vectors' layout, not on the last digits) of the sentences of a generated collection (bench/synth.py: templated news
about a few companies, metals and places, so near neighbours crowd together — a hard case for a graph index),
cached under bench/out. Queries: the generated questions bench/scale.py asks.

For each configuration (merged over index.store.HNSW) a fresh embedded Chroma collection gets the vectors in write
calls of 5,000 (as ingestion writes them), timed; then each query's top-k ids are compared with exact numpy top-k
(recall@k = mean share found); then two fresh processes open the same collection and run the same queries: "differ"
counts the queries whose id lists are not identical between them (Chroma replays the writes it had not yet saved as
a graph into a new graph on every open, on several threads, so that part's graph differs from process to process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)

DEFAULT_CONFIGS = [
    {},  # the store's configuration
    {"ef_construction": 40, "max_neighbors": 12, "ef_search": 100},  # before issue 18
    {"ef_construction": 100, "max_neighbors": 16, "ef_search": 100},  # Chroma's defaults
    {"ef_construction": 40, "max_neighbors": 12, "ef_search": 400},
    {"ef_construction": 100, "max_neighbors": 16, "ef_search": 400},
    {"ef_construction": 200, "max_neighbors": 16, "ef_search": 800},
]


def sentences(n: int) -> list[str]:
    from bench.synth import generate

    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate(Path(tmp), n // 5 + 200):
            out += [s.strip() + "." for s in path.read_text(encoding="utf-8").split(". ") if s.strip()]
            if len(set(out)) >= n:
                break
    return list(dict.fromkeys(out))[:n]


def vectors(size: int, nq: int, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    path = cache / f"hnsw-vectors-{size}-{nq}.npz"
    if path.exists():
        data = np.load(path)
        return data["docs"], data["queries"]
    from bench.scale import questions
    from index.embedders import SentenceTransformerEmbedder, minilm_folder

    e = SentenceTransformerEmbedder(str(minilm_folder()), backend="onnx", batch_size=64)
    docs, queries = e.embed_documents(sentences(size)), e.embed_documents(questions(nq))
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, docs=docs, queries=queries)
    return docs, queries


def build(where: Path, docs: np.ndarray, config: dict) -> float:
    from assistant.types import Chunk
    from index import store

    store.HNSW.update(config)
    s = store.ChromaStore(where, "bench", docs.shape[1])
    chunks = [Chunk(id=f"c{i:06d}", text="", source=f"/bench/{i // 50}.txt", doc_id=f"d{i // 50}", title="",
                    date=None, kind="text", start=0, end=0, offsets=((0, 0),)) for i in range(len(docs))]
    t0 = time.perf_counter()
    for lo in range(0, len(docs), 5000):
        s.upsert(chunks[lo : lo + 5000], docs[lo : lo + 5000], new=True)
    return time.perf_counter() - t0


def query(where: Path, queries: np.ndarray, k: int) -> list[list[str]]:
    from index.store import ChromaStore

    s = ChromaStore(where, "bench", queries.shape[1], create=False)
    return [[i for i, _ in s.nearest(q, k)] for q in queries]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--k", type=int, default=48)
    ap.add_argument("--configs", nargs="+", type=json.loads, default=DEFAULT_CONFIGS)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--query-only", type=Path, help=argparse.SUPPRESS)
    add_record_argument(ap)
    args = ap.parse_args()
    docs, queries = vectors(args.size, args.queries, args.out)
    if args.query_only:
        print(json.dumps(query(args.query_only, queries, args.k)))
        return
    with recorded("HNSW recall and agreement between processes", enabled=not args.no_record):
        from index.store import HNSW

        exact = np.argsort(-(queries @ docs.T), axis=1, kind="stable")[:, : args.k]
        exact_ids = [{f"c{i:06d}" for i in row} for row in exact]
        print(f"{len(docs)} vectors, {len(queries)} queries, k={args.k}")
        print("| configuration | build (s) | vectors/s | recall@k | queries whose ids differ between two processes |\n"
              "|---|---|---|---|---|", flush=True)
        base = dict(HNSW)
        for config in args.configs:
            with tempfile.TemporaryDirectory() as tmp:
                where = Path(tmp)
                seconds = build(where, docs, base | config)
                found = query(where, queries, args.k)
                recall = np.mean([len(exact_ids[n] & set(ids)) / args.k for n, ids in enumerate(found)])
                runs = [subprocess.run([sys.executable, __file__, "--size", str(args.size), "--queries", str(args.queries),
                                        "--k", str(args.k), "--out", str(args.out), "--query-only", str(where)],
                                       capture_output=True, text=True, check=True).stdout for _ in range(2)]
                a, b = (json.loads(r.strip().splitlines()[-1]) for r in runs)
                differ = sum(x != y for x, y in zip(a, b))
                shown = {k: v for k, v in (base | config).items() if k != "space"}
                print(f"| {json.dumps(shown)} | {seconds:.2f} | {len(docs) / seconds:.0f} | {recall:.4f} | {differ} |",
                      flush=True)
            from index import store

            store.HNSW.clear()
            store.HNSW.update(base)


if __name__ == "__main__":
    main()

"""Where the time goes, stage by stage (what the README's "Speed" section quotes).

    python bench/stages.py [--chunks 10000] [--index-dir .eval-out/index]

Ingest: CPU seconds of each preparation stage over a generated collection, as `index.prepare` runs them (read,
documents, chunking, word tokens, embedding, BM25 terms). Queries: warm p50 of retrieval
alone and of a whole answer over the evaluation questions, on an existing index (`make eval` leaves one in
.eval-out/index).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)


def ingest_stages(chunks: int) -> dict[str, float]:
    from bench.synth import generate
    from index.chunking import chunk_document
    from index.documents import build_documents
    from index.embedders import HashingEmbedder
    from index.lexical import analyze
    from index.prepare import warm_up
    from index.readers import read_source
    from index.language import word_tokens

    warm_up()
    embedder = HashingEmbedder()
    cpu = dict.fromkeys(["read + clean", "documents", "chunking", "tokens", "embedding", "BM25 terms"], 0.0)

    def timed(stage, fn, *args):
        t = time.process_time()
        out = fn(*args)
        cpu[stage] += time.process_time() - t
        return out

    with tempfile.TemporaryDirectory() as tmp:
        total = 0
        for path in generate(Path(tmp), chunks):
            src = timed("read + clean", read_source, path, 10**8)
            docs = timed("documents", build_documents, src)
            parts = timed("chunking", lambda: [c for d in docs for c in chunk_document(d, 120, 24)])
            parts = [replace(c, chunk_count=len(parts)) for c in parts]
            texts = [c.text for c in parts]
            tokens = timed("tokens", lambda: list(map(word_tokens, texts)))
            vectors = timed("embedding", lambda: embedder.embed_documents(texts, tokens=tokens))
            terms = timed("BM25 terms", analyze, texts, tokens)
            total += len(parts)
    return {"chunks": total, **cpu}


def query_latency(index_dir: Path, n: int = 60) -> dict[str, float]:
    from assistant import Assistant

    a = Assistant(index_dir=index_dir)
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "qa.jsonl").open(encoding="utf-8")][:n]
    a.ask(questions[0])  # warm: BM25 index loaded, caches filled

    def p50(fn) -> float:
        times = []
        for q in questions:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    return {"retrieve_p50_ms": p50(a.retrieve), "ask_p50_ms": p50(a.ask)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=10000)
    ap.add_argument("--index-dir", type=Path, default=ROOT / ".eval-out" / "index")
    add_record_argument(ap)
    args = ap.parse_args()
    with recorded("Where the time goes", enabled=not args.no_record):
        stages = ingest_stages(args.chunks)
        print(f"preparation, CPU seconds for {stages.pop('chunks')} chunks:")
        for stage, seconds in stages.items():
            print(f"  {stage:<14}{seconds:6.2f}")
        print(f"  {'total':<14}{sum(stages.values()):6.2f}")
        if args.index_dir.is_dir():
            q = query_latency(args.index_dir)
            print(f"queries on {args.index_dir}: retrieve p50 {q['retrieve_p50_ms']:.1f} ms, "
                  f"ask p50 {q['ask_p50_ms']:.1f} ms")
        else:
            print(f"no index at {args.index_dir}: run `make eval` first for the query numbers")


if __name__ == "__main__":
    main()

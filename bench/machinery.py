"""Each piece of performance machinery, with and without it, in one run (issue 22: keep what buys >= 20% on a
stated target). Targets (docs/benchmarks.md): ingest >= 1,000 chunks/s with the offline embedder at ~10k chunks
(>= 300 with the model, where embedding is most of the time); a query <= 100 ms.

- (the ingest helper process, removed after this measured it: 504-529 chunks/s with it, 577-613 without; see
  docs/architecture.md)
- (the local copy of the chunks' records, removed after this measured it: a whole answer's p50 9.9-17.2 ms with it,
  12.4-15.9 ms reading from Chroma; retrieval 5.2-6.8 and 6.8-8.5 ms)
- the memos (`index.memo`) of the offline embedder's features: the preparation stage they serve, with / without,
  alternately (BM25 terms had one too: 0.15-0.19 CPU-s with it, 0.98-1.20 without, of a ~17 s ingest; removed).

    python bench/machinery.py [--chunks 10000] [--pairs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)

from bench.synth import generate  # noqa: E402


def ingest_seconds(docs: Path, index_dir: Path) -> tuple[float, int]:
    from assistant import Assistant

    a = Assistant(index_dir=index_dir, embedder="hash")
    a.embedder
    t0 = time.perf_counter()
    report = a.ingest([docs], progress=False)
    return time.perf_counter() - t0, report.chunks_added


class _NoMemo(dict):
    """A Memo that remembers nothing: each lookup computes."""

    def __init__(self, compute, limit: int = 0):
        super().__init__()
        self._compute = compute

    def __missing__(self, key):
        return self._compute(key)


def stage_seconds(texts: list[str], memo: bool) -> dict[str, float]:
    from index import embedders, memo as memo_module
    from index.language import word_tokens

    kind = memo_module.Memo if memo else _NoMemo
    embedders.Memo = kind
    tokens = list(map(word_tokens, texts))
    t0 = time.process_time()
    embedders.HashingEmbedder(256).embed_documents(texts, tokens=tokens)
    t1 = time.process_time()
    embedders.Memo = memo_module.Memo
    return {"hash_embed_s": t1 - t0}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=10000)
    ap.add_argument("--pairs", type=int, default=3)
    add_record_argument(ap)
    args = ap.parse_args()
    with recorded("Performance machinery, with and without", enabled=not args.no_record):
        measure(args)


def measure(args) -> None:
    out: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        docs = tmp / "docs"
        generate(docs, args.chunks)
        index_dir = tmp / "ix"
        seconds, chunks = ingest_seconds(docs, index_dir)
        out["ingest chunks/s"] = [chunks / seconds]
        from assistant import Assistant

        texts = [c.text for c in Assistant(index_dir=index_dir, embedder="hash").store.all_chunks()]
        for n in range(args.pairs):
            for memo in ((True, False) if n % 2 == 0 else (False, True)):
                for stage, seconds in stage_seconds(texts, memo).items():
                    out.setdefault(f"{stage} (CPU), memo {'on' if memo else 'off'}", []).append(seconds)
    print(f"{args.chunks} synthetic chunks (hash embedder), {args.pairs} alternating pairs:")
    for key, values in out.items():
        print(f"  {key:<44} median {statistics.median(values):9.2f}   runs {', '.join(f'{v:.2f}' for v in values)}")


if __name__ == "__main__":
    main()

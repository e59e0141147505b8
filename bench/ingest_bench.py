"""Ingest throughput with an embedder (all-MiniLM-L6-v2 unless `--embedder hash`): the shared corpus and a generated corpus of >= 10,000 chunks,
first ingest and re-ingest of the unchanged data.

    python bench/ingest_bench.py [--chunks 10000] [--corpus ../shared/corpus] [--embedder minilm|hash]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)

from assistant import Assistant  # noqa: E402
from bench.synth import generate  # noqa: E402


def measure(name: str, docs: Path, index_dir: Path, embedder: str) -> dict:
    a = Assistant(index_dir=index_dir, embedder=embedder)
    a.embedder  # loaded before the clock: a model loads once per process
    t0 = time.perf_counter()
    first = a.ingest([docs])
    t1 = time.perf_counter()
    again = a.ingest([docs])
    t2 = time.perf_counter()
    chunks = first.chunks_added
    row = {"collection": name, "files": first.files_read, "chunks": chunks, "first_s": t1 - t0,
           "chunks_per_s": chunks / (t1 - t0), "reingest_s": t2 - t1, "speedup": (t1 - t0) / (t2 - t1)}
    assert again.chunks_added == 0, "re-ingest of unchanged data wrote chunks"
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=10000)
    ap.add_argument("--embedder", default="minilm")
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "corpus")
    add_record_argument(ap)
    args = ap.parse_args()
    with recorded("Ingest speed", enabled=not args.no_record):
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            if args.corpus.is_dir():
                rows.append(measure("shared corpus", args.corpus, tmp / "ix-corpus", args.embedder))
            generate(tmp / "synth", args.chunks)
            rows.append(measure(f"synthetic (~{args.chunks} chunks)", tmp / "synth", tmp / "ix-synth", args.embedder))
        print(f"| collection | files | chunks | first ingest (s) | chunks/s | re-ingest unchanged (s) | speed-up |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['collection']} | {r['files']} | {r['chunks']} | {r['first_s']:.2f} | {r['chunks_per_s']:.0f} | "
                  f"{r['reingest_s']:.3f} | {r['speedup']:.0f}× |")


if __name__ == "__main__":
    main()

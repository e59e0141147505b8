"""Embedding throughput of all-MiniLM-L6-v2 on chunk-sized texts: torch vs ONNX Runtime fp32 vs int8, batch sizes.

    python bench/embed_speed.py [--chunks 2000] [--batch 16 32 64]

The texts are the chunks of a generated collection (bench/synth.py) as ingestion makes them, in file order (so
lengths are mixed as an ingest batch's are). Each backend embeds all of them; the table gives texts/s and how far
its vectors are from torch fp32's (lowest cosine over all texts).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)


def chunk_texts(n: int) -> list[str]:
    from bench.synth import generate
    from index.prepare import Job, prepare_file

    texts: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate(Path(tmp), n):
            _, pending, _ = prepare_file(Job(path, 10**8, 120, 24, None))
            texts += [c.text for c in pending.chunks]
    return texts[:n]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=2000)
    ap.add_argument("--batch", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--backends", nargs="+", default=["torch", "onnx", "onnx-int8"])
    add_record_argument(ap)
    args = ap.parse_args()
    with recorded("Embedding backends: speed", enabled=not args.no_record):
        from index.embedders import SentenceTransformerEmbedder, minilm_folder

        texts = chunk_texts(args.chunks)
        print(f"{len(texts)} chunks, mean {np.mean([len(t) for t in texts]):.0f} characters")
        print(f"| backend | batch | texts/s | lowest cosine vs {args.backends[0]} (the first) |\n|---|---|---|---|")
        reference = None
        for backend in args.backends:
            embedder = SentenceTransformerEmbedder(str(minilm_folder()), backend=backend)
            embedder.embed_documents(texts[:64])  # warm: first-run allocations, export on first use
            for batch in args.batch:
                embedder.batch_size = batch
                t0 = time.perf_counter()
                vecs = embedder.embed_documents(texts)
                rate = len(texts) / (time.perf_counter() - t0)
                if reference is None:
                    reference = vecs
                low = float(np.min(np.sum(vecs * reference, axis=1)))
                print(f"| {embedder.backend} | {batch} | {rate:.0f} | {low:.4f} |", flush=True)


if __name__ == "__main__":
    main()

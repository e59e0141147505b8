"""Ingest time against the number of lines of one file (issue 20, item 10: it was quadratic in them).

    python bench/lines.py [--lines 100000 300000 1000000]

Writes one text file of short numbered lines per size (1M lines is ~25 MB: the file size limit is raised to fit),
ingests each into a fresh index with the offline `hash` embedder, and prints seconds and seconds per 100k lines: a
linear ingest keeps the second figure flat. Not a test: timings depend on the machine.

Measured on the 2-core VM shared with other jobs (Dec 2026): 100k lines 23.9 s (4,164 chunks), 300k 47.9 s (12,496),
1M 346 s (41,654 chunks; run at low priority beside other work). Before the fix, 1M lines took over 10 minutes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)

WORDS = "orchard crate apple pear plum quince oven loaf market cider press bottle".split()


def write_lines(path: Path, lines: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(lines):
            # a short sentence each (a run of short lines with no sentence would be dropped as a menu)
            fh.write(f"Row {i}: {' '.join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))}.\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lines", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    add_record_argument(p)
    args = p.parse_args()
    with recorded("Ingest time against lines in one file", enabled=not args.no_record):
        from assistant import Assistant

        for lines in args.lines:
            with tempfile.TemporaryDirectory() as tmp:
                docs = Path(tmp) / "docs"
                docs.mkdir()
                write_lines(docs / "lines.txt", lines)
                size = (docs / "lines.txt").stat().st_size
                t0 = time.perf_counter()
                report = Assistant(index_dir=Path(tmp) / "ix", embedder="hash", max_file_mb=100).ingest([docs])
                seconds = time.perf_counter() - t0
                print(f"{lines:>9,} lines ({size / 1e6:.1f} MB): {seconds:7.1f} s, {seconds / lines * 1e5:5.2f} s per 100k "
                      f"lines, {report.chunks_added:,} chunks", flush=True)


if __name__ == "__main__":
    main()

"""How long a one-question `assistant ask` takes from a cold process, and what it would cost to import torch and
sentence-transformers as well (what the prepared ONNX model and the torch-free spaCy import save).

    python bench/startup.py [--runs 5]

A one-file index is built with the default model first (which also prepares its ONNX copy, once per machine). Then,
alternating so that the machine's drift touches both alike: `assistant ask` in a fresh subprocess, and a fresh
`python -c "import torch, sentence_transformers"`. The table gives the median and the spread of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.record import add_record_argument, recorded  # noqa: E402  (after the path is set)

DOC = """# The Lindqvist lighthouse

The Lindqvist lighthouse was first lit in 1874. Its lamp was converted to electricity in 1931 and automated in 1989.
The tower is 31 metres tall and its light can be seen 18 nautical miles out to sea.
"""


def _timed(command: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="cold processes timed of each kind")
    add_record_argument(ap)
    args = ap.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cli = [sys.executable, "-m", "assistant.cli"]
    with recorded("Start-up of `assistant ask`", enabled=not args.no_record), tempfile.TemporaryDirectory() as tmp:
        docs, index = Path(tmp) / "docs", Path(tmp) / "index"
        docs.mkdir()
        (docs / "lighthouse.md").write_text(DOC, encoding="utf-8")
        subprocess.run([*cli, "ingest", str(docs), "--index-dir", str(index)], env=env, check=True,
                       capture_output=True)
        ask = [*cli, "ask", "When was the lighthouse automated?", "--index-dir", str(index)]
        heavy = [sys.executable, "-c", "import torch, sentence_transformers"]
        times: dict[str, list[float]] = {"ask": [], "heavy": []}
        for _ in range(args.runs):
            times["ask"].append(_timed(ask, env))
            times["heavy"].append(_timed(heavy, env))
        print(f"{args.runs} cold processes of each, alternating\n")
        print("| process | median s | min–max s |\n|---|---|---|")
        for name, label in (("ask", "`assistant ask` (one question, one-file index)"),
                            ("heavy", "`python -c \"import torch, sentence_transformers\"` (not needed by ask)")):
            t = times[name]
            print(f"| {label} | {statistics.median(t):.2f} | {min(t):.2f}–{max(t):.2f} |")


if __name__ == "__main__":
    main()

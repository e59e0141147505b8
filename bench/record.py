"""Every benchmark run writes its own entry in docs/benchmarks.md: what it printed, under the date, the machine's
load, the commit (and whether the checkout had uncommitted changes) and the exact command. Numbers in the README
and the REPORT point at these entries, so each figure has a command and a moment.

    with recorded("Ingest speed", enabled=not args.no_record):
        print(table)
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
HISTORY = ROOT / "docs" / "benchmarks.md"


def add_record_argument(parser) -> None:
    parser.add_argument("--no-record", action="store_true",
                        help=f"don't append this run's output to {HISTORY.relative_to(ROOT)}")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def stamp() -> str:
    """'2026-12-02 15:40 UTC · commit 2590c76 (+ uncommitted changes) · load 0.4 · 2 cores'"""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " (+ uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{when} · commit {commit}{dirty} · load {load:.1f} at the start · {os.cpu_count()} cores"


class _Tee(io.TextIOBase):
    def __init__(self, *streams):
        self._streams = streams

    def write(self, text: str) -> int:
        for stream in self._streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self._streams:
            stream.flush()


@contextlib.contextmanager
def recorded(title: str, enabled: bool = True, history: Path = HISTORY) -> Iterator[None]:
    """Print as usual; when the block ends without an error, append what was printed to `history` as one entry."""
    if not enabled:
        yield
        return
    started = stamp()
    captured = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, captured)):
        yield
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    entry = f"\n## {title}\n\n{started}\n\n`{command}`\n\n{captured.getvalue().rstrip()}\n"
    with open(history, "a", encoding="utf-8") as fh:
        fh.write(entry)
    print(f"(recorded in {os.path.relpath(history)})", file=sys.stderr)

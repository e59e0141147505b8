"""A helper process that prepares files (read, clean, chunk, embed) while the ingesting process writes to Chroma.

On two cores the two stages then overlap: Chroma's writes hold the GIL, so a thread would not. The helper is
started as `python -m index.worker` and fed pickled jobs over a pipe, rather than through multiprocessing: its
spawn and forkserver methods re-import the parent's `__main__` (a user's script calling `Assistant.ingest` at top
level, without an `if __name__ == "__main__"` guard, would run again inside the worker), and fork is unsafe once
Chroma's threads are running.
"""

from __future__ import annotations

import os
import pickle
import queue
import select
import subprocess
import sys
import tempfile
import threading
from itertools import count
from pathlib import Path
from typing import Callable, TypeVar

J = TypeVar("J")
R = TypeVar("R")

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)


class WorkerGone(RuntimeError):
    """A helper process exited before answering every job."""


class Helper:
    """One helper process answering jobs in the order they were submitted. Start it early: its imports
    (llama-index, ~2 s) then overlap with whatever the parent does meanwhile."""

    def __init__(self) -> None:
        # Results go through files in a spool directory, the pipe only names them: a pipe holds 64 KB (about one
        # file's chunks and vectors), so while the parent was inside a long Chroma write the helper sat blocked.
        self._spool = tempfile.TemporaryDirectory(prefix="assistant-ingest-")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self._proc = subprocess.Popen([sys.executable, "-m", "index.worker", self._spool.name],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, env=env)

    def submit(self, fn: Callable[[J], R], job: J) -> None:
        """Queue a job (the helper reads its pipe on a thread of its own: a caller never waits long here)."""
        try:
            self._proc.stdin.write(pickle.dumps((fn, job)))
        except OSError:
            raise WorkerGone(f"an ingest helper process exited (code {self._proc.poll()})") from None

    def ready(self) -> bool:
        """Whether the next result can be received without waiting."""
        return bool(select.select([self._proc.stdout], [], [], 0)[0])

    def receive(self):
        """The result of the oldest pending job (its exception re-raised here)."""
        try:
            spooled = Path(pickle.load(self._proc.stdout))
            ok, value = pickle.loads(spooled.read_bytes())
            spooled.unlink()
        except (EOFError, pickle.UnpicklingError, OSError):
            raise WorkerGone(f"an ingest helper process exited (code {self._proc.poll()})") from None
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """Stop the helper at once: every answer it owes has been read, or is no longer wanted."""
        self._proc.kill()
        self._proc.wait()
        for pipe in (self._proc.stdin, self._proc.stdout):
            pipe.close()
        self._spool.cleanup()

    def __enter__(self) -> "Helper":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_jobs(channel_in, jobs: queue.SimpleQueue) -> None:
    """Move jobs from the pipe into `jobs` as they come (None after the last): the parent's `submit` never waits for
    a pipe the helper is too busy to read, however many jobs it queues."""
    try:
        while True:
            jobs.put(pickle.load(channel_in))
    finally:  # the pipe closed, or a job would not unpickle: the helper stops, and the parent finishes without it
        jobs.put(None)


def _serve(spool: Path) -> None:
    """The helper's loop: (function, job) in, (ok, result or exception) out, until the parent closes the pipe."""
    channel_in, channel_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the result channel
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=_read_jobs, args=(channel_in, jobs), daemon=True).start()
    from index.prepare import warm_up

    warm_up()  # the jobs' imports happen before the first job arrives

    for n in count():
        item = jobs.get()
        if item is None:
            return
        fn, job = item
        try:
            result = (True, fn(job))
        except Exception as exc:  # sent back and raised in the parent
            result = (False, exc)
        try:
            data = pickle.dumps(result)
        except Exception as exc:
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        path = spool / f"{n:08d}.pickle"
        path.write_bytes(data)
        pickle.dump(str(path), channel_out)
        channel_out.flush()


if __name__ == "__main__":
    _serve(Path(sys.argv[1]))

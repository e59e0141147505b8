"""One writer at a time per index directory: the ingest lock (taken by an ingest, and by a store repairing itself)."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import IndexLocked, IndexReadOnly

_held_locks: set[tuple[Path, int]] = set()  # (index directory, thread) of the ingest locks this process holds


@contextmanager
def ingest_lock(index_dir: Path, reentrant: bool = False) -> Iterator[None]:
    """One writer at a time per index directory; a second one gets a clear error instead of waiting."""
    key = (Path(index_dir).resolve(), threading.get_ident())
    if reentrant and key in _held_locks:  # this thread holds it already (an ingest opening a store that repairs itself)
        yield
        return
    lock_path = index_dir / "ingest.lock"
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(lock_path, "a+")
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):  # a folder we may not write, a read-only mount
            raise
        raise IndexReadOnly(str(index_dir), f"{exc.strerror}: {exc.filename}") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise IndexLocked(str(index_dir), fh.read().strip() or "another process") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        _held_locks.add(key)
        try:
            yield
        finally:
            _held_locks.discard(key)
            fcntl.flock(fh, fcntl.LOCK_UN)

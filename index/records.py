"""A local copy of the chunks' stored records, beside the BM25 index and of the same Chroma generation.

Retrieval reads the few chunks it keeps from here rather than asking Chroma for them: a Chroma `get` by ids cost
~1 ms whatever it returned (a third of retrieval at 100k chunks, in a cProfile of `retrieve`), a lookup here a
few microseconds. Chroma stays the source of truth: this copy is filled by the ingest that writes Chroma, saved
with the BM25 index under one generation stamp (so it is replaced or rebuilt exactly when the BM25 index is), and a
chunk it does not hold is read from Chroma.

On disk: `records.bin`, each record's source path then its stored JSON (`index.store.stored_json`), UTF-8, back to back;
`records.offsets.npy`, where each of those strings starts (2n + 1 positions); `records.ids`, the chunk ids in the
same order, one a line. The blob is memory-mapped on load, so opening costs little however large the collection,
and only the records asked for are decoded. While an ingest fills it, the records are one growing buffer: a
collection's worth of them is held once, not as a string per field.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np

from .memo import Memo
from .store import chunk_from_stored, stored_json
from .types import Chunk

BLOB = "records.bin"
OFFSETS = "records.offsets.npy"
IDS = "records.ids"
DECODED_LIMIT = 10_000  # decoded chunks kept (~20 MB at most)


class ChunkRecords:
    def __init__(self, blob=None, offsets: list[int] | None = None, ids: list[str] | None = None):
        self._blob = bytearray() if blob is None else blob  # a bytearray while filled, an mmap once loaded
        self._offsets = [0] if offsets is None else offsets
        self._position = {cid: n for n, cid in enumerate(ids or ())}  # chunk id → record number
        # Chunks decoded before (frozen, so shared between answers): the chunks that answer questions recur.
        self._decoded = Memo(self._decode, limit=DECODED_LIMIT)

    def __len__(self) -> int:
        return len(self._position)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._position

    def add(self, chunk_id: str, source: str, stored_json: str) -> None:
        """Append a record; a chunk already held keeps its first one (an ingest writes each chunk once, and adds the
        records it read back from Chroma only for chunks it did not write)."""
        if chunk_id in self._position:
            return
        self._position[chunk_id] = len(self._position)
        for part in (source, stored_json):
            self._blob += part.encode("utf-8")
            self._offsets.append(len(self._blob))

    def add_chunk(self, chunk: Chunk) -> None:
        """Append `chunk`'s record as Chroma holds it (the file hash only on a file's marker chunk, which has one)."""
        self.add(chunk.id, chunk.source, stored_json(chunk, marker=bool(chunk.file_hash)))

    def get(self, ids: list[str]) -> dict[str, Chunk]:
        """The chunks among `ids` held here."""
        position, decoded = self._position, self._decoded
        return {cid: decoded[cid] for cid in ids if cid in position}

    def _decode(self, chunk_id: str) -> Chunk:
        o, n, blob = self._offsets, 2 * self._position[chunk_id], self._blob
        source, stored = blob[o[n] : o[n + 1]], blob[o[n + 1] : o[n + 2]]
        return chunk_from_stored(chunk_id, source.decode("utf-8"), stored.decode("utf-8"))

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        with open(directory / BLOB, "wb") as fh:
            fh.write(self._blob)
        np.save(directory / OFFSETS, np.asarray(self._offsets, dtype=np.int64))
        (directory / IDS).write_text("\n".join(self._position), encoding="ascii")

    @classmethod
    def load(cls, directory: Path) -> "ChunkRecords | None":
        """The saved records, or None when there are none or they do not fit together (indexes saved before this
        copy existed have none: their chunks are read from Chroma)."""
        directory = Path(directory)
        try:
            offsets = np.load(directory / OFFSETS).tolist()  # Python ints: slicing with them is the faster
            ids = (directory / IDS).read_text(encoding="ascii").split("\n") if len(offsets) > 1 else []
            with open(directory / BLOB, "rb") as fh:
                blob = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if offsets[-1] else b""
        except (OSError, ValueError, IndexError, UnicodeDecodeError):
            return None
        if len(offsets) != 2 * len(ids) + 1 or len(blob) != offsets[-1]:
            return None
        return cls(blob, offsets, ids)

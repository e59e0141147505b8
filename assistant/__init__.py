"""A question-answering assistant over a document collection, with answers that cite their passages.

    from assistant import Assistant
    a = Assistant(index_dir="some/dir")
    a.ingest(["docs/"])
    ans = a.ask("What was Kazakhstan's silver output in 2024?")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily so `assistant --help` and the types stay cheap to import
    from .core import Assistant, build_assistant
    from .settings import Settings, load_settings
    from .types import Answer, Citation, Chunk, IngestReport

__all__ = ["Assistant", "build_assistant", "Settings", "load_settings", "Answer", "Citation", "Chunk", "IngestReport"]


def __getattr__(name: str):
    if name in ("Assistant", "build_assistant"):
        from . import core

        return getattr(core, name)
    if name in ("Settings", "load_settings"):
        from . import settings

        return getattr(settings, name)
    if name in ("Answer", "Citation", "Chunk", "IngestReport"):
        from . import types

        return getattr(types, name)
    raise AttributeError(name)

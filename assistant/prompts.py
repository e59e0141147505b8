"""Prompt templates are plain files in `prompts/`, loaded by name; a user's own folder overrides them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import ConfigError

# package data of the `prompts` package: found the same way in a checkout, an editable install and a wheel
BUILTIN = files("prompts")


def load_prompt(name: str, user_dir: Path | None = None) -> str:
    for folder in ([Path(user_dir)] if user_dir else []) + [BUILTIN]:
        path = folder / f"{name}.md"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    raise ConfigError(f"no prompt named {name!r} in {user_dir or BUILTIN} — add {name}.md there")

"""Prompt templates are plain files in `prompts/`, loaded by name; a user's own folder overrides them."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

BUILTIN = Path(__file__).resolve().parent.parent / "prompts"


def load_prompt(name: str, user_dir: Path | None = None) -> str:
    for folder in ([Path(user_dir)] if user_dir else []) + [BUILTIN]:
        path = folder / f"{name}.md"
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    raise ConfigError(f"no prompt named {name!r} in {user_dir or BUILTIN} — add {name}.md there")

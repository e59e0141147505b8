"""Placeholder while the follow-up rewriter is rebuilt (see the `ux` branch): questions pass through unchanged."""

from __future__ import annotations


def standalone_question(question: str, history: list[tuple[str, str]]) -> str:
    return question

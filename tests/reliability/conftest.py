from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    """`slow` tests (minutes each) run only when asked for by `-m` (e.g. `pytest -m slow tests/reliability`)."""
    if "slow" in (config.getoption("markexpr") or "").replace("not slow", ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

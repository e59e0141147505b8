"""The import graph, read from the source with `ast`: `index/` is the bottom layer, `assistant/` builds on it, the
surfaces (`app.py`, the CLI, `eval/`) use `assistant`'s public API, and no module imports another that imports it back
(imports inside functions count: a lazy import is an arrow too). See docs/architecture.md."""

from __future__ import annotations

import ast
import importlib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "assistant", "eval")
SURFACES = ("app", "assistant.cli", "eval")  # a module is a surface when its name is, or starts with, one of these
# eval/ tools that work on the answerer's parts on purpose, through their public modules: the fits of the scoring
# model's weights, of computed answers' bounds and of the kind judge's margin, and the baselines built from the same
# reading and embedding as the project
INTERNALS_ALLOWED = {"eval.fit", "eval.fit_compute", "eval.fit_kinds", "eval.baseline"}


def _modules() -> dict[str, Path]:
    found = {"app": REPO / "app.py"}
    for package in PACKAGES:
        for path in sorted((REPO / package).glob("*.py")):
            found[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return found


MODULES = _modules()


def _imports(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import statement in `module`, nested ones included;
    relative imports resolved. `from package import submodule` counts as importing the submodule."""
    package = module if path.stem == "__init__" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names = [alias.name for alias in node.names]
            submodules = [n for n in names if f"{base}.{n}" in MODULES]
            out += [(f"{base}.{n}", []) for n in submodules]
            if len(submodules) < len(names):
                out.append((base, [n for n in names if n not in submodules]))
    return out


def _project(name: str) -> str | None:
    """The project module `name` is, or lies in (`index.store.ChromaStore` → `index.store`), else None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


GRAPH = {m: {(_project(target), tuple(names)) for target, names in _imports(m, p) if _project(target)}
         for m, p in MODULES.items()}


def _is_surface(module: str) -> bool:
    return any(module == s or module.startswith(s + ".") for s in SURFACES)


def test_index_is_the_bottom_layer():
    upward = [f"{m} imports {t}" for m, edges in GRAPH.items() if m.startswith("index")
              for t, _ in edges if not t.startswith("index")]
    assert not upward


LAYERS = {"index": 0, "assistant": 1, "eval": 2, "app": 2}  # a module imports only from its layer and those below


def test_no_package_imports_one_above_it():
    """`assistant.cli` included: the `assistant eval` command is found as a plug-in, not imported."""
    def layer(module: str) -> tuple[str, int]:
        package = module.partition(".")[0]
        return package, LAYERS[package]

    upward = []
    for m, edges in GRAPH.items():
        (package, rank), targets = layer(m), [layer(t) + (t,) for t, _ in edges]
        upward += [f"{m} imports {t}" for p, r, t in targets if r > rank or (r == rank and p != package)]
    assert not upward


def test_no_import_cycle():
    graph = {m: {t for t, _ in edges if t != m} for m, edges in GRAPH.items()}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_surfaces_import_no_private_module_or_name():
    private = []
    for m, edges in GRAPH.items():
        if not _is_surface(m):
            continue
        for target, names in edges:
            if _is_surface(target):
                continue
            if any(part.startswith("_") and part != "__init__" for part in target.split(".")):
                private.append(f"{m} imports {target}")
            private += [f"{m} imports {target}.{n}" for n in names if n.startswith("_")]
    assert not private


def test_surfaces_use_the_public_api():
    """`from assistant import X`, X in `assistant.__all__`: the surfaces reach no module of `assistant` or `index`
    (but the eval tools above)."""
    import assistant

    reaching = []
    for m, edges in GRAPH.items():
        if not _is_surface(m) or m in INTERNALS_ALLOWED or m.startswith("assistant"):
            continue
        for target, names in edges:
            if _is_surface(target):
                continue
            if target != "assistant":
                reaching.append(f"{m} imports {target}")
            reaching += [f"{m} imports assistant.{n} (not in __all__)" for n in names if n not in assistant.__all__]
    assert not reaching


def test_assistant_all_lists_the_public_names_and_each_imports():
    import assistant
    import assistant.errors
    import index.errors

    errors = {n for n, v in vars(index.errors).items() if isinstance(v, type) and issubclass(v, Exception)}
    assert set(assistant.errors.__all__) == errors  # every error users can meet, re-exported
    assert set(assistant.__all__) == set(assistant._LAZY) | errors
    assert len(assistant.__all__) == len(set(assistant.__all__))
    fresh = importlib.import_module("assistant")
    for name in assistant.__all__:
        assert getattr(fresh, name) is not None, name
    namespace: dict = {}
    exec("from assistant import *", namespace)
    assert set(assistant.__all__) <= set(namespace)


def test_the_old_import_paths_still_work():
    from assistant.errors import IndexNotFound
    from assistant.types import Answer, Chunk, Citation, Hit, IngestReport  # noqa: F401
    from index.errors import IndexNotFound as bottom
    from index.types import Chunk as chunk

    assert IndexNotFound is bottom and Chunk is chunk

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# `assistant eval` is a plug-in command (assistant.cli.plugin_commands): found through the installed entry point, or,
# in a checkout whose installed metadata predates it, through this
os.environ.setdefault("ASSISTANT_PLUGINS", "eval.runner")

REPO = Path(__file__).resolve().parent.parent
# beside the checkout (../shared/corpus), or beside the folder holding it (a git worktree under ../wt/NAME)
CORPUS = next((d / "shared" / "corpus" for d in REPO.parents if (d / "shared" / "corpus").is_dir()),
              REPO.parent / "shared" / "corpus")
OUTPUT = REPO / "test-output"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma_server(path: Path):
    """A real `chroma run` on a free loopback port over `path`, once its heartbeat answers: (process, URL)."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=dict(os.environ, ANONYMIZED_TELEMETRY="False"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            return proc, url
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("chroma server did not start") from None
            time.sleep(0.2)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """One Chroma server for the session's tests of the server backend (each uses a collection of its own): its URL."""
    import signal
    import subprocess

    proc, url = start_chroma_server(tmp_path_factory.mktemp("chroma-server"))
    yield url
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    assert CORPUS.is_dir(), f"the shared corpus is expected at {CORPUS}"
    return CORPUS


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture(scope="session")
def corpus_assistant(tmp_path_factory, corpus_dir):
    """One assistant over the real corpus, ingested once per session (read-only for tests)."""
    from assistant import Assistant

    a = Assistant(embedder="hash", index_dir=tmp_path_factory.mktemp("corpus-index"))
    a.ingest([corpus_dir])
    return a


@pytest.fixture
def corpus_copy(tmp_path: Path, corpus_dir: Path) -> Path:
    """A writable copy of the corpus, for tests that edit or delete files."""
    dest = tmp_path / "corpus"
    shutil.copytree(corpus_dir, dest)
    return dest


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    from tests.tiny_models import build_tiny_models

    return build_tiny_models(tmp_path_factory.mktemp("models"))


def ingested_assistant(root: Path, docs: dict[str, str], embedder: str = "minilm"):
    """An assistant over `docs` (file name → text) written under root/docs and ingested into root/index."""
    from assistant import Assistant

    folder = root / "docs"
    folder.mkdir()
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    a = Assistant(index_dir=root / "index", embedder=embedder)
    a.ingest([folder])
    return a


@pytest.fixture(scope="session")
def ingest_docs():
    """`ingested_assistant`, as a fixture: ingest_docs(root, {"a.md": "…"}) → an Assistant over those files."""
    return ingested_assistant


@pytest.fixture(scope="session")
def real_embedder():
    """all-MiniLM-L6-v2 from its package, loaded once for the whole session (the same shared instance every
    `Assistant(embedder="minilm")` of this process gets)."""
    from index.embedders import make_embedder

    return make_embedder("minilm")


@pytest.fixture(scope="session")
def hash_embedder():
    """The model-free embedder, for tests that only need "an embedder"."""
    from index.embedders import make_embedder

    return make_embedder("hash")


# Test tiers, registered in pyproject.toml: `unit` (pure functions: no store, server, model or subprocess; seconds in
# all), `integration` (real Chroma, the models, the CLI in a subprocess, servers, the built wheel), `browser` (the page
# in headless Chromium), `slow` and `load` (not in the default run). browser, slow and load are marked where the tests
# are written; the others are sorted here: a test is unit-tier when its module is listed below and it uses none of the
# fixtures that bring a store, a model or the corpus, else integration-tier. `pytest -m unit` runs the fast tier.
UNIT_MODULES = {
    "tests/test_layers.py", "tests/test_bench_record.py",
    "tests/index/test_chunking.py", "tests/index/test_cleaning.py", "tests/index/test_documents.py",
    "tests/index/test_records_format.py", "tests/index/test_language.py",
    "tests/eval/test_benchmark_metrics.py", "tests/eval/test_combined.py", "tests/eval/test_formats.py",
    "tests/eval/test_metrics.py",
    "tests/eval/test_eval_data.py",
    "tests/assistant/test_followup.py", "tests/assistant/test_reading.py",
    "tests/reliability/test_properties.py",
}
INTEGRATION_FIXTURES = {"corpus_assistant", "corpus_copy", "real_embedder", "tiny_models", "index_dir"}
EXPLICIT_TIERS = {"integration", "browser", "slow", "load"}


def _tier(item) -> str:
    if EXPLICIT_TIERS & set(item.keywords):
        return ""  # marked where it is written
    module = item.path.relative_to(REPO).as_posix()
    if module in UNIT_MODULES and not INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ())):
        return "unit"
    return "integration"


def pytest_collection_modifyitems(config, items):
    """Each test gets its tier (above). Browser tests need Debian's Chromium (`make browser` installs it, as root);
    without it they are skipped with that reason rather than failing."""
    for item in items:
        tier = _tier(item)
        if tier:
            item.add_marker(tier)
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    skip = pytest.mark.skip(reason="Chromium is not installed (run `make browser` as root: apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _unit_tests_open_no_store(request, monkeypatch):
    """Keeps the unit tier honest: a unit test that opens Chroma fails, naming the fix."""
    if request.node.get_closest_marker("unit") is None:
        return

    def refuse(*args, **kwargs):
        raise AssertionError("a unit-tier test opened Chroma: mark it integration (or drop its module from "
                             "UNIT_MODULES in tests/conftest.py)")

    monkeypatch.setattr("index.store._client", refuse)

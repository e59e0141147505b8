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


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium (`make browser` installs it, as root); without it they are skipped with
    that reason rather than failing."""
    if shutil.which("chromium") or Path("/usr/bin/chromium").exists():
        return
    skip = pytest.mark.skip(reason="Chromium is not installed (run `make browser` as root: apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)

"""The built wheel works on its own: built from a copy of the sources, installed into a fresh venv (which borrows the
dependencies of the running one through a .pth file, so nothing is downloaded), and run from a folder outside the
checkout: `assistant eval` on a tiny set, `assistant ask`, and the package data (prompts, the default eval set)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "assistant", "index", "eval", "prompts")
DOC = ("Brightwater Kayaks Annual Report\n\nBrightwater Kayaks reported revenue of 4.2 million euros in 2024. "
       "The company sold 3,100 kayaks that year.\n")
QUESTION = "What revenue did Brightwater Kayaks report in 2024?"


def _run(cmd: list, cwd: Path, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _build_wheel(tmp: Path) -> Path:
    """From a copy of the sources: building writes build/ and *.egg-info beside them."""
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", tmp / "dist", src],
         cwd=tmp)
    (wheel,) = (tmp / "dist").glob("*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    site = Path(_run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps",
          "--no-index", wheel], cwd=tmp)
    return venv / "bin"


def test_the_built_wheel_runs_ask_and_eval_from_outside_the_checkout(tmp_path):
    wheel = _build_wheel(tmp_path)
    bin_ = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "elsewhere"
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "kayaks.md").write_text(DOC, encoding="utf-8")
    item = {"id": "k1", "question": QUESTION, "answer": "4.2 million euros", "accepted": ["4.2 million euros"],
            "sources": ["kayaks.md"], "evidence": "revenue of 4.2 million euros", "category": "numeric"}
    (work / "tiny.jsonl").write_text(json.dumps(item) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ASSISTANT_PLUGINS")}
    env.update(HF_HUB_OFFLINE="1", ASSISTANT_INDEX_DIR=str(work / "index"))

    where = _run([bin_ / "python", "-c", "import assistant, eval.runner as r, prompts\n"
                  "from assistant.prompts import load_prompt\n"
                  "assert load_prompt('system') and load_prompt('answer') and r.DEFAULT_QA.is_file()\n"
                  "print(assistant.__file__, r.__file__, prompts.__file__)"], cwd=work, env=env).stdout
    assert all(Path(f).is_relative_to(tmp_path / "venv") for f in where.split()), where

    _run([bin_ / "assistant", "eval", "tiny.jsonl", "--corpus", "docs", "--embedder", "hash", "--out", "out",
          "--no-baseline", "--index-dir", work / "index"], cwd=work, env=env)
    report = json.loads((work / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["overall"]["accuracy"] == 1.0

    answer = json.loads(_run([bin_ / "assistant", "ask", QUESTION, "--json"], cwd=work, env=env).stdout)
    assert "4.2 million euros" in answer["text"]
    assert answer["citations"][0]["source"] == str((work / "docs" / "kayaks.md").resolve())

"""A generated test collection on a topic of its own (community orchards and bakeries), and probes of an index."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

ORCHARDS = ["Hollow Lane", "Brookfield", "Marsh End", "Cinder Hill", "Oak Reach", "Fern Bank", "Mill Cross",
            "Stony Ford"]
FRUITS = ["apples", "pears", "plums", "quinces", "cherries", "damsons", "medlars", "greengages"]
BAKERS = ["Ottilie Marsh", "Bram Castell", "Ines Varga", "Jonas Pell", "Ruth Amadi", "Soren Lykke"]
SENTENCES = [
    "The {orchard} orchard picked {n} crates of {fruit} in {year}, {p} per cent more than the season before.",
    "{baker} baked {n} {fruit} tarts for the {orchard} fair in {year}.",
    "Volunteers planted {k} young {fruit} trees at {orchard} during the spring of {year}.",
    "A crate of {orchard} {fruit} sold for {m} pounds at the market in {year}.",
    "The {orchard} cider press ran for {k} days in {year} and filled {n} bottles.",
]


def write_collection(folder: Path, files: int, sentences: int = 40, seed: int = 1) -> Path:
    """`files` text files of `sentences` sentences each, in paragraphs of five."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = [f"Orchard notes number {f} from {rng.choice(ORCHARDS)}", ""]
        for s in range(sentences):
            lines.append(rng.choice(SENTENCES).format(
                orchard=rng.choice(ORCHARDS), fruit=rng.choice(FRUITS), baker=rng.choice(BAKERS),
                n=rng.randint(10, 9000), p=rng.randint(1, 60), k=rng.randint(2, 90), m=rng.randint(3, 80),
                year=rng.randint(2001, 2025)))
            if s % 5 == 4:
                lines.append("")
        (folder / f"notes-{f:04d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _env(env: dict | None = None) -> dict:
    """These tests need an embedder, not a good one: the model-free one, unless a test says otherwise."""
    return {**os.environ, "ASSISTANT_EMBEDDER": "hash", **(env or {})}


def cli(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, cwd=REPO,
                          timeout=timeout, env=_env(env))


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


def open_store(index_dir: Path):
    """The index's Chroma store, opened afresh as another process would (never created)."""
    from index.embedders import make_embedder
    from index.store import ChromaStore

    embedder = make_embedder("hash")
    return ChromaStore(index_dir, embedder.name, embedder.dim, create=False)


def stored_ids(index_dir: Path) -> list[str]:
    """The chunk ids Chroma holds."""
    return sorted(open_store(index_dir).all_ids())


def bm25_ids(index_dir: Path) -> list[str] | None:
    """The chunk ids of the BM25 index saved for the store's current generation (None: there is none that loads)."""
    from index.lexical import LexicalIndex

    lexical = LexicalIndex.load(index_dir, open_store(index_dir).generation)
    return None if lexical is None else sorted(lexical.ids)


def chunk_ids_of_clean_ingest(docs: Path, index_dir: Path) -> list[str]:
    from assistant import Assistant

    Assistant(index_dir=index_dir, embedder="hash").ingest([docs])
    return stored_ids(index_dir)

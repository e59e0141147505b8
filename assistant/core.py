"""The composition root: `build_assistant(settings)` wires store, embedder, retriever and answerer.

`app.py`, the CLI and `eval/` all go through it, so evaluation runs the production code.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Iterator

from .errors import BadQuestion, IndexNotFound
from .settings import Settings, load_settings
from .types import Answer, Hit, IngestReport

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never hang on the model hub; ASSISTANT_ALLOW_DOWNLOADS lifts it
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

History = list[tuple[str, str]]


class Assistant:
    """The Python API. Opens (or creates) the index lazily; safe to share between threads."""

    def __init__(self, index_dir: str | Path | None = None, settings: Settings | None = None, **overrides):
        if settings is None:
            settings = load_settings(index_dir=index_dir, **overrides)
        elif index_dir is not None or overrides:
            settings = settings.model_copy(update={"index_dir": Path(index_dir or settings.index_dir), **overrides})
        self.settings = settings
        if settings.allow_downloads:
            os.environ.pop("HF_HUB_OFFLINE", None)
        self._lock = threading.RLock()
        self._embedder = None
        self._store = None
        self._retriever = None
        self._answerer = None
        self._llm_answerer = None
        self.last_ingest: IngestReport | None = None

    # -- wiring -----------------------------------------------------------------------------------
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from index.embedders import make_embedder

                self._embedder = make_embedder(self._embedder_spec(), self.settings.allow_downloads)
            return self._embedder

    def _embedder_spec(self) -> str:
        """The embedder asked for; when none was (settings default), the one an existing index was built with, so an
        index built with `hash` before `minilm` became the default keeps opening as it did."""
        s = self.settings
        if "embedder" in s.model_fields_set:
            return s.embedder
        from index.store import recorded_embedder

        return recorded_embedder(Path(s.index_dir), s.chroma_url, s.collection) or s.embedder

    @property
    def store(self):
        """The store, opened read-only: asking or listing never creates an index (a mistyped --index-dir would
        otherwise leave an empty index behind); it raises IndexNotFound instead. Only `ingest` creates one."""
        return self._open_store(create=False)

    def _open_store(self, create: bool):  # ux: read-only unless ingesting (issue 21)
        with self._lock:
            if self._store is None:
                from index.store import CHROMA_SUBDIR, ChromaStore

                s = self.settings
                if not create and not s.chroma_url and not (Path(s.index_dir) / CHROMA_SUBDIR).exists():
                    raise IndexNotFound(str(s.index_dir))  # said before loading the model, not after
                self._store = ChromaStore(
                    Path(self.settings.index_dir), self.embedder.name, self.embedder.dim,
                    chroma_url=self.settings.chroma_url, collection=self.settings.collection, create=create,
                )
            return self._store

    @property
    def retriever(self):
        with self._lock:
            if self._retriever is None:
                from .retrieval import CrossEncoderReranker, HybridRetriever

                reranker = None
                if self.settings.reranker:
                    reranker = CrossEncoderReranker(self.settings.reranker, self.settings.allow_downloads)
                self._retriever = HybridRetriever(self.store, self.embedder, Path(self.settings.index_dir), reranker)
            return self._retriever

    @property
    def answerer(self):
        with self._lock:
            if self._answerer is None:
                from .answerer import ExtractiveAnswerer

                self._answerer = ExtractiveAnswerer(self.embedder)
            return self._answerer

    def llm_answerer(self):
        with self._lock:
            if self._llm_answerer is None:
                from .errors import ConfigError
                from .llm import LLMAnswerer, make_llm

                s = self.settings
                if not (s.llm_base_url and s.llm_model):
                    raise ConfigError("LLM mode needs ASSISTANT_LLM_BASE_URL and ASSISTANT_LLM_MODEL "
                                      "(e.g. http://127.0.0.1:11434/v1 and llama3.1 for Ollama)")
                self._llm_answerer = LLMAnswerer(make_llm(s), self.answerer, s.prompts_dir)
            return self._llm_answerer

    # -- operations -------------------------------------------------------------------------------
    def ingest(self, paths: list[str | Path] | str | Path, prune: bool = False, progress: bool = False) -> IngestReport:
        from index.pipeline import Ingestor

        if isinstance(paths, (str, Path)):
            paths = [paths]
        s = self.settings
        ingestor = Ingestor(lambda: self._open_store(create=True), self.embedder, Path(s.index_dir), s.chunk_size, s.chunk_overlap,
                            int(s.max_file_mb * 1_000_000))
        report = ingestor.run(list(paths), prune=prune, progress=progress)
        if self._retriever is not None:
            self._retriever.refresh()
        self.last_ingest = report
        return report

    def retrieve(self, question: str, k: int | None = None, sources: list[str] | None = None,
                 date_from: str | None = None, date_to: str | None = None, vector=None) -> list[Hit]:
        from .retrieval import Filters

        question = self._check(question)
        filters = Filters(tuple(sources or ()), date_from, date_to)
        return self.retriever.retrieve(question, k or self.settings.k, filters, vector=vector)

    def ask(self, question: str, history: History | None = None, k: int | None = None, mode: str | None = None,
            **filters) -> Answer:
        final = None
        for part in self.stream(question, history, k, mode, **filters):
            final = part
        return final

    def stream(self, question: str, history: History | None = None, k: int | None = None, mode: str | None = None,
               **filters) -> Iterator[str | Answer]:
        """Yields growing answer text, then the final `Answer` object."""
        from .followup import standalone_question

        question = self._check(question)
        history = history or []
        mode = mode or self.settings.answer_mode
        standalone = standalone_question(question, history)
        if mode == "llm":
            llm = self.llm_answerer()
            standalone = llm.condense(question, history, standalone)
            hits = self.retrieve(standalone, k, **filters)
            parts = llm.stream(standalone, hits)
        else:
            vector = self.embedder.embed_query(standalone)  # once: retrieval and the answerer share it
            hits = self.retrieve(standalone, k, vector=vector, **filters)
            parts = iter([self.answerer.answer(standalone, hits, vector)])
        for part in parts:
            if isinstance(part, Answer):
                part.question, part.standalone_question = question, standalone
                if mode != "llm":  # the extractive answer is ready at once: show it growing word by word
                    words = part.text.split(" ")
                    for i in range(1, len(words) + 1):
                        yield " ".join(words[:i])
            yield part

    def stats(self) -> dict:
        store = self.store
        docs = store.documents()
        return {
            "index": store.location,
            "embedder": store.embedder_name,
            "documents": len(docs),
            "files": len({d["source"] for d in docs}),
            "chunks": store.count(),
            "document_list": docs,
            "last_ingest": self.last_ingest.to_dict() if self.last_ingest else None,
        }

    def _check(self, question: str) -> str:
        if not isinstance(question, str):
            raise BadQuestion("the question must be text")
        from index.cleaning import normalize_question

        question = normalize_question(question)  # as the index normalises text: the same words match
        cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
        if len(cleaned) > self.settings.max_question_chars:
            raise BadQuestion(
                f"the question is {len(cleaned)} characters long; the limit is {self.settings.max_question_chars} "
                "(ASSISTANT_MAX_QUESTION_CHARS) — ask something shorter"
            )
        if not any(ch.isalnum() for ch in cleaned):
            raise BadQuestion("the question is empty — type a question about your documents")
        return " ".join(cleaned.split())


def build_assistant(settings: Settings | None = None) -> Assistant:
    return Assistant(settings=settings or load_settings())

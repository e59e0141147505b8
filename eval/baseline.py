"""The two baselines every report compares against, over the same documents and with the same embedder:

- `LlamaIndexBaseline`: the plain llama-index pipeline a user would build without an LLM — a `VectorStoreIndex`
  over the documents with llama-index's DEFAULT node parser (SentenceSplitter with its default chunk size and
  overlap), top-k retrieval, answer = the top node's text, citation = that node.
- `NearestSentenceBaseline`: the project's own retrieval (`Assistant.retrieve`, k=10), each chunk split into
  sentences, answer = the sentence closest to the question by the embedder (cosine), citation = that sentence.

Neither abstains: they show what retrieval alone gives, so a row of the project that doesn't beat them is a
finding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cited:
    """A cited passage or a retrieved chunk: where it is (resolved file path, [start, end) in the file's text)."""

    source: str
    start: int
    end: int
    passage: str

    def to_dict(self) -> dict:
        return {"source": self.source, "start": self.start, "end": self.end, "passage": self.passage}


@dataclass
class Prediction:
    """What one system answered to one question, in the shape every scorer reads."""

    text: str
    value: str | None = None
    abstained: bool = False
    kind: str = "sentence"
    citations: list[Cited] = field(default_factory=list)
    retrieved: list[Cited] = field(default_factory=list)  # ranked chunks, for recall@k
    latency_ms: float = 0.0
    conflict: bool = False
    standalone_question: str = ""


RECALL_DEPTH = 20  # deepest k of recall@k


def project_prediction(assistant, question: str, history=None, k: int | None = None,
                       depth: int = RECALL_DEPTH) -> tuple[Prediction, object]:
    """The assistant's answer as a Prediction (and the Answer itself), its `ask` timed; retrieval for recall@k
    is run on the standalone question after the timing."""
    t0 = time.perf_counter()
    ans = assistant.ask(question, history=history or [], k=k)
    latency = (time.perf_counter() - t0) * 1000
    standalone = ans.standalone_question or question
    hits = assistant.retrieve(standalone, k=depth)
    return Prediction(
        text=ans.text, value=ans.value, abstained=ans.abstained, kind=ans.kind, conflict=ans.conflict,
        citations=[Cited(c.source, c.start, c.end, c.passage) for c in ans.citations],
        retrieved=[_hit_cited(h) for h in hits], latency_ms=latency, standalone_question=standalone,
    ), ans


def _hit_cited(hit) -> Cited:
    c = hit.chunk
    return Cited(c.source, c.start, c.end, c.text)


def collection_files(assistant) -> list[str]:
    """The files the assistant's collection holds (resolved paths), so a baseline reads exactly those."""
    return sorted({chunk.source for chunk, _ in assistant.store.all_chunks_with_embeddings()})


class LlamaIndexBaseline:
    name = "llama_index"

    def __init__(self, assistant, files: list[str] | None = None, k: int = RECALL_DEPTH):
        from llama_index.core import Document, VectorStoreIndex

        from index.embedders import as_llama_index
        from index.readers import Unreadable, read_source

        docs = []
        max_bytes = int(assistant.settings.max_file_mb * 1_000_000)
        for path in files if files is not None else collection_files(assistant):
            try:
                src = read_source(_path(path), max_bytes)
            except Unreadable:
                continue  # the project skipped it too
            # the same text the project reads, so node offsets and citation offsets are positions in one text;
            # the path stays out of what is embedded and split
            docs.append(Document(text=src.text, metadata={"source": src.path},
                                 excluded_embed_metadata_keys=["source"], excluded_llm_metadata_keys=["source"]))
        self._retriever = None
        if docs:
            index = VectorStoreIndex.from_documents(docs, embed_model=as_llama_index(assistant.embedder))
            self._retriever = index.as_retriever(similarity_top_k=k)

    def answer(self, question: str, history=None) -> Prediction:
        # no follow-up handling: earlier questions are simply prepended, as a plain pipeline would
        query = " ".join([t[0] for t in history or []] + [question])
        t0 = time.perf_counter()
        nodes = self._retriever.retrieve(query) if self._retriever is not None else []
        latency = (time.perf_counter() - t0) * 1000
        retrieved = [self._cited(n.node) for n in nodes]
        if not retrieved:
            return Prediction("", abstained=True, kind="abstain", latency_ms=latency)
        top = retrieved[0]
        return Prediction(top.passage, kind="chunk", citations=[top], retrieved=retrieved, latency_ms=latency)

    @staticmethod
    def _cited(node) -> Cited:
        start = node.start_char_idx or 0
        end = node.end_char_idx if node.end_char_idx is not None else start + len(node.get_content())
        return Cited(node.metadata.get("source", ""), start, end, node.get_content())


class NearestSentenceBaseline:
    name = "nearest_sentence"

    def __init__(self, assistant, k: int = 10):
        self.assistant, self.k = assistant, k
        # each sentence's vector, by its place: the same chunks come back for many questions, and embedding their
        # sentences again each time made this baseline the slowest part of a run with a real model
        self._vectors: dict[tuple[str, int, int], object] = {}

    def answer(self, question: str, history=None) -> Prediction:
        import numpy as np

        from index.sentences import sentence_spans

        query = " ".join([t[0] for t in history or []] + [question])
        t0 = time.perf_counter()
        hits = self.assistant.retrieve(query, k=self.k)
        candidates, seen = [], set()
        for hit in hits:
            chunk = hit.chunk
            for s, e in sentence_spans(chunk.text):
                start, end = chunk.source_offset(s), chunk.source_offset(e - 1) + 1
                if (chunk.source, start) not in seen:
                    seen.add((chunk.source, start))
                    candidates.append(Cited(chunk.source, start, end, chunk.text[s:e]))
        if not candidates:
            return Prediction("", abstained=True, kind="abstain", latency_ms=(time.perf_counter() - t0) * 1000)
        emb = self.assistant.embedder
        missing = [c for c in candidates if (c.source, c.start, c.end) not in self._vectors]
        if missing:
            for c, v in zip(missing, emb.embed_documents([c.passage for c in missing])):
                self._vectors[(c.source, c.start, c.end)] = v
        matrix = np.stack([self._vectors[(c.source, c.start, c.end)] for c in candidates])
        sims = matrix @ np.asarray(emb.embed_query(query))
        best = candidates[int(np.argmax(sims))]
        latency = (time.perf_counter() - t0) * 1000
        return Prediction(best.passage, kind="sentence", citations=[best], retrieved=[_hit_cited(h) for h in hits],
                          latency_ms=latency)


def make_baselines(assistant, files: list[str] | None = None) -> list:
    return [LlamaIndexBaseline(assistant, files), NearestSentenceBaseline(assistant)]


def _path(p):
    from pathlib import Path

    return Path(p)

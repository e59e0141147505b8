"""The plain llama-index pipeline the report compares against: a `VectorStoreIndex` over the same chunks and
embeddings as the project's Chroma collection (read from it), llama-index's default in-memory vector store,
top-k retrieval, and the best chunk as the answer (it never abstains)."""

from __future__ import annotations

from assistant.types import Answer, Citation


class LlamaIndexBaseline:
    def __init__(self, assistant, k: int = 5):
        from llama_index.core import VectorStoreIndex
        from llama_index.core.schema import TextNode

        from index.embedders import as_llama_index

        nodes = [TextNode(id_=chunk.id, text=chunk.text, embedding=vector.tolist(),
                          metadata={"source": chunk.source, "title": chunk.title, "date": chunk.date or "",
                                    "start": chunk.start, "end": chunk.end})
                 for chunk, vector in assistant.store.all_chunks_with_embeddings()]
        index = VectorStoreIndex(nodes, embed_model=as_llama_index(assistant.embedder))
        self._retriever = index.as_retriever(similarity_top_k=k)

    def retrieve_texts(self, question: str) -> list[str]:
        return [n.node.get_content() for n in self._retriever.retrieve(question)]

    def ask(self, question: str) -> tuple[Answer, list[str]]:
        nodes = self._retriever.retrieve(question)
        texts = [n.node.get_content() for n in nodes]
        if not nodes:
            return Answer("", abstained=True), texts
        best = nodes[0].node
        meta = best.metadata or {}
        cite = Citation(1, meta.get("source", ""), meta.get("title", ""), meta.get("date") or None, texts[0],
                        int(meta.get("start", 0)), int(meta.get("end", 0)))
        return Answer(texts[0], [cite]), texts

"""The BM25 side: built on bm25s directly, it must rank exactly as llama-index's BM25Retriever (its reference)."""

from __future__ import annotations

import Stemmer
from llama_index.core.schema import TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from assistant.types import Chunk
from index.lexical import LexicalIndex, analyze

TEXTS = [
    "Kazakhstan produced 697.5 tons of refined silver in 2024, the ministry said.",
    "Copper exports from Pavlodar fell by 12% in the first quarter.",
    "The silver price rose to $32 an ounce; analysts expect further gains.",
    "Gallium output could reach 15 tons a year at the new plant.",
    "Zinc and lead producers reported lower output in 2024.",
    "the of and",  # stop words only
    "!!!",  # no tokens at all
]
QUERIES = ["silver output 2024", "copper exports", "How much gallium could the plant produce?", "price of silver",
           "the", "unknownword"]


def _chunk(i: int, text: str) -> Chunk:
    return Chunk(id=f"c{i}", text=text, source="s.txt", doc_id="d", title="", date=None, kind="text", start=0,
                 end=len(text), offsets=((0, 0),))


def test_analyze_gives_bm25s_tokens_as_the_retriever_builds_them():
    import bm25s

    expected = bm25s.tokenize(TEXTS, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False,
                              return_ids=False)
    assert analyze(TEXTS) == [" ".join(t) for t in expected]
    assert analyze(["Silver SILVER silvery"]) == ["silver silver silveri"]


def test_rankings_and_scores_equal_llama_index_bm25_retriever(tmp_path):
    ours = LexicalIndex.from_chunks([_chunk(i, t) for i, t in enumerate(TEXTS)])
    nodes = [TextNode(id_=f"c{i}", text=t) for i, t in enumerate(TEXTS)]
    ref = BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("english"), similarity_top_k=3)
    for q in QUERIES:
        expected = [(h.node.node_id, round(float(h.score), 5)) for h in ref.retrieve(q) if h.score > 0]
        assert [(i, round(s, 5)) for i, s in ours.search(q, 3)] == expected, q
    ours.save(tmp_path, "g1")
    loaded = LexicalIndex.load(tmp_path, "g1")
    assert loaded is not None and loaded.size == len(TEXTS)
    assert all(loaded.search(q, 3) == ours.search(q, 3) for q in QUERIES)
    assert LexicalIndex.load(tmp_path, "g2") is None  # another generation: rebuild


def test_an_index_persisted_by_bm25retriever_still_loads(tmp_path):
    """Indexes written before bm25s was called directly (llama-index's persist format) keep working."""
    import json

    nodes = [TextNode(id_=f"c{i}", text=t) for i, t in enumerate(TEXTS)]
    BM25Retriever.from_defaults(nodes=nodes, stemmer=Stemmer.Stemmer("english")).persist(str(tmp_path / "bm25"))
    (tmp_path / "bm25" / "generation.json").write_text(json.dumps({"generation": "g", "size": len(TEXTS)}))
    loaded = LexicalIndex.load(tmp_path, "g")
    assert loaded.search("copper exports", 2)[0][0] == "c1"


def test_analyze_equals_bm25s_on_every_line_of_the_corpus(corpus_dir):
    import bm25s

    lines = [line for path in sorted(corpus_dir.iterdir()) if path.is_file()
             for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    expected = bm25s.tokenize(lines, stopwords="en", stemmer=Stemmer.Stemmer("english"), show_progress=False,
                              return_ids=False)
    assert len(lines) > 200
    assert analyze(lines) == [" ".join(t) for t in expected]


def test_retrieval_skips_a_chunk_bm25_still_lists_but_the_store_no_longer_has(tmp_path):
    """Between an ingest by another process and the BM25 reload, BM25 may name a removed chunk: it is skipped."""
    from assistant import Assistant

    docs = tmp_path / "docs"
    docs.mkdir()
    for i, text in enumerate(TEXTS[:5]):
        (docs / f"n{i}.txt").write_text(text, encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "ix")
    a.ingest([docs])
    first = a.retrieve("silver output", k=3)
    assert len(first) == 3
    a.store.delete([first[0].chunk.id])  # behind the retriever's back: its BM25 index still has the chunk
    hits = a.retrieve("silver output", k=3)
    assert len(hits) == 3 and first[0].chunk.id not in {h.chunk.id for h in hits}

"""The BM25 side: built on bm25s directly, it must rank exactly as llama-index's BM25Retriever (its reference)."""

from __future__ import annotations

from dataclasses import replace

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
    import unicodedata

    # bm25s's tokens of the lines under NFKC ("m³" is indexed as "m3", as a question types it)
    expected = bm25s.tokenize([unicodedata.normalize("NFKC", line) for line in lines], stopwords="en",
                              stemmer=Stemmer.Stemmer("english"), show_progress=False, return_ids=False)
    assert len(lines) > 200
    assert analyze(lines) == [" ".join(t) for t in expected]


def _small_assistant(tmp_path):
    from assistant import Assistant

    docs = tmp_path / "docs"
    docs.mkdir()
    for i, text in enumerate(TEXTS[:5]):
        (docs / f"n{i}.txt").write_text(text, encoding="utf-8")
    a = Assistant(embedder="hash", index_dir=tmp_path / "ix")
    a.ingest([docs])
    return a


def test_a_damaged_or_missing_file_of_a_saved_index_makes_it_be_rebuilt(tmp_path):
    """Every file of a saved index is checked on load (size and checksum in the stamp): a damaged one means the
    whole index is rebuilt from Chroma, never used half-read."""
    LexicalIndex.from_chunks([_chunk(i, t) for i, t in enumerate(TEXTS)]).save(tmp_path, "g")
    target = tmp_path / "bm25"
    originals = {p.name: p.read_bytes() for p in target.iterdir()}
    assert LexicalIndex.load(tmp_path, "g").size == len(TEXTS)
    damages = {
        "corpus.jsonl": lambda b: b[: len(b) // 2],
        "data.csc.index.npy": lambda b: b[:64] + bytes(len(b) - 64),  # same size, garbled
    }
    for name, damage in damages.items():
        (target / name).write_bytes(damage(originals[name]))
        assert LexicalIndex.load(tmp_path, "g") is None, name
        (target / name).write_bytes(originals[name])
    (target / "corpus.jsonl").unlink()
    assert LexicalIndex.load(tmp_path, "g") is None
    (target / "corpus.jsonl").write_bytes(originals["corpus.jsonl"])
    assert LexicalIndex.load(tmp_path, "g").search("copper", 1)[0][0] == "c1"


def test_a_chunk_written_by_another_client_since_is_read_from_chroma(tmp_path):
    """The vectors find a chunk the BM25 index (a second behind) does not hold yet: it is read from Chroma."""
    a = _small_assistant(tmp_path)
    a.retrieve("silver", k=3)  # the retriever has loaded its BM25 index
    fresh = replace(_chunk(99, "Tungsten concentrate output doubled at the Boguty mine."), source=str(tmp_path / "x"))
    a.store.upsert([fresh], a.embedder.embed_documents([fresh.text]))  # behind the retriever's back
    hits = a.retrieve("Tungsten concentrate output doubled at the Boguty mine", k=5)
    assert fresh in [h.chunk for h in hits]  # only the vectors know it: without the read from Chroma it is dropped


def test_a_chunk_a_writer_removed_is_gone_once_its_generation_is_seen(tmp_path):
    """Retrieval reads a snapshot at most a second old: every writer stamps a new generation before writing, and
    the retriever reloads (here: at once, as after an ingest in the same process) when it sees one."""
    a = _small_assistant(tmp_path)
    first = a.retrieve("silver output", k=3)
    assert len(first) == 3
    a.store.new_generation()
    a.store.delete([first[0].chunk.id])
    a.retriever.refresh()
    hits = a.retrieve("silver output", k=3)
    assert len(hits) == 3 and first[0].chunk.id not in {h.chunk.id for h in hits}


def test_equal_scores_rank_the_same_whatever_order_the_store_lists_chunks():
    """Embedded Chroma, a server and a re-ingested store may list chunks in other orders; ties must not follow it."""
    texts = ["The ferry leaves the harbour at noon."] * 3 + ["A ferry timetable is posted at the pier.",
                                                          "Lighthouses guide ships at night."]
    chunks = [_chunk(i, t) for i, t in enumerate(texts)]
    forward = LexicalIndex.from_chunks(chunks)
    backward = LexicalIndex.from_chunks(chunks[::-1])
    for k in (1, 2, 4):
        ranked = forward.search("when does the ferry leave the harbour", k)
        assert ranked == backward.search("when does the ferry leave the harbour", k)
    assert [i for i, _ in forward.search("ferry harbour", 3)] == ["c0", "c1", "c2"]  # the tie, by chunk id

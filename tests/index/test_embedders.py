import numpy as np
import pytest

from assistant import Assistant
from assistant.errors import EmbedderUnavailable
from index.embedders import HashingEmbedder, make_embedder


def test_hashing_embedder_is_deterministic_normalised_and_similarity_aware():
    e = HashingEmbedder(256)
    docs = e.embed_documents(["silver production fell", "silver production declined", "football match tonight"])
    assert docs.shape == (3, 256)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert np.allclose(e.embed_query("silver production fell"), docs[0])
    assert docs[0] @ docs[1] > docs[0] @ docs[2]


def test_vectors_equal_sklearns_hashing_vectorizer_features():
    """The reference the hand-written feature hashing must match (see HashingEmbedder's docstring)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    texts = ["What was Kazakhstan’s silver output in 2024?", "a", "", "  Spaces   and\ttabs  ", "Ünïcödé 6,400 t — ok",
             "x" * 300, "Добыча цинка 60 тонн", "哈萨克斯坦 白银", "the the the silver silver", "line\n\nbreaks\r\nhere"]
    e = HashingEmbedder(256)
    common = dict(n_features=256, alternate_sign=True, norm="l2", lowercase=True)
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common).transform(texts).toarray()
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(4, 4), **common).transform(texts).toarray()
    expected = words + e.CHAR_WEIGHT * chars
    expected /= np.maximum(np.linalg.norm(expected, axis=1, keepdims=True), 1e-12)
    assert np.allclose(e.embed_documents(texts), expected, atol=1e-6)
    for text, vec in zip(texts, expected):  # one at a time (a query) as in a batch
        assert np.allclose(e.embed_query(text), vec, atol=1e-6), text


def test_hashing_embedder_travels_to_another_process_without_its_caches():
    import pickle

    e = HashingEmbedder(128)
    before = e.embed_documents(["silver output rose"])
    copy = pickle.loads(pickle.dumps(e))
    assert copy.dim == 128 and len(copy._words) == 0
    assert np.array_equal(copy.embed_documents(["silver output rose"]), before)


def test_sentence_transformer_embedder_loads_a_local_model(tiny_models):
    e = make_embedder(str(tiny_models["embedder"]))
    vecs = e.embed_documents(["silver output", "gallium"])
    assert vecs.shape == (2, 64) and e.name == "st:tiny-st:64"


def test_missing_model_fails_fast_with_a_clear_message():
    with pytest.raises(EmbedderUnavailable, match="local model directory"):
        make_embedder("no-such-org/no-such-model")


def test_ingest_and_retrieve_with_a_sentence_transformer_and_cross_encoder(tiny_models, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Peru produced 3,300 tons of silver in 2026.", encoding="utf-8")
    (docs / "b.txt").write_text("Gallium output could reach 15 tons a year.", encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "ix", embedder=str(tiny_models["embedder"]),
                  reranker=str(tiny_models["cross_encoder"]))
    assert a.ingest([docs]).chunks_added == 2
    hits = a.retrieve("How much silver did Peru produce?", k=2)
    assert len(hits) == 2 and {h.chunk.source.rsplit("/", 1)[-1] for h in hits} == {"a.txt", "b.txt"}
    assert a.store.embedder_name == "st:tiny-st:64"

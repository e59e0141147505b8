"""Ingestion against real Chroma and the real shared corpus."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.errors import EmbedderMismatch, IndexLocked
from index.locks import ingest_lock


def _all_text(a: Assistant) -> list[str]:
    return [c.text for c in a.store.all_chunks()]


def test_corpus_ingest_report_and_clean_chunks(index_dir, corpus_dir):
    a = Assistant(embedder="hash", index_dir=index_dir)
    report = a.ingest([corpus_dir])
    assert report.files_read == 5 and report.documents == 10 and not report.skipped
    assert report.chunks_added == a.store.count() > 50
    texts = _all_text(a)
    assert not any("KGS/USD" in t for t in texts)  # the ticker repeated eight times
    assert not any("Sign In" in t or "Lithium Battery Cathode Material" in t for t in texts)  # the menu
    titles = {d["title"] for d in a.stats()["document_list"]}
    assert "Tajikistan Uncovers Major Rare Earth Deposits in Rasht Valley" in titles


def test_table_rows_are_retrievable_with_header(corpus_assistant):
    hits = corpus_assistant.retrieve("China value added 2026 table", k=5)
    rows = [h.chunk for h in hits if h.chunk.kind == "table_row"]
    assert rows and rows[0].text.splitlines()[-1].startswith("| China |")
    assert "Value Added" in rows[0].header


def test_second_ingest_adds_nothing(index_dir, corpus_dir):
    a = Assistant(embedder="hash", index_dir=index_dir)
    first = a.ingest([corpus_dir])
    gen = a.store.generation
    second = a.ingest([corpus_dir])
    assert second.chunks_added == 0 and second.chunks_removed == 0
    assert second.files_unchanged == 5 and second.chunks_unchanged == first.chunks_added
    assert a.store.generation == gen  # nothing was written


def test_editing_one_file_replaces_only_its_chunks(index_dir, corpus_copy):
    a = Assistant(embedder="hash", index_dir=index_dir)
    a.ingest([corpus_copy])
    before = {c.id: c.source for c in a.store.all_chunks()}
    target = sorted(corpus_copy.iterdir())[2]
    target.write_text(target.read_text(encoding="utf-8") + "\nA brand new closing sentence about zinc.\n", encoding="utf-8")
    report = a.ingest([corpus_copy])
    after = {c.id: c.source for c in a.store.all_chunks()}
    changed = {cid for cid in set(before) ^ set(after)}
    assert changed and {before.get(c) or after.get(c) for c in changed} == {str(target.resolve())}
    assert report.files_unchanged == 4 and report.chunks_added >= 1 and report.chunks_removed >= 1
    assert any("brand new closing sentence" in t for t in _all_text(a))
    assert a.retrieve("brand new closing sentence zinc", k=1)[0].chunk.source == str(target.resolve())
    assert sorted(a.retriever.lexical().ids) == sorted(after)  # rebuilt: this run's chunks and the unchanged ones


def test_prune_removes_chunks_of_deleted_files(index_dir, corpus_copy):
    a = Assistant(embedder="hash", index_dir=index_dir)
    a.ingest([corpus_copy])
    victim = sorted(corpus_copy.iterdir())[0]
    victim.unlink()
    report = a.ingest([corpus_copy], prune=True)
    assert report.chunks_removed > 0
    assert str(victim.resolve()) not in {c.source for c in a.store.all_chunks()}


def test_bad_files_are_skipped_with_reasons_and_the_rest_goes_in(index_dir, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Copper output rose to 12 tons in 2023. It was a record.", encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (docs / "latin1.txt").write_bytes("Caf\xe9 na\xefve text about zinc prices in Montr\xe9al.".encode("latin-1"))
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (docs / "image.png").write_bytes(b"\x89PNG\r\n")
    report = Assistant(embedder="hash", index_dir=index_dir).ingest([docs, tmp_path / "missing.txt"])
    reasons = {p.rsplit("/", 1)[-1]: why for p, why in report.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["broken.pdf"].startswith("PDF could not be parsed")
    assert reasons["image.png"] == "unsupported file type .png"
    assert reasons["missing.txt"] == "does not exist"
    assert report.files_read == 2  # good.txt and the latin-1 file, decoded


def test_html_and_pdf_are_read(index_dir, tmp_path):
    from pypdf import PdfWriter

    (tmp_path / "page.html").write_text(
        "<html><head><title>t</title><script>var x=1;</script></head><body><nav>Home About</nav>"
        "<h1>Zinc report</h1><p>Zinc output reached 40 tons in 2022.</p></body></html>", encoding="utf-8")
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(tmp_path / "blank.pdf", "wb") as fh:
        writer.write(fh)
    a = Assistant(embedder="hash", index_dir=index_dir)
    report = a.ingest([tmp_path / "page.html", tmp_path / "blank.pdf"])
    assert report.files_read == 1
    assert dict(report.skipped)[str(tmp_path / "blank.pdf")] == "no text could be extracted"
    texts = _all_text(a)
    assert any("Zinc output reached 40 tons in 2022." in t for t in texts)
    assert not any("var x" in t for t in texts)


def test_opening_with_another_embedder_says_to_reindex(index_dir, tmp_path):
    (tmp_path / "a.txt").write_text("Some text about tin reserves of 286,000 tons.", encoding="utf-8")
    Assistant(embedder="hash", index_dir=index_dir).ingest([tmp_path / "a.txt"])
    with pytest.raises(EmbedderMismatch, match="re-index") as err:
        Assistant(index_dir=index_dir, embedder="hash:512").stats()
    # both commands it suggests are valid `--embedder` values
    assert "--embedder hash:512`" in str(err.value) and "--embedder hash:256`" in str(err.value)


def test_a_second_writer_gets_a_clear_error(index_dir):
    with ingest_lock(index_dir):
        with pytest.raises(IndexLocked, match="another ingest"):
            with ingest_lock(index_dir):
                pass


def test_lexical_index_is_rebuilt_when_out_of_step(index_dir, corpus_dir):
    import shutil

    a = Assistant(embedder="hash", index_dir=index_dir)
    a.ingest([corpus_dir])
    shutil.rmtree(index_dir / "bm25")
    fresh = Assistant(embedder="hash", index_dir=index_dir)
    hits = fresh.retrieve("Kazchrome flotation plant chromium", k=3)
    assert "Kazchrome" in hits[0].chunk.title
    assert (index_dir / "bm25" / "generation.json").exists()


def test_an_index_of_an_older_chunk_format_is_read_again(index_dir, tmp_path, monkeypatch):
    """Files indexed before a change to the chunks they give are read again by the next ingest (their chunks would
    lack the new fields), then count as unchanged."""
    import index.types

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "lighthouse.md").write_text("# Lighthouse log\n\nThe lamp was relit on 3 May after the storm.\n",
                                        encoding="utf-8")
    (docs / "ferry.md").write_text("# Ferry notes\n\nThe ferry runs twice a day in winter.\n", encoding="utf-8")
    a = Assistant(embedder="hash", index_dir=index_dir)
    monkeypatch.setattr(index.types, "CHUNK_FORMAT", index.types.CHUNK_FORMAT - 1)
    a.ingest([docs])
    monkeypatch.undo()
    again = a.ingest([docs])
    assert again.files_unchanged == 0 and again.files_read == 2
    assert a.ingest([docs]).files_unchanged == 2
    assert a.retrieve("When was the lamp relit?", k=1)[0].chunk.source.endswith("lighthouse.md")

from index.chunking import chunk_document
from index.documents import build_documents
from index.readers import SourceText, read_source


def test_chunks_map_to_their_source_text_exactly(corpus_dir):
    for path in sorted(corpus_dir.iterdir()):
        src = read_source(path, 10**8)
        for doc in build_documents(src):
            for chunk in chunk_document(doc):
                for i, ch in enumerate(chunk.text):
                    if ch != "\n":
                        assert src.text[chunk.source_offset(i)] == ch, (path.name, chunk.id, i)


def test_long_text_is_split_with_overlap():
    sentences = [f"Sentence number {i} talks about silver output and prices in detail." for i in range(60)]
    src = SourceText("/t/long.txt", " ".join(sentences), "h")
    chunks = [c for d in build_documents(src) for c in chunk_document(d, chunk_size=64, chunk_overlap=16)]
    assert len(chunks) > 5
    for a, b in zip(chunks, chunks[1:]):
        assert b.start < a.end  # consecutive chunks overlap
    assert chunks[0].start == 0 and chunks[-1].end == len(src.text)


def test_table_rows_become_nodes_with_title_and_header():
    text = ("Output report for the year, with prose before the table.\n"
            "📊 Output by Country\n| Country | Tons | Value |\n|---|---|---|\n| Peru | 3,300 | $8.9 B |\n| Chile | 1,200 | $3.2 B |\n"
            "After the table, more prose follows here.")
    src = SourceText("/t/table.md", text, "h")
    rows = [c for d in build_documents(src) for c in chunk_document(d) if c.kind == "table_row"]
    assert [r.text.splitlines()[-1] for r in rows] == ["| Peru | 3,300 | $8.9 B |", "| Chile | 1,200 | $3.2 B |"]
    assert all(r.table_title == "Output by Country" for r in rows)
    assert all(r.header == "| Country | Tons | Value |" for r in rows)
    peru = rows[0]
    assert text[peru.source_offset(peru.row_offset) : peru.end] == "| Peru | 3,300 | $8.9 B |"


def test_a_tables_second_header_line_is_kept_with_each_row():
    text = ("| Harbour dues | 2025 | 2024 |\n|---|---|---|\n| (In thousands of kroner) | kr | kr |\n"
            "| Mooring | 1,410 | 1,288 |\n| Pilotage | 932 | 880 |\n| (Unaudited) |  |  |\n| Cranes | 77 | 70 |\n")
    rows = [c for d in build_documents(SourceText("/t/dues.md", text, "h")) for c in chunk_document(d)
            if c.kind == "table_row"]
    by_label = {r.text.splitlines()[-1].split("|")[1].strip(): r for r in rows}
    # the rows above the first figure, not a figure-free row further down
    assert {r.subheader for r in rows} == {"| (In thousands of kroner) | kr | kr |"}
    assert by_label["Cranes"].subheader == by_label["Mooring"].subheader


def test_a_table_row_carries_the_scale_its_documents_prose_states_nearest_the_table():
    text = ("The harbour board's accounts follow. All figures are in millions of kroner.\n\n"
            "| Harbour dues | 2025 | 2024 |\n|---|---|---|\n| Mooring | 14.1 | 12.9 |\n\n"
            "Notes on the second table (in thousands of kroner):\n\n"
            "| Small craft | 2025 | 2024 |\n|---|---|---|\n| Kayak berths | 410 | 388 |\n\n"
            "| Visitors | 2025 | 2024 |\n|---|---|---|\n| Cruise calls | 31 | 27 |\n")
    rows = [c for d in build_documents(SourceText("/t/dues.md", text, "h")) for c in chunk_document(d)
            if c.kind == "table_row"]
    assert [r.document_scale for r in rows] == ["million", "thousand", "thousand"]
    plain = [c for d in build_documents(SourceText("/t/p.md", "| A | 2025 |\n|---|---|\n| B | 3 |\n", "h"))
             for c in chunk_document(d)]
    assert [c.document_scale for c in plain if c.kind == "table_row"] == [""]  # no prose states one


def test_chunk_ids_depend_on_content():
    a = chunk_document(build_documents(SourceText("/t/a.txt", "Alpha beta gamma. Delta.", "h1"))[0])
    b = chunk_document(build_documents(SourceText("/t/a.txt", "Alpha beta gamma. Delta.", "h2"))[0])
    c = chunk_document(build_documents(SourceText("/t/a.txt", "Alpha beta gamma. Epsilon.", "h3"))[0])
    assert [x.id for x in a] == [x.id for x in b]
    assert [x.id for x in a] != [x.id for x in c]


def test_word_splitter_chunks_like_the_stock_sentence_splitter(corpus_dir):
    from llama_index.core.node_parser import SentenceSplitter

    from index.chunking import _splitter
    from index.sentences import split_sentences

    stock = SentenceSplitter(chunk_size=120, chunk_overlap=24, include_metadata=False, tokenizer=str.split,
                             chunking_tokenizer_fn=split_sentences)
    texts = [doc.body.text for path in sorted(corpus_dir.iterdir())
             for doc in build_documents(read_source(path, 10**8))]
    assert len(texts) >= 10
    for text in texts:
        assert _splitter(120, 24).split_text(text) == stock.split_text(text)

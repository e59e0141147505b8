"""Property-based tests: cleaning, chunking and answering on arbitrary text never fail, and offsets always point
at the text they claim to."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.answerer import ExtractiveAnswerer
from assistant.types import Hit
from index.chunking import chunk_document
from index.embedders import make_embedder
from index.cleaning import clean_text, strip_invisible
from index.documents import build_documents
from index.readers import SourceText

LINES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["| A | B |", "| x | 1,200 | $3 B |", "Home", "Menu", "", "   ", "In 2024, 12.5 tons of tin were made.",
                     "Headline About Things Here", "• TICK/USD = 0.1 0%", "14 November 2025", "---", "title: t"]),
)
DOCS = st.lists(LINES, max_size=60).map("\n".join)
QUESTIONS = st.one_of(st.text(min_size=1, max_size=60),
                      st.sampled_from(["How much tin was made in 2024?", "Who?", "Which things?", "When?", "x"]))
_HASH = make_embedder("hash")  # the model-free embedder: these tests need one, not a good one
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(DOCS)
def test_cleaning_keeps_verbatim_runs(text):
    cleaned = clean_text(text)
    for i, ch in enumerate(cleaned.text):
        if ch != "\n":
            assert text[cleaned.to_source(i)] == ch


@SETTINGS
@given(DOCS)
def test_chunk_offsets_point_at_the_chunk_text(text):
    src = SourceText("/p/doc.md", text, "h")
    for doc in build_documents(src):
        for chunk in chunk_document(doc, chunk_size=30, chunk_overlap=5):
            for i, ch in enumerate(chunk.text):
                if ch != "\n":
                    assert text[chunk.source_offset(i)] == ch


@SETTINGS
@given(DOCS, QUESTIONS)
@example(text="0\n0\n00\n0\na", question="00")  # a sentence that ran over a dropped repeated line ("0")
def test_answers_only_quote_text_that_exists_at_their_offsets(text, question):
    src = SourceText("/p/doc.md", text, "h")
    chunks = [c for d in build_documents(src) for c in chunk_document(d, chunk_size=30, chunk_overlap=5)]
    hits = [Hit(c, 1.0, r) for r, c in enumerate(chunks[:10], start=1)]
    ans = ExtractiveAnswerer(_HASH).answer(question, hits)
    assert isinstance(ans.text, str) and ans.text
    for c in ans.citations + ans.related:  # the source's span, less the invisible characters cleaning removes
        assert strip_invisible(text[c.start : c.end]) == c.passage

from pathlib import Path

from index.dates import find_date
from index.documents import build_documents, is_title_like, split_articles
from index.readers import SourceText, read_source


def _docs(path: Path):
    return build_documents(read_source(path, 10**8))


def test_dates_in_the_forms_news_uses():
    assert find_date("date 2026-01-20 ASTANA") == "2026-01-20"
    assert find_date("Oct 31, 2025, at 8:23 pm") == "2025-10-31"
    assert find_date("14 November 2025") == "2025-11-14"
    assert find_date("no date here, only 2025") is None


def test_listing_page_yields_six_articles_with_titles(corpus_dir):
    pages = [p for p in sorted(corpus_dir.iterdir()) if len(_docs(p)) > 1]
    assert len(pages) == 1
    docs = _docs(pages[0])
    assert len(docs) == 6
    assert [d.title for d in docs] == [
        "Kazakhstan’s Kazchrome Launches Flotation Plant to Recover Chromium from Waste",
        "Kazakhstan and Germany Launch Mining and Metallurgy Consortium",
        "Kyrgyzstan Sees Growth in Mining Output Despite Fewer Licensed Operators",
        "Chinese Mining Firm Lists on AIX in Landmark Belt and Road IPO",
        "Tajikistan Uncovers Major Rare Earth Deposits in Rasht Valley",
        "Kyrgyzstan Seeks Foreign Investment in Critical Minerals Sector",
    ]
    assert {d.date for d in docs} == {"2025-11-14"}  # the page's date, stated once above the articles
    assert all(d.body.text.startswith(d.title) for d in docs)


def test_other_corpus_files_stay_single_documents_with_dates(corpus_dir):
    singles = {p.name: _docs(p) for p in corpus_dir.iterdir() if len(_docs(p)) == 1}
    assert len(singles) == 4
    dates = sorted(d[0].date or "" for d in singles.values())
    assert dates == ["", "", "2025-10-31", "2026-01-20"]


def test_front_matter_gives_title_and_date_and_is_not_content():
    text = "---\ntitle: My note\ndate: 2024-03-05\n---\nBody sentence one. Body two.\n"
    (doc,) = build_documents(SourceText("/x/note.md", text, "h"))
    assert (doc.title, doc.date) == ("My note", "2024-03-05")
    assert doc.body.text == "Body sentence one. Body two."
    assert text[doc.body.to_source(0) :].startswith("Body sentence one.")


def test_a_markdown_heading_at_the_top_is_the_title():
    text = "\n# Greyhaven lighthouse: keeper's log\n\nThe lamp was lit at dusk. Fog came in.\n\n## Repairs\n\nNone.\n"
    (doc,) = build_documents(SourceText("/x/log.md", text, "h"))
    assert doc.title == "Greyhaven lighthouse: keeper's log"


def test_a_hard_wrapped_line_of_prose_is_no_title():
    assert not is_title_like("The lamp, kept by the Oduya family since 1951, was lit early this winter. Fog came in")
    assert is_title_like("Dr. Oduya Retires After Forty Winters") and is_title_like("Lamp vs. Fog: a keeper's year")
    text = "The lamp, kept by the Oduya family since 1951, was lit early. Fog came in\nat dusk on most days.\n"
    (doc,) = build_documents(SourceText("/x/log.txt", text, "h"))
    assert doc.title == "The lamp, kept by the Oduya family since 1951, was lit early."


def test_a_document_with_section_headings_is_not_split():
    body = "This paragraph is long enough to count as a body of prose text. " * 5
    text = "\n\n".join(f"## Section {i}\n\n{body}" for i in range(4))
    assert split_articles(text) is None

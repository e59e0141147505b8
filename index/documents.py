"""From one cleaned source text to one or more documents (articles), each with a title and a date."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .cleaning import MappedText, _SENTENCE_END, clean_text
from .dates import find_date
from .readers import SourceText
from .sentences import ABBREVIATIONS

# Where a publication date is looked for: the head of a document, before the body gets going.
DATE_HEAD_CHARS = 400

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\Z)", re.S)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# a lower-case word ending a sentence that another one follows: "…busiest summer so far. Takings rose in"
_SENTENCE_THEN_MORE = re.compile(r"(?<![\w.])([a-z]{2,})[.!?]\s+[A-Z]")


@dataclass(frozen=True)
class DocumentPart:
    doc_id: str
    source: str
    title: str
    date: str | None
    body: MappedText
    file_hash: str


def is_title_like(line: str, min_words: int = 2, max_words: int = 25) -> bool:
    s = line.strip()
    words = _WORD.findall(s)
    return (
        min_words <= len(words) <= max_words
        and not s.startswith(("|", "#", "-", "*", "•"))
        and (s[:1].isupper() or s[:1].isdigit())
        and not _SENTENCE_END.search(s)
        and not s.endswith((":", ";", ","))
        and find_date(s) is None
        and not _ends_a_sentence_inside(s)
    )


def _ends_a_sentence_inside(line: str) -> bool:
    """A line of hard-wrapped prose holding a sentence's end and the next one's start is no title. Narrower than
    `sentences.sentence_spans` on purpose (a stop after a figure or a capitalised word stays in a title): judged by
    the whole sentence splitter instead, the second collection lost a cited answer (eval/REPORT.md)."""
    return any(m.group(1) not in ABBREVIATIONS for m in _SENTENCE_THEN_MORE.finditer(line))


_MARKDOWN_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>\S.*?)(?:[ \t]+#+)?[ \t]*$")


def markdown_heading(line: str) -> str:
    """The text of a Markdown heading line ("## Roof repair" → "Roof repair"), else ""."""
    m = _MARKDOWN_HEADING.match(line.rstrip("\n"))
    return m.group("text") if m else ""


def is_heading(line: str) -> bool:
    """A line that names what follows rather than saying something: a Markdown heading, or a title-like line."""
    return bool(markdown_heading(line)) or is_title_like(line)


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """`---` key: value `---` at the top of a file → (fields, number of lines it spans)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, 0
    fields = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip().lower()] = value.strip().strip("\"'")
    return fields, m.group(0).count("\n") + (0 if m.group(0).endswith("\n") else 1)


def _title_of(text: str) -> str:
    """The first Markdown heading or title-like line near the top, else the first sentence (shortened)."""
    lines = [l for l in text.splitlines() if l.strip()][:8]
    for line in lines:
        if heading := markdown_heading(line):
            return heading
        if is_title_like(line, min_words=3):
            return line.strip()
    first = re.sub(r"^\W*(date\s+)?\d{4}-\d{2}-\d{2}\s*", "", text.strip(), flags=re.I)
    first = re.sub(r"^[A-Z][A-Z ,.]+\s[–—-]+\s", "", first)  # a dateline such as "ASTANA – "
    sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0].strip()
    return sentence if len(sentence) <= 100 else sentence[:97].rsplit(" ", 1)[0] + "…"


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of blank-line separated paragraphs."""
    spans, start = [], None
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            if start is None:
                start = pos
            last_end = end
        elif start is not None:
            spans.append((start, last_end))
            start = None
        pos = end + 1
    if start is not None:
        spans.append((start, last_end))
    return spans


# A listing page holds several articles when at least this many stand-alone headlines are each followed by
# a prose body. Markdown "#" headings and one-word section names don't count: they structure one document.
MIN_ARTICLES = 3
MIN_HEADLINE_WORDS = 4
MIN_BODY_CHARS = 200


def split_articles(text: str) -> list[tuple[int, int, str]] | None:
    """(start, end, headline) per article when `text` is a page of several articles, else None."""
    paras = _paragraphs(text)
    heads = []
    for i, (a, b) in enumerate(paras[:-1]):
        chunk = text[a:b]
        nxt = text[paras[i + 1][0] : paras[i + 1][1]]
        if "\n" not in chunk and is_title_like(chunk, MIN_HEADLINE_WORDS, 25) and len(nxt) >= MIN_BODY_CHARS \
                and re.search(r"[.!?]", nxt):
            heads.append(i)
    if len(heads) < MIN_ARTICLES:
        return None
    out = []
    for n, i in enumerate(heads):
        start = paras[i][0]
        end = paras[heads[n + 1]][0] if n + 1 < len(heads) else len(text)
        out.append((start, end, text[paras[i][0] : paras[i][1]].strip()))
    return out


def _doc_id(source: str, n: int) -> str:
    return hashlib.sha1(f"{source}#{n}".encode()).hexdigest()[:16]


def build_documents(src: SourceText) -> list[DocumentPart]:
    """Clean a source text and cut it into documents (one per article on multi-article pages)."""
    front, front_lines = parse_front_matter(src.text)
    cleaned = clean_text(src.text, drop_lines=set(range(front_lines)))
    text = cleaned.text
    page_date = front.get("date") and (find_date(front["date"]) or front["date"]) or find_date(text[:DATE_HEAD_CHARS])
    articles = split_articles(text)
    if not articles:
        title = front.get("title") or _title_of(text)
        return [DocumentPart(_doc_id(src.path, 0), src.path, title, page_date, cleaned, src.file_hash)]
    parts = []
    preamble = text[: articles[0][0]]
    if re.search(r"\w[.!?](\s|$)", preamble) and len(preamble.strip()) >= MIN_BODY_CHARS:
        articles.insert(0, (0, articles[0][0], _title_of(preamble)))
    for n, (start, end, headline) in enumerate(articles):
        body = cleaned.slice(start, end)
        own_date = find_date(body.text[:DATE_HEAD_CHARS])
        parts.append(
            DocumentPart(_doc_id(src.path, n), src.path, headline, own_date or page_date, body, src.file_hash)
        )
    return parts

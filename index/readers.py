"""Read files into plain text. Each reader returns the text whose character offsets citations point into.

pypdf and BeautifulSoup are what llama-index's own file readers wrap; calling them directly keeps the
dependency set small and lets us report a precise reason when a file cannot be read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from . import types

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES


class Unreadable(Exception):
    """A file that is skipped, with the reason shown to the user."""


@dataclass(frozen=True)
class SourceText:
    path: str  # resolved path, the citation's `source`
    text: str
    file_hash: str


def file_hash(data: bytes) -> str:
    """The file's content as the index records it: its bytes, read under the current `CHUNK_FORMAT`."""
    return hashlib.sha1(f"chunk format {types.CHUNK_FORMAT}\n".encode() + data).hexdigest()


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The raw bytes of a supported, non-empty file within the size limit; else Unreadable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise Unreadable(f"unsupported file type {suffix or '(none)'}")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise Unreadable(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if not data.strip():
        raise Unreadable("empty file")
    return data


def read_source(path: Path, max_bytes: int, data: bytes | None = None) -> SourceText:
    """Read one file into text; raise Unreadable with a user-facing reason when it cannot be used."""
    suffix = path.suffix.lower()
    if data is None:
        data = read_bytes(path, max_bytes)
    if suffix in PDF_SUFFIXES:
        text = _pdf_text(data)
    else:
        text = _decode(data)
        if suffix in HTML_SUFFIXES:
            text = _html_text(text)
    if not text.strip():
        raise Unreadable("no text could be extracted")
    return SourceText(path=str(path.resolve()), text=text, file_hash=file_hash(data))


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data and any(not line.isascii() and _is_utf8(line) for line in data.splitlines()):
        return _decode_mixed(data)
    # Not UTF-8: accept a legacy encoding only when detection is confident, else skip rather than index mojibake.
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.chaos > 0.1:
        raise Unreadable("not valid UTF-8 and no text encoding could be detected")
    text = str(best)
    if _control_ratio(text) > 0.05:
        raise Unreadable("binary file (mostly control characters)")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode_mixed(data: bytes) -> str:
    """A file with UTF-8 lines and lines in a legacy encoding (text pasted together from two sources): decided per
    line — UTF-8 where a line is valid UTF-8, else the encoding detected over all the other lines; skipped when
    that is not confident (decoding the whole file as one legacy encoding made its UTF-8 lines mojibake)."""
    lines = data.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    utf8 = {line: _is_utf8(line) for line in lines}
    legacy = b"".join(line for line in lines if not utf8[line])
    seen = {ch for line in lines if utf8[line] for ch in line.decode("utf-8") if not ch.isascii()}
    candidates = [m for m in charset_normalizer.from_bytes(legacy) if m.chaos <= 0.1]
    if not candidates:
        raise Unreadable("mixes UTF-8 with lines in an encoding that could not be detected")
    # A few short lines fit several legacy encodings about as well; the file's UTF-8 lines show which letters its
    # language uses: the candidate whose letters they share most wins (then the detector's order).
    best = max(candidates, key=lambda m: len(seen & set(str(m))))
    text = "".join(line.decode("utf-8") if utf8[line] else line.decode(best.encoding, errors="replace")
                   for line in lines)
    if _control_ratio(text) > 0.05:
        raise Unreadable("binary file (mostly control characters)")
    return text


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / max(1, len(sample))


# Elements whose content is not the page's text.
_SKIPPED_ELEMENTS = frozenset({"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
                               "template", "iframe", "object"})
_VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                            "track", "wbr"})


def _html_text(html: str) -> str:
    """The text of a page, its pieces one a line (as BeautifulSoup's get_text("\n") gives them), without the
    content of `_SKIPPED_ELEMENTS`. Read as a stream of tags by the standard library's parser, with no tree: memory
    stays proportional to the text whatever the nesting (11 MB of nested tags took 776 MB as a BeautifulSoup tree)."""
    from html.parser import HTMLParser

    pieces: list[str] = []
    skipping: list[str] = []  # the open skipped elements

    class Extractor(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in _SKIPPED_ELEMENTS and tag not in _VOID_ELEMENTS:
                skipping.append(tag)

        def handle_endtag(self, tag):
            if tag in skipping:  # closes it and whatever skipped element was left open inside it
                del skipping[len(skipping) - 1 - skipping[::-1].index(tag) :]

        def handle_data(self, data):
            if not skipping:
                pieces.append(data)

    parser = Extractor(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    return "\n".join(pieces)


def _pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many exception types on malformed files
        raise Unreadable(f"PDF could not be parsed ({type(exc).__name__})") from None
    return "\n\n".join(pages)

"""Hostile documents in the page (issue 20 item 5): whatever a document holds is shown as text.

A local HTTP server stands in for a third party: documents point images, a form, an iframe, scripts and links at it.
The page is driven in headless Chromium; the server must receive no request, and nothing from a document may render
as an element.
"""

from __future__ import annotations

import http.server
import threading

import pytest

from tests.conftest import free_port
from tests.test_app import ask, launch_chromium, serve_page


class Beacon:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    def __init__(self):
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                hits.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()

            do_GET = do_POST = _record

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def beacon():
    b = Beacon()
    yield b
    b.close()


def hostile_docs(folder, port: int) -> None:
    u = f"http://127.0.0.1:{port}"
    (folder / "harbour.md").write_text(
        f"---\ntitle: Harbour rules ![t]({u}/title-md) <img src=\"{u}/title-img\">\ndate: 2025-05-05\n---\n"
        f"The Harbin marina fine for a first offence is 250 yuan ![x]({u}/leak-md) "
        f"<img src=\"{u}/leak-img\" onerror=\"fetch('{u}/onerror')\"> payable at the office.\n\n"
        f"The harbour office login form <form action=\"{u}/leak-form\"><input name=\"password\">"
        f"<button>Login</button></form> opens at 9 in the morning.\n\n"
        f"The dock crane lifted 40 tonnes <iframe src=\"{u}/leak-iframe\"></iframe> in March 2025 "
        f"<script>fetch('{u}/leak-script')</script> [click here](javascript:fetch('{u}/leak-js')).\n\n"
        f"| Boat | Mooring fee |\n|---|---|\n| Sloop <img src=\"{u}/leak-cell\"> | 90 euros a night |\n",
        encoding="utf-8")
    (folder / "gauge.txt").write_text(
        f"The river gauge at Pilsen read 3.4 metres on 2 June 2025 <img src=x onerror=\"fetch('{u}/txt-onerror')\"> "
        f"![gauge]({u}/txt-md).\n", encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory, beacon):
    base = tmp_path_factory.mktemp("hostile")
    (base / "docs").mkdir()
    hostile_docs(base / "docs", beacon.port)
    yield from serve_page(base / "docs", base / "index")


@pytest.mark.browser
def test_nothing_from_a_document_renders_or_calls_out(hostile_page, beacon, output_dir):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(hostile_page)
        answers = [
            ask(page, "What is the Harbin marina fine for a first offence?", "250 yuan"),
            # whatever the answerer makes of these, their passages (form, iframe, script, table cell) are shown
            ask(page, "When does the harbour office login form open?", ""),
            ask(page, "How much did the dock crane lift in March 2025?", ""),
            ask(page, "What is the mooring fee for a sloop?", ""),
            ask(page, "What did the river gauge at Pilsen read on 2 June 2025?", ""),
        ]
        page.get_by_text("Collection", exact=True).click()
        page.wait_for_timeout(2000)  # give any image, frame or script the time to call out
        page.screenshot(path=str(output_dir / "page-hostile.png"), full_page=True)

        shown = " ".join(page.locator(sel).inner_text() for sel in ("#chat", "#sources", "#collection"))
        markup = "".join(page.locator(sel).inner_html() for sel in ("#chat", "#sources", "#collection"))
        port = str(beacon.port)
        for sel in ("#chat", "#sources", "#collection"):
            area = page.locator(sel)
            assert area.locator("form, iframe, script, input, object, embed").count() == 0, sel
            assert area.locator(f"img[src*='{port}']").count() == 0, sel
            assert area.locator("a[href^='javascript'], [onerror]").count() == 0, sel
        assert f"<img src=\"http://127.0.0.1:{port}" not in markup
        # the document's text is there, as text
        assert f"![x](http://127.0.0.1:{port}/leak-md)" in shown
        assert "Harbour rules" in shown and f"![t](http://127.0.0.1:{port}/title-md)" in shown
        assert any("250 yuan" in a.inner_text() for a in answers)
        browser.close()
    assert beacon.hits == []


def test_a_title_and_passages_are_escaped_in_the_sources_and_collection_html(tmp_path, beacon):
    from app import collection_html, render_sources
    from assistant import Assistant

    (tmp_path / "d").mkdir()
    hostile_docs(tmp_path / "d", beacon.port)
    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    a.ingest([tmp_path / "d"])
    listing = collection_html(a)
    assert "<img" not in listing and "&lt;img" in listing
    answer = a.ask("What is the Harbin marina fine for a first offence?")
    out = render_sources(answer) + "".join(render_sources(a.ask(q)) for q in (
        "When does the harbour office login form open?", "How much did the dock crane lift in March 2025?"))
    for tag in ("<img", "<form", "<iframe", "<script", "<input"):
        assert tag not in out

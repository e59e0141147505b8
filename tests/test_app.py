"""The chat page, driven for real: a subprocess serving app.py, headless Chromium, and gradio_client."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

from app import render_sources, safe_name
from assistant.types import Answer, Citation

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update"]


def plain(content: str) -> str:
    """A chat message's text without the page's own markup (messages are escaped HTML)."""
    return html.unescape(re.sub(r"<[^>]+>", "", content))


def serve_page(docs: Path | None, index_dir: Path, *extra: str, env: dict | None = None):
    """Start app.py in a subprocess; yields its URL, stops it afterwards."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "ASSISTANT_EMBEDDER": "hash",
           **(env or {})}
    args = [sys.executable, "app.py", "--index-dir", str(index_dir), "--port", str(port), *extra]
    if docs is not None:
        args += ["--docs", str(docs)]
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("app exited:\n" + proc.stdout.read())
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("app did not start in 90 s")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory, corpus_dir):
    yield from serve_page(corpus_dir, tmp_path_factory.mktemp("app-index"))


def test_safe_name_strips_directories_and_odd_characters():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..\\..\\win.ini") == "win.ini"
    assert safe_name("my report (final).md") == "my report _final_.md"
    assert safe_name("...") == "upload"


def test_render_sources_marks_abstentions_conflicts_and_highlights_passages():
    c = Citation(1, "/d/a.txt", "Title <b>", "2025-01-02", "the passage", 10, 21, context="before the passage after")
    html = render_sources(Answer("x [1]", [c], conflict=True))
    assert "Sources disagree" in html and "<mark>the passage</mark>" in html and "Title &lt;b&gt;" in html
    assert "Not in the documents" in render_sources(Answer("no", [], abstained=True, related=[c]))


def test_gradio_client_calls_the_page_api(page_url):
    from gradio_client import Client

    client = Client(page_url, verbose=False)
    chat, sources, box = client.predict(
        "What was Kazakhstan's silver output in 2024?", [], 8, "extractive", api_name="/respond")
    assert "697.5 tons" in plain(chat[-1]["content"][0]["text"])
    assert "000_4b018e9b69cbf9ce.txt" in sources and "<mark>" in sources
    assert box == ""


@pytest.mark.browser
def test_the_page_in_chromium(page_url, tmp_path, output_dir):
    from playwright.sync_api import expect, sync_playwright

    note = tmp_path / "new-note.md"
    note.write_text("---\ntitle: Zinc note\ndate: 2026-02-01\n---\nThe Ridder plant produced 91,300 tons of zinc in 2025.\n",
                    encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                                          "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(page_url)
        box = page.locator("#question textarea")
        box.fill("What was Kazakhstan's silver output in 2024?")
        page.locator("#ask").click()
        bot = page.locator("[data-testid=bot]")
        expect(bot.last).to_contain_text("697.5 tons", timeout=30000)
        expect(page.locator("#sources")).to_contain_text("000_4b018e9b69cbf9ce.txt")
        expect(page.locator("#sources mark").first).to_contain_text("697.5 tons of refined silver")
        page.screenshot(path=str(output_dir / "page-answer.png"), full_page=True)

        box.fill("By how much did it fall?")
        page.locator("#ask").click()
        expect(bot.last).to_contain_text("understood as", timeout=30000)  # the follow-up resolved in this session

        page.get_by_text("Add documents").click()
        page.locator("#upload input[type=file]").set_input_files(str(note))
        page.locator("#add").click()
        expect(page.locator("#upload-status textarea")).to_have_value(__import__("re").compile("new-note.md: 1 new chunk\\b"), timeout=60000)
        box.fill("How much zinc did the Ridder plant produce in 2025?")
        page.locator("#ask").click()
        expect(bot.last).to_contain_text("91,300 tons", timeout=30000)
        expect(page.locator("#sources")).to_contain_text("new-note.md")
        page.screenshot(path=str(output_dir / "page-upload-answer.png"), full_page=True)
        browser.close()
    outside = [u for u in requested if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert requested and not outside  # the page calls nothing but its own server


def test_sessions_do_not_share_a_conversation(page_url):
    from gradio_client import Client

    alice, bob, carol = (Client(page_url, verbose=False) for _ in range(3))
    follow_up = "By how much did it fall?"
    fresh, _, _ = carol.predict(follow_up, [], 8, "extractive", api_name="/respond")  # no conversation before it
    chat, _, _ = alice.predict("What was Kazakhstan's silver output in 2024?", [], 8, "extractive", api_name="/respond")
    assert "697.5 tons" in plain(chat[-1]["content"][0]["text"])
    # Alice's follow-up resolves against her own question...
    chat, _, _ = alice.predict(follow_up, chat, 8, "extractive", api_name="/respond")
    assert "understood as: By how much did Kazakhstan" in plain(chat[-1]["content"][0]["text"])
    assert chat[-1] != fresh[-1]
    # ...Bob's identical words start a fresh conversation: answered exactly as with no conversation at all
    chat_b, _, _ = bob.predict(follow_up, [], 8, "extractive", api_name="/respond")
    assert len(chat_b) == 2 and chat_b == fresh


def test_uploads_are_checked_for_type_and_size_and_stored_with_safe_names(page_url, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(page_url, verbose=False)
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    empty = tmp_path / "blank.md"
    empty.write_text("", encoding="utf-8")
    good = tmp_path / "..%2F..%2Fevil note.md"
    good.write_text("Tin reserves at Qarly reached 4,321 tons in 2025.", encoding="utf-8")
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Invalid file type"):  # refused by the page before it reaches our code
        client.predict([handle_file(str(exe))], api_name="/upload")
    status, collection, _examples = client.predict([handle_file(str(empty)), handle_file(str(good))], api_name="/upload")
    assert "blank.md: empty file" in status
    assert "✓" in status and ".." not in status.split("✓")[1].split(":")[0]
    chat, sources, _ = client.predict("How much tin at Qarly in 2025?", [], 8, "extractive", api_name="/respond")
    assert "4,321 tons" in plain(chat[-1]["content"][0]["text"]) and "/uploads/" not in sources.split("·")[0]


# -- a page over documents written for the tests (a kayak maker, a water utility) ------------------------------------

KAYAKS = ("---\ntitle: Brightwater Kayaks annual note\ndate: 2025-03-01\n---\n"
          "Brightwater Kayaks reported revenue of 4.2 million euros in 2024.\n\n"
          "Brightwater Kayaks reported revenue of 3.1 million euros in 2023.\n")
WATER = ("---\ntitle: Velmora Water yearbook\ndate: 2026-01-10\n---\n"
         "The Velmora Water Authority served 53,900 customers in 2025.\n\n"
         "The Velmora Water Authority laid 845 kilometres of pipes by 2025.\n")


@pytest.fixture(scope="module")
def topic_page(tmp_path_factory):
    base = tmp_path_factory.mktemp("topic-page")
    (base / "docs").mkdir()
    (base / "docs" / "kayaks.md").write_text(KAYAKS, encoding="utf-8")
    (base / "docs" / "water.md").write_text(WATER, encoding="utf-8")
    yield from serve_page(base / "docs", base / "index")


def launch_chromium(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)


def ask(page, question: str, expected: str):
    from playwright.sync_api import expect

    n = page.locator("[data-testid=bot]").count()
    page.locator("#question textarea").fill(question)
    page.locator("#ask").click()
    bot = page.locator("[data-testid=bot]")
    expect(bot).to_have_count(n + 1, timeout=30000)
    expect(bot.nth(n)).to_contain_text(expected, timeout=30000)
    # the answer is complete (not still streaming) once its sources are listed under its turn
    expect(page.locator("#sources")).to_contain_text(f"Answer {n + 1}:", timeout=30000)
    return bot.nth(n)


def test_safe_name_keeps_the_extension_of_a_long_name():
    name = safe_name("A" * 300 + ".txt")
    assert name.endswith(".txt") and len(name) == 120
    assert safe_name("b" * 130 + ".markdown.md").endswith(".md")


def test_a_table_row_citation_is_a_small_table_with_the_answer_cell_highlighted():
    source = "| Year | Customers | Pipes (km) |\n|---|---|---|\n| 2025 | 53,900 | 845 |\n"
    row = "| 2025 | 53,900 | 845 |"
    start = source.index(row)
    value = start + row.index("53,900")
    c = Citation(1, "/d/water.md", "Water yearbook", None, row, start, start + len(row), kind="table_row",
                 header="| Year | Customers | Pipes (km) |", span_start=value, span_end=value + len("53,900"))
    out = render_sources(Answer("53,900 [1]", [c]))
    assert "<th>Year</th><th>Customers</th><th>Pipes (km)</th>" in out
    assert '<td>2025</td><td class="hit">53,900</td><td>845</td>' in out
    assert "| 2025 |" not in out  # no raw pipe text


def test_related_passages_are_shown_only_when_the_answer_carries_them():
    c = Citation(1, "/d/a.txt", "A note", None, "a passage", 0, 9)
    assert "Related passages" not in render_sources(Answer("no", [], abstained=True, related=[]))
    assert "Not in the documents" in render_sources(Answer("no", [], abstained=True, related=[]))
    assert "Related passages" in render_sources(Answer("no", [], abstained=True, related=[c]))


def test_answer_markers_link_to_their_turns_source_cards_and_a_rewrite_is_shown():
    from app import answer_html

    c = Citation(2, "/d/a.txt", "A note", None, "a passage", 0, 9)
    a = Answer("4.2 million [2] and [7] <b>x</b>", [c], question="And in 2023?",
               standalone_question="What was the revenue in 2023?")
    out = answer_html(a, 3)
    assert '<a href="#src-3-2" class="cite">[2]</a>' in out and "[7]" in out and "src-3-7" not in out
    assert "(understood as: What was the revenue in 2023?)" in out and "&lt;b&gt;x&lt;/b&gt;" in out
    assert 'id="src-3-2"' in render_sources(a, 3)
    a.standalone_question = a.question
    assert "understood" not in answer_html(a, 1)


def test_example_questions_come_from_the_loaded_collection(tmp_path):
    from app import example_questions
    from assistant import Assistant

    empty = Assistant(index_dir=tmp_path / "none", embedder="hash")
    assert example_questions(empty) == []
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "kayaks.md").write_text(KAYAKS, encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    a.ingest([tmp_path / "d"])
    assert example_questions(a) == ["What does “Brightwater Kayaks annual note” say?"]
    assert "Kazakhstan" not in (REPO / "app.py").read_text(encoding="utf-8")


def test_uploads_are_stored_by_content_so_same_names_do_not_replace_each_other(tmp_path):
    from app import add_uploads
    from assistant import Assistant

    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    alice.mkdir(), bob.mkdir()
    (alice / "notes.md").write_text("The Ostrava Crossing cost 212 million euros.", encoding="utf-8")
    (bob / "notes.md").write_text("The Harbin marina charges 250 yuan for a first offence.", encoding="utf-8")
    assert all(m.startswith("✓ notes.md") for m in add_uploads(a, [alice / "notes.md"]))
    assert all(m.startswith("✓ notes.md") for m in add_uploads(a, [bob / "notes.md"]))
    stored = sorted((tmp_path / "ix" / "uploads").rglob("notes.md"))
    assert len(stored) == 2 and stored[0].parent != stored[1].parent
    assert len(a.stats()["document_list"]) == 2  # both documents are there, each under its own name
    assert "212 million" in a.ask("How much did the Ostrava Crossing cost?").text
    assert "250 yuan" in a.ask("What does the Harbin marina charge for a first offence?").text


def test_refused_uploads_are_deleted_and_the_quota_is_enforced(tmp_path):
    from app import add_uploads
    from assistant import Assistant

    a = Assistant(index_dir=tmp_path / "ix", embedder="hash", max_uploads=2)
    (tmp_path / "u").mkdir()
    broken = tmp_path / "u" / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a pdf")
    (msg,) = add_uploads(a, [broken])
    assert msg.startswith("✗ broken.pdf")
    assert not list((tmp_path / "ix" / "uploads").rglob("*.pdf"))  # the refused file is not kept
    files = []
    for i in range(3):
        f = tmp_path / "u" / f"bridge{i}.md"
        f.write_text(f"Bridge number {i} spans {100 + i} metres.", encoding="utf-8")
        files.append(f)
    messages = add_uploads(a, files)
    assert [m[0] for m in messages] == ["✗", "✓", "✓"] and "upload quota is full" in messages[0]
    assert "ASSISTANT_MAX_UPLOADS" in messages[0]


def test_auth_comes_from_pairs_or_a_file(tmp_path):
    from app import auth_pairs
    from assistant.errors import ConfigError

    assert auth_pairs("alice:s3cret, bob:pa:ss") == [("alice", "s3cret"), ("bob", "pa:ss")]
    f = tmp_path / "users"
    f.write_text("# who may use the page\ncarol:hunter2\n\n", encoding="utf-8")
    assert auth_pairs(str(f)) == [("carol", "hunter2")]
    assert auth_pairs(None) == [] and auth_pairs("") == []
    with pytest.raises(ConfigError, match="ASSISTANT_AUTH"):
        auth_pairs("alice")


def test_the_page_refuses_a_public_address_without_auth(tmp_path):
    r = subprocess.run([sys.executable, "app.py", "--host", "0.0.0.0", "--index-dir", str(tmp_path / "ix")],
                       cwd=REPO, capture_output=True, text=True, timeout=120,
                       env={k: v for k, v in os.environ.items() if k != "ASSISTANT_AUTH"})
    assert r.returncode == 2 and "ASSISTANT_AUTH" in r.stderr and "--insecure" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "ix").exists()


def test_a_page_with_auth_turns_away_anonymous_callers(tmp_path):
    from gradio_client import Client

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "kayaks.md").write_text(KAYAKS, encoding="utf-8")
    server = serve_page(tmp_path / "d", tmp_path / "ix", env={"ASSISTANT_AUTH": "alice:s3cret"})
    url = next(server)
    try:
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("What was Brightwater Kayaks' revenue in 2024?", [], 8, "extractive",
                                               api_name="/respond")
        client = Client(url, auth=("alice", "s3cret"), verbose=False)
        chat, _, _ = client.predict("What was Brightwater Kayaks' revenue in 2024?", [], 8, "extractive",
                                    api_name="/respond")
        assert "4.2 million" in plain(chat[-1]["content"][0]["text"])
    finally:
        server.close()


@pytest.mark.browser
@pytest.mark.parametrize("how", ["trash", "new-conversation"])
def test_clearing_the_chat_forgets_the_conversation(topic_page, how):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(topic_page)
        ask(page, "What was Brightwater Kayaks' revenue in 2024?", "4.2 million")
        if how == "trash":
            page.locator("#chat").hover()
            page.locator("#chat button[aria-label='Clear']").click()
        else:
            page.locator("#new-conversation").click()
        expect(page.locator("[data-testid=bot]")).to_have_count(0, timeout=10000)
        page.locator("#question textarea").fill("And in 2023?")
        page.locator("#ask").click()
        bot = page.locator("[data-testid=bot]").last
        expect(bot).to_be_visible(timeout=30000)
        page.wait_for_timeout(1500)  # the answer streams in; let it finish
        assert "understood as" not in bot.inner_text(), bot.inner_text()
        browser.close()


@pytest.mark.browser
def test_citation_links_open_their_source_card_and_earlier_sources_stay_reachable(topic_page, output_dir):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(topic_page)
        first = ask(page, "What was Brightwater Kayaks' revenue in 2024?", "4.2 million")
        second = ask(page, "How many customers did the Velmora Water Authority serve in 2025?", "53,900")
        expect(page.locator("#sources")).to_contain_text("water.md")
        # the first answer's [1] still leads to the first answer's card, opened and scrolled into view
        first.locator("a", has_text="[1]").click()
        card = page.locator("#src-1-1")
        expect(card).to_be_visible(timeout=5000)
        expect(card).to_be_in_viewport()
        expect(card).to_contain_text("kayaks.md")
        second.locator("a", has_text="[1]").click()
        expect(page.locator("#src-2-1")).to_contain_text("water.md")
        assert page.url.rstrip("/") == topic_page.rstrip("/")  # the link stayed in the page
        page.screenshot(path=str(output_dir / "page-citation-links.png"), full_page=True)
        browser.close()


@pytest.mark.browser
def test_examples_follow_the_collection_from_empty_to_uploaded(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    note = tmp_path / "bridge.md"
    note.write_text("---\ntitle: Ostrava Crossing facts\n---\nThe Ostrava Crossing is 1.3 kilometres long.\n",
                    encoding="utf-8")
    server = serve_page(None, tmp_path / "index")
    url = next(server)
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            expect(page.locator("#question textarea")).to_be_visible(timeout=30000)
            expect(page.locator("#examples")).to_be_hidden()  # an empty collection has nothing to suggest
            page.get_by_text("Add documents").click()
            page.locator("#upload input[type=file]").set_input_files(str(note))
            page.locator("#add").click()
            expect(page.locator("#upload-status textarea")).to_have_value(re.compile("bridge.md: 1 new chunk"),
                                                                          timeout=60000)
            example = page.locator("#examples").get_by_text("What does “Ostrava Crossing facts” say?")
            expect(example).to_be_visible(timeout=10000)
            example.click()
            expect(page.locator("#question textarea")).to_have_value("What does “Ostrava Crossing facts” say?")
            browser.close()
    finally:
        server.close()

"""The chat page, driven for real: a subprocess serving app.py, headless Chromium, and gradio_client."""

from __future__ import annotations

import os
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



@pytest.fixture(scope="module")
def page_url(tmp_path_factory, corpus_dir):
    port = free_port()
    index_dir = tmp_path_factory.mktemp("app-index")
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", ASSISTANT_EMBEDDER="hash")
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--docs", str(corpus_dir), "--index-dir", str(index_dir), "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
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
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


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
    assert chat[-1]["content"][0]["text"].startswith("697.5 tons")
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
        expect(bot.last).to_contain_text("21.2%", timeout=30000)

        page.get_by_text("Add documents").click()
        page.locator("#upload input[type=file]").set_input_files(str(note))
        page.locator("#add").click()
        expect(page.locator("#upload-status textarea")).to_have_value(__import__("re").compile("new-note.md: 1 new chunks"), timeout=60000)
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
    assert chat[-1]["content"][0]["text"].startswith("697.5 tons")
    # Alice's follow-up resolves against her own question...
    chat, _, _ = alice.predict(follow_up, chat, 8, "extractive", api_name="/respond")
    assert "21.2%" in chat[-1]["content"][0]["text"] and chat[-1] != fresh[-1]
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
    status, collection = client.predict([handle_file(str(empty)), handle_file(str(good))], api_name="/upload")
    assert "blank.md: empty file" in status
    assert "✓" in status and ".." not in status.split("✓")[1].split(":")[0]
    chat, sources, _ = client.predict("How much tin at Qarly in 2025?", [], 8, "extractive", api_name="/respond")
    assert chat[-1]["content"][0]["text"].startswith("4,321 tons") and "/uploads/" not in sources.split("·")[0]

"""The chat page: `python app.py [--docs DIR] [--index-dir DIR] [--host H] [--port P]`.

Each browser session has its own conversation (gr.State); the Assistant underneath is shared and thread-safe.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import ipaddress
import os
import re
import shutil
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home, before gradio is imported
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant import (SUPPORTED_SUFFIXES, Answer, Assistant, AssistantError, Citation, ConfigError,  # noqa: E402
                       IndexNotFound, build_assistant, load_settings)

CSS = """
.answer-note {padding: 8px 12px; border-radius: 6px; margin-bottom: 8px; font-weight: 600;}
.note-abstain {background: #fff4e5; border: 1px solid #f0a040;}
.note-conflict {background: #fdecec; border: 1px solid #d9534f;}
.source {border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin-bottom: 6px;}
.source mark, .row-table td.hit {background: #ffe98a; padding: 0 2px;}
.source .meta {color: #666; font-size: 0.9em;}
.source.flash {outline: 3px solid #f0a040;}
.row-table {border-collapse: collapse; margin: 4px 0; font-size: 0.92em;}
.row-table th, .row-table td {border: 1px solid #ccc; padding: 2px 6px; text-align: left;}
.understood {color: #666; font-style: italic; font-size: 0.9em;}
"""
# [n] links in answers open and scroll to their source card (cards live in the Sources panel, keyed by turn).
# Gradio runs this function once the page has loaded (launch(js=...)): one click handler for every [n] link.
CITE_LINKS_JS = """() => {
  document.addEventListener('click', function (e) {
    var a = e.target.closest ? e.target.closest('a[href^="#src-"]') : null;
    if (!a) return;
    var card = document.getElementById(a.getAttribute('href').slice(1));
    if (!card) return;
    e.preventDefault(); e.stopPropagation();
    for (var d = card; d; d = d.parentElement) { if (d.tagName === 'DETAILS') d.open = true; }
    var own = card.querySelector('details'); if (own) own.open = true;
    card.scrollIntoView({block: 'center'});
    card.classList.add('flash'); setTimeout(function () { card.classList.remove('flash'); }, 1500);
  }, true);
}"""
CITE = re.compile(r"\[(\d+)\]")
MAX_NAME = 120


def safe_name(name: str) -> str:
    """A file name with no directory part and only safe characters (no path traversal, no hidden files), at most
    120 characters with its extension kept (the extension decides how the file is read)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]", "_", base)
    base = re.sub(r"\.{2,}", ".", base).strip(" .") or "upload"
    suffix = Path(base).suffix if len(Path(base).suffix) <= 16 else ""
    stem = base[: len(base) - len(suffix)] if suffix else base
    return (stem[: MAX_NAME - len(suffix)].rstrip(" .") or "upload") + suffix


# -- rendering: everything from a document or a model is escaped; the only markup is the app's own ------------------

def text_html(text: str) -> str:
    """Document or model text as inert HTML: escaped, line breaks kept."""
    return html.escape(text or "", quote=True).replace("\n", "<br>")


def chat_html(inner: str, cls: str) -> str:
    """A chat message body. A line starting with <div> is an HTML block to Markdown, so nothing inside it is read as
    Markdown: `![x](url)` or `[a](javascript:...)` in a document stay text. No blank line may appear inside."""
    return f'<div class="{cls}">{inner}</div>'


def question_html(question: str) -> str:
    return chat_html(text_html(question), "question")


def answer_html(answer: Answer, turn: int) -> str:
    """The answer's text with each [n] a link to its source card in this turn's sources."""
    numbers = {c.number for c in answer.citations}

    def link(m: re.Match) -> str:
        n = int(m.group(1))
        return f'<a href="#src-{turn}-{n}" class="cite">[{n}]</a>' if n in numbers else m.group(0)

    body = CITE.sub(link, text_html(answer.text))
    if answer.standalone_question and answer.standalone_question != answer.question:
        body = f'<span class="understood">(understood as: {text_html(answer.standalone_question)})</span><br>' + body
    return chat_html(body, "answer")


def render_sources(answer: Answer | None, turn: int = 1) -> str:
    if answer is None:
        return "<p>Ask a question: the passages the answer rests on appear here.</p>"
    parts = []
    if answer.abstained:
        parts.append('<div class="answer-note note-abstain">Not in the documents — nothing in the collection answers this.</div>')
    elif answer.conflict:
        parts.append('<div class="answer-note note-conflict">Sources disagree — each value is shown with its source.</div>')
    if answer.note:
        parts.append(f"<p><em>{text_html(answer.note)}</em></p>")
    for c in answer.citations:
        parts.append(_source_html(c, f"[{c.number}]", f"src-{turn}-{c.number}"))
    if answer.related:  # the answerer only attaches passages that are related; none → just the note above
        parts.append("<p><strong>Related passages (not an answer):</strong></p>")
        parts += [_source_html(c, "related") for c in answer.related]
    return "\n".join(parts)


def render_turns(turn_sources: list[tuple[str, str]]) -> str:
    """Every answer's sources, newest first and open; earlier ones folded but reachable from their [n] links."""
    if not turn_sources:
        return render_sources(None)
    blocks = []
    for t in range(len(turn_sources), 0, -1):
        question, body = turn_sources[t - 1]
        state = " open" if t == len(turn_sources) else ""
        blocks.append(f'<details class="turn" id="turn-{t}"{state}><summary><strong>Answer {t}:</strong> '
                      f'{text_html(question)}</summary>{body}</details>')
    return "\n".join(blocks)


def _source_html(c: Citation, label: str, anchor: str = "") -> str:
    if c.kind == "table_row" and c.header:
        shown = _row_table(c)
    else:
        context = c.context or c.passage
        i = context.find(c.passage)
        if i >= 0:
            shown = (text_html(context[:i]) + "<mark>" + text_html(c.passage) + "</mark>"
                     + text_html(context[i + len(c.passage):]))
        else:
            shown = "<mark>" + text_html(c.passage) + "</mark>"
        shown = f"<p>{shown}</p>"
    meta = f"{text_html(c.date or 'no date')} · {text_html(Path(c.source).name)} · chars {c.start}–{c.end}"
    ident = f' id="{anchor}"' if anchor else ""
    return (f'<div class="source"{ident}><details open><summary><strong>{text_html(label)} {text_html(c.title)}</strong>'
            f' <span class="meta">{meta}</span></summary>{shown}</details></div>')


def pipe_cells(line: str) -> list[tuple[str, int, int]]:
    """The cells of a pipe-table line with their (start, end) offsets in `line` (`\\|` is a literal bar)."""
    bars = [m.start() for m in re.finditer(r"(?<!\\)\|", line)]
    if not bars:
        return [(line.strip(), 0, len(line))]
    edges = ([-1] if line[: bars[0]].strip() else []) + bars + ([len(line)] if line[bars[-1] + 1 :].strip() else [])
    return [(line[a + 1 : b].strip(), a + 1, b) for a, b in zip(edges, edges[1:])]


def _row_table(c: Citation) -> str:
    """A table-row citation as a small table: the header and the cited row, the answer's cell highlighted."""
    head = "".join(f"<th>{text_html(cell)}</th>" for cell, _, _ in pipe_cells(c.header))
    cells = []
    for cell, a, b in pipe_cells(c.passage):
        hit = (c.span_start is not None and c.span_end is not None
               and c.start + a <= c.span_start and c.span_end <= c.start + b)
        cells.append(f'<td class="hit">{text_html(cell)}</td>' if hit else f"<td>{text_html(cell)}</td>")
    return f'<table class="row-table"><tr>{head}</tr><tr>{"".join(cells)}</tr></table>'


def collection_stats(assistant: Assistant) -> dict | AssistantError:
    """The collection's statistics (an empty one when there is no index yet), or the error that prevents them."""
    try:
        return assistant.stats()
    except IndexNotFound:
        return {"chunks": 0, "document_list": []}
    except AssistantError as exc:
        return exc


def collection_html(assistant: Assistant, stats: dict | AssistantError | None = None) -> str:
    s = collection_stats(assistant) if stats is None else stats
    if isinstance(s, AssistantError):
        return f"<p><strong>Collection unavailable:</strong> {text_html(str(s))}</p>"
    if not s["chunks"]:
        return ("<p><strong>The collection is empty.</strong> Add documents with the upload box above, "
                "or run <code>assistant ingest DIR</code> and reload this page.</p>")
    lines = [f"<p><strong>{s['documents']} documents</strong> in {s['files']} files · <strong>{s['chunks']} chunks</strong>"
             f" · embedder <code>{text_html(s['embedder'])}</code></p>"]
    if s["last_ingest"]:
        li = s["last_ingest"]
        lines.append(f"<p>Last ingest: {li['files_read']} files read, {li['chunks_added']} chunks added, "
                     f"{len(li['skipped'])} skipped, {li['seconds']:.1f} s</p>")
    items = [f"<li>{text_html(d['title'])} ({text_html(d['date'] or 'no date')}) — "
             f"<code>{text_html(Path(d['source']).name)}</code></li>" for d in s["document_list"][:200]]
    return "\n".join(lines) + "<ul>" + "".join(items) + "</ul>"


def example_questions(assistant: Assistant, n: int = 4, stats: dict | AssistantError | None = None) -> list[str]:
    """Questions about the loaded collection's own documents (by title); none for an empty collection."""
    s = collection_stats(assistant) if stats is None else stats
    if isinstance(s, AssistantError):
        return []
    docs = s["document_list"]
    titles = list(dict.fromkeys(" ".join(d["title"].split()) for d in docs if d.get("title", "").strip()))
    return [f"What does “{t[:80]}” say?" for t in titles[:n]]


# -- uploads -------------------------------------------------------------------------------------------------------

def upload_usage(upload_dir: Path) -> tuple[int, int]:
    """(files, bytes) the page has added to this collection so far."""
    files = [p for p in upload_dir.rglob("*") if p.is_file()] if upload_dir.is_dir() else []
    return len(files), sum(p.stat().st_size for p in files)


def add_uploads(assistant: Assistant, paths: list[Path], progress=None) -> list[str]:
    """Check, store and ingest uploaded files; one message per file.

    Each file is stored under its content hash (`uploads/<sha256[:16]>/<original name>`): two users' files with the
    same name are two documents, and the original name stays the document's name. A file that is refused, or that
    the ingest skips, is deleted again. A per-collection quota bounds what the page can add."""
    s = assistant.settings
    upload_dir = Path(s.index_dir) / "uploads"
    max_file, max_total = int(s.max_upload_mb * 1_000_000), int(s.max_upload_total_mb * 1_000_000)
    count, used = upload_usage(upload_dir)
    messages, accepted = [], []
    for path in paths:
        name = safe_name(path.name)
        problem = _upload_problem(path, name, max_file)
        if not problem and (count + 1 > s.max_uploads or used + path.stat().st_size > max_total):
            problem = (f"the collection's upload quota is full ({count} files, {used / 1e6:.1f} MB of "
                       f"{s.max_uploads} files / {s.max_upload_total_mb:.0f} MB; ASSISTANT_MAX_UPLOADS, "
                       "ASSISTANT_MAX_UPLOAD_TOTAL_MB)")
        if problem:
            messages.append(f"✗ {name}: {problem}")
            continue
        dest = upload_dir / _content_hash(path)[:16] / name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
            count, used = count + 1, used + dest.stat().st_size
        accepted.append(dest)
    for i, dest in enumerate(accepted):
        if progress is not None:
            progress((i, len(accepted)), desc=f"Ingesting {dest.name}")
        try:
            report = assistant.ingest([dest])
        except AssistantError as exc:
            _discard(dest)
            messages.append(f"✗ {dest.name}: {exc}")
            continue
        if report.skipped:
            _discard(dest)
            messages += [f"✗ {Path(p).name}: {why}" for p, why in report.skipped]
        else:
            chunks = "new chunk" if report.chunks_added == 1 else "new chunks"
            messages.append(f"✓ {dest.name}: {report.chunks_added} {chunks} ({report.chunks_unchanged} unchanged)")
    return messages


def _upload_problem(path: Path, name: str, max_file: int) -> str:
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"unsupported type (use {', '.join(sorted(SUPPORTED_SUFFIXES))})"
    size = path.stat().st_size
    if size == 0:
        return "empty file"
    if size > max_file:
        return f"{size / 1e6:.1f} MB is over the {max_file / 1e6:.0f} MB limit"
    return ""


def _content_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _discard(dest: Path) -> None:
    """Remove a refused upload (and its hash folder once empty)."""
    dest.unlink(missing_ok=True)
    try:
        dest.parent.rmdir()
    except OSError:
        pass


# -- access ----------------------------------------------------------------------------------------------------------

def auth_pairs(spec: str | None) -> list[tuple[str, str]]:
    """ASSISTANT_AUTH: "user:pass,user2:pass2", or the path of a file with one user:pass a line."""
    if not spec or not spec.strip():
        return []
    path = Path(spec.strip()).expanduser()
    if path.is_file():
        try:
            entries = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the ASSISTANT_AUTH file {path}: {exc}") from None
    else:
        entries = spec.split(",")
    pairs = []
    for entry in (e.strip() for e in entries):
        if not entry or entry.startswith("#"):
            continue
        user, sep, password = entry.partition(":")
        if not sep or not user.strip() or not password:
            raise ConfigError("ASSISTANT_AUTH must be user:password pairs separated by commas, or a file with one "
                              "user:password a line (an entry has no ':' or an empty part)")
        pairs.append((user.strip(), password))
    return pairs


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, auth: list, insecure: bool) -> None:
    """Serving beyond this machine without a password would let anyone read every document and upload files."""
    if not is_loopback(host) and not auth and not insecure:
        raise ConfigError(f"refusing to listen on {host} without authentication — set ASSISTANT_AUTH "
                          "(user:password pairs or a file of them), or pass --insecure to serve it open anyway")


# -- the page --------------------------------------------------------------------------------------------------------

def build_page(assistant: Assistant):
    import gradio as gr

    llm_ready = bool(assistant.settings.llm_base_url and assistant.settings.llm_model)

    def respond(message: str, chat: list, turns: list, shown: list, k: int, mode: str):
        """Stream one answer; `turns` is this session's (question, answer) history, `shown` its sources by turn."""
        chat = list(chat or [])
        turns = list(turns or [])
        shown = list(shown or [])
        message = (message or "").strip()
        if not message:
            yield chat, turns, shown, gr.update(), ""
            return
        chat.append({"role": "user", "content": question_html(message)})
        try:
            if assistant.store.count() == 0:
                raise AssistantError("the collection is empty — upload documents above or run `assistant ingest DIR`")
            final = None
            for part in assistant.stream(message, history=[tuple(t) for t in turns], k=int(k), mode=mode):
                if isinstance(part, Answer):
                    final = part
                else:  # unchecked partial text: shown as escaped text only
                    yield chat + [{"role": "assistant", "content": chat_html(text_html(part), "answer")}], \
                        turns, shown, gr.update(), ""
            turn = len(shown) + 1
            chat.append({"role": "assistant", "content": answer_html(final, turn)})
            turns.append((message, final.text))
            shown.append((message, render_sources(final, turn)))
            yield chat, turns, shown, render_turns(shown), ""
        except IndexNotFound:
            chat.append({"role": "assistant", "content": chat_html(text_html(
                "⚠️ the collection is empty — upload documents above or run `assistant ingest DIR`"), "answer")})
            yield chat, turns, shown, render_turns(shown), ""
        except AssistantError as exc:
            chat.append({"role": "assistant", "content": chat_html(text_html(f"⚠️ {exc}"), "answer")})
            yield chat, turns, shown, render_turns(shown), ""

    def examples_update(stats) -> "gr.Dataset":
        questions = example_questions(assistant, stats=stats)
        return gr.Dataset(samples=[[q] for q in questions], visible=bool(questions))

    def refresh_collection():
        """The Collection panel and the example questions, from one look at the collection."""
        stats = collection_stats(assistant)
        return collection_html(assistant, stats), examples_update(stats)

    def upload_and_refresh(files, progress=gr.Progress()):
        if not files:
            return ("No file chosen.", *refresh_collection())
        paths = [Path(f if isinstance(f, str) else f.name) for f in files]
        return ("\n".join(add_uploads(assistant, paths, progress)), *refresh_collection())

    def new_conversation():
        return [], [], [], render_sources(None)

    with gr.Blocks(title="Document assistant", analytics_enabled=False) as page:
        turns = gr.State([])
        shown = gr.State([])
        gr.Markdown("## Ask your documents\nAnswers quote the passages they rest on; numbers in [brackets] point at the sources.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=420, elem_id="chat", sanitize_html=True)
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question about the documents…", show_label=False, scale=5,
                                     elem_id="question", max_length=assistant.settings.max_question_chars)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                # Questions about the documents loaded now (none when the collection is empty); refreshed on load
                # and after each upload.
                first = example_questions(assistant)
                examples = gr.Dataset(components=[box], samples=[[q] for q in first], label="Try",
                                      elem_id="examples", visible=bool(first))
                clear = gr.Button("New conversation", size="sm", elem_id="new-conversation")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(render_sources(None), elem_id="sources")
        with gr.Accordion("Add documents", open=False):
            files = gr.File(file_count="multiple", label="Upload .txt .md .html .pdf", elem_id="upload",
                            file_types=sorted(SUPPORTED_SUFFIXES))
            add = gr.Button("Add to the collection", elem_id="add")
            status = gr.Textbox(label="Upload result", interactive=False, lines=3, elem_id="upload-status")
        with gr.Accordion("Collection", open=False):
            collection = gr.HTML(collection_html(assistant), elem_id="collection")
        with gr.Accordion("Settings", open=False):
            k = gr.Slider(1, 20, value=assistant.settings.k, step=1, label="Passages to retrieve")
            mode = gr.Radio(["extractive", "llm"], value="llm" if llm_ready and assistant.settings.answer_mode == "llm"
                            else "extractive", label="Answer mode" + ("" if llm_ready else " (LLM: set ASSISTANT_LLM_BASE_URL and ASSISTANT_LLM_MODEL)"),
                            interactive=llm_ready)

        outputs = [chatbot, turns, shown, sources, box]
        send.click(respond, [box, chatbot, turns, shown, k, mode], outputs)
        box.submit(respond, [box, chatbot, turns, shown, k, mode], outputs)
        # Both ways of clearing the chat forget the conversation behind it, so the next question starts afresh.
        clear.click(new_conversation, None, [chatbot, turns, shown, sources])
        chatbot.clear(new_conversation, None, [chatbot, turns, shown, sources])
        examples.click(lambda sample: sample[0], examples, box)
        add.click(upload_and_refresh, [files], [status, collection, examples], api_name="upload")
        page.load(refresh_collection, None, [collection, examples])
    return page


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="The document assistant's chat page.")
    ap.add_argument("--host", help="interface to listen on (ASSISTANT_HOST, default 127.0.0.1); any other than "
                                   "loopback needs ASSISTANT_AUTH or --insecure")
    ap.add_argument("--port", type=int, help="port (ASSISTANT_PORT, default 7860)")
    ap.add_argument("--index-dir", help="index directory (ASSISTANT_INDEX_DIR)")
    ap.add_argument("--chroma-url", help="Chroma server URL (ASSISTANT_CHROMA_URL)")
    ap.add_argument("--docs", help="ingest this folder at start (ASSISTANT_DOCS)")
    ap.add_argument("--insecure", action="store_true",
                    help="allow a non-loopback --host without ASSISTANT_AUTH (anyone reaching the port can read and upload)")
    args = ap.parse_args(argv)
    try:
        settings = load_settings(host=args.host, port=args.port, index_dir=args.index_dir, chroma_url=args.chroma_url,
                                 docs=args.docs)
        auth = auth_pairs(settings.auth)
        check_exposure(settings.host, auth, args.insecure)
        assistant = build_assistant(settings)
        if settings.docs:
            print(assistant.ingest([settings.docs], progress=True).summary(), flush=True)
        page = build_page(assistant)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    page.queue(default_concurrency_limit=8).launch(
        server_name=settings.host, server_port=settings.port, css=CSS, js=CITE_LINKS_JS, show_error=True,
        max_file_size=f"{int(settings.max_upload_mb)}mb", footer_links=[], auth=auth or None,
        auth_message="Sign in to ask this collection." if auth else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

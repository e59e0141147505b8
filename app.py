"""The chat page: `python app.py [--docs DIR] [--index-dir DIR] [--host H] [--port P]`.

Each browser session has its own conversation (gr.State); the Assistant underneath is shared and thread-safe.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home, before gradio is imported
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.core import Assistant, build_assistant  # noqa: E402
from assistant.errors import AssistantError  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.types import Answer, Citation  # noqa: E402
from index.readers import SUPPORTED_SUFFIXES  # noqa: E402

EXAMPLES = [
    "What was Kazakhstan's silver output in 2024?",
    "How much could ERG's annual gallium output reach?",
    "Which provinces were the main silver suppliers in October 2025?",
    "What is China's value added in the 2026 table?",
]
CSS = """
.answer-note {padding: 8px 12px; border-radius: 6px; margin-bottom: 8px; font-weight: 600;}
.note-abstain {background: #fff4e5; border: 1px solid #f0a040;}
.note-conflict {background: #fdecec; border: 1px solid #d9534f;}
.source {border: 1px solid #ddd; border-radius: 6px; padding: 6px 10px; margin-bottom: 6px;}
.source mark {background: #ffe98a; padding: 0 2px;}
.source .meta {color: #666; font-size: 0.9em;}
"""


def safe_name(name: str) -> str:
    """A file name with no directory part and only safe characters (no path traversal, no hidden files)."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]", "_", base)
    base = re.sub(r"\.{2,}", ".", base).strip(" .") or "upload"
    return base[:120]


def render_sources(answer: Answer | None) -> str:
    if answer is None:
        return "<p>Ask a question: the passages the answer rests on appear here.</p>"
    parts = []
    if answer.abstained:
        parts.append('<div class="answer-note note-abstain">Not in the documents — nothing in the collection answers this.</div>')
    elif answer.conflict:
        parts.append('<div class="answer-note note-conflict">Sources disagree — each value is shown with its source.</div>')
    if answer.note:
        parts.append(f"<p><em>{html.escape(answer.note)}</em></p>")
    for c in answer.citations:
        parts.append(_source_html(c, f"[{c.number}]"))
    if answer.related:
        parts.append("<p><strong>Related passages (not an answer):</strong></p>")
        parts += [_source_html(c, "related") for c in answer.related]
    return "\n".join(parts)


def _source_html(c: Citation, label: str) -> str:
    context = c.context or c.passage
    i = context.find(c.passage)
    if i >= 0:
        shown = (html.escape(context[:i]) + "<mark>" + html.escape(c.passage) + "</mark>"
                 + html.escape(context[i + len(c.passage):]))
    else:
        shown = "<mark>" + html.escape(c.passage) + "</mark>"
    meta = f"{html.escape(c.date or 'no date')} · {html.escape(Path(c.source).name)} · chars {c.start}–{c.end}"
    return (f'<div class="source"><details open><summary><strong>{html.escape(label)} {html.escape(c.title)}</strong>'
            f' <span class="meta">{meta}</span></summary><p>{shown}</p></details></div>')


def collection_markdown(assistant: Assistant) -> str:
    try:
        s = assistant.stats()
    except AssistantError as exc:
        return f"**Collection unavailable:** {exc}"
    if not s["chunks"]:
        return ("**The collection is empty.** Add documents with the upload box above, "
                "or run `assistant ingest DIR` and reload this page.")
    lines = [f"**{s['documents']} documents** in {s['files']} files · **{s['chunks']} chunks** · embedder `{s['embedder']}`"]
    if s["last_ingest"]:
        li = s["last_ingest"]
        lines.append(f"Last ingest: {li['files_read']} files read, {li['chunks_added']} chunks added, "
                     f"{len(li['skipped'])} skipped, {li['seconds']:.1f} s")
    lines.append("")
    lines += [f"- {d['title']} ({d['date'] or 'no date'}) — `{Path(d['source']).name}`" for d in s["document_list"][:200]]
    return "\n".join(lines)


def build_page(assistant: Assistant):
    import gradio as gr

    max_upload = int(assistant.settings.max_upload_mb * 1_000_000)
    upload_dir = Path(assistant.settings.index_dir) / "uploads"
    llm_ready = bool(assistant.settings.llm_base_url and assistant.settings.llm_model)

    def respond(message: str, chat: list, turns: list, k: int, mode: str):
        """Stream one answer; `turns` is this session's (question, answer) history."""
        chat = list(chat or [])
        turns = list(turns or [])
        message = (message or "").strip()
        if not message:
            yield chat, turns, gr.update(), ""
            return
        chat.append({"role": "user", "content": message})
        try:
            if assistant.store.count() == 0:
                raise AssistantError("the collection is empty — upload documents above or run `assistant ingest DIR`")
            final = None
            for part in assistant.stream(message, history=[tuple(t) for t in turns], k=int(k), mode=mode):
                if isinstance(part, Answer):
                    final = part
                else:
                    yield chat + [{"role": "assistant", "content": part}], turns, gr.update(), ""
            chat.append({"role": "assistant", "content": final.text})
            turns.append((message, final.text))
            yield chat, turns, render_sources(final), ""
        except AssistantError as exc:
            chat.append({"role": "assistant", "content": f"⚠️ {exc}"})
            yield chat, turns, render_sources(None), ""

    def upload(files, progress=gr.Progress()):
        if not files:
            return "No file chosen.", collection_markdown(assistant)
        upload_dir.mkdir(parents=True, exist_ok=True)
        messages, accepted = [], []
        for f in files:
            path = Path(f if isinstance(f, str) else f.name)
            name = safe_name(path.name)
            if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
                messages.append(f"✗ {name}: unsupported type (use {', '.join(sorted(SUPPORTED_SUFFIXES))})")
                continue
            size = path.stat().st_size
            if size == 0:
                messages.append(f"✗ {name}: empty file")
                continue
            if size > max_upload:
                messages.append(f"✗ {name}: {size / 1e6:.1f} MB is over the {max_upload / 1e6:.0f} MB limit")
                continue
            dest = upload_dir / name
            shutil.copyfile(path, dest)
            accepted.append(dest)
        for i, dest in enumerate(accepted):
            progress((i, len(accepted)), desc=f"Ingesting {dest.name}")
            try:
                report = assistant.ingest([dest])
            except AssistantError as exc:
                messages.append(f"✗ {dest.name}: {exc}")
                continue
            if report.skipped:
                messages += [f"✗ {Path(p).name}: {why}" for p, why in report.skipped]
            else:
                messages.append(f"✓ {dest.name}: {report.chunks_added} new chunks ({report.chunks_unchanged} unchanged)")
        return "\n".join(messages), collection_markdown(assistant)

    with gr.Blocks(title="Document assistant", analytics_enabled=False) as page:
        turns = gr.State([])
        gr.Markdown("## Ask your documents\nAnswers quote the passages they rest on; numbers in [brackets] point at the sources.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=420, elem_id="chat")
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask a question about the documents…", show_label=False, scale=5,
                                     elem_id="question", max_length=assistant.settings.max_question_chars)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                gr.Examples(EXAMPLES, inputs=box, label="Try")
                clear = gr.Button("New conversation", size="sm")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                sources = gr.HTML(render_sources(None), elem_id="sources")
        with gr.Accordion("Add documents", open=False):
            files = gr.File(file_count="multiple", label="Upload .txt .md .html .pdf", elem_id="upload",
                            file_types=sorted(SUPPORTED_SUFFIXES))
            add = gr.Button("Add to the collection", elem_id="add")
            status = gr.Textbox(label="Upload result", interactive=False, lines=3, elem_id="upload-status")
        with gr.Accordion("Collection", open=False):
            collection = gr.Markdown(collection_markdown(assistant), elem_id="collection")
        with gr.Accordion("Settings", open=False):
            k = gr.Slider(1, 20, value=assistant.settings.k, step=1, label="Passages to retrieve")
            mode = gr.Radio(["extractive", "llm"], value="llm" if llm_ready and assistant.settings.answer_mode == "llm"
                            else "extractive", label="Answer mode" + ("" if llm_ready else " (LLM: set ASSISTANT_LLM_BASE_URL and ASSISTANT_LLM_MODEL)"),
                            interactive=llm_ready)

        outputs = [chatbot, turns, sources, box]
        send.click(respond, [box, chatbot, turns, k, mode], outputs)
        box.submit(respond, [box, chatbot, turns, k, mode], outputs)
        clear.click(lambda: ([], [], render_sources(None)), None, [chatbot, turns, sources])
        add.click(upload, [files], [status, collection])
        page.load(lambda: collection_markdown(assistant), None, collection)
    return page


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="The document assistant's chat page.")
    ap.add_argument("--host", help="interface to listen on (ASSISTANT_HOST, default 127.0.0.1)")
    ap.add_argument("--port", type=int, help="port (ASSISTANT_PORT, default 7860)")
    ap.add_argument("--index-dir", help="index directory (ASSISTANT_INDEX_DIR)")
    ap.add_argument("--chroma-url", help="Chroma server URL (ASSISTANT_CHROMA_URL)")
    ap.add_argument("--docs", help="ingest this folder at start (ASSISTANT_DOCS)")
    args = ap.parse_args(argv)
    try:
        settings = load_settings(host=args.host, port=args.port, index_dir=args.index_dir, chroma_url=args.chroma_url,
                                 docs=args.docs)
        assistant = build_assistant(settings)
        if settings.docs:
            print(assistant.ingest([settings.docs], progress=True).summary(), flush=True)
        page = build_page(assistant)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    page.queue(default_concurrency_limit=8).launch(
        server_name=settings.host, server_port=settings.port, css=CSS, show_error=True,
        max_file_size=f"{int(settings.max_upload_mb)}mb", footer_links=[],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`assistant ingest | ask | chat | stats` (and `eval`, a plug-in: see `plugin_commands`): thin wrappers over the
Python API; errors become clean exits.

Everything printed that comes from a document or a model goes through `terminal_text`: a document must not be able to
retitle the terminal, move the cursor or hide text with control sequences.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from .errors import AssistantError, NothingToIngest

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ended by BEL or ESC \), and 2-char ESC x.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]")
# What is left to drop: C0 controls but tab and newline, DEL, C1 controls, and the bidi overrides that reorder text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """`text` with terminal control sequences and control characters removed (newline and tab kept)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def emit(text: str = "", file=None) -> None:
    print(terminal_text(text), file=file or sys.stdout, flush=True)


def positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more (got {n})")
    return n


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", help="index directory (ASSISTANT_INDEX_DIR; default .assistant-index)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (ASSISTANT_CHROMA_URL)")
    p.add_argument("--embedder", help="'minilm' (default: all-MiniLM-L6-v2, installed with the package), 'hash' "
                   "(model-free), or a sentence-transformers model name / local path; by default an existing index "
                   "opens with the embedder it was built with")


def _asking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print each answer as JSON (text, citations with offsets...)")
    p.add_argument("--k", type=positive_int, help="passages to retrieve, 1 or more (ASSISTANT_K; default 12)")
    p.add_argument("--mode", choices=["extractive", "llm"],
                   help="answer mode: extractive (quotes the documents) or llm (ASSISTANT_ANSWER_MODE)")


BUILTIN_COMMANDS = ("ingest", "ask", "chat", "stats")


def parser(plugins: bool = True) -> argparse.ArgumentParser:
    """The CLI's parser; `plugins=False` leaves out the plug-in commands (finding them costs ~70 ms of start-up)."""
    ap = argparse.ArgumentParser(prog="assistant", description="Question answering over your documents, with citations.")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="add or update documents in the index (creates it if needed)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (.txt .md .html .pdf)")
    p.add_argument("--prune", action="store_true", help="remove chunks of files that no longer exist")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (for scripts and logs)")
    _common(p)

    p = sub.add_parser("ask", help="answer one question from the indexed documents")
    p.add_argument("question", help="the question, in quotes")
    _asking(p)
    _common(p)

    p = sub.add_parser("chat", help="ask questions one per line, follow-ups included (Ctrl-D ends)")
    _asking(p)
    _common(p)

    p = sub.add_parser("stats", help="what the index holds")
    p.add_argument("--json", action="store_true", help="print the statistics and the document list as JSON")
    _common(p)

    for name, command in sorted(plugin_commands().items() if plugins else ()):
        p = sub.add_parser(name, help=command.HELP)
        command.add_arguments(p)
        _common(p)
    return ap


PLUGIN_GROUP = "assistant.commands"


def plugin_commands() -> dict[str, object]:
    """Commands that packages above this one add to `assistant` (`assistant eval` is `eval.runner`'s): this package
    must not import its own users, so they are found at run time, as the entry points of group `assistant.commands`
    (pyproject.toml declares `eval`'s) and the modules named in ASSISTANT_PLUGINS (comma-separated; for a checkout run
    without installing it, as PYTEST_PLUGINS does for pytest). A command module has COMMAND (its name), HELP,
    `add_arguments(parser)` and `run_from_args(args, settings)` returning the exit code."""
    from importlib import import_module
    from importlib.metadata import entry_points

    modules = [entry.load() for entry in entry_points(group=PLUGIN_GROUP)]
    modules += [import_module(name.strip()) for name in os.environ.get("ASSISTANT_PLUGINS", "").split(",")
                if name.strip()]
    return {module.COMMAND: module for module in modules}


def _settings(args):
    from .settings import load_settings

    return load_settings(
        index_dir=args.index_dir, chroma_url=args.chroma_url, embedder=args.embedder,
        answer_mode=getattr(args, "mode", None),
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    args = parser(plugins=command not in BUILTIN_COMMANDS).parse_args(argv)
    try:
        return _run(args)
    except AssistantError as exc:
        emit(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`assistant ... | head -1`): stop quietly. Point stdout at /dev/null so the
        # interpreter's final flush doesn't raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _run(args) -> int:
    from .core import build_assistant

    if args.command not in BUILTIN_COMMANDS:
        plugin = plugin_commands()[args.command]
        return plugin.run_from_args(args, _settings(args))
    if args.command == "ingest":
        _check_paths(args.paths)  # before the index is opened: a wrong path creates nothing
    assistant = build_assistant(_settings(args))
    if args.command == "ingest":
        report = assistant.ingest(args.paths, prune=args.prune, progress=not args.no_progress)
        emit(report.summary())
        if report.files_read == 0 and report.skipped:
            raise NothingToIngest("none of the files could be read (reasons above)")
        return 0
    if args.command == "stats":
        return _stats(assistant, args.json)
    if args.command == "ask":
        _ensure_index(assistant)
        emit(_format(assistant.ask(args.question, k=args.k), args.json))
        return 0
    if args.command == "chat":
        return _chat(assistant, args)
    return 1


def _check_paths(paths: list[str]) -> None:
    if not any(Path(p).exists() for p in paths):
        raise NothingToIngest(f"nothing to ingest: {', '.join(paths)} — no such file or folder")


def _stats(assistant, as_json: bool) -> int:
    stats = assistant.stats()
    if as_json:
        emit(json.dumps(stats, indent=2, ensure_ascii=False))
        return 0
    emit(f"index: {stats['index']}\nembedder: {stats['embedder']}\nfiles: {stats['files']}\n"
         f"documents: {stats['documents']}\nchunks: {stats['chunks']}")
    for d in stats["document_list"]:
        emit(f"  - {d['title']} ({d['date'] or 'no date'}) — {d['source']} [{plural(d['chunks'], 'chunk')}]")
    return 0


def _chat(assistant, args) -> int:
    """One question per line; each answer takes the conversation so far into account. EOF (Ctrl-D) ends."""
    _ensure_index(assistant)
    interactive = sys.stdin.isatty()
    if interactive:
        emit("Ask a question about your documents (Ctrl-D to end).")
    lines = _LineReader("> " if interactive else "")
    try:
        return _converse(assistant, args, lines)
    finally:
        lines.close()


def _converse(assistant, args, lines: "_LineReader") -> int:
    from .errors import BadQuestion

    interactive = sys.stdin.isatty()
    history: list[tuple[str, str]] = []
    while True:
        line = lines.next()
        if line is None:  # end of input
            if interactive:
                print()
            return 0
        if not line.strip():
            continue
        try:
            answer = assistant.ask(line, history=history, k=args.k)
        except BadQuestion as exc:  # one bad line doesn't end the conversation
            emit(f"error: {exc}", file=sys.stderr)
            continue
        history.append((line, answer.text))
        emit(_format(answer, args.json, compact=True))  # JSON: one answer a line
        if not args.json:
            emit()


class _LineReader:
    """stdin's lines for the chat loop (None at the end), with a Ctrl-C seen whichever thread receives it.

    Why not `input()`: the kernel may hand a process's SIGINT to any of its threads, and this process has several
    (the vector search pool, the model's). When a worker gets it, Python's handler only flags it for the main thread
    — which, blocked reading stdin, would not look until the next line came (seen in CI: the chat ignored Ctrl-C).
    Python also writes the signal to a wakeup file descriptor (`signal.set_wakeup_fd`, as asyncio does), so the main
    thread waits on stdin and that descriptor together. Lines are split here (not by Python's buffered stdin: lines it
    had read ahead would be invisible to `select`). On a terminal this is the terminal's own line editing, without
    readline's history."""

    def __init__(self, prompt: str):
        import codecs
        import signal

        self._prompt = prompt
        self._fd = sys.stdin.fileno()
        self._decoder = codecs.getincrementaldecoder(sys.stdin.encoding or "utf-8")(errors="replace")
        self._pending = ""
        self._ended = False
        self._wake, wake_w = os.pipe()
        for fd in (self._wake, wake_w):
            os.set_blocking(fd, False)
        self._wake_w = wake_w
        self._previous = signal.set_wakeup_fd(wake_w)

    def close(self) -> None:
        import signal

        signal.set_wakeup_fd(self._previous)
        os.close(self._wake)
        os.close(self._wake_w)

    def next(self) -> str | None:
        import select

        if self._prompt:
            print(self._prompt, end="", flush=True)
        while "\n" not in self._pending and not self._ended:
            ready, _, _ = select.select([self._fd, self._wake], [], [])
            if self._wake in ready:  # a signal came: Python raises it (KeyboardInterrupt) on returning here
                try:
                    os.read(self._wake, 512)
                except BlockingIOError:
                    pass
            if self._fd in ready:
                data = os.read(self._fd, 65536)
                self._pending += self._decoder.decode(data, final=not data)
                self._ended = not data
        if "\n" not in self._pending:  # the end, maybe after a last line with no line break
            line, self._pending = self._pending, ""
            return line or None
        line, self._pending = self._pending.split("\n", 1)
        return line.rstrip("\r")


def _format(answer, as_json: bool, compact: bool = False) -> str:
    if as_json:
        return json.dumps(answer.to_dict(), indent=None if compact else 2, ensure_ascii=False)
    return format_answer(answer)


def _ensure_index(assistant) -> None:
    from .errors import IndexNotFound

    if assistant.store.count() == 0:
        raise IndexNotFound(str(assistant.settings.chroma_url or assistant.settings.index_dir))


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def format_answer(answer) -> str:
    lines = []
    if answer.standalone_question and answer.standalone_question != answer.question:
        lines.append(f"(understood as: {answer.standalone_question})")
    lines.append(answer.text)
    if answer.note:
        lines.append(f"({answer.note})")
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            lines.append(f"[{c.number}] {c.title} ({c.date or 'no date'}) — {c.source} @{c.start}-{c.end}")
            lines.append(f"    “{c.passage}”")
    if answer.related:
        lines.append("\nRelated passages (not an answer):")
        for c in answer.related:
            lines.append(f"- {c.title} ({c.date or 'no date'}) — {c.source}: “{c.passage}”")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

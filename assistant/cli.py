"""`assistant ingest | ask | stats | eval`: thin wrappers over the Python API; errors become clean exits."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import AssistantError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", help="index directory (ASSISTANT_INDEX_DIR; default .assistant-index)")
    p.add_argument("--chroma-url", help="use a Chroma server, e.g. http://127.0.0.1:8000 (ASSISTANT_CHROMA_URL)")
    p.add_argument("--embedder", help="'minilm' (default: all-MiniLM-L6-v2, installed with the package), 'hash' "
                   "(model-free), or a sentence-transformers model name / local path; by default an existing index "
                   "opens with the embedder it was built with")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="assistant", description="Question answering over your documents, with citations.")
    sub = ap.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update documents in the index")
    p.add_argument("paths", nargs="+", help="files or folders (.txt .md .html .pdf)")
    p.add_argument("--prune", action="store_true", help="remove chunks of files that no longer exist")
    p.add_argument("--no-progress", action="store_true")
    _common(p)

    p = sub.add_parser("ask", help="answer a question from the indexed documents")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--k", type=int, help="passages to retrieve")
    p.add_argument("--mode", choices=["extractive", "llm"], help="answer mode (ASSISTANT_ANSWER_MODE)")
    _common(p)

    p = sub.add_parser("stats", help="what the index holds")
    p.add_argument("--json", action="store_true")
    _common(p)

    p = sub.add_parser("eval", help="run the question-answer evaluation set")
    from eval.runner import add_arguments

    add_arguments(p)
    _common(p)
    return ap


def _settings(args):
    from .settings import load_settings

    return load_settings(
        index_dir=args.index_dir, chroma_url=args.chroma_url, embedder=args.embedder,
        answer_mode=getattr(args, "mode", None),
    )


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(args) -> int:
    from .core import build_assistant

    if args.command == "eval":
        from eval.runner import run_from_args

        return run_from_args(args, _settings(args))
    assistant = build_assistant(_settings(args))
    if args.command == "ingest":
        report = assistant.ingest(args.paths, prune=args.prune, progress=not args.no_progress)
        print(report.summary())
        return 0
    if args.command == "stats":
        stats = assistant.stats()
        if args.json:
            print(json.dumps(stats, indent=2))
        else:
            print(f"index: {stats['index']}\nembedder: {stats['embedder']}\nfiles: {stats['files']}\n"
                  f"documents: {stats['documents']}\nchunks: {stats['chunks']}")
            for d in stats["document_list"]:
                print(f"  - {d['title']} ({d['date'] or 'no date'}) — {d['source']} [{d['chunks']} chunks]")
        return 0
    if args.command == "ask":
        _ensure_index(assistant)
        answer = assistant.ask(args.question, k=args.k)
        if args.json:
            print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        else:
            print(format_answer(answer))
        return 0
    return 1


def _ensure_index(assistant) -> None:
    from .errors import IndexNotFound

    if assistant.store.count() == 0:
        raise IndexNotFound(str(assistant.settings.chroma_url or assistant.settings.index_dir))


def format_answer(answer) -> str:
    lines = [answer.text]
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

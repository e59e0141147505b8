"""Benchmark files → documents on disk + questions with their gold answers and gold regions.

Three formats:
- SQuAD 2.0 JSON (`{"version", "data": [{"title", "paragraphs": [{"context", "qas"}]}]}`): one Markdown document
  per article (`# Title`, then the paragraphs separated by a blank line); all articles form ONE collection.
- TAT-QA JSON (a list of `{"table", "paragraphs", "questions"}`): one Markdown document per excerpt (the table as
  a pipe table, then the paragraphs in their `order`); each excerpt is its own collection.
- the project's JSONL (see eval/README.md), read by `eval.runner.load_items`.

Every question carries the [start, end) character offsets of its gold region(s) in the document it was written
into, so citations and retrieved chunks can be checked against the place the answer comes from, not only against
its words. The offsets are positions in the file's text: the files are written as UTF-8 Markdown, which the
reader passes through unchanged.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant import ConfigError

FORMATS = ("squad", "tatqa", "jsonl")


@dataclass(frozen=True)
class Region:
    """A gold region of a written document: [start, end) in the file's text."""

    start: int
    end: int

    def holds(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


@dataclass
class BenchQuestion:
    """One benchmark question, ready to ask and to score."""

    id: str
    question: str
    answers: list = field(default_factory=list)  # SQuAD: gold answer texts; TAT-QA: the `answer` field as given
    unanswerable: bool = False
    source: Path | None = None  # the document holding the gold region(s)
    regions: list[Region] = field(default_factory=list)
    group: str = ""  # SQuAD: article title; TAT-QA: excerpt uid (its collection)
    order: int = 0  # TAT-QA: position of the question within its excerpt (questions may refer to earlier ones)
    answer_type: str = ""  # TAT-QA: span | multi-span | arithmetic | count; SQuAD: answerable | unanswerable
    answer_from: str = ""  # TAT-QA: table | text | table-text
    scale: str = ""  # TAT-QA: "" | thousand | million | billion | percent
    derivation: str = ""


# ---------------------------------------------------------------------------------------------- reading files


def read_json(path: Path):
    """The parsed file, or a ConfigError naming the file and what is wrong with it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the benchmark file {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc})") from None


def detect_format(path: Path) -> str:
    """`squad`, `tatqa` or `jsonl`, from the file's shape (not its name)."""
    path = Path(path)
    try:
        head = path.read_text(encoding="utf-8").lstrip()[:1]
    except OSError as exc:
        raise ConfigError(f"cannot read the evaluation file {path}: {exc.strerror or exc}") from None
    if head == "[":
        return "tatqa"
    if head == "{":
        # a JSONL file starts with "{" too: it is JSONL when its first line is a whole object without "data"
        first = path.read_text(encoding="utf-8").lstrip().split("\n", 1)[0]
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and "data" not in obj:
            return "jsonl"
        return "squad"
    raise ConfigError(f"cannot tell the format of {path} (neither SQuAD JSON, TAT-QA JSON nor JSONL) — "
                      f"pass --format squad|tatqa|jsonl")


def _need(obj, key: str, where: str, path: Path, kind: type | tuple = object):
    """obj[key], or a ConfigError naming the file, the place and the missing/wrong field."""
    if not isinstance(obj, dict):
        raise ConfigError(f"{path}: {where} should be an object, not {type(obj).__name__}")
    if key not in obj:
        raise ConfigError(f"{path}: {where} has no {key!r} field")
    value = obj[key]
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{path}: {where}.{key} should be {names}, not {type(value).__name__}")
    return value


@dataclass
class SquadQuestion:
    id: str
    question: str
    answers: list[str]
    unanswerable: bool


@dataclass
class SquadParagraph:
    context: str
    questions: list[SquadQuestion]


@dataclass
class SquadArticle:
    title: str
    paragraphs: list[SquadParagraph]


def read_squad(path: Path) -> list[SquadArticle]:
    path = Path(path)
    root = read_json(path)
    data = _need(root, "data", "the top level", path, list)
    articles = []
    for a, art in enumerate(data):
        where = f"data[{a}]"
        title = _need(art, "title", where, path, str)
        paragraphs = []
        for p, par in enumerate(_need(art, "paragraphs", where, path, list)):
            pwhere = f"{where}.paragraphs[{p}]"
            context = _need(par, "context", pwhere, path, str)
            questions = []
            for q, qa in enumerate(_need(par, "qas", pwhere, path, list)):
                qwhere = f"{pwhere}.qas[{q}]"
                qid = str(_need(qa, "id", qwhere, path))
                text = _need(qa, "question", qwhere, path, str)
                impossible = bool(qa.get("is_impossible", False)) if isinstance(qa, dict) else False
                answers = []
                if not impossible:
                    for n, ans in enumerate(_need(qa, "answers", qwhere, path, list)):
                        answers.append(_need(ans, "text", f"{qwhere}.answers[{n}]", path, str))
                    if not answers:
                        raise ConfigError(f"{path}: {qwhere}.answers is empty but the question is not is_impossible")
                questions.append(SquadQuestion(qid, text, answers, impossible))
            paragraphs.append(SquadParagraph(context, questions))
        articles.append(SquadArticle(title, paragraphs))
    return articles


@dataclass
class TatParagraph:
    uid: str
    order: int
    text: str


@dataclass
class TatQuestion:
    uid: str
    order: int
    question: str
    answer: object  # list of spans (span, multi-span) or a number / string (arithmetic, count)
    answer_type: str
    answer_from: str
    scale: str
    rel_paragraphs: list[int]
    derivation: str


@dataclass
class TatExcerpt:
    uid: str
    table: list[list[str]]
    paragraphs: list[TatParagraph]
    questions: list[TatQuestion]


def read_tatqa(path: Path) -> list[TatExcerpt]:
    path = Path(path)
    root = read_json(path)
    if not isinstance(root, list):
        raise ConfigError(f"{path}: a TAT-QA file is a list of excerpts, not {type(root).__name__}")
    excerpts = []
    for e, ex in enumerate(root):
        where = f"[{e}]"
        table = _need(ex, "table", where, path, dict)
        uid = str(_need(table, "uid", f"{where}.table", path))
        rows = _need(table, "table", f"{where}.table", path, list)
        for r, row in enumerate(rows):
            if not isinstance(row, list):
                raise ConfigError(f"{path}: {where}.table.table[{r}] should be a list of cells")
        paragraphs = []
        for p, par in enumerate(_need(ex, "paragraphs", where, path, list)):
            pwhere = f"{where}.paragraphs[{p}]"
            paragraphs.append(TatParagraph(str(_need(par, "uid", pwhere, path)),
                                           _as_int(_need(par, "order", pwhere, path), f"{pwhere}.order", path),
                                           _need(par, "text", pwhere, path, str)))
        questions = []
        for q, qa in enumerate(_need(ex, "questions", where, path, list)):
            qwhere = f"{where}.questions[{q}]"
            questions.append(TatQuestion(
                uid=str(_need(qa, "uid", qwhere, path)),
                order=_as_int(qa.get("order", q + 1) if isinstance(qa, dict) else q + 1, f"{qwhere}.order", path),
                question=_need(qa, "question", qwhere, path, str),
                answer=_need(qa, "answer", qwhere, path, (list, str, int, float)),
                answer_type=_need(qa, "answer_type", qwhere, path, str),
                answer_from=_need(qa, "answer_from", qwhere, path, str),
                scale=_need(qa, "scale", qwhere, path, str),
                rel_paragraphs=[_as_int(x, f"{qwhere}.rel_paragraphs", path) for x in qa.get("rel_paragraphs") or []],
                derivation=str(qa.get("derivation") or ""),
            ))
        excerpts.append(TatExcerpt(uid, [[_cell_text(c) for c in row] for row in rows], paragraphs, questions))
    return excerpts


def _as_int(value, where: str, path: Path) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{path}: {where} should be a whole number, not {value!r}") from None


def _cell_text(cell) -> str:
    return "" if cell is None else str(cell)


# ------------------------------------------------------------------------------------------ writing documents


def slug(text: str, limit: int = 60) -> str:
    """A file-name-safe form of a title: letters, digits, `-` and `_` only."""
    s = re.sub(r"[^\w-]+", "_", text, flags=re.ASCII).strip("_")
    return s[:limit] or "untitled"


def write_squad_docs(articles: list[SquadArticle], out_dir: Path) -> list[BenchQuestion]:
    """One `.md` per article under out_dir; returns every question with its paragraph's offsets."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    questions = []
    for n, art in enumerate(articles, start=1):
        path = out_dir / f"{n:03d}_{slug(art.title)}.md"
        text, spans = squad_article_text(art)
        _write_if_changed(path, text)
        for par, (start, end) in zip(art.paragraphs, spans):
            for q in par.questions:
                questions.append(BenchQuestion(
                    id=q.id, question=q.question, answers=list(q.answers), unanswerable=q.unanswerable,
                    source=path, regions=[Region(start, end)], group=art.title,
                    answer_type="unanswerable" if q.unanswerable else "answerable"))
    return questions


def squad_article_text(article: SquadArticle) -> tuple[str, list[tuple[int, int]]]:
    """The article as Markdown and each paragraph's [start, end) in it."""
    parts, spans = [f"# {_one_line(article.title)}\n\n"], []
    pos = len(parts[0])
    for i, par in enumerate(article.paragraphs):
        context = par.context.strip()
        # a paragraph of SQuAD is a single paragraph: inner blank lines would split it into two documents' worth
        context = re.sub(r"\n\s*\n", "\n", context)
        spans.append((pos, pos + len(context)))
        sep = "\n\n" if i + 1 < len(article.paragraphs) else "\n"
        parts.append(context + sep)
        pos += len(context) + len(sep)
    return "".join(parts), spans


@dataclass
class TatDocument:
    """One written TAT-QA excerpt: its file, the table's region, each paragraph's region by `order`."""

    uid: str
    path: Path
    table: Region | None
    paragraphs: dict[int, Region]


def write_tatqa_docs(excerpts: list[TatExcerpt], out_dir: Path) -> tuple[list[TatDocument], list[BenchQuestion]]:
    """One `.md` per excerpt, out_dir/<uid>.md (each is its own collection); every question with the regions
    its answer comes from (the table, the paragraphs it names, or both — by `answer_from`)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    docs, questions = [], []
    for ex in excerpts:
        path = out_dir / f"{slug(ex.uid)}.md"
        text, table_region, par_regions = tatqa_excerpt_text(ex)
        _write_if_changed(path, text)
        doc = TatDocument(ex.uid, path, table_region, par_regions)
        docs.append(doc)
        for q in sorted(ex.questions, key=lambda q: q.order):
            questions.append(BenchQuestion(
                id=q.uid, question=q.question, answers=q.answer if isinstance(q.answer, list) else [q.answer],
                source=path, regions=gold_regions(doc, q.answer_from, q.rel_paragraphs), group=ex.uid,
                order=q.order, answer_type=q.answer_type, answer_from=q.answer_from, scale=q.scale,
                derivation=q.derivation))
    return docs, questions


def gold_regions(doc: TatDocument, answer_from: str, rel_paragraphs: list[int]) -> list[Region]:
    regions = []
    if "table" in answer_from and doc.table is not None:
        regions.append(doc.table)
    if "text" in answer_from:
        regions += [doc.paragraphs[o] for o in rel_paragraphs if o in doc.paragraphs]
    return regions


def tatqa_excerpt_text(ex: TatExcerpt) -> tuple[str, Region | None, dict[int, Region]]:
    """The excerpt as Markdown: the pipe table, then its paragraphs in `order`, separated by blank lines."""
    table = pipe_table(ex.table)
    parts, pos = [], 0
    table_region = None
    if table:
        table_region = Region(0, len(table))
        parts.append(table + "\n\n")
        pos = len(parts[0])
    regions = {}
    paragraphs = [p for p in sorted(ex.paragraphs, key=lambda p: p.order) if p.text.strip()]
    for i, par in enumerate(paragraphs):
        body = re.sub(r"\s*\n\s*", " ", par.text.strip())  # one paragraph stays one block
        regions[par.order] = Region(pos, pos + len(body))
        sep = "\n\n" if i + 1 < len(paragraphs) else "\n"
        parts.append(body + sep)
        pos += len(body) + len(sep)
    return "".join(parts), table_region, regions


def header_row_count(rows: list[list[str]]) -> int:
    """How many leading rows form the header: the leading rows that are mostly empty (a spanning heading such as
    "Years Ended September 30," over its columns), the first row after them, then any rows that still read as
    column labels — an empty first cell and no digit anywhere ("Cost | Gains | Losses", a units row "€m | €m").
    At least 1 when there is a row; at least one row is left for the body when the table has two or more."""
    n = 0
    while n < len(rows) and _mostly_empty(rows[n]):
        n += 1
    if n >= len(rows) - 1:
        return min(1, len(rows))
    n += 1
    while n < len(rows) - 1 and _label_row(rows[n]):
        n += 1
    return n


def _label_row(row: list[str]) -> bool:
    return not row[0].strip() and any(c.strip() for c in row) and not any(ch.isdigit() for c in row for ch in c)


def _mostly_empty(row: list[str]) -> bool:
    empty = sum(1 for c in row if not c.strip())
    return empty * 2 >= len(row)


def merge_header(rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """(one header row, body rows): the leading header rows joined column by column."""
    if not rows:
        return [], []
    width = max(len(r) for r in rows)
    padded = [list(r) + [""] * (width - len(r)) for r in rows]
    n = header_row_count(padded)
    header = [" ".join(r[c].strip() for r in padded[:n] if r[c].strip()) for c in range(width)]
    return header, padded[n:]


def pipe_table(rows: list[list[str]]) -> str:
    """A Markdown pipe table (header row, `|---|` separator, body), cells escaped; "" for an empty table."""
    header, body = merge_header(rows)
    if not header:
        return ""
    lines = [_pipe_row(header), "|" + "|".join("---" for _ in header) + "|"]
    lines += [_pipe_row(r) for r in body]
    return "\n".join(lines)


def _pipe_row(cells: list[str]) -> str:
    return "| " + " | ".join(_escape_cell(c) for c in cells) + " |"


def _escape_cell(cell: str) -> str:
    # a `|` inside a cell would end the cell; a newline would end the row
    return _one_line(cell).replace("|", r"\|")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _write_if_changed(path: Path, text: str) -> None:
    """Unchanged files keep their mtime, so re-running an eval does not re-ingest them."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8", newline="\n")

"""Input that broke or stalled ingest (issue 20 items 9-12, issue 21's ingest items): real files, real Chroma."""

from __future__ import annotations

from pathlib import Path

from assistant import Assistant

from .collection import cli


def test_a_table_with_two_identical_rows_is_ingested_with_both_rows(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ledger.md").write_text(
        "# Bakery ledger\n\nThe spring accounts of the village bakery.\n\n"
        "| Item | Spring | Summer |\n|---|---|---|\n| Rye loaves | 40 | 52 |\n| Total | 5 | 4 |\n| Total | 5 | 4 |\n",
        encoding="utf-8")
    (docs / "other.txt").write_text("The bakery opened a second oven in 2019.", encoding="utf-8")
    r = cli("ingest", str(docs), "--index-dir", str(tmp_path / "ix"), "--no-progress")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    rows = [c for c in a.store.all_chunks() if c.kind == "table_row"]
    assert sorted(c.text.rsplit("\n", 1)[-1] for c in rows) == ["| Rye loaves | 40 | 52 |", "| Total | 5 | 4 |",
                                                                 "| Total | 5 | 4 |"]
    assert len({c.id for c in rows}) == 3 and len({c.start for c in rows}) == 1  # one table: same title, own ids
    assert a.ingest([docs]).chunks_added == 0  # ids are stable from one ingest to the next
    assert any("second oven" in c.text for c in a.store.all_chunks())


def test_an_ingest_of_nothing_that_exists_reports_that_nothing_was_read(tmp_path):
    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    report = a.ingest([tmp_path / "missing"])
    assert report.nothing_read and report.skipped == [(str(tmp_path / "missing"), "does not exist")]
    (tmp_path / "note.txt").write_text("The bakery sold 12 pies.", encoding="utf-8")
    assert not a.ingest([tmp_path / "missing", tmp_path / "note.txt"]).nothing_read


def test_a_collection_of_only_stop_words_and_single_letters_ingests_and_answers(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("It is.", encoding="utf-8")
    (docs / "b.txt").write_text("x", encoding="utf-8")
    ix = str(tmp_path / "ix")
    r = cli("ingest", str(docs), "--index-dir", ix, "--no-progress")
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    for question in ("What is it?", "x", "How many pies were sold?"):
        asked = cli("ask", question, "--index-dir", ix)
        assert asked.returncode == 0 and "Traceback" not in asked.stderr, asked.stderr
        assert asked.stdout.strip()
    (docs / "c.txt").write_text("The bakery sold 12 pies in 2020.", encoding="utf-8")  # a real one joins later
    assert cli("ingest", str(docs), "--index-dir", ix, "--no-progress").returncode == 0
    assert "12 pies" in cli("ask", "How many pies did the bakery sell in 2020?", "--index-dir", ix).stdout


def test_invisible_characters_are_removed_at_ingest_and_citations_still_point_at_the_source(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    text = ("Workshop catalogue\n\nThe zero\u200bwidth gadget costs 45 pounds at the\u00ad village workshop.\n"
            "The \u202ereversed\u202c clock was repaired in 2019.\x07\n")
    (docs / "catalogue.txt").write_text(text, encoding="utf-8")
    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    a.ingest([docs])
    chunks = list(a.store.all_chunks())
    assert any("zerowidth gadget costs 45 pounds at the village" in c.text for c in chunks)
    assert not any(ch in c.text for c in chunks for ch in "\u200b\u00ad\u202e\u202c\x07")
    for c in chunks:  # every character of a chunk is the source character it maps to
        assert all(text[c.source_offset(i)] == ch for i, ch in enumerate(c.text) if ch != "\n")
    ans = a.ask("How much is the zerowidth gadget?")
    assert "45" in ans.text and ans.citations


def test_a_file_mixing_utf8_and_latin1_lines_is_decoded_line_by_line(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    data = ("Café crème prices rose in the spring of 2020 at the bakery.\n".encode("utf-8")
            + "Le gâteau coûtait 4 euros à la boulangerie française, déjà très cher.\n".encode("latin-1")
            + "Naïve béchamel is served daily.\n".encode("utf-8"))
    (docs / "mixed.txt").write_bytes(data)
    a = Assistant(index_dir=tmp_path / "ix", embedder="hash")
    report = a.ingest([docs])
    assert report.files_read == 1 and not report.skipped
    text = " ".join(c.text for c in a.store.all_chunks())
    assert "Café crème" in text and "gâteau coûtait" in text and "française, déjà très" in text
    assert "Ã" not in text and "\ufffd" not in text


MEASURE = """
import resource, sys
from pathlib import Path
from assistant import Assistant
a = Assistant(index_dir=Path(sys.argv[1]), embedder="hash")
report = a.ingest([Path(sys.argv[2])])
longest = max(len(c.text) for c in a.store.all_chunks())
print(report.files_read, report.chunks_added, longest, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _ingest_measured(ix: Path, path: Path) -> tuple[int, int, int, int]:
    """(files read, chunks, longest chunk in characters, peak memory in MB) of ingesting `path` in a new process."""
    import subprocess
    import sys

    from .collection import REPO

    r = subprocess.run([sys.executable, "-c", MEASURE, str(ix), str(path)], cwd=REPO, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    return tuple(map(int, r.stdout.split()))


def test_memory_and_chunk_size_stay_bounded_on_pathological_files(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("The orchard picked 40 crates of pears in 2020.", encoding="utf-8")
    *_, baseline = _ingest_measured(tmp_path / "ix0", small)

    nested = tmp_path / "nested.html"  # ~11 MB of nesting, some text deep inside
    nested.write_text("<div>" * 1_000_000 + "<p>The orchard picked 40 crates of pears in 2020.</p>"
                      + "</div>" * 1_000_000, encoding="utf-8")
    files, chunks, longest, peak = _ingest_measured(tmp_path / "ix1", nested)
    assert files == 1 and chunks >= 1 and peak < baseline + 250, (peak, baseline)

    token = tmp_path / "token.txt"  # one 19 MB "word", then a sentence
    with open(token, "w", encoding="utf-8") as fh:
        fh.write("Q" * 19_000_000 + "\nThe orchard picked 40 crates of pears in 2020.\n")
    files, chunks, longest, peak = _ingest_measured(tmp_path / "ix2", token)
    assert files == 1 and longest <= 4000 and chunks >= 19_000
    assert peak < baseline + 500, (peak, baseline)  # was ~1,200 MB over it

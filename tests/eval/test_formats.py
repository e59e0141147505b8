"""The benchmark readers and document builders on small hand-made files."""

import json
import shutil
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from eval import formats

DATA = Path(__file__).parent / "data"
SQUAD = DATA / "tiny_squad.json"
TATQA = DATA / "tiny_tatqa.json"


def test_format_is_detected_from_the_content_not_the_name(tmp_path):
    for src, kind in [(SQUAD, "squad"), (TATQA, "tatqa")]:
        copy = tmp_path / f"renamed-{kind}.txt"
        shutil.copy(src, copy)
        assert formats.detect_format(copy) == kind
    jsonl = tmp_path / "set.json"
    jsonl.write_text('{"id": "a", "question": "q"}\n{"id": "b", "question": "r"}\n', encoding="utf-8")
    assert formats.detect_format(jsonl) == "jsonl"
    (tmp_path / "odd.txt").write_text("id,question\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="--format"):
        formats.detect_format(tmp_path / "odd.txt")


def test_squad_article_becomes_one_markdown_document_with_paragraph_offsets(tmp_path):
    articles = formats.read_squad(SQUAD)
    questions = formats.write_squad_docs(articles, tmp_path)
    files = list(tmp_path.glob("*.md"))
    assert len(files) == 1
    text = files[0].read_text(encoding="utf-8")
    assert text.startswith("# Harbour Lighthouse\n\nThe Harbour Lighthouse was built in 1874")
    assert "out to sea.\n\nThe lighthouse was automated" in text
    assert [q.id for q in questions] == ["lh1", "lh2", "lh3", "lh4"]
    first, third, impossible = questions[0], questions[2], questions[3]
    assert first.answers == ["Margaret Doyle", "the engineer Margaret Doyle"] and not first.unanswerable
    r1, r2 = first.regions[0], third.regions[0]
    assert text[r1.start:r1.end] == articles[0].paragraphs[0].context
    assert text[r2.start:r2.end] == articles[0].paragraphs[1].context
    assert impossible.unanswerable and impossible.answers == [] and impossible.answer_type == "unanswerable"
    assert first.source == files[0] and first.group == "Harbour Lighthouse"


def test_tatqa_excerpt_becomes_a_pipe_table_then_its_paragraphs_in_order(tmp_path):
    docs, questions = formats.write_tatqa_docs(formats.read_tatqa(TATQA), tmp_path)
    assert len(docs) == 1 and docs[0].path == tmp_path / "bike-share-2020.md"
    text = docs[0].path.read_text(encoding="utf-8")
    lines = text.splitlines()
    # the two leading header rows merged column by column; the empty corner cell stays empty
    assert lines[0] == "|  | Year ended June 30, 2020 | 2019 |"
    assert lines[1] == "|---|---|---|"
    assert lines[2] == "| Rides (thousands) | 1,240 | 980 |"
    assert lines[3] == r"| Bikes \| e-bikes | 900 | 610 |"
    assert lines[6] == "| Stations | 85 | 72 |"
    assert lines[7] == "" and lines[8].startswith("The scheme is run by") and lines[10].startswith("Revenue rose")
    doc = docs[0]
    assert text[doc.table.start:doc.table.end].endswith("| Stations | 85 | 72 |")
    assert text[doc.paragraphs[1].start:doc.paragraphs[1].end].startswith("The scheme is run by Velo City Ltd")
    by_id = {q.id: q for q in questions}
    assert by_id["t1"].regions == [doc.paragraphs[1]]
    assert by_id["t3"].regions == [doc.table]
    assert by_id["t4"].regions == [doc.table, doc.paragraphs[2]]  # table-text: the table and the named paragraph
    assert by_id["t2"].answers == ["Lisbon", "Porto"] and by_id["t2"].answer_type == "multi-span"
    assert by_id["t4"].answers == [13] and by_id["t5"].scale == "percent"


def test_header_rows_merge_only_while_the_leading_rows_are_mostly_empty():
    single = [["", "2019", "2018"], ["Revenue", "5", "4"]]
    assert formats.merge_header(single) == (["", "2019", "2018"], [["Revenue", "5", "4"]])
    three = [["", "Domestic", "", "Abroad", ""], ["", "Sept 30,", "", "Sept 30,", ""],
             ["", "2019", "2018", "2019", "2018"], ["Rate", "4%", "3%", "2%", "1%"]]
    header, body = formats.merge_header(three)
    assert header == ["", "Domestic Sept 30, 2019", "2018", "Abroad Sept 30, 2019", "2018"] and len(body) == 1
    labels = [["", "", "As of December 31, 2019", "", ""], ["", "Amortized", "Unrealized", "Unrealized", "Fair"],
              ["", "Cost", "Gains", "Losses", "Value"], ["Bonds", "$129,499", "$—", "$3,433", "$126,066"],
              ["", "1,000", "", "", "1,000"]]
    header, body = formats.merge_header(labels)
    assert header == ["", "Amortized Cost", "As of December 31, 2019 Unrealized Gains", "Unrealized Losses",
                      "Fair Value"]
    assert body == labels[3:]  # a row with figures stays a body row, label or not
    units = [["", "2019", "2018"], ["", "€m", "€m"], ["Revenue", "5", "4"]]
    assert formats.merge_header(units) == (["", "2019 €m", "2018 €m"], [["Revenue", "5", "4"]])
    ragged = [["Item", "2019"], ["Rent", "3", "extra"]]
    assert formats.merge_header(ragged) == (["Item", "2019", ""], [["Rent", "3", "extra"]])


def test_rewriting_unchanged_documents_keeps_them_untouched(tmp_path):
    formats.write_squad_docs(formats.read_squad(SQUAD), tmp_path)
    path = next(tmp_path.glob("*.md"))
    before = path.stat().st_mtime_ns
    formats.write_squad_docs(formats.read_squad(SQUAD), tmp_path)
    assert path.stat().st_mtime_ns == before


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("data"), "has no 'data' field"),
    (lambda d: d["data"][0]["paragraphs"][1].pop("context"), r"data\[0\]\.paragraphs\[1\] has no 'context' field"),
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][1].pop("question"),
     r"data\[0\]\.paragraphs\[0\]\.qas\[1\] has no 'question' field"),
    (lambda d: d["data"][0]["paragraphs"][0]["qas"][0]["answers"][0].pop("text"), r"answers\[0\] has no 'text'"),
])
def test_a_broken_squad_file_names_the_file_and_the_field(tmp_path, mutate, message):
    data = json.loads(SQUAD.read_text(encoding="utf-8"))
    mutate(data)
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        formats.read_squad(bad)
    assert str(bad) in str(err.value)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d[0]["table"].pop("uid"), r"\[0\]\.table has no 'uid' field"),
    (lambda d: d[0]["questions"][2].pop("answer_type"), r"\[0\]\.questions\[2\] has no 'answer_type' field"),
    (lambda d: d[0]["paragraphs"][0].update(order="second"), r"\[0\]\.paragraphs\[0\]\.order should be a whole number"),
])
def test_a_broken_tatqa_file_names_the_file_and_the_field(tmp_path, mutate, message):
    data = json.loads(TATQA.read_text(encoding="utf-8"))
    mutate(data)
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        formats.read_tatqa(bad)
    assert str(bad) in str(err.value)


def test_malformed_json_is_a_clean_error(tmp_path):
    bad = tmp_path / "cut.json"
    bad.write_text(SQUAD.read_text(encoding="utf-8")[:200], encoding="utf-8")
    with pytest.raises(ConfigError, match="cut.json is not valid JSON"):
        formats.read_squad(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        formats.read_tatqa(tmp_path / "missing.json")

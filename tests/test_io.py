"""The one reader: the same files, folders, globs and stdin for every command, a mode where they differ."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.evaluation import EvalError, load_gold, load_predictions
from reportkit.io import Draft, Report, read_drafts, read_inputs, read_records
from reportkit.models import ErrorRecord

runner = CliRunner()


def test_drafts_are_read_exactly_as_stored(tmp_path):
    (tmp_path / "crlf.txt").write_bytes(b"\xef\xbb\xbfFINDINGS: Chondrocalcinosis.\r\nIMPRESSION: Chondrocalcinosis.\r\n")
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "batch.jsonl").write_text('{"id": "a", "text": "Phleboliths."}\n')  # not a draft suffix
    drafts = list(read_drafts([str(tmp_path), str(tmp_path / "batch.jsonl")]))
    assert drafts[0] == Draft(str(tmp_path / "crlf.txt"),
                              "\ufeffFINDINGS: Chondrocalcinosis.\r\nIMPRESSION: Chondrocalcinosis.\r\n")
    assert drafts[1] == Draft(str(tmp_path / "empty.md"), "")  # an empty draft is still linted
    assert drafts[2].text == '{"id": "a", "text": "Phleboliths."}\n'  # named explicitly: one draft, not split
    assert len(drafts) == 3


def test_reports_drop_the_bom_split_jsonl_and_reject_empty_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfFINDINGS: Phleboliths.\r\n")
    (tmp_path / "b.txt").write_text(" \n")
    (tmp_path / "c.jsonl").write_text('{"id": "x", "text": "One."}\n\n{"id": "y", "text": "Two."}\n')
    items = list(read_inputs([str(tmp_path)]))
    assert items[0] == Report("a", "FINDINGS: Phleboliths.\r\n", str(tmp_path / "a.txt"))
    assert isinstance(items[1], ErrorRecord) and items[1].error == "empty file: no report text"
    assert [(r.id, r.line) for r in items[2:]] == [("x", 1), ("y", 3)]


def test_stdin_is_jsonl_for_reports_but_one_draft_for_lint():
    data = '{"id": "s1", "text": "Phleboliths."}\n'
    (report,) = read_inputs(["-"], stdin=data.encode())
    assert (report.id, report.text, report.source, report.line) == ("s1", "Phleboliths.", "-", 1)
    assert list(read_drafts(["-"], stdin_text=data)) == [Draft("-", data)]


def test_unreadable_drafts_are_error_items_naming_the_file(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Calcification pr\xe8s du tendon".encode("latin-1"))
    items = list(read_drafts([str(tmp_path / "latin1.txt"), str(tmp_path / "missing.txt")]))
    assert [type(i) for i in items] == [ErrorRecord, ErrorRecord]
    assert items[0].error.startswith("not UTF-8 text (byte 16")
    assert items[1].source.endswith("missing.txt") and "no such file" in items[1].error
    result = runner.invoke(app, ["lint", str(tmp_path / "latin1.txt")])
    assert result.exit_code == 2 and "latin1.txt: not UTF-8 text" in result.stderr


def test_records_name_the_bad_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a"}\n["not", "an", "object"]\n{"id": \n')
    items = list(read_records(path))
    assert items[0].data == {"id": "a"} and items[0].line == 1  # a BOM is not a JSON error
    assert [(i.line, i.error.split(":")[0]) for i in items[1:]] == [
        (2, "a JSONL record must be an object with id and text"), (3, "not valid JSON")]


def test_evaluation_reads_through_the_one_reader(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "a", "text": "Phleboliths.", "gold": {"mentions": []}}) + "\n"
                    + json.dumps({"id": "b", "text": "No gold."}) + "\n")
    with pytest.raises(EvalError, match=r"gold.jsonl:2: record lacks id, text or gold"):
        load_gold(gold)
    pred = tmp_path / "pred.jsonl"
    pred.write_text('"a string is not a record"\n')
    with pytest.raises(EvalError, match=r"pred.jsonl:1: a JSONL record must be an object"):
        load_predictions(pred)
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(EvalError, match="empty file"):
        load_gold(tmp_path / "empty.jsonl")
    result = runner.invoke(app, ["eval", str(gold), "--pred", str(pred)])
    assert result.exit_code == 2 and result.stderr.startswith("error: ")

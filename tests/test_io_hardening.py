"""Inputs and outputs under hostile use (issue 10, items 7-17): each test failed before its fix."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading

import pytest
from typer.testing import CliRunner

from reportkit.cli import app

runner = CliRunner()
TENDON = "FINDINGS: Calcific tendinitis of the supraspinatus tendon.\n"
PELVIS = "FINDINGS: Phleboliths in the pelvis.\n"


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr


def jsonl(*items: dict) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


# 7 -------------------------------------------------------------------------------------------


def test_an_output_that_is_an_input_is_refused_even_through_a_symlink(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(jsonl({"id": "a", "text": TENDON}))
    before = batch.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(batch)
    for output in (batch, link):
        result = runner.invoke(app, ["extract", str(batch), "-o", str(output)])
        assert result.exit_code == 2 and "is also an input" in result.stderr
        assert batch.read_bytes() == before
    # a folder input protects the files it contributes
    result = runner.invoke(app, ["extract", str(tmp_path), "-o", str(batch)])
    assert result.exit_code == 2 and batch.read_bytes() == before


def test_an_interrupted_extract_leaves_the_previous_output_whole(tmp_path, monkeypatch):
    import reportkit.io

    def explode(inputs, **_):
        yield next(iter(inputs))
        raise KeyboardInterrupt

    (tmp_path / "a.txt").write_text(TENDON)
    out = tmp_path / "out.jsonl"
    out.write_text("earlier results\n")
    monkeypatch.setattr(reportkit.io, "extract_inputs", explode)
    runner.invoke(app, ["extract", str(tmp_path / "a.txt"), "-o", str(out)])
    assert out.read_text() == "earlier results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "out.jsonl"]  # no temporary left behind


# 8 -------------------------------------------------------------------------------------------


def test_report_file_names_are_safe_unique_and_renames_are_noted(tmp_path):
    ids = ["a b", "a_b", "../../etc/evil", "dup", "dup", "R1", "r1", ".hidden"]
    batch = tmp_path / "in" / "batch.jsonl"
    batch.parent.mkdir()
    batch.write_text(jsonl(*({"id": i, "text": PELVIS} for i in ids)))
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", str(batch), "-f", "md", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert len({name.casefold() for name in written}) == len(ids)  # nothing overwritten, even case-folded
    assert not any(name.startswith(".") for name in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]  # nothing escaped the folder
    assert "a_b-2.md" in written and "dup-2.md" in written
    assert result.stderr.count("note: ") == 3  # a_b, dup, r1


def test_report_never_writes_over_its_own_input(tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(TENDON)
    result = runner.invoke(app, ["report", str(source), "-f", "text", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert source.read_text() == TENDON
    assert "Calcific tendinitis" in (tmp_path / "a-2.txt").read_text()


# 9 -------------------------------------------------------------------------------------------

LONG = "FINDINGS: " + "The soft tissues are normal. " * 38_000  # about 1.1 million characters


def test_a_report_over_a_million_characters_is_processed_in_every_command(tmp_path):
    assert len(LONG) > 1_000_000
    batch = tmp_path / "batch.jsonl"
    batch.write_text(jsonl({"id": "long", "text": LONG + TENDON}, {"id": "short", "text": PELVIS}))
    result = runner.invoke(app, ["extract", str(batch)])
    assert result.exit_code == 0, result.stderr
    assert [r["findings"][0]["diagnosis"] for r in records(result.stdout)] == ["HADD", "phlebolith"]
    result = runner.invoke(app, ["report", str(batch), "-f", "json"])
    assert result.exit_code == 0 and len(records(result.stdout)) == 2
    (tmp_path / "long.txt").write_text(LONG)
    (tmp_path / "short.txt").write_text(PELVIS)
    result = runner.invoke(app, ["lint", str(tmp_path / "long.txt"), str(tmp_path / "short.txt"), "-f", "json"])
    no_traceback(result)
    assert result.exit_code in (0, 1)


def test_a_report_over_the_limit_is_an_error_that_states_the_limit(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(jsonl({"id": "huge", "text": "x " * 2_600_000}, {"id": "short", "text": PELVIS}))
    for command in (["extract"], ["report", "-f", "json"]):
        result = runner.invoke(app, [*command, str(batch)])
        no_traceback(result)
        assert result.exit_code == 1
        assert "batch.jsonl:1: report is 5,200,000 characters; the limit is 5,000,000" in result.stderr
        assert "1 results, 1 errors" in result.stderr


# 10 ------------------------------------------------------------------------------------------


def test_stdin_jsonl_keeps_line_separators_inside_records(tmp_path):
    data = jsonl({"id": "a", "text": "FINDINGS: Calcific tendinitis\u2028of the supraspinatus tendon."},
                 {"id": "b", "text": "FINDINGS:\x85Phleboliths in the pelvis."})
    result = runner.invoke(app, ["extract", "-"], input=data.encode())
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in records(result.stdout)] == ["a", "b"]
    gold = tmp_path / "gold.jsonl"
    gold.write_text(jsonl({"id": "a", "text": "Phleboliths\u2028in the pelvis.",
                           "gold": {"mentions": [{"start": 0, "span": "Phleboliths", "kind": "calcification"}]}}),
                    encoding="utf-8")
    result = runner.invoke(app, ["eval", str(gold), "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["items"] == 1


# 11 ------------------------------------------------------------------------------------------


def test_workers_are_capped_at_the_cpu_count(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    (tmp_path / "a.txt").write_text(TENDON)
    result = runner.invoke(app, ["extract", str(tmp_path / "a.txt"), "--workers", "3"])
    assert result.exit_code == 0, result.stderr
    assert "warning: --workers 3 is more than the 1 CPUs here; using 1" in result.stderr


# 12 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "dims"), [
    ("Calcification measuring 1,5 cm in the supraspinatus tendon.", [15.0]),
    ("Calcification measuring 2,5 x 1,2 cm in the supraspinatus tendon.", [25.0, 12.0]),
    ("Calcification measuring 1.5 cm in the supraspinatus tendon.", [15.0]),
])
def test_a_decimal_comma_is_a_decimal_point(text, dims):
    from reportkit import extract

    finding = extract("FINDINGS: " + text).findings[0]
    assert finding.dimensions_mm == dims and finding.size_mm == max(dims)


# 13 ------------------------------------------------------------------------------------------


def test_a_fifo_is_read_like_a_file_and_sniffed_for_jsonl(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_text, args=(jsonl({"id": "a", "text": TENDON}),), daemon=True)
    writer.start()
    result = runner.invoke(app, ["extract", str(fifo)])
    if writer.is_alive():  # the FIFO was never opened, or its writer is still ending: release it, never waiting
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(reader)
    writer.join()
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in records(result.stdout)] == ["a"]


def test_a_closed_stdin_is_a_clear_error():
    out = subprocess.run([sys.executable, "-m", "reportkit", "extract", "-"], capture_output=False,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(0), check=False)
    stderr = out.stderr.decode()
    assert out.returncode == 1 and "Traceback" not in stderr
    assert "error: -: standard input is closed" in stderr


def test_output_paths_that_cannot_be_written_are_one_line_errors(tmp_path):
    (tmp_path / "a.txt").write_text(TENDON)
    a_file = tmp_path / "a.txt"
    cases = [
        ["extract", str(a_file), "-o", str(tmp_path / "missing" / "out.jsonl")],
        ["report", str(a_file), "-o", str(a_file)],
        ["report", str(a_file), "-o", str(a_file / "sub")],
        ["schema", "-o", str(tmp_path / "missing" / "schema.json")],
    ]
    for args in cases:
        result = runner.invoke(app, args)
        no_traceback(result)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert a_file.read_text() == TENDON


def test_a_gold_file_missing_keys_is_a_one_line_error(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(jsonl({"id": "a", "text": PELVIS, "gold": {"mentions": [{"span": "Phleboliths"}]}}))
    result = runner.invoke(app, ["eval", str(gold)])
    no_traceback(result)
    assert result.exit_code == 2 and "gold.jsonl:1: gold mention 1 lacks an integer 'start'" in result.stderr


def test_a_400_digit_size_neither_breaks_fhir_nor_becomes_null(tmp_path):
    text = f"FINDINGS: Calcification measuring {'9' * 400} mm in the supraspinatus tendon.\n"
    result = runner.invoke(app, ["report", "-", "-f", "fhir"], input=text)
    assert result.exit_code == 0, result.stderr
    assert records(result.stdout)[0]["resourceType"] == "Bundle"
    finding = records(runner.invoke(app, ["extract", "-"], input=text).stdout)[0]["findings"][0]
    assert finding["dimensions_mm"] == [] and finding["size_mm"] is None


# 14 ------------------------------------------------------------------------------------------


def test_eval_warns_when_predictions_are_missing(tmp_path):
    mention = {"start": 10, "span": "Phleboliths", "kind": "calcification"}
    gold = tmp_path / "gold.jsonl"
    gold.write_text(jsonl(*({"id": i, "text": PELVIS, "gold": {"mentions": [mention]}} for i in "abc")))
    pred = tmp_path / "pred.jsonl"
    pred.write_text(jsonl({"id": "a", "findings": [{**mention, "end": 21, "text": "Phleboliths"}]}))
    result = runner.invoke(app, ["eval", str(gold), "--pred", str(pred)])
    assert result.exit_code == 0
    assert "has no prediction for 2 of 3 gold items" in result.stderr
    (tmp_path / "empty.jsonl").write_text("\n")
    assert runner.invoke(app, ["eval", str(tmp_path / "empty.jsonl")]).exit_code == 2


# 15 ------------------------------------------------------------------------------------------


def test_encoding_option_reads_cp1252_exports(tmp_path):
    export = tmp_path / "export.txt"
    export.write_bytes("FINDINGS: Calcific tendinitis \u2013 supraspinatus tendon.\n".encode("cp1252"))
    assert runner.invoke(app, ["extract", str(export)]).exit_code == 1  # not UTF-8: named, not guessed
    result = runner.invoke(app, ["extract", str(export), "--encoding", "cp1252"])
    assert result.exit_code == 0, result.stderr
    assert records(result.stdout)[0]["findings"][0]["diagnosis"] == "HADD"
    bad = runner.invoke(app, ["extract", str(export), "--encoding", "klingon"])
    assert bad.exit_code == 2 and "unknown encoding 'klingon'" in bad.stderr


def test_gzipped_text_and_jsonl_are_read(tmp_path):
    (tmp_path / "one.txt.gz").write_bytes(gzip.compress(TENDON.encode()))
    (tmp_path / "many.jsonl.gz").write_bytes(gzip.compress(jsonl({"id": "p", "text": PELVIS}).encode()))
    result = runner.invoke(app, ["extract", str(tmp_path / "one.txt.gz"), str(tmp_path / "many.jsonl.gz")])
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in records(result.stdout)] == ["one", "p"]
    (tmp_path / "broken.txt.gz").write_bytes(b"FINDINGS: not gzip")
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(jsonl({"id": "p", "text": PELVIS}).encode() * 50)[:60])
    result = runner.invoke(app, ["extract", str(tmp_path / "broken.txt.gz"), str(tmp_path / "cut.jsonl.gz")])
    no_traceback(result)
    assert result.stderr.count("cannot read: not a complete gzip file") == 2 and "FINDINGS" not in result.stderr


def test_an_empty_jsonl_text_is_treated_like_an_empty_file(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "batch.jsonl").write_text(jsonl({"id": "e", "text": ""}, {"id": "w", "text": " \n "}))
    result = runner.invoke(app, ["extract", str(tmp_path / "empty.txt"), str(tmp_path / "batch.jsonl")])
    assert result.exit_code == 1
    assert [("error" in r) for r in records(result.stdout)] == [True, True, True]


def test_a_nul_byte_no_longer_hides_a_finding_and_offsets_stay_valid():
    text = "FINDINGS: Calcific\x00tendinitis of the supraspinatus tendon.\n"
    result = runner.invoke(app, ["extract", "-"], input=text.encode())
    finding = records(result.stdout)[0]["findings"][0]
    assert finding["diagnosis"] == "HADD"
    assert text[finding["start"]:finding["end"]].replace("\x00", " ") == finding["text"]


# 16 ------------------------------------------------------------------------------------------


def test_results_name_their_source_and_line_and_ids_must_be_strings(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(jsonl({"id": "same", "text": TENDON}, {"id": "same", "text": PELVIS},
                           {"id": 7, "text": PELVIS}, {"id": ["x"], "text": PELVIS}))
    result = runner.invoke(app, ["extract", str(batch)])
    out = records(result.stdout)
    assert [(r.get("source"), r.get("line")) for r in out] == [(str(batch), n) for n in (1, 2, 3, 4)]
    assert "error" not in out[0] and "error" not in out[1]
    assert out[2]["error"] == "'id' must be a string, not int" and out[2]["id"] is None
    assert out[3]["error"] == "'id' must be a string, not list" and out[3]["id"] is None


# 17 ------------------------------------------------------------------------------------------


def test_report_json_to_stdout_is_jsonl_and_format_lists_its_choices(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(jsonl({"id": "a", "text": TENDON}, {"id": "b", "text": PELVIS}))
    for fmt in ("json", "fhir"):
        result = runner.invoke(app, ["report", str(batch), "-f", fmt])
        assert result.exit_code == 0, result.stderr
        assert len([json.loads(line) for line in result.stdout.splitlines()]) == 2
    help_text = runner.invoke(app, ["report", "--help"], terminal_width=200).stdout
    assert "text|md|html|json|fhir" in help_text and "JSONL" in help_text
    wrong = runner.invoke(app, ["report", str(batch), "-f", "pdf"])
    assert wrong.exit_code == 2 and "text" in wrong.stderr and "fhir" in wrong.stderr



def test_report_format_choices_are_the_render_formats():
    from reportkit.cli.report import ReportFormat
    from reportkit.render import Format

    assert [f.value for f in ReportFormat] == [f.value for f in Format]

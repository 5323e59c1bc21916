"""`reportkit extract` and `reportkit eval` from the command line, including bad input."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from reportkit.cli import app

runner = CliRunner()


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_bad_inputs_are_named_and_the_rest_still_processed(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("FINDINGS: Calcific tendinitis of the supraspinatus tendon.\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Calcification pr\xe8s du tendon".encode("latin-1"))
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        '{"id": "a", "text": "Phleboliths in the pelvis."}\n'
        '{"id": "b", "text": \n'
        '{"id": "c"}\n'
        '{"id": "d", "text": "No foreign body."}\n'
    )
    result = runner.invoke(app, ["extract", str(good), str(empty), str(latin1), str(batch), str(tmp_path / "nope.txt")])
    assert result.exit_code == 1
    records = lines(result.stdout)
    assert len(records) == 8  # every input yields a result or an error record
    errors = [r for r in records if "error" in r]
    assert {(r["source"].rsplit("/", 1)[-1], r["line"]) for r in errors} == {
        ("empty.txt", None), ("latin1.txt", None), ("batch.jsonl", 2), ("batch.jsonl", 3), ("nope.txt", None)
    }
    assert any("not UTF-8" in r["error"] for r in errors)
    assert any("not valid JSON" in r["error"] for r in errors)
    results = {r["id"]: r for r in records if "error" not in r}
    assert results["good"]["findings"][0]["diagnosis"] == "HADD"
    assert results["a"]["findings"][0]["diagnosis"] == "phlebolith"
    assert results["d"]["findings"][0]["negated"] is True
    assert "8 inputs: 3 results, 5 errors" in result.stderr
    assert "batch.jsonl:2: not valid JSON" in result.stderr


def test_report_text_is_not_logged_on_error(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "p1", "text": ["Mrs SECRETNAME calcification"]}\n'
                     '{"id": "p2", "text": "Mr OTHERNAME calcification\n')
    result = runner.invoke(app, ["extract", str(batch)])
    assert result.exit_code == 1
    assert "batch.jsonl:1" in result.stderr and "batch.jsonl:2" in result.stderr
    assert "SECRETNAME" not in result.stderr + result.stdout
    assert "OTHERNAME" not in result.stderr + result.stdout


def test_stdin_plain_text_and_table_format():
    result = runner.invoke(app, ["extract", "-", "--format", "table"],
                           input="EXAM: XR LEFT KNEE\nFINDINGS: Meniscal chondrocalcinosis.\n")
    assert result.exit_code == 0, result.stderr
    rows = [r.split("\t") for r in result.stdout.strip().splitlines()]
    assert rows[0][:3] == ["id", "span", "kind"]
    assert rows[1][0] == "stdin" and rows[1][3] == "Meniscal chondrocalcinosis"
    assert rows[1][5:] == ["articular", "left", "CPPD"]


def test_folder_input_and_workers(tmp_path, monkeypatch):
    from reportkit.engine import Engine

    folder = tmp_path / "reports"
    folder.mkdir()
    for i in range(3):
        (folder / f"r{i}.txt").write_text(f"FINDINGS: {i + 1} phleboliths in the pelvis.")
    # every process that extracts a report notes its pid: with --workers 2 none may be this one
    where = tmp_path / "pids"
    extract = Engine.extract

    def noting_extract(engine, text, report_id="report", **options):
        with where.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return extract(engine, text, report_id, **options)

    monkeypatch.setattr("reportkit.engine.Engine.extract", noting_extract)
    result = runner.invoke(app, ["extract", str(folder), "--workers", "2"])
    assert result.exit_code == 0, result.stderr
    pids = set(where.read_text().split())
    assert len(pids) >= 1 and str(os.getpid()) not in pids
    records = lines(result.stdout)
    assert [r["id"] for r in records] == ["r0", "r1", "r2"]
    assert all(r["findings"][0]["diagnosis"] == "phlebolith" for r in records)
    # the same note is taken when extraction runs in this process: the check above can fail
    where.unlink()
    serial = runner.invoke(app, ["extract", str(folder), "--workers", "1"])
    assert serial.exit_code == 0 and where.read_text().split() == [str(os.getpid())] * 3


def test_eval_prints_scores_for_given_predictions(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x", "text": "Phleboliths.", "gold": {"mentions": [
        {"span": "Phleboliths", "start": 0, "kind": "calcification", "negated": False, "uncertain": False,
         "location_category": "vascular", "laterality": None, "diagnosis": "phlebolith"}], "modality": []}}) + "\n")
    pred = tmp_path / "pred.jsonl"
    pred.write_text(json.dumps({"id": "x", "findings": [{"start": 0, "end": 5, "kind": "calcification",
                                                         "diagnosis": "phlebolith", "negated": False}]}) + "\n")
    result = runner.invoke(app, ["eval", str(gold), "--pred", str(pred), "--json"])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["mentions_typed"]["f1"] == 1.0
    assert summary["attributes"]["location_category"] == {"accuracy": 0.0, "correct": 0, "total": 1}


def test_eval_on_the_dev_set_prints_the_table(dev_path):
    result = runner.invoke(app, ["eval", str(dev_path)])
    assert result.exit_code == 0, result.stderr
    assert "typed" in result.stdout and "location_category" in result.stdout


def test_bad_lexicon_folder_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["extract", "-", "--lexicons", str(tmp_path)], input="x")
    assert result.exit_code == 2
    assert "lexicon file is missing" in result.stderr


def test_a_bad_byte_in_one_jsonl_line_loses_only_that_line(tmp_path):
    batch = tmp_path / "archive.jsonl"
    batch.write_bytes(b'{"id": "a", "text": "Phleboliths."}\n\xff\xfe broken\n{"id": "b", "text": "No calcification."}\n')
    result = runner.invoke(app, ["extract", str(batch)])
    records = lines(result.stdout)
    assert [r.get("id") for r in records if "error" not in r] == ["a", "b"]
    (error,) = [r for r in records if "error" in r]
    assert error["line"] == 2 and "not UTF-8" in error["error"]
    assert "3 inputs: 2 results, 1 errors" in result.stderr


def test_pipeline_failure_is_an_error_record_without_report_text(monkeypatch):
    from reportkit.io import Report, runner

    def explode(engine, text, report_id="report", **options):
        raise ValueError(f"cannot parse {text}")

    monkeypatch.setattr("reportkit.engine.Engine.extract", explode)
    report = Report(id="r9", text="Mrs SECRETNAME has calcification", source="batch.jsonl", line=4)
    (outcome,) = list(runner.extract_inputs([report]))
    assert (outcome.id, outcome.line, outcome.error) == ("r9", 4, "pipeline failed: ValueError")
    monkeypatch.setenv("REPORTKIT_DEBUG", "1")
    (outcome,) = list(runner.extract_inputs([report]))
    assert "SECRETNAME" in outcome.error


def test_glob_input(tmp_path):
    for name in ("a.txt", "b.txt", "c.md"):
        (tmp_path / name).write_text("FINDINGS: Phleboliths in the pelvis.")
    result = runner.invoke(app, ["extract", str(tmp_path / "*.txt")])
    assert [r["id"] for r in lines(result.stdout)] == ["a", "b"]


def test_report_failure_is_a_redacted_error_line_and_counted(tmp_path, monkeypatch):
    def explode(engine, text, report_id="report", **options):
        raise ValueError(f"cannot parse {text}")

    monkeypatch.setattr("reportkit.engine.Engine.extract", explode)
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "p1", "text": "Mrs SECRETNAME has calcification."}\n{"id": "p2", "text": 7}\n')
    result = runner.invoke(app, ["report", str(batch), "--format", "json"])
    assert result.exit_code == 1
    assert "SECRETNAME" not in result.stdout + result.stderr
    assert "batch.jsonl:1: pipeline failed: ValueError" in result.stderr
    assert "2 inputs: 0 results, 2 errors" in result.stderr


def test_report_and_terms_read_the_given_lexicons(tmp_path):
    from pathlib import Path

    import yaml

    shipped = Path(__file__).parent.parent / "lexicons"
    custom = tmp_path / "lexicons"
    custom.mkdir()
    for path in shipped.glob("*.yaml"):
        (custom / path.name).write_text(path.read_text())
    terminology = yaml.safe_load((custom / "terminology.yaml").read_text())
    terminology["terms"][0]["definition"] = "A definition only the custom lexicon has."
    (custom / "terminology.yaml").write_text(yaml.safe_dump(terminology, sort_keys=False))
    anatomy = (custom / "anatomy.yaml").read_text()
    (custom / "anatomy.yaml").write_text(anatomy.replace('code: "7771000"', 'code: "0000001"'))
    result = runner.invoke(app, ["terms", "only the custom", "--lexicons", str(custom)])
    assert result.exit_code == 0, result.stderr
    assert "A definition only the custom lexicon has." in result.stdout
    assert runner.invoke(app, ["terms", "only the custom"]).exit_code == 1
    assert runner.invoke(app, ["terms", "--lexicons", str(tmp_path / "none")]).exit_code == 2
    # report hands the lexicons to render too: the FHIR laterality code comes from them
    text = "EXAM: XR LEFT KNEE\nFINDINGS: Meniscal chondrocalcinosis.\n"
    result = runner.invoke(app, ["report", "-", "--format", "fhir", "--lexicons", str(custom)], input=text)
    assert result.exit_code == 0, result.stderr
    assert '"code":"0000001"' in result.stdout and "7771000" not in result.stdout

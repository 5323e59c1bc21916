"""The command line's small promises: extras named when missing, help that shows what it says, examples
everywhere, outputs where asked, honest messages for missing inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from reportkit.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()

# Makes the audit extra's modules unimportable, as on an install without `reportkit[audit]`.
BLOCK_AUDIT_EXTRA = """
import sys

class _NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("duckdb", "pyarrow"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NotInstalled())
"""


def _reportkit(args: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT,
               stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportkit", *args], check=False, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, input=stdin, timeout=300)


# ---------------------------------------------------------------------- extras and help


def test_audit_without_the_audit_extra_names_the_extra(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCK_AUDIT_EXTRA)
    env = {"PYTHONPATH": str(tmp_path)}
    done = _reportkit(["audit", "run", str(tmp_path / "run"), "examples/shoulder_mri.txt"], env)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: reportkit audit needs the audit extra: pip install 'reportkit[audit]' (duckdb)"]
    assert not (tmp_path / "run").exists()
    # its help still shows, so the user can read what the command would do
    helped = _reportkit(["audit", "run", "--help"], env)
    assert helped.returncode == 0 and "RUN_DIR" in helped.stdout.upper()


def test_serve_help_shows_the_server_extra_literally():
    result = runner.invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "pip install 'reportkit[server]'" in result.stdout


def _command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if hasattr(command, "commands"):  # a group (typer carries its own click)
        for name, sub in command.commands.items():
            paths += _command_paths(sub, (*path, name))
    return paths


def test_every_command_help_shows_an_example_of_itself():
    paths = _command_paths(typer.main.get_command(app))
    assert ("lint",) in paths and ("audit", "run") in paths and len(paths) > 15
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, path
        examples = result.stdout.split("Examples:", 1)
        assert len(examples) == 2, f"reportkit {' '.join(path)} --help shows no example"
        assert f"reportkit {' '.join(path)}".strip() in examples[1], path


# ---------------------------------------------------------------------- honest outputs

TENDON = "EXAM: Radiograph of the right shoulder.\nFINDINGS: Calcific tendinitis of the right supraspinatus tendon.\n"


def test_lint_of_a_missing_file_never_says_all_checks_passed(tmp_path):
    result = runner.invoke(app, ["lint", str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    assert "All checks passed" not in result.stdout
    assert f"error: {tmp_path / 'missing.txt'}:" in result.stderr
    assert result.stdout.strip() == "No diagnostics; 1 input could not be read."


def test_report_to_a_file_name_writes_that_file(tmp_path):
    source = tmp_path / "shoulder.txt"
    source.write_text(TENDON)
    target = tmp_path / "shoulder-report.html"
    result = runner.invoke(app, ["report", str(source), "-f", "html", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.is_file() and target.read_text().lstrip().lower().startswith("<!doctype html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shoulder-report.html", "shoulder.txt"]
    # json to a .json file: the one indented record
    as_json = tmp_path / "one.json"
    assert runner.invoke(app, ["report", str(source), "-f", "json", "-o", str(as_json)]).exit_code == 0
    assert json.loads(as_json.read_text())["result"]["id"] == "shoulder"
    # several reports never squeeze into one file; an existing folder stays a folder
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({"id": f"r{i}", "text": TENDON}) + "\n" for i in range(2)))
    refused = runner.invoke(app, ["report", str(batch), "-f", "html", "-o", str(tmp_path / "both.html")])
    assert refused.exit_code == 2 and "2 reports do not fit in one file; give a folder" in refused.stderr
    assert not (tmp_path / "both.html").exists()
    folder = tmp_path / "out.html"
    folder.mkdir()
    assert runner.invoke(app, ["report", str(batch), "-f", "html", "-o", str(folder)]).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["r0.html", "r1.html"]
    several = runner.invoke(app, ["report", str(batch), "-f", "md", "-o", str(tmp_path / "md")])
    assert several.exit_code == 0 and sorted(p.name for p in (tmp_path / "md").iterdir()) == ["r0.md", "r1.md"]


def test_schema_does_not_import_spacy(tmp_path):
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom reportkit.cli import app\n"
            f"result = CliRunner().invoke(app, ['schema', '-o', {str(tmp_path / 's.json')!r}])\n"
            "assert result.exit_code == 0, result.output\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'medspacy', 'thinc')))\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert json.loads((tmp_path / "s.json").read_text())["title"]


def test_eval_misses_show_gold_and_predicted_values(tmp_path):
    text = "FINDINGS: Calcific tendinitis of the left supraspinatus tendon."
    start = text.index("Calcific")
    gold = {"id": "g1", "text": text, "gold": {"mentions": [
        {"start": start, "span": "Calcific tendinitis", "kind": "calcification", "laterality": "left",
         "diagnosis": "HADD", "negated": False}]}}
    predicted = {"id": "g1", "findings": [
        {"start": start, "end": start + len("Calcific tendinitis"), "text": "Calcific tendinitis",
         "kind": "calcification", "laterality": "right", "diagnosis": "HADD", "negated": False}]}
    (tmp_path / "gold.jsonl").write_text(json.dumps(gold) + "\n")
    (tmp_path / "pred.jsonl").write_text(json.dumps(predicted) + "\n")
    result = runner.invoke(app, ["eval", str(tmp_path / "gold.jsonl"), "--pred", str(tmp_path / "pred.jsonl"),
                                 "--misses"])
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("g1: wrong laterality")]
    assert "(laterality: gold 'left', predicted 'right')" in line


# ---------------------------------------------------------------------- audit run: refuse early, skip, count


def _audit_run(args: list[str]) -> subprocess.CompletedProcess:
    return _reportkit(["audit", "run", *args, "--workers", "1"])


def test_a_csv_without_a_usable_column_mapping_is_refused_before_the_run(tmp_path):
    archive = tmp_path / "archive.csv"
    archive.write_text('ACC,REPORT\nA1,"FINDINGS: Calcific tendinitis of the right supraspinatus tendon."\n'
                       'A2,"FINDINGS: No soft-tissue calcification."\n')
    run_dir = tmp_path / "run"
    refused = _audit_run([str(run_dir), str(archive)])
    assert refused.returncode == 2
    (line,) = refused.stderr.splitlines()
    assert line.startswith(f"error: {archive}: column(s) not in the header: id -> 'id', text -> 'text'")
    assert "(the header has: ACC, REPORT)" in line and "--columns id=COLUMN,text=COLUMN" in line
    assert "Calcific" not in refused.stderr
    # RUN_DIR was left alone: the corrected command runs in it
    done = _audit_run([str(run_dir), str(archive), "--columns", "id=ACC,text=REPORT", "-q"])
    assert done.returncode == 0, done.stderr
    query = _reportkit(["audit", "query", str(run_dir), "SELECT id FROM reports ORDER BY id"])
    assert query.stdout.split() == ["id", "A1", "A2"]


def test_hl7_messages_that_are_no_result_are_skipped_and_counted(tmp_path):
    header = "MSH|^~\\&|RIS|SITE|RK|AUDIT|20240301||{kind}|{id}|P|2.5.1\r"
    feed = (header.format(kind="ORU^R01", id="M1") + "PID|1||P1\rOBR|1||ACC1|P^XR SHOULDER RIGHT|||20240101\r"
            "OBX|1|TX|R||Calcific tendinitis of the supraspinatus tendon.||||||F\r"
            + header.format(kind="ADT^A01", id="M2") + "PID|1||P1\r"
            + header.format(kind="ADT^A01", id="M3") + "PID|1||P2\r"
            + header.format(kind="ORM^O01", id="M4") + "PID|1||P2\r")
    (tmp_path / "feed.hl7").write_text(feed)
    done = _audit_run([str(tmp_path / "run"), str(tmp_path / "feed.hl7")])
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("read ")]
    assert line.startswith("read 1 = 1 results + 0 errors; skipped 3 HL7 message(s) that are no result "
                           "(ADT^A01: 2, ORM^O01: 1)")


def test_quiet_audit_still_prints_the_count_line_when_records_fail(tmp_path):
    archive = tmp_path / "a.jsonl"
    archive.write_text(json.dumps({"id": "ok", "text": TENDON}) + "\n" + json.dumps({"id": "empty", "text": ""}) + "\n")
    failed = _audit_run([str(tmp_path / "run"), str(archive), "-q"])
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[-1].startswith("read 2 = 1 results + 1 errors")
    clean = tmp_path / "b.jsonl"
    clean.write_text(json.dumps({"id": "ok", "text": TENDON}) + "\n")
    quiet = _audit_run([str(tmp_path / "run2"), str(clean), "-q"])
    assert quiet.returncode == 0 and quiet.stderr == ""

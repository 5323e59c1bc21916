"""`reportkit lint` as ruff users expect it: colour on a terminal, --statistics, --show-fixes, unused
suppressions reported, per-file-ignores."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.engine import lint_text
from reportkit.lint import LintConfig, rules

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
ESC = "\x1b["

# one laterality conflict (RK501, error) and one pseudogout named as a finding (RK201, safe fix), twice
DRAFT = ("EXAM: Radiograph of the right knee.\n"
         "FINDINGS: Pseudogout of the left lateral meniscus.\n"
         "Pseudogout in the medial meniscus.\n")


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """stdout of ``reportkit ARGS`` written to a pseudo-terminal."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "reportkit", *args], stdout=child, stderr=subprocess.DEVNULL,
                               cwd=ROOT, env={k: v for k, v in {**os.environ, **env}.items() if v is not None})
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=300)
    os.close(main)
    return b"".join(chunks).decode()


def test_text_output_is_coloured_on_a_terminal_unless_no_color(tmp_path):
    draft = tmp_path / "knee.txt"
    draft.write_text(DRAFT)
    environment = {"NO_COLOR": None, "FORCE_COLOR": None}
    coloured = _on_a_terminal(["lint", str(draft)], environment)
    assert f"{ESC}1;31mRK501{ESC}0m" in coloured and f"{ESC}31m[error]{ESC}0m" in coloured
    plain = _on_a_terminal(["lint", str(draft)], {**environment, "NO_COLOR": "1"})
    assert "RK501 [error]" in plain and ESC not in plain
    piped = subprocess.run([sys.executable, "-m", "reportkit", "lint", str(draft)], check=False, capture_output=True,
                           text=True, cwd=ROOT, env={k: v for k, v in os.environ.items() if k not in environment})
    assert "RK501 [error]" in piped.stdout and ESC not in piped.stdout
    # json is never coloured
    as_json = _on_a_terminal(["lint", str(draft), "--format", "json"], environment)
    assert ESC not in as_json and "RK501" in as_json


def test_statistics_count_diagnostics_per_rule(tmp_path):
    draft = tmp_path / "knee.txt"
    draft.write_text(DRAFT)
    result = runner.invoke(app, ["lint", str(draft), "--statistics", "--select", "RK201,RK501"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[:2] == ["2\tRK201\t[*] pseudogout-for-imaging-finding", "1\tRK501\t[ ] laterality-conflict"]
    assert lines[2].startswith("Found 3 diagnostics (1 error, 2 warning, 0 info)")
    assert "Pseudogout" not in result.stdout  # counts, not the diagnostics
    as_json = runner.invoke(app, ["lint", str(draft), "--statistics", "--select", "RK201,RK501", "-f", "json"])
    assert json.loads(as_json.stdout) == [
        {"code": "RK201", "name": "pseudogout-for-imaging-finding", "count": 2, "fixable": True},
        {"code": "RK501", "name": "laterality-conflict", "count": 1, "fixable": False}]
    assert runner.invoke(app, ["lint", str(draft), "--statistics", "-f", "sarif"]).exit_code == 2


def test_show_fixes_lists_what_fix_fixed(tmp_path):
    draft = tmp_path / "knee.txt"
    draft.write_text(DRAFT)
    result = runner.invoke(app, ["lint", str(draft), "--fix", "--show-fixes", "--select", "RK201,RK501"])
    assert result.exit_code == 1  # the laterality conflict remains
    assert f"Fixed 2 diagnostics:\n- {draft}:\n    2 \u00d7 RK201 (pseudogout-for-imaging-finding)\n" in result.stderr
    assert draft.read_text().count("Chondrocalcinosis") == 2
    again = runner.invoke(app, ["lint", str(draft), "--fix", "--show-fixes", "--select", "RK201,RK501"])
    assert "No fixes applied." in again.stderr


def test_an_unused_suppression_is_reported_and_a_used_one_is_not():
    assert rules()["RK002"].name == "unused-suppression"
    text = ("EXAM: Radiograph of the right knee.\n"
            "FINDINGS: Chondrocalcinosis of the left lateral meniscus. [reportkit: ignore RK501, RK302]\n"
            "IMPRESSION: No fracture. [reportkit: ignore]\n")
    found = [(d.code, d.line, text[d.start:d.end]) for d in lint_text(text, "d.txt", LintConfig())]
    assert ("RK501", 2, "left") not in found  # silenced, so RK501 is used
    assert ("RK002", 2, "RK302") in found and ("RK002", 2, "RK501") not in found
    assert ("RK002", 3, "[reportkit: ignore]") in found
    # an ignore of a rule that is not enabled silences nothing either (ruff's "non-enabled")
    (stale,) = [d for d in lint_text(text, "d.txt", LintConfig(ignore=["RK501"])) if d.code == "RK002" and d.line == 2
                and text[d.start:d.end] == "RK501"]
    assert "RK501 is not enabled" in stale.message
    # and RK002 itself can be ignored like any rule
    assert not [d for d in lint_text(text, "d.txt", LintConfig(ignore=["RK002"])) if d.code == "RK002"]


def test_per_file_ignores_from_the_configuration(tmp_path):
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.txt").write_text(DRAFT)
    (tmp_path / "new.txt").write_text(DRAFT)
    (tmp_path / "reportkit.toml").write_text('[lint]\nper-file-ignores = { "legacy/*.txt" = ["RK5", "pseudogout-for-imaging-finding"] }\n')
    result = runner.invoke(app, ["lint", str(tmp_path), "--format", "json"])
    found = {(Path(d["path"]).name, d["code"]) for d in json.loads(result.stdout)}
    assert ("new.txt", "RK501") in found and ("new.txt", "RK201") in found
    assert not {code for name, code in found if name == "old.txt"} & {"RK501", "RK201"}
    # globs match the file name too, and an unknown code is an error naming the file
    (tmp_path / "reportkit.toml").write_text('[lint]\nper-file-ignores = { "new.txt" = ["RK501"] }\n')
    found = {(Path(d["path"]).name, d["code"])
             for d in json.loads(runner.invoke(app, ["lint", str(tmp_path), "-f", "json"]).stdout)}
    assert ("new.txt", "RK501") not in found and ("old.txt", "RK501") in found
    (tmp_path / "reportkit.toml").write_text('[lint]\nper-file-ignores = { "*.txt" = ["RK9"] }\n')
    refused = runner.invoke(app, ["lint", str(tmp_path / "new.txt")])
    assert refused.exit_code == 2 and "reportkit.toml: lint.per-file-ignores" in refused.stderr

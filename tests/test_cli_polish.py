"""The command line's small promises: extras named when missing, help that shows what it says, examples
everywhere, outputs where asked, honest messages for missing inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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
    return subprocess.run([sys.executable, "-m", "reportkit", *args], capture_output=True, text=True, cwd=cwd,
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

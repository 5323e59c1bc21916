"""The README's two set-up commands stay true: CI runs the test command verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup)


def test_readme_has_exactly_two_setup_commands():
    commands = _commands()
    assert len(commands) == 2
    assert "reportkit " in commands[0] and "examples/" in commands[0]
    assert commands[1].rstrip().endswith("pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in ci


def test_example_named_in_the_readme_exists():
    path = re.search(r"(examples/\S*)", _commands()[0]).group(1)
    assert (ROOT / path).exists()


def test_readme_lint_session_is_real(monkeypatch):
    """The session shown in the README is what `reportkit lint` prints today."""
    from typer.testing import CliRunner

    from reportkit.cli import app

    readme = (ROOT / "README.md").read_text()
    block = readme.split("$ reportkit lint examples/draft_shoulder.txt\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["lint", "examples/draft_shoulder.txt"])
    assert block == result.stdout + f"exit code: {result.exit_code}\n"

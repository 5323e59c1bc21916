"""A Python process of its own, for what only a fresh interpreter shows: what it imports, builds and does at exit."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_python(script: str, **env: str) -> tuple[str, dict]:
    """A fresh Python process's output, and the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=ROOT,
                          timeout=300, env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    output, _, last = done.stdout.rstrip("\n").rpartition("\n")
    return output, json.loads(last)


# ``reportkit ARGS`` run in the script as the console script runs it, after ``before``; then ``after``, and last the
# JSON of ``{'code': the exit code, SEEN}`` (``seen``: dict items over ``sys``, ``gc`` and what ``before`` made)
CLI_COMMAND = (
    "import gc, json, sys\n"
    "{before}\n"
    "from reportkit.cli import app\n"
    "try:\n"
    "    app(args={args!r}, prog_name='reportkit')\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "{after}\n"
    "print()\n"
    "print(json.dumps({{'code': code, {seen}}}))\n"
)


def cli_script(args: list[str], seen: str, before: str = "", after: str = "") -> str:
    """The script of :data:`CLI_COMMAND` for ``reportkit ARGS``."""
    return CLI_COMMAND.format(args=args, seen=seen, before=before, after=after)

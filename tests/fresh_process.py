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

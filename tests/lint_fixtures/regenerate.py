"""Rewrite each rule's expected.txt / expected.diff from the current rules (review the diff!)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

from lint_fixture_io import expected_outputs  # noqa: E402

for folder in sorted(p for p in HERE.iterdir() if p.is_dir() and p.name.startswith("RK")):
    text, diff = expected_outputs(folder)
    (folder / "expected.txt").write_text(text, encoding="utf-8")
    if diff:
        (folder / "expected.diff").write_text(diff, encoding="utf-8")
    elif (folder / "expected.diff").exists():
        (folder / "expected.diff").unlink()
    print(f"{folder.name}: written")

"""Produce the outputs that lint fixtures are compared with (shared by tests and regenerate.py)."""

from __future__ import annotations

from pathlib import Path

from reportkit.lint import LintConfig, apply_fixes, format_text, unified_diff

from reportkit.engine import lint_text


def trigger_files(folder: Path) -> list[Path]:
    return sorted((folder / "trigger").glob("*.txt"))


def expected_outputs(folder: Path) -> tuple[str, str]:
    """(text output, diff of all fixes) for the rule's trigger drafts."""
    config = LintConfig(select=[folder.name], fail_on="info")
    diagnostics, texts, diffs = [], {}, []
    for file in trigger_files(folder):
        path = f"trigger/{file.name}"
        text = file.read_text(encoding="utf-8")
        texts[path] = text
        found = lint_text(text, path, config)
        diagnostics += found
        fixed, applied = apply_fixes(text, found, unsafe=True)
        if applied:
            diffs.append(unified_diff(path, text, fixed))
    return format_text(diagnostics, texts), "".join(diffs)

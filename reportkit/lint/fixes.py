"""Applying fixes to a draft's text, and showing them as a diff."""

from __future__ import annotations

import difflib

from reportkit.lint.registry import Diagnostic, Fix


def apply_fixes(text: str, diagnostics: list[Diagnostic], unsafe: bool = False) -> tuple[str, int]:
    """Apply non-overlapping fixes (safe ones, and unsafe ones if asked); returns (text, count)."""
    chosen: list[Fix] = []
    taken: list[tuple[int, int]] = []
    for d in diagnostics:
        if d.fix is None or (not d.fix.safe and not unsafe):
            continue
        spans = [(e.start, e.end) for e in d.fix.edits]
        # a later fix touching text an earlier one rewrites would splice the two edits together
        if any(s < te and ts < e or s == ts for s, e in spans for ts, te in taken):
            continue
        chosen.append(d.fix)
        taken += spans
    edits = sorted((e for f in chosen for e in f.edits), key=lambda e: e.start, reverse=True)
    for e in edits:
        text = text[: e.start] + e.replacement + text[e.end :]
    return text, len(chosen)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the draft at ``path`` before and after fixing (a/ and b/ prefixes)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path.lstrip('/')}", tofile=f"b/{path.lstrip('/')}"))

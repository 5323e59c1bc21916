"""Applying fixes to a draft's text, and showing them as a diff."""

from __future__ import annotations

import difflib
from dataclasses import replace

from reportkit.lint.registry import SEVERITY_RANK, Diagnostic, Fix


def _overlap(a: Fix, b: Fix) -> bool:
    """Whether two fixes edit overlapping text (or insert at the same place)."""
    return any(x.start < y.end and y.start < x.end or x.start == y.start for x in a.edits for y in b.edits)


def drop_conflicting_fixes(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Keep at most one fix per stretch of text: safe before unsafe, then severity, then code.

    The diagnostics stay; a diagnostic whose fix would rewrite text another fix already
    rewrites differently is reported without its fix, so one span never offers two fixes.
    """
    ranked = sorted((d for d in diagnostics if d.fix), key=lambda d: (not d.fix.safe, -SEVERITY_RANK[d.severity],
                                                                      d.code, d.start))
    kept: list[Fix] = []
    dropped: set[int] = set()
    for d in ranked:
        if any(_overlap(d.fix, k) and d.fix.edits != k.edits for k in kept):
            dropped.add(id(d))
        else:
            kept.append(d.fix)
    return [replace(d, fix=None) if id(d) in dropped else d for d in diagnostics]


def chosen_fixes(diagnostics: list[Diagnostic], unsafe: bool = False) -> list[Diagnostic]:
    """The diagnostics whose fixes apply together: safe ones (and unsafe ones if asked), none overlapping."""
    chosen: list[Diagnostic] = []
    taken: list[tuple[int, int]] = []
    for d in diagnostics:
        if d.fix is None or (not d.fix.safe and not unsafe):
            continue
        spans = [(e.start, e.end) for e in d.fix.edits]
        # a later fix touching text an earlier one rewrites would splice the two edits together
        if any(s < te and ts < e or s == ts for s, e in spans for ts, te in taken):
            continue
        chosen.append(d)
        taken += spans
    return chosen


def apply_fixes(text: str, diagnostics: list[Diagnostic], unsafe: bool = False) -> tuple[str, int]:
    """Apply non-overlapping fixes (safe ones, and unsafe ones if asked); returns (text, count)."""
    chosen = chosen_fixes(diagnostics, unsafe)
    edits = sorted((e for d in chosen for e in d.fix.edits), key=lambda e: e.start, reverse=True)
    for e in edits:
        text = text[: e.start] + e.replacement + text[e.end :]
    return text, len(chosen)


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff of the draft at ``path`` before and after fixing (a/ and b/ prefixes)."""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path.lstrip('/')}", tofile=f"b/{path.lstrip('/')}"))

"""RK0xx: the draft's own lint directives."""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.lint.registry import LintContext, Violation, rule
from reportkit.lint.suppressions import SUPPRESS, Suppressions
from reportkit.triggers import Regex, text


@rule("RK001", "unknown-suppression", "warning", reads=text(Regex(SUPPRESS, "an inline suppression")))
def unknown_suppression(ctx: LintContext) -> Iterator[Violation]:
    """An inline suppression names a code that is no rule, so it silences nothing.

    What it checks:
        Every word of a `[reportkit: ignore ...]` directive must be a rule code (RK501) or a
        rule name (laterality-conflict); "RK31", "RK-301" or a misspelt name is reported.

    Why it matters:
        A suppression that silenced every rule on its line when a code was mistyped would hide
        errors such as a laterality conflict; an unknown code instead suppresses nothing and is
        reported here, so the typo is seen and corrected.

    Example:
        IMPRESSION: Calcific tendinitis of the left shoulder. [reportkit: ignore RK-501]

    Use instead:
        IMPRESSION: Calcific tendinitis of the left shoulder. [reportkit: ignore RK501]

    Fix safety:
        No fix: only the author knows which rule was meant.
    """
    for unknown in Suppressions(ctx.text).unknown:
        yield Violation(unknown.start, unknown.end,
                        f"'{unknown.code}' in this suppression is no rule code or name: it suppresses nothing")

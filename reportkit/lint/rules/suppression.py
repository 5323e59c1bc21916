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
        Every word of a `[reportkit: ignore ...]`, `[reportkit: off ...]` or `[reportkit: on ...]`
        directive must be a rule code (RK501) or a rule name (laterality-conflict); "RK31", "RK-301",
        a misspelt name or a list with no code at all (`[reportkit: ignore ,]`) is reported.

    Why it matters:
        A suppression that silenced every rule on its line when a code was mistyped would hide
        errors such as a laterality conflict, and an `off` whose codes were mistyped would hide
        every error to the end of the draft; an unknown code or an empty list instead suppresses
        nothing and is reported here, so the typo is seen and corrected.

    Example:
        IMPRESSION: Calcific tendinitis of the left shoulder. [reportkit: ignore RK-501]

    Use instead:
        IMPRESSION: Calcific tendinitis of the left shoulder. [reportkit: ignore RK501]

    Fix safety:
        No fix: only the author knows which rule was meant.
    """
    for unknown in Suppressions(ctx.text).unknown:
        if unknown.code:
            message = f"'{unknown.code}' in this suppression is no rule code or name: it suppresses nothing"
        else:
            message = "this suppression lists no rule code or name: it suppresses nothing"
        yield Violation(unknown.start, unknown.end, message)


@rule("RK002", "unused-suppression", "warning", reads=text(Regex(SUPPRESS, "an inline suppression")))
def unused_suppression(ctx: LintContext) -> Iterator[Violation]:
    """An inline suppression that silences nothing on its line.

    What it checks:
        Each code of a `[reportkit: ignore ...]` directive, and a bare `[reportkit: ignore]`, must
        silence a diagnostic of its line; one that silences nothing is reported (as ruff reports an
        unused `noqa`, RUF100). A code whose rule is not enabled (`--select`, `ignore`,
        `per-file-ignores`) silences nothing either and is reported as such. `[reportkit: off]` ...
        `[reportkit: on]` regions are not judged.

    Why it matters:
        A suppression outlives the wording it was written for: once the draft is corrected it silences
        nothing, but it would silence a new diagnostic of that rule on its line without anyone seeing it.

    Example:
        IMPRESSION: Calcific tendinitis of the right supraspinatus. [reportkit: ignore RK501]

    Use instead:
        IMPRESSION: Calcific tendinitis of the right supraspinatus.

    Fix safety:
        No fix: remove the code (or the directive) by hand once it is no longer needed.
    """
    # judged by the lint engine (reportkit.lint.engine) once every other rule has run: a rule sees one draft,
    # not which diagnostics the draft's suppressions silenced
    return iter(())

"""Run the registered rules over one analysed draft (:func:`run_rules`).

Turning text into the analysed draft is the engine's job (:mod:`reportkit.engine`): its ``lint``
and the text-level calls (``lint_text``, ``fix_text``, ``lint_drafts``) run the rules through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from reportkit.lint.config import LintConfig
from reportkit.lint.fixes import drop_conflicting_fixes
from reportkit.lint.formats import Position
from reportkit.lint.registry import Diagnostic, LintContext, Rule, rules
from reportkit.lint.suppressions import UNUSED_SUPPRESSION, Suppressions

if TYPE_CHECKING:
    from reportkit.lexicon import Lexicon
    from reportkit.models import ReportResult, StructuredReport


def run_rules(text: str, result: ReportResult, reasoned: Callable[[], StructuredReport], lexicon: Lexicon,
              path: str = "-", config: LintConfig | None = None, safe_fixes_only: bool = False) -> list[Diagnostic]:
    """The enabled rules' diagnostics of one analysed draft (``reasoned`` makes its report if a rule reads it).

    ``safe_fixes_only``: only the rules that may offer a safe fix (``safe_fix=True``), enough to choose
    the safe fixes. They come out exactly as with every rule: the same rules see the same context,
    other rules offer no safe fix (:func:`_run` refuses one), and :func:`drop_conflicting_fixes`
    settles safe fixes among themselves before any unsafe one.
    """
    context = LintContext(text=text, result=result, lexicon=lexicon, reasoned=reasoned)
    selected = [r for r in rules().values() if r.safe_fix] if safe_fixes_only else rules().values()
    return _run(context, path, config or LintConfig(), selected)


def _run(context: LintContext, path: str, config: LintConfig, selected: Iterable[Rule]) -> list[Diagnostic]:
    """The ``selected`` rules' diagnostics of one draft, sorted by position, conflicting fixes dropped."""
    text = context.text
    position = Position(text)
    suppressions = Suppressions(text)
    diagnostics = []
    ran: set[str] = set()
    for r in selected:
        if not config.enabled(r.code):
            continue
        ran.add(r.code)
        for v in r.check(context):
            if v.fix is not None and v.fix.safe and not r.safe_fix:
                raise RuntimeError(f"rule {r.code} offers a safe fix: register it with safe_fix=True")
            line, column = position.line_col(v.start)
            end_line, end_column = position.line_col(max(v.end, v.start + 1) - 1)
            if suppressions.hides(r.code, line, v.start):
                continue
            diagnostics.append(Diagnostic(path, r.code, r.name, config.severity_of(r), v.message, v.start, v.end,
                                          line, column, end_line, end_column + 1, v.fix))
    if UNUSED_SUPPRESSION in ran:  # judged once every other rule has run: which ignores silenced something
        unused = rules()[UNUSED_SUPPRESSION]
        for ignore in suppressions.unused():
            line, column = position.line_col(ignore.start)
            end_line, end_column = position.line_col(ignore.end - 1)
            if ignore.code is not None and suppressions.hides(unused.code, line, ignore.start):
                continue
            written = text[ignore.start:ignore.end]
            if ignore.code is None:
                message = "this suppression silences nothing on its line: remove it"
            elif ignore.code in ran:
                message = f"'{written}' in this suppression silences nothing on its line: remove it"
            else:  # as ruff's RUF100 ("non-enabled"): the rule did not run, so the code can silence nothing
                message = f"'{written}' in this suppression silences nothing: {ignore.code} is not enabled"
            diagnostics.append(Diagnostic(path, unused.code, unused.name, config.severity_of(unused), message,
                                          ignore.start, ignore.end, line, column, end_line, end_column + 1))
    diagnostics.sort(key=lambda d: (d.start, d.code))
    return drop_conflicting_fixes(diagnostics)

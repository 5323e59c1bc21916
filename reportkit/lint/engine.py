"""Run the registered rules over drafts: one text (:func:`lint_text`), fix-and-relint
(:func:`fix_text`), many drafts (:func:`lint_drafts`) and, until the reader moves to
reportkit.io, paths (:func:`lint_paths`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reportkit.lint.config import LintConfig
from reportkit.lint.fixes import apply_fixes, drop_conflicting_fixes
from reportkit.lint.formats import Position
from reportkit.lint.registry import SEVERITY_RANK, Diagnostic, LintContext, Rule, rules
from reportkit.lint.suppressions import Suppressions

if TYPE_CHECKING:
    from reportkit.models import ReportResult, StructuredReport

MAX_FIX_PASSES = 5


def lint_text(text: str, path: str = "-", config: LintConfig | None = None,
              lexicon_dir: str | None = None, report: StructuredReport | None = None) -> list[Diagnostic]:
    """Lint one draft (``report``: its analysis, if already made); diagnostics sorted by position."""
    # imported here so that listing or documenting rules never loads spaCy or the lexicon models
    from reportkit.api import analyse
    from reportkit.lexicon import load_lexicon

    report = report or analyse(text, path, lexicon_dir=lexicon_dir)
    context = LintContext(text=text, result=report.result, lexicon=load_lexicon(lexicon_dir), reasoned=lambda: report)
    return _run(context, path, config or LintConfig(), rules().values())


def safe_fix_diagnostics(text: str, path: str, config: LintConfig | None, lexicon_dir: str | None,
                         result: ReportResult, reasoned: Callable[[], StructuredReport]) -> list[Diagnostic]:
    """The diagnostics of the rules that may offer a safe fix (``safe_fix=True``): enough to choose the safe fixes.

    A draft about to be fixed and analysed again needs only its safe fixes, not its reasoning
    nor the other rules. They come out exactly as :func:`lint_text`'s do: the same rules see the
    same context (``reasoned`` makes the report if one of them reads it), other rules offer no
    safe fix (:func:`_run` refuses one), and :func:`drop_conflicting_fixes` settles safe fixes
    among themselves before any unsafe one.
    """
    from reportkit.lexicon import load_lexicon

    context = LintContext(text=text, result=result, lexicon=load_lexicon(lexicon_dir), reasoned=reasoned)
    return _run(context, path, config or LintConfig(), [r for r in rules().values() if r.safe_fix])


def _run(context: LintContext, path: str, config: LintConfig, selected: Iterable[Rule]) -> list[Diagnostic]:
    """The ``selected`` rules' diagnostics of one draft, sorted by position, conflicting fixes dropped."""
    text = context.text
    position = Position(text)
    suppressions = Suppressions(text)
    diagnostics = []
    for r in selected:
        if not config.enabled(r.code):
            continue
        for v in r.check(context):
            if v.fix is not None and v.fix.safe and not r.safe_fix:
                raise RuntimeError(f"rule {r.code} offers a safe fix: register it with safe_fix=True")
            line, column = position.line_col(v.start)
            end_line, end_column = position.line_col(max(v.end, v.start + 1) - 1)
            if suppressions.hides(r.code, line, v.start):
                continue
            diagnostics.append(Diagnostic(path, r.code, r.name, config.severity_of(r), v.message, v.start, v.end,
                                          line, column, end_line, end_column + 1, v.fix))
    diagnostics.sort(key=lambda d: (d.start, d.code))
    return drop_conflicting_fixes(diagnostics)


def fix_text(text: str, path: str, config: LintConfig, unsafe: bool = False,
             lexicon_dir: str | None = None) -> tuple[str, int, list[Diagnostic]]:
    """Fix, re-lint and repeat until nothing more applies; returns (text, fixes, remaining)."""
    total = 0
    diagnostics = lint_text(text, path, config, lexicon_dir)
    for _ in range(MAX_FIX_PASSES):
        text, applied = apply_fixes(text, diagnostics, unsafe)
        if not applied:
            break
        total += applied
        diagnostics = lint_text(text, path, config, lexicon_dir)
    return text, total, diagnostics


@dataclass
class LintRun:
    """Diagnostics for many drafts, and what --fix did."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)  # path -> fixed text, where it changed
    fixes_applied: int = 0
    failed: bool = False  # some diagnostic at or above its file's fail-on severity
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, why) of drafts that could not be linted

    @property
    def texts(self) -> dict[str, str]:
        """The text each diagnostic refers to: the fixed one where fixes were applied."""
        return {**self.originals, **self.fixed}

    def worst(self) -> int:
        """The highest severity rank among the diagnostics, -1 when there are none."""
        return max((SEVERITY_RANK[d.severity] for d in self.diagnostics), default=-1)


def lint_drafts(drafts: Iterable[tuple[str, str]], config: LintConfig | Callable[[str], LintConfig],
                fix: bool = False, unsafe: bool = False, lexicon_dir: str | None = None,
                seconds: float | None = None) -> LintRun:
    """Lint (and, if asked, fix) already-read (path, text) drafts in order; ``config`` may be one per path.

    A draft that takes longer than ``seconds`` is recorded in ``run.errors`` and the others go on.
    """
    from reportkit.pipeline import get_pipeline
    from reportkit.timeout import ReportTimeout, time_limit

    if seconds:
        get_pipeline(lexicon_dir)  # built once, before any draft's clock starts
    config_for = config if callable(config) else lambda _path: config
    run = LintRun()
    for path, text in drafts:
        settings = config_for(path)
        run.originals[path] = text
        try:
            with time_limit(seconds):
                if fix:
                    fixed, applied, diagnostics = fix_text(text, path, settings, unsafe, lexicon_dir)
                else:
                    fixed, applied, diagnostics = text, 0, lint_text(text, path, settings, lexicon_dir)
        except ReportTimeout as exc:
            run.errors.append((path, str(exc)))
            continue
        if applied:
            run.fixed[path] = fixed
            run.fixes_applied += applied
        run.diagnostics += diagnostics
        run.failed |= any(SEVERITY_RANK[d.severity] >= SEVERITY_RANK[settings.fail_on] for d in diagnostics)
    return run

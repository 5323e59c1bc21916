"""`reportkit lint` (check and fix drafts) and `reportkit rule` (rule documentation)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, lexicon_arg, usage_error


class LintFormat(StrEnum):
    """Output formats of ``lint``."""

    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def _drafts(paths: list[str]):
    """Drafts from the one reader; an unreadable input is a usage error (exit 2)."""
    from reportkit.io import read_drafts
    from reportkit.lint import LintError
    from reportkit.models import ErrorRecord

    for item in read_drafts(paths):
        if isinstance(item, ErrorRecord):
            raise LintError(f"{item.source}: {item.error}")
        yield item


def _write_fixes(fixed: dict[str, str]) -> None:
    for path, text in fixed.items():
        if path == "-":
            sys.stdout.write(text)
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)


def lint(
    paths: Annotated[list[str], typer.Argument(help="Draft files, folders, globs, or - for stdin.")],
    output_format: Annotated[LintFormat, typer.Option("--format", "-f", help="Output format.")] = LintFormat.text,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="info, warning or error (default: config, else warning).")] = None,
    select: Annotated[list[str] | None, typer.Option("--select", help="Only these rule codes or prefixes.")] = None,
    ignore: Annotated[list[str] | None, typer.Option("--ignore", help="Skip these rule codes or prefixes.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply safe fixes in place, then lint again.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show the fixes as a diff; write nothing.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option("--unsafe-fixes", help="Also apply fixes marked unsafe.")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="reportkit.toml or pyproject.toml to use.")] = None,
    lexicons: LexiconOption = None,
) -> None:
    """Lint draft reports. Exit 0: nothing at or above --fail-on; 1: diagnostics; 2: usage or input error."""
    from reportkit.lint import (
        SEVERITY_RANK,
        LintError,
        format_github,
        format_json,
        format_sarif,
        format_text,
        lint_drafts,
        load_config,
        unified_diff,
    )

    lexicon_dir = lexicon_arg(lexicons)
    try:
        settings, _ = load_config(config)
        updates = {}
        if fail_on is not None:
            if fail_on not in SEVERITY_RANK:
                raise LintError(f"--fail-on must be info, warning or error, not '{fail_on}'")
            updates["fail_on"] = fail_on
        if select:
            updates["select"] = select
        if ignore:
            updates["ignore"] = list(settings.ignore) + list(ignore)
        settings = settings.model_copy(update=updates)
        run = lint_drafts(_drafts(paths), settings, fix=fix or diff, unsafe=unsafe_fixes, lexicon_dir=lexicon_dir)
    except LintError as exc:
        raise usage_error(str(exc)) from exc
    if diff:
        for path, fixed in run.fixed.items():
            sys.stdout.write(unified_diff(path, run.originals[path], fixed))
        typer.echo(f"{run.fixes_applied} fix(es) would be applied", err=True)
        raise typer.Exit(1 if run.fixed else 0)
    if fix:
        _write_fixes(run.fixed)
        typer.echo(f"{run.fixes_applied} fix(es) applied", err=True)
    formatters = {
        LintFormat.text: lambda: format_text(run.diagnostics, run.texts),
        LintFormat.json: lambda: format_json(run.diagnostics),
        LintFormat.sarif: lambda: format_sarif(run.diagnostics),
        LintFormat.github: lambda: format_github(run.diagnostics),
    }
    output = formatters[output_format]()
    (sys.stderr if fix and "-" in run.fixed else sys.stdout).write(output)
    raise typer.Exit(1 if run.worst() >= SEVERITY_RANK[settings.fail_on] else 0)


def show_rule(
    code: Annotated[str | None, typer.Argument(help="Rule code (RK101) or name.")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="List every rule.")] = False,
) -> None:
    """Print a lint rule's documentation, or list every rule."""
    from reportkit.lint import LintError, find_rule, rules

    if show_all or code is None:
        for r in rules().values():
            typer.echo(f"{r.code}  {r.name:<36} {r.severity:<8} {r.summary}")
        return
    try:
        r = find_rule(code)
    except LintError as exc:
        raise usage_error(str(exc)) from exc
    typer.echo(f"{r.code} {r.name} (default severity: {r.severity})\n")
    typer.echo(r.doc)

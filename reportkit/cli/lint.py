"""`reportkit lint` (check and fix drafts) and `reportkit rule` (rule documentation)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, TimeLimitOption, echo_error, lexicon_arg, usage_error


class LintFormat(StrEnum):
    """Output formats of ``lint``."""

    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


def _drafts(paths: list[str], input_errors: list):
    """Drafts from the one reader; an unreadable input is reported, kept in ``input_errors`` and skipped."""
    from reportkit.io import read_drafts
    from reportkit.models import ErrorRecord

    for item in read_drafts(paths):
        if isinstance(item, ErrorRecord):
            echo_error(item)
            input_errors.append(item)
            continue
        yield item


def _write_fixes(fixed: dict[str, str]) -> None:
    for path, text in fixed.items():
        if path != "-":
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)


def _summary(diagnostics) -> str:
    """One line per diagnostic without its message (messages quote the report), for stderr."""
    return "".join(f"{d.path}:{d.line}:{d.column}: {d.code} [{d.severity}] ({d.name})\n" for d in diagnostics)


def lint(
    paths: Annotated[list[str], typer.Argument(help="Draft files, folders, globs, or - for stdin.")],
    output_format: Annotated[LintFormat, typer.Option("--format", "-f", help="Output format.")] = LintFormat.text,
    fail_on: Annotated[str | None, typer.Option("--fail-on", help="info, warning or error (default: config, else warning).")] = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Only these rule codes, prefixes or names (comma-separated or repeated).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(
        "--ignore", help="Skip these rule codes, prefixes or names (comma-separated or repeated).")] = None,
    fix: Annotated[bool, typer.Option(
        "--fix", help="Apply safe fixes in place, then lint again. With -: stdout is the whole draft.")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show the fixes as a diff; write nothing.")] = False,
    unsafe_fixes: Annotated[bool, typer.Option(
        "--unsafe-fixes", help="Also apply fixes marked unsafe (with --fix or --diff only).")] = False,
    statistics: Annotated[bool, typer.Option(
        "--statistics", help="Count the diagnostics per rule instead of listing them (text or json).")] = False,
    show_fixes: Annotated[bool, typer.Option(
        "--show-fixes", help="With --fix: list what was fixed, per file and rule.")] = False,
    config: Annotated[Path | None, typer.Option(
        "--config", help="reportkit.toml or pyproject.toml to use (default: the nearest above each file).")] = None,
    base: Annotated[Path | None, typer.Option(
        "--base", help="SARIF only: give file locations relative to this folder (uriBaseId SRCROOT); "
        "default: absolute file: URIs.")] = None,
    lexicons: LexiconOption = None,
    time_limit: TimeLimitOption = 30.0,
) -> None:
    """Lint draft reports. Exit 0: nothing at or above --fail-on; 1: diagnostics; 2: usage or input error."""
    import json

    from reportkit.engine import lint_drafts
    from reportkit.lint import (
        ConfigFinder,
        LintError,
        format_fixed,
        format_github,
        format_json,
        format_sarif,
        format_statistics,
        format_text,
        unified_diff,
    )
    from reportkit.lint import statistics as count_by_rule

    if base is not None and output_format is not LintFormat.sarif:
        raise usage_error("--base only applies to --format sarif")
    if unsafe_fixes and not (fix or diff):
        raise usage_error("--unsafe-fixes only changes what --fix or --diff do: add one of them")
    if statistics and output_format not in (LintFormat.text, LintFormat.json):
        raise usage_error("--statistics prints text or json, not --format " + output_format.value)
    lexicon_dir = lexicon_arg(lexicons)
    input_errors: list = []
    try:
        configs = ConfigFinder(config, select, ignore, fail_on)
        run = lint_drafts(_drafts(paths, input_errors), configs.for_path, fix=fix or diff, unsafe=unsafe_fixes,
                          lexicon_dir=lexicon_dir, seconds=time_limit or None)
    except LintError as exc:
        raise usage_error(str(exc)) from exc
    for path, why in run.errors:  # a runaway draft is an input error: the rest were linted
        typer.echo(f"error: {path}: {why}", err=True)
        input_errors.append(path)
    failed = 2 if input_errors else 1 if run.failed else 0
    if diff:
        for path, fixed in run.fixed.items():
            sys.stdout.write(unified_diff(path, run.originals[path], fixed))
        typer.echo(f"{run.fixes_applied} fix(es) would be applied", err=True)
        raise typer.Exit(2 if input_errors else 1 if run.fixed else 0)
    if fix:
        _write_fixes(run.fixed)
        if show_fixes:
            sys.stderr.write(format_fixed(run.fixed_diagnostics))
        if "-" in run.originals:  # stdout carries the draft, whole, so `lint - --fix > out.txt` never loses it
            sys.stdout.write(run.texts["-"])
            sys.stderr.write(_summary(run.diagnostics))
            typer.echo(f"{run.fixes_applied} fix(es) applied; {len(run.diagnostics)} diagnostic(s) remain", err=True)
            raise typer.Exit(failed)
        typer.echo(f"{run.fixes_applied} fix(es) applied", err=True)
    color = output_format is LintFormat.text and _colour(sys.stdout)
    unread = len(input_errors)
    if statistics:
        output = (json.dumps(count_by_rule(run.diagnostics), indent=2) + "\n" if output_format is LintFormat.json
                  else format_statistics(run.diagnostics, color, unread))
    else:
        output = {
            LintFormat.text: lambda: format_text(run.diagnostics, run.texts, color, unread),
            LintFormat.json: lambda: format_json(run.diagnostics),
            LintFormat.sarif: lambda: format_sarif(run.diagnostics, base),
            LintFormat.github: lambda: format_github(run.diagnostics),
        }[output_format]()
    sys.stdout.write(output)
    raise typer.Exit(failed)


def _colour(stream) -> bool:
    """Colour on a terminal, as ruff: never with NO_COLOR set (no-color.org), always with FORCE_COLOR set."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def _followup_conditions(precondition) -> list[str]:
    """Each follow-up rule a lint rule reads (its precondition's ``recommendations``), with its conditions as
    data."""
    from reportkit.lexicon import load_lexicon

    lexicon = load_lexicon()
    wanted = precondition.followup_ids(lexicon)
    return [f"{f.id}: {f.when.model_dump(exclude_defaults=True, mode='json')}"
            for f in lexicon.followup.rules if wanted is None or f.id in wanted]


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
    typer.echo(f"{r.code} {r.name} (default severity: {r.severity})")
    typer.echo(f"Reads: {r.reads_summary}")
    typer.echo(f"Applies to: {r.when.summary if r.when else 'the report text (no deposit precondition)'}")
    if r.when and r.when.recommendations:
        for line in _followup_conditions(r.when):
            typer.echo(f"  {line}")
    typer.echo("")
    typer.echo(r.doc)

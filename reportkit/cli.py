"""Command line: a thin layer over the library."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportkit import __version__

app = typer.Typer(
    help="Find and reason over soft-tissue calcification, ossification and foreign-body mentions "
    "in MSK radiology reports. reportkit suggests; it does not diagnose.",
    no_args_is_help=True,
    add_completion=False,
)

LexiconOption = Annotated[
    Path | None, typer.Option("--lexicons", help="Folder of lexicon YAML files to use instead of the shipped ones.")
]


class ExtractFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reportkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")] = False,
) -> None:
    """reportkit command line."""


def _lexicon_arg(lexicons: Path | None) -> str | None:
    """Validate the lexicons before any input is read; a bad lexicon is a usage error (exit 2)."""
    from reportkit.lexicon import LexiconError, load_lexicon

    lexicon_dir = str(lexicons) if lexicons else None
    try:
        load_lexicon(lexicon_dir)
    except LexiconError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return lexicon_dir


def _table_rows(result) -> list[str]:
    rows = []
    for f in result.findings + result.queries:
        flags = ",".join(
            name for name, on in (("neg", f.negated), ("unc", f.uncertain), ("hist", f.historical),
                                  ("query", f.hypothetical)) if on
        ) or "-"
        rows.append(
            "\t".join(
                [result.id, f"{f.start}-{f.end}", f.kind, f.text.replace("\n", " "), flags,
                 f.location_category or "-", f.laterality or "-", f.diagnosis or "-"]
            )
        )
    return rows


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help=".txt files, folders, .jsonl files ({id, text} per line) or - for stdin.")],
    output_format: Annotated[ExtractFormat, typer.Option("--format", "-f", help="Output format.")] = ExtractFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each builds the pipeline once).")] = 1,
    lexicons: LexiconOption = None,
) -> None:
    """Extract findings as JSONL (one line per report; errors as {"error": ...} lines)."""
    from reportkit.inputs import read_inputs
    from reportkit.models import ErrorRecord
    from reportkit.runner import Tally, extract_inputs

    lexicon_dir = _lexicon_arg(lexicons)
    tally = Tally()
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        if output_format is ExtractFormat.table:
            stream.write("id\tspan\tkind\ttext\tflags\tlocation\tside\tdiagnosis\n")
        for outcome in extract_inputs(read_inputs(paths), workers=workers, lexicon_dir=lexicon_dir):
            tally.add(outcome)
            if isinstance(outcome, ErrorRecord):
                where = outcome.source + (f":{outcome.line}" if outcome.line else "")
                typer.echo(f"error: {where}: {outcome.error}", err=True)
                if output_format is ExtractFormat.jsonl:
                    stream.write(outcome.model_dump_json() + "\n")
            elif output_format is ExtractFormat.jsonl:
                stream.write(outcome.model_dump_json() + "\n")
            else:
                for row in _table_rows(outcome):
                    stream.write(row + "\n")
    finally:
        if output:
            stream.close()
    typer.echo(f"{tally.inputs} inputs: {tally.results} results, {tally.errors} errors", err=True)
    if tally.errors:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL in the shared/eval schema.")],
    pred: Annotated[Path | None, typer.Option("--pred", help="Score these predictions instead of running the pipeline.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    show_misses: Annotated[bool, typer.Option("--misses", help="List every missed, spurious or mislabelled mention.")] = False,
    lexicons: LexiconOption = None,
) -> None:
    """Precision/recall/F1 for mentions (overlap match, typed and untyped) and attribute accuracy."""
    from reportkit.evaluation import EvalError, evaluate_pipeline, load_gold, load_predictions, score

    try:
        if pred is None:
            report = evaluate_pipeline(gold, lexicon_dir=_lexicon_arg(lexicons))
        else:
            report = score(load_gold(gold), load_predictions(pred))
    except EvalError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    summary = report.summary()
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        typer.echo(f"items: {summary['items']}")
        typer.echo(f"{'mentions':<22}{'P':>8}{'R':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}")
        rows = [("untyped", summary["mentions_untyped"]), ("typed", summary["mentions_typed"])]
        rows += [(f"  {k}", v) for k, v in summary["typed_by_kind"].items()]
        for name, s in rows:
            typer.echo(f"{name:<22}{s['precision']:>8.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}"
                       f"{s['tp']:>6}{s['fp']:>6}{s['fn']:>6}")
        typer.echo(f"{'attribute':<22}{'accuracy':>10}{'n':>8}")
        for name, a in summary["attributes"].items():
            typer.echo(f"{name:<22}{a['accuracy']:>10.3f}{a['correct']:>4}/{a['total']:<4}")
        if pred is None:
            m = summary["modality_sets"]
            typer.echo(f"{'modality (per item)':<22}{m['accuracy']:>10.3f}{m['correct']:>4}/{m['total']:<4}")
    if show_misses:
        for miss in report.misses:
            g = f"gold={miss.gold['span']!r}" if miss.gold else ""
            p = f"pred={miss.pred.get('text', '')!r}" if miss.pred else ""
            typer.echo(f"{miss.item}: {miss.what} {g} {p}".rstrip())


@app.command()
def report(
    paths: Annotated[list[str], typer.Argument(help=".txt files, folders, .jsonl files or - for stdin.")],
    output_format: Annotated[str, typer.Option("--format", "-f", help="text, md, html, json or fhir.")] = "text",
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder whose templates override the shipped ones.")] = None,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="Write <id>.<ext> files here instead of stdout.")] = None,
    lexicons: LexiconOption = None,
) -> None:
    """Structured report: findings by location, differential, recommendations (suggestions, not a diagnosis)."""
    from jinja2 import TemplateError

    from reportkit.api import extract as run_extract
    from reportkit.inputs import read_inputs
    from reportkit.models import ErrorRecord
    from reportkit.reasoning import reason
    from reportkit.render import Format, render, write_reports
    from reportkit.runner import Tally

    try:
        fmt = Format(output_format)
    except ValueError as exc:
        typer.echo(f"error: unknown format '{output_format}' (text, md, html, json, fhir)", err=True)
        raise typer.Exit(2) from exc
    if templates is not None and not templates.is_dir():
        typer.echo(f"error: {templates}: templates folder not found", err=True)
        raise typer.Exit(2)
    lexicon_dir = _lexicon_arg(lexicons)
    tally = Tally()
    outputs: list[tuple[str, str]] = []
    for item in read_inputs(paths):
        if isinstance(item, ErrorRecord):
            tally.add(item)
            typer.echo(f"error: {item.source}{f':{item.line}' if item.line else ''}: {item.error}", err=True)
            continue
        try:
            result = run_extract(item.text, item.id, lexicon_dir=lexicon_dir)
            content = render(reason(result, item.text, lexicon_dir), item.text, fmt,
                             str(templates) if templates else None)
        except TemplateError as exc:
            typer.echo(f"error: template: {exc}", err=True)
            raise typer.Exit(2) from exc
        tally.add(result)
        if output_dir:
            outputs.append((item.id, content))
        else:
            sys.stdout.write(content)
    if output_dir:
        for path in write_reports(outputs, fmt, output_dir):
            typer.echo(f"wrote {path}", err=True)
    typer.echo(f"{tally.inputs} inputs: {tally.results} results, {tally.errors} errors", err=True)
    if tally.errors:
        raise typer.Exit(1)


@app.command()
def terms(
    query: Annotated[str | None, typer.Argument(help="Filter by words in the term, synonyms or definition.")] = None,
) -> None:
    """List terminology concepts: preferred term, category, synonyms, deprecated terms and verified codes."""
    from reportkit.lexicon import load_lexicon

    needle = (query or "").lower()
    shown = 0
    for term in load_lexicon().terminology.terms:
        haystack = " ".join([term.id, term.preferred, term.definition, *term.synonyms, *term.deprecated,
                             *(m.term for m in term.misused)]).lower()
        if needle and needle not in haystack:
            continue
        shown += 1
        typer.echo(f"{term.preferred}  [{term.category.replace('_', ' ')}]")
        typer.echo(f"  {term.definition}")
        if term.synonyms:
            typer.echo(f"  synonyms: {', '.join(term.synonyms)}")
        if term.deprecated:
            typer.echo(f"  deprecated: {', '.join(term.deprecated)}")
        for misuse in term.misused:
            typer.echo(f"  misused: '{misuse.term}': {misuse.advice}")
        for code in term.codes:
            typer.echo(f"  {code.system} {code.code} {code.display}")
        typer.echo(f"  source: {term.source}")
    if not shown:
        typer.echo(f"no term matches '{query}'", err=True)
        raise typer.Exit(1)


class LintFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"
    github = "github"


@app.command()
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
        lint_paths,
        load_config,
        unified_diff,
    )

    lexicon_dir = _lexicon_arg(lexicons)
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
        run = lint_paths(paths, settings, fix=fix or diff, unsafe=unsafe_fixes, lexicon_dir=lexicon_dir)
    except LintError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if diff:
        for path, fixed in run.fixed.items():
            sys.stdout.write(unified_diff(path, run.originals[path], fixed))
        typer.echo(f"{run.fixes_applied} fix(es) would be applied", err=True)
        raise typer.Exit(1 if run.fixed else 0)
    if fix:
        for path, fixed in run.fixed.items():
            if path == "-":
                sys.stdout.write(fixed)
            else:
                with open(path, "w", encoding="utf-8", newline="") as handle:
                    handle.write(fixed)
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


@app.command("rule")
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
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{r.code} {r.name} (default severity: {r.severity})\n")
    typer.echo(r.doc)


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the schema here.")] = None,
) -> None:
    """Print the JSON Schema of extract's output records."""
    from reportkit.models import output_schema

    text = json.dumps(output_schema(), indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


if __name__ == "__main__":  # pragma: no cover
    app()

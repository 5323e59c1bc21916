"""`reportkit report`: structured reports (text, md, html, json, FHIR) through the runner."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, echo_error, lexicon_arg, usage_error


def report(
    paths: Annotated[list[str], typer.Argument(help=".txt files, folders, .jsonl files or - for stdin.")],
    output_format: Annotated[str, typer.Option("--format", "-f", help="text, md, html, json or fhir.")] = "text",
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder whose templates override the shipped ones.")] = None,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", "-o", help="Write <id>.<ext> files here instead of stdout.")] = None,
    lexicons: LexiconOption = None,
) -> None:
    """Structured report: findings by location, differential, recommendations (suggestions, not a diagnosis)."""
    from jinja2 import TemplateError

    from reportkit.io import Tally, read_inputs, render_inputs
    from reportkit.models import ErrorRecord
    from reportkit.render import Format, write_reports

    try:
        fmt = Format(output_format)
    except ValueError as exc:
        raise usage_error(f"unknown format '{output_format}' (text, md, html, json, fhir)") from exc
    if templates is not None and not templates.is_dir():
        raise usage_error(f"{templates}: templates folder not found")
    lexicon_dir = lexicon_arg(lexicons)
    tally = Tally()
    outputs: list[tuple[str, str]] = []
    rendered = render_inputs(read_inputs(paths), fmt, str(templates) if templates else None, lexicon_dir)
    try:
        for outcome in rendered:
            tally.add(outcome)
            if isinstance(outcome, ErrorRecord):
                echo_error(outcome)
            elif output_dir:
                outputs.append((outcome.id, outcome.content))
            else:
                sys.stdout.write(outcome.content)
    except TemplateError as exc:
        raise usage_error(f"template: {exc}") from exc
    if output_dir:
        for path in write_reports(outputs, fmt, output_dir):
            typer.echo(f"wrote {path}", err=True)
    typer.echo(tally.summary(), err=True)
    if tally.errors:
        raise typer.Exit(1)

"""`reportkit report`: structured reports (text, md, html, json, FHIR) through the runner."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import (
    EncodingOption,
    LexiconOption,
    TimeLimitOption,
    echo_error,
    encoding_arg,
    lexicon_arg,
    usage_error,
)


class ReportFormat(StrEnum):
    """Output formats of ``report`` (the values of :class:`reportkit.render.Format`)."""

    text = "text"
    md = "md"
    html = "html"
    json = "json"
    fhir = "fhir"


def _one_line(content: str, fmt: ReportFormat) -> str:
    """JSON and FHIR on stdout are JSONL: one compact object per report, whatever the input count."""
    if fmt in (ReportFormat.json, ReportFormat.fhir):
        return json.dumps(json.loads(content), ensure_ascii=False, separators=(",", ":")) + "\n"
    return content


def _names_a_file(output: Path, fmt) -> bool:
    """Whether ``-o`` names one output file: not an existing folder, and its extension is the format's
    (report.html for html; .json for json and fhir)."""
    from reportkit.render import EXTENSIONS

    return not output.is_dir() and output.suffix.lower() == "." + EXTENSIONS[fmt].rsplit(".", 1)[-1]


def _write_one(output: Path, outputs: list[tuple[str, str]]) -> None:
    """Write the single report to ``output`` (replaced only once it is whole)."""
    from reportkit.io import atomic_output

    if not outputs:
        return  # every input was an error, already reported: nothing to write
    try:
        with atomic_output(output) as handle:
            handle.write(outputs[0][1])
    except OSError as exc:
        raise usage_error(f"{output}: cannot write: {exc.strerror or exc}") from exc
    typer.echo(f"wrote {output}", err=True)


def report(
    paths: Annotated[list[str], typer.Argument(help=".txt files, folders, .jsonl files (.gz too), pipes, or - for stdin.")],
    output_format: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="Output format. json and fhir print one JSON object per line (JSONL) on stdout; "
        "with -o, one indented file per report.")] = ReportFormat.text,
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder whose templates override the shipped ones.")] = None,
    output_dir: Annotated[Path | None, typer.Option(
        "--output-dir", "-o", help="Write here instead of stdout: a file named for the format (report.html) takes "
        "a single report; otherwise a folder of <id>.<ext> files (names made safe and unique; a renamed one is "
        "noted on stderr).")] = None,
    encoding: EncodingOption = "utf-8",
    lexicons: LexiconOption = None,
    time_limit: TimeLimitOption = 30.0,
) -> None:
    """Structured report: findings by location, differential, recommendations (suggestions, not a diagnosis)."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    from reportkit.io import (
        REPORTS,
        Tally,
        input_files,
        output_file_problem,
        output_folder_problem,
        read_inputs,
        render_inputs,
    )
    from reportkit.models import ErrorRecord
    from reportkit.render import Format, write_reports

    fmt = Format(output_format.value)
    encoding = encoding_arg(encoding)
    if templates is not None and not templates.is_dir():
        raise usage_error(f"{templates}: templates folder not found")
    output_file = output_dir if output_dir is not None and _names_a_file(output_dir, fmt) else None
    if output_file is not None and (problem := output_file_problem(output_file, input_files(paths, REPORTS.suffixes))):
        raise usage_error(problem)
    if output_dir is not None and output_file is None:
        if problem := output_folder_problem(output_dir):
            raise usage_error(problem)
        # the folder itself is made, not a missing path above it: as extract -o FILE, -o names a place in an existing folder
        if not output_dir.exists() and not output_dir.absolute().parent.is_dir():
            raise usage_error(f"{output_dir}: folder {output_dir.absolute().parent} does not exist")
    lexicon_dir = lexicon_arg(lexicons)
    tally = Tally()
    outputs: list[tuple[str, str]] = []
    rendered = render_inputs(read_inputs(paths, encoding=encoding), fmt, str(templates) if templates else None,
                             lexicon_dir, time_limit or None)
    try:
        for outcome in rendered:
            tally.add(outcome)
            if isinstance(outcome, ErrorRecord):
                echo_error(outcome)
            elif output_dir:
                outputs.append((outcome.id, outcome.content))
            else:
                sys.stdout.write(_one_line(outcome.content, output_format))
    except SecurityError as exc:  # user templates run sandboxed: no private attributes, no os
        raise usage_error(f"template refused by the sandbox: {exc}") from exc
    except TemplateError as exc:
        raise usage_error(f"template: {exc}") from exc
    if output_file is not None:
        if len(outputs) > 1:
            raise usage_error(f"{output_file}: {len(outputs)} reports do not fit in one file; give a folder")
        _write_one(output_file, outputs)
    elif output_dir:
        try:
            for path, note in write_reports(outputs, fmt, output_dir, input_files(paths, REPORTS.suffixes)):
                if note:
                    typer.echo(f"note: {note}", err=True)
                typer.echo(f"wrote {path}", err=True)
        except OSError as exc:
            raise usage_error(f"{output_dir}: cannot write: {exc.strerror or exc}") from exc
    typer.echo(tally.summary(), err=True)
    if tally.errors:
        raise typer.Exit(1)

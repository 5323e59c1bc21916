"""`reportkit extract`: findings as JSONL or a table, one line per report."""

from __future__ import annotations

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


class ExtractFormat(StrEnum):
    """Output formats of ``extract``."""

    jsonl = "jsonl"
    table = "table"


TABLE_HEADER = "id\tspan\tkind\ttext\tflags\tlocation\tside\tdiagnosis\n"

# as PostgreSQL's COPY text format: a tab, line break or backslash inside a cell cannot split a row
_CELL_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _row(*cells: str) -> str:
    return "\t".join(cell.translate(_CELL_ESCAPES) for cell in cells)


def table_rows(result) -> list[str]:
    """One tab-separated row per finding and query of a ReportResult, or one row of ``-`` with none; a tab, line
    break or backslash in a cell is written ``\\t``, ``\\n``, ``\\r``, ``\\\\``."""
    rows = []
    for f in result.findings + result.queries:
        flags = ",".join(
            name for name, on in (("neg", f.negated), ("unc", f.uncertain), ("hist", f.historical),
                                  ("query", f.hypothetical)) if on
        ) or "-"
        rows.append(_row(result.id, f"{f.start}-{f.end}", f.kind, f.text.replace("\n", " "), flags,
                         f.location_category or "-", f.laterality or "-", f.diagnosis or "-"))
    return rows or [_row(result.id, *"-" * 7)]


def error_row(record) -> str:
    """The row of an input that became an error record: kind ``error``, the reason in the text column."""
    where = record.id or record.source + (f":{record.line}" if record.line else "")
    return _row(where, "-", "error", record.error, *"-" * 4)


def _write(stream, paths: list[str], output_format: ExtractFormat, workers: int, lexicon_dir: str | None,
           encoding: str, seconds: float = 30.0):
    """Extract every input into ``stream``; return the tally."""
    from reportkit.io import Tally, extract_inputs, read_inputs
    from reportkit.models import ErrorRecord

    tally = Tally()
    if output_format is ExtractFormat.table:
        stream.write(TABLE_HEADER)
    inputs = read_inputs(paths, encoding=encoding)
    for outcome in extract_inputs(inputs, workers=workers, lexicon_dir=lexicon_dir, time_limit=seconds or None):
        tally.add(outcome)
        if isinstance(outcome, ErrorRecord):
            echo_error(outcome)
            stream.write(outcome.model_dump_json() + "\n" if output_format is ExtractFormat.jsonl
                         else error_row(outcome) + "\n")
        elif output_format is ExtractFormat.jsonl:
            stream.write(outcome.model_dump_json() + "\n")
        else:
            for row in table_rows(outcome):
                stream.write(row + "\n")
    return tally


def extract(
    paths: Annotated[list[str], typer.Argument(
        help=".txt files, folders, .jsonl files ({id, text} per line; .gz too), pipes, or - for stdin.")],
    output_format: Annotated[ExtractFormat, typer.Option("--format", "-f", help="Output format.")] = ExtractFormat.jsonl,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write here instead of stdout (replaced only when the run completes).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, at most the CPU count (each builds the pipeline once).")] = 1,
    encoding: EncodingOption = "utf-8",
    lexicons: LexiconOption = None,
    time_limit: TimeLimitOption = 30.0,
) -> None:
    """Extract findings as JSONL (one line per report; errors as {"error": ...} lines)."""
    from reportkit.io import REPORTS, atomic_output, cap_workers, input_files, output_file_problem

    encoding = encoding_arg(encoding)
    if output is not None:
        problem = output_file_problem(output, input_files(paths, REPORTS.suffixes))
        if problem:
            raise usage_error(problem)
    workers, warning = cap_workers(workers)
    if warning:
        typer.echo(f"warning: {warning}", err=True)
    lexicon_dir = lexicon_arg(lexicons)
    if output is None:
        tally = _write(sys.stdout, paths, output_format, workers, lexicon_dir, encoding, time_limit)
    else:
        try:
            with atomic_output(output) as stream:
                tally = _write(stream, paths, output_format, workers, lexicon_dir, encoding, time_limit)
        except OSError as exc:
            raise usage_error(f"{output}: cannot write: {exc.strerror or exc}") from exc
    typer.echo(tally.summary(), err=True)
    if tally.errors:
        raise typer.Exit(1)

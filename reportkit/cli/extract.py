"""`reportkit extract`: findings as JSONL or a table, one line per report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import LexiconOption, echo_error, lexicon_arg


class ExtractFormat(StrEnum):
    """Output formats of ``extract``."""

    jsonl = "jsonl"
    table = "table"


TABLE_HEADER = "id\tspan\tkind\ttext\tflags\tlocation\tside\tdiagnosis\n"


def table_rows(result) -> list[str]:
    """One tab-separated row per finding and query of a ReportResult."""
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


def extract(
    paths: Annotated[list[str], typer.Argument(help=".txt files, folders, .jsonl files ({id, text} per line) or - for stdin.")],
    output_format: Annotated[ExtractFormat, typer.Option("--format", "-f", help="Output format.")] = ExtractFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (each builds the pipeline once).")] = 1,
    lexicons: LexiconOption = None,
) -> None:
    """Extract findings as JSONL (one line per report; errors as {"error": ...} lines)."""
    from reportkit.io import Tally, extract_inputs, read_inputs
    from reportkit.models import ErrorRecord

    lexicon_dir = lexicon_arg(lexicons)
    tally = Tally()
    stream = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        if output_format is ExtractFormat.table:
            stream.write(TABLE_HEADER)
        for outcome in extract_inputs(read_inputs(paths), workers=workers, lexicon_dir=lexicon_dir):
            tally.add(outcome)
            if isinstance(outcome, ErrorRecord):
                echo_error(outcome)
                if output_format is ExtractFormat.jsonl:
                    stream.write(outcome.model_dump_json() + "\n")
            elif output_format is ExtractFormat.jsonl:
                stream.write(outcome.model_dump_json() + "\n")
            else:
                for row in table_rows(outcome):
                    stream.write(row + "\n")
    finally:
        if output:
            stream.close()
    typer.echo(tally.summary(), err=True)
    if tally.errors:
        raise typer.Exit(1)

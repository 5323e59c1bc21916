"""Options and helpers shared by the command modules; nothing here imports spaCy."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from reportkit.models import ErrorRecord

LexiconOption = Annotated[
    Path | None, typer.Option("--lexicons", help="Folder of lexicon YAML files to use instead of the shipped ones.")
]


TimeLimitOption = Annotated[
    float, typer.Option("--time-limit", min=0, help="Seconds one report may take before it becomes an error record "
                        "(0: no limit).")
]


EncodingOption = Annotated[
    str, typer.Option("--encoding", help="Encoding of the inputs, e.g. cp1252 or latin-1 (UTF-8 accepts a BOM).")
]


def encoding_arg(encoding: str) -> str:
    """The codec to read inputs with; an unknown encoding is a usage error (exit 2)."""
    from reportkit.io import check_encoding

    try:
        return check_encoding(encoding)
    except LookupError as exc:
        raise usage_error(f"--encoding: unknown encoding '{encoding}'") from exc


def lexicon_arg(lexicons: Path | None) -> str | None:
    """Validate the lexicons before any input is read; a bad lexicon is a usage error (exit 2)."""
    from reportkit.lexicon import LexiconError, load_lexicon

    lexicon_dir = str(lexicons) if lexicons else None
    try:
        load_lexicon(lexicon_dir)
    except LexiconError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    return lexicon_dir


def echo_error(record: ErrorRecord) -> None:
    """Print an error record as one stderr line naming its file and line (never the report text)."""
    where = record.source + (f":{record.line}" if record.line else "")
    typer.echo(f"error: {where}: {record.error}", err=True)


def usage_error(message: str) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit (code 2) for the caller to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)

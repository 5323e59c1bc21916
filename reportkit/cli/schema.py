"""`reportkit schema`: the JSON Schema of extract's output records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reportkit.cli.common import usage_error


def schema(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the schema here.")] = None,
) -> None:
    """Print the JSON Schema of extract's output records."""
    from reportkit.io import atomic_output, output_file_problem
    from reportkit.models import output_schema

    text = json.dumps(output_schema(), indent=2) + "\n"
    if output:
        if problem := output_file_problem(output, []):
            raise usage_error(problem)
        try:
            with atomic_output(output) as handle:
                handle.write(text)
        except OSError as exc:
            raise usage_error(f"{output}: cannot write: {exc.strerror or exc}") from exc
    else:
        typer.echo(text, nl=False)

"""Command line: a thin layer over the library, one module per command group.

Command modules import the library inside each command, so ``reportkit --version`` and
``reportkit rule --all`` start without loading spaCy.
"""

from __future__ import annotations

from typing import Annotated

import typer

from reportkit import __version__
from reportkit.cli import audit, evaluate, extract, lint, report, schema, service, terms
from reportkit.cli.examples import add_examples
from reportkit.startup import collections_paused_at_start_up, defer_unused_imports

app = typer.Typer(
    help="Find and reason over soft-tissue calcification, ossification and foreign-body mentions "
    "in MSK radiology reports. reportkit suggests; it does not diagnose.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"reportkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")] = False,
) -> None:
    """reportkit command line."""
    if ctx.invoked_subcommand in ("lint", "report"):  # one file from an editor or a hook: start like a linter
        defer_unused_imports()
        ctx.with_resource(collections_paused_at_start_up())


# Registration order is the order of `reportkit --help`.
app.command()(extract.extract)
app.command("eval")(evaluate.evaluate)
app.command("audit-sample")(evaluate.audit_sample)
app.command("audit-score")(evaluate.audit_score)
app.command("advice-sample")(evaluate.advice_sample)
app.command("advice-score")(evaluate.advice_score)
app.command("advice-show")(evaluate.advice_show)
app.command()(report.report)
app.command()(terms.terms)
app.command()(lint.lint)
app.command("rule")(lint.show_rule)
app.command()(schema.schema)
app.command("postprocess")(service.postprocess_command)
app.command("serve")(service.serve_command)
app.add_typer(audit.audit_app, name="audit")
add_examples(app)

__all__ = ["app", "main"]

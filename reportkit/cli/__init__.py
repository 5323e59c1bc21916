"""Command line: a thin layer over the library, one module per command group.

Command modules import the library inside each command, so ``reportkit --version`` and
``reportkit rule --all`` start without loading spaCy.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from reportkit import __version__
from reportkit.cli import audit, evaluate, extract, lint, report, schema, service, terms
from reportkit.cli.examples import add_examples
from reportkit.startup import collections_paused_at_start_up, defer_unused_imports

ONE_SHOT = ("lint", "report")  # one file from an editor or a hook: these start like a linter
# an archive run pays its start-up once, but on an archive of a few thousand reports that is a good part of the run;
# the run resumes the collector itself once its workers have started (reportkit.audit.run)
QUICK_STARTS = [[name] for name in ONE_SHOT] + [["audit", "run"]]


class _CommandLine(typer.Typer):
    """The command line. A process that runs one of :data:`QUICK_STARTS` starts with the collector paused and
    defers the imports its pipeline never reads (:func:`reportkit.startup.defer_unused_imports`; only here, where
    the process is the command, not in a program that invokes the command among other work); one of
    :data:`ONE_SHOT` also builds only that command's click command: typer reads every command's signature to build
    them all, about 15 ms of a ``lint`` run."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        argv = kwargs.get("args")
        words = sys.argv[1:] if argv is None else list(argv)
        if not any(words[: len(start)] == start for start in QUICK_STARTS):
            return super().__call__(*args, **kwargs)
        command = words[:1]
        with collections_paused_at_start_up():  # from before the deferred imports' own set-up
            defer_unused_imports()
            if command[0] not in ONE_SHOT:
                return super().__call__(*args, **kwargs)
            everything, groups = self.registered_commands, self.registered_groups
            self.registered_commands = [c for c in everything if c.callback is not None
                                        and (c.name or c.callback.__name__) == command[0]]
            self.registered_groups = []
            try:
                return super().__call__(*args, **kwargs)
            finally:
                self.registered_commands, self.registered_groups = everything, groups


app = _CommandLine(
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
    if ctx.invoked_subcommand in ONE_SHOT:
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

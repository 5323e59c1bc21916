"""``reportkit audit``: run, query, export, summary — a thin layer over the audit sub-package.

Mounted by the main app as ``reportkit audit``. Exit codes: 0 clean, 1 some records became errors,
2 usage or store problems.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from reportkit.cli.common import EncodingOption, TimeLimitOption

# the modules of the audit extra (pyproject.toml), by import name
AUDIT_EXTRA_MODULES = ("duckdb", "pyarrow", "hl7", "plotly")


def missing_audit_module() -> str | None:
    """The first module of the audit extra that cannot be imported, None when all can."""
    import importlib.util

    for name in AUDIT_EXTRA_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                return name
        except ImportError:
            return name
    return None


class AuditGroup(TyperGroup):
    """``reportkit audit``: refuses every command (not its help) on an install without the audit extra."""

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        if not any(a in ctx.help_option_names for a in args) and (name := missing_audit_module()):
            typer.echo(f"error: reportkit audit needs the audit extra: pip install 'reportkit[audit]' ({name})",
                       err=True)
            raise typer.Exit(2)
        return super().resolve_command(ctx, args)


audit_app = typer.Typer(cls=AuditGroup, no_args_is_help=True, add_completion=False,
                        help="Audit report archives: extract, reason and lint every report into a DuckDB store.")

RunDir = Annotated[Path, typer.Argument(help="folder holding the audit store (created if missing)")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` and return the exit for the caller to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _store_failure(exc: Exception, what: str) -> typer.Exit:
    """The exit for a store (DuckDB) or file-system failure: one line saying what failed and why."""
    from reportkit.audit.store import storage_failure

    reason = storage_failure(exc) or (exc.strerror if isinstance(exc, OSError) and exc.strerror else
                                      str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return _fail(f"{what}: {reason}")


def _columns(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    pairs = [p.split("=", 1) for p in value.split(",") if p.strip()]
    if any(len(p) != 2 or not p[0].strip() or not p[1].strip() for p in pairs):
        raise _fail(f"--columns must look like id=ACC,text=REPORT, not '{value}'")
    fields = [k.strip() for k, _ in pairs]
    if twice := sorted({f for f in fields if fields.count(f) > 1}):
        raise _fail(f"--columns gives {', '.join(twice)} more than once")
    return {k.strip(): v.strip() for k, v in pairs}


class Progress:
    """A rich bar on a terminal (with an ETA when the total is known), a plain line every few seconds otherwise,
    nothing when quiet."""

    def __init__(self, quiet: bool, total: int | None = None) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.total = total
        self.done = self.errors = self.resumed = 0
        self.started = self.last = time.monotonic()
        self._bar = None

    def __enter__(self) -> Progress:
        if not self.quiet and self.tty:
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("audit"), BarColumn(), TextColumn("{task.completed} reports"),
                            TextColumn("{task.fields[rate]:.0f}/s"), TextColumn("{task.fields[errors]} errors"),
                            TimeElapsedColumn(), TimeRemainingColumn(), transient=False)
            self._bar.start()
            self._task = self._bar.add_task("audit", total=self.total, rate=0.0, errors=0)
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()

    def resumed_chunk(self, items: int) -> None:
        """Count a chunk an earlier run already stored (it moves the bar, not the rate)."""
        self.resumed += items
        if self._bar is not None:
            self._bar.update(self._task, completed=self.resumed + self.done)

    def chunk(self, items: int, errors: int) -> None:
        """Count a finished chunk."""
        self.done += items
        self.errors += errors
        now = time.monotonic()
        rate = self.done / max(now - self.started, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.resumed + self.done, rate=rate, errors=self.errors)
        elif not self.quiet and now - self.last >= 5:
            self.last = now
            typer.echo(f"audit: {self.done} reports, {rate:.0f}/s, {self.errors} errors", err=True)


@audit_app.command()
def run(
    run_dir: RunDir,
    inputs: Annotated[list[str], typer.Argument(help="files or folders of reports")],
    workers: Annotated[int | None, typer.Option(help="worker processes (default: CPU count)")] = None,
    engine: Annotated[str, typer.Option(help="local | dask (without --scheduler: a LocalCluster of --workers "
                                        "processes, stopped at the end)")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler, e.g. tcp://host:8786 "
                                                  "(engine dask; its cluster is left running)")] = None,
    columns: Annotated[str | None, typer.Option(help="column mapping, e.g. id=ACC,text=REPORT")] = None,
    encoding: EncodingOption = "utf-8",
    lexicons: Annotated[Path | None, typer.Option(help="lexicon folder (default: the shipped one)")] = None,
    store_text: Annotated[bool, typer.Option(help="keep each report's text in reports.text")] = False,
    chunk_size: Annotated[int, typer.Option(help="records per chunk (the unit of work and of resume)")] = 256,
    correlation_window_before: Annotated[int, typer.Option(
        help="days before an MRI/US exam a radiograph still correlates")] = 365,
    correlation_window_after: Annotated[int, typer.Option(
        help="days after an MRI/US exam a radiograph still correlates")] = 30,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress output; the final count line only "
                                        "when some records became errors")] = False,
    time_limit: TimeLimitOption = 30.0,
) -> None:
    """Extract, reason and lint every report of INPUT... into RUN_DIR; rerun to resume."""
    import duckdb

    from reportkit.audit.correlation import Window
    from reportkit.audit.readers import ColumnMapError, column_map_problems, count_archive
    from reportkit.audit.run import audit_runner, run_audit
    from reportkit.audit.store import StoreError
    from reportkit.audit.work import WorkOptions
    from reportkit.cli.common import encoding_arg, lexicon_arg

    encoding = encoding_arg(encoding)
    if engine not in ("local", "dask"):
        raise _fail(f"--engine must be local or dask, not '{engine}'")
    if scheduler and engine != "dask":
        raise _fail("--scheduler needs --engine dask")
    missing = [p for p in inputs if not Path(p).exists()]
    if missing:
        raise _fail(f"{missing[0]}: no such file or folder")
    if lexicons is not None and not lexicons.is_dir():
        raise _fail(f"{lexicons}: no such lexicon folder")
    lexicon_dir = lexicon_arg(lexicons)  # a broken lexicon is refused here, naming file and line
    column_map = _columns(columns)
    try:  # before RUN_DIR is touched: a run that could read no table would leave a store made with its options
        problems = column_map_problems(inputs, column_map, encoding)
    except ColumnMapError as exc:
        raise _fail(f"--columns: {exc}") from None
    if problems:
        raise _fail(f"{problems[0]}; give the columns with --columns id=COLUMN,text=COLUMN"
                    + (f" ({len(problems) - 1} more file(s) like it)" if len(problems) > 1 else ""))
    from reportkit.io.readers import read_archives
    from reportkit.io.runner import cpu_count

    cpus = cpu_count()
    if workers is not None and workers < 1 or chunk_size < 1:
        raise _fail("--workers and --chunk-size must be at least 1")
    if correlation_window_before < 0 or correlation_window_after < 0:
        raise _fail("--correlation-window-before and --correlation-window-after must be 0 or more days")
    if workers is not None and workers > cpus and engine == "local":
        typer.echo(f"warning: --workers {workers} is more than the {cpus} CPUs here; using {cpus}", err=True)
    count = min(workers or cpus, cpus) if engine == "local" else (workers or cpus)
    options = WorkOptions(lexicon_dir=lexicon_dir, store_text=store_text)

    def make_runner():
        return audit_runner(count, options, engine, scheduler)

    skipped: Counter[str] = Counter()  # HL7 messages that are no result: neither report nor error

    def read_reports(paths, column_map):  # the reader family's records: the run normalises their metadata
        return read_archives([str(p) for p in paths], column_map, encoding, skipped=skipped)

    # the total (for an ETA) only where a bar shows it and counting is cheap: JSONL, CSV, Parquet, text
    total = count_archive(inputs, encoding) if not quiet and sys.stderr.isatty() else None
    try:
        with Progress(quiet, total) as progress:
            totals = run_audit(run_dir, inputs, read_reports, make_runner, options, column_map,
                               chunk_size=chunk_size, on_chunk=progress.chunk, engine_name=engine,
                               window=Window(correlation_window_before, correlation_window_after),
                               on_resumed=progress.resumed_chunk, time_limit=time_limit or None)
    except (StoreError, RuntimeError) as exc:
        raise _fail(str(exc)) from None
    except (OSError, duckdb.Error) as exc:
        raise _store_failure(exc, str(getattr(exc, "filename", None) or run_dir)) from None
    if not quiet or totals.errors:  # quiet hides progress, never why the exit code is 1
        resumed = f" ({totals.chunks_skipped} chunks already done)" if totals.chunks_skipped else ""
        if skipped:
            kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(skipped.items()))
            resumed += f"; skipped {skipped.total()} HL7 message(s) that are no result ({kinds})"
        typer.echo(f"read {totals.read} = {totals.results} results + {totals.errors} errors{resumed}; "
                   f"radiograph correlation checked for {totals.correlations} MRI/US findings; store: {run_dir}", err=True)
    if totals.errors:
        raise typer.Exit(1)


OutputFormat = Annotated[str | None, typer.Option(
    "--format", help="table | csv | tsv | json | jsonl (default: table on a terminal, tsv otherwise)")]
OUTPUT_FORMATS = ("table", "csv", "tsv", "json", "jsonl")


@audit_app.command()
def query(
    run_dir: RunDir,
    sql: Annotated[str, typer.Argument(help="a SQL query over the store's tables")],
    fmt: OutputFormat = None,
) -> None:
    """Run SQL over RUN_DIR's store, opened read-only, and print the result.

    Examples:

        reportkit audit query runs/sample "SELECT kind, count(*) AS n FROM deposits GROUP BY 1"

        reportkit audit query runs/sample "SELECT * FROM diagnostics" --format csv > diagnostics.csv
    """
    import duckdb

    store = _open_to_read(run_dir, fmt)
    try:
        relation = store.con.sql(sql)
        if relation is None:
            return
        columns, rows = relation.columns, relation.fetchall()
    except duckdb.Error as exc:
        if "read-only" in str(exc):
            raise _fail("audit query opens the store read-only: a statement that changes it is refused") from None
        raise _fail(f"query failed: {str(exc).splitlines()[0]}") from None
    finally:
        store.close()
    _print_rows(columns, rows, fmt)


@audit_app.command()
def tables(run_dir: RunDir, fmt: OutputFormat = None) -> None:
    """List the tables of RUN_DIR's store with their row counts.

    Example:

        reportkit audit tables runs/sample
    """
    import duckdb

    from reportkit.audit.store import quote_identifier

    store = _open_to_read(run_dir, fmt)
    try:
        rows = [(t, store.con.execute(f"SELECT count(*) FROM {quote_identifier(t)}").fetchone()[0])
                for t in store.user_tables()]
    except duckdb.Error as exc:
        raise _store_failure(exc, f"{run_dir}: cannot read the store") from None
    finally:
        store.close()
    _print_rows(["table", "rows"], rows, fmt)


def _open_to_read(run_dir: Path, fmt: str | None):
    """RUN_DIR's store opened read-only for a command printing in ``fmt`` (checked first), or exit 2."""
    from reportkit.audit.store import Store, StoreError

    _check_format(fmt)
    try:
        return Store(run_dir, read_only=True)
    except StoreError as exc:
        raise _fail(str(exc)) from None


def _check_format(fmt: str | None) -> None:
    if fmt is not None and fmt not in OUTPUT_FORMATS:
        raise _fail(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, not '{fmt}'")


def _json_value(value):
    """A DuckDB value as JSON: dates and times in ISO 8601, decimals as numbers, anything else as text."""
    import datetime as dt
    import decimal

    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return str(value)


def _cell(value) -> str:
    """One value as a CSV/TSV/table cell: null empty, lists and structs as JSON."""
    import json

    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, default=_json_value)
    return str(value)


def _print_rows(columns: list[str], rows: list[tuple], fmt: str | None) -> None:
    import json

    fmt = fmt or ("table" if sys.stdout.isatty() else "tsv")
    if fmt in ("json", "jsonl"):
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        if fmt == "json":
            typer.echo(json.dumps(records, default=_json_value, indent=2))
        for record in records if fmt == "jsonl" else ():
            typer.echo(json.dumps(record, default=_json_value))
    elif fmt in ("csv", "tsv"):
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", **({"delimiter": "\t"} if fmt == "tsv" else {}))
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in row] for row in rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns)
        for row in rows:
            table.add_row(*(_cell(v) for v in row), end_section=False)
        # off a terminal the table keeps its natural width instead of wrapping at 80 columns
        Console(width=None if sys.stdout.isatty() else 10_000, highlight=False).print(table)


@audit_app.command()
def export(
    run_dir: RunDir,
    fmt: Annotated[str, typer.Option("--format", help="parquet | csv | jsonl")] = "parquet",
    out: Annotated[Path, typer.Option("--output", "-o", help="folder to write one file per table into")] = Path(
        "audit-export"),
) -> None:
    """Write every table of RUN_DIR's store to OUT, one file per table."""
    import duckdb

    from reportkit.audit.store import EXPORT_FORMATS, Store, StoreError

    if fmt not in EXPORT_FORMATS:
        raise _fail(f"--format must be parquet, csv or jsonl, not '{fmt}'")
    try:
        store = Store(run_dir, read_only=True)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    try:
        out.mkdir(parents=True, exist_ok=True)
        for target in store.export(out, fmt):  # not the resume bookkeeping
            typer.echo(str(target))
    except (OSError, duckdb.Error) as exc:
        raise _store_failure(exc, f"{out}: export failed") from None
    finally:
        store.close()


@audit_app.command()
def summary(
    run_dir: RunDir,
    out: Annotated[Path | None, typer.Option("--output", "-o", help="folder for dashboard.html")] = None,
) -> None:
    """Print the audit's figures and write a self-contained HTML dashboard."""
    import duckdb

    from reportkit.audit.store import Store, StoreError
    from reportkit.audit.summary import compute_summary, format_summary, write_dashboard

    try:
        store = Store(run_dir, read_only=True)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    try:
        figures = compute_summary(store)
    except duckdb.Error as exc:
        raise _store_failure(exc, f"{run_dir}: cannot read the store") from None
    finally:
        store.close()
    typer.echo(format_summary(figures))
    target = (out or run_dir) / "dashboard.html"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_dashboard(figures, target)
    except OSError as exc:
        raise _store_failure(exc, f"{target}: not written") from None
    typer.echo(f"dashboard: {target}", err=True)


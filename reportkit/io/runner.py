"""Run extraction (and rendering) over many inputs, in one process or several.

Each worker builds the pipeline once and returns plain records (never spaCy Docs).
A report that makes the pipeline fail becomes an ErrorRecord; its text is not logged.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reportkit.io.readers import Input, Report
from reportkit.models import ErrorRecord, ReportResult
from reportkit.timeout import DEFAULT_TIME_LIMIT, ReportTimeout, time_limit

Outcome = ReportResult | ErrorRecord

_worker_lexicon: str | None = None
_worker_time_limit: float | None = DEFAULT_TIME_LIMIT


@dataclass(frozen=True)
class Rendered:
    """One report extracted, reasoned over and rendered: its id and the rendered content."""

    id: str
    content: str


def _failure(report: Report, exc: Exception) -> ErrorRecord:
    if isinstance(exc, ReportTimeout):  # says what the limit is; never quotes the report
        return ErrorRecord(id=report.id, source=report.source, line=report.line, error=str(exc))
    # An exception message may quote the report; it is shown only when asked for.
    detail = f": {exc}" if os.environ.get("REPORTKIT_DEBUG") else ""
    return ErrorRecord(id=report.id, source=report.source, line=report.line,
                       error=f"pipeline failed: {type(exc).__name__}{detail}")


def _extract_one(report: Report, lexicon_dir: str | None, seconds: float | None = DEFAULT_TIME_LIMIT) -> Outcome:
    from reportkit import api

    try:
        with time_limit(seconds):
            result = api.extract(report.text, report.id, lexicon_dir=lexicon_dir)
        return result.model_copy(update={"source": report.source, "line": report.line})
    except Exception as exc:  # noqa: BLE001 - one bad report must not stop an archive run
        return _failure(report, exc)


def _init_worker(lexicon_dir: str | None, seconds: float | None = DEFAULT_TIME_LIMIT) -> None:
    from reportkit.pipeline import get_pipeline

    global _worker_lexicon, _worker_time_limit
    _worker_lexicon, _worker_time_limit = lexicon_dir, seconds
    get_pipeline(lexicon_dir)


def _work(item: Input) -> Outcome:
    return item if isinstance(item, ErrorRecord) else _extract_one(item, _worker_lexicon, _worker_time_limit)


def cap_workers(requested: int) -> tuple[int, str | None]:
    """``requested`` workers capped at the CPU count, and the warning to show when capped."""
    cpus = os.cpu_count() or 1
    if requested <= cpus:
        return requested, None
    return cpus, f"--workers {requested} is more than the {cpus} CPUs here; using {cpus}"


@dataclass
class Tally:
    """Counts that must reconcile: every input is a result or an error."""

    inputs: int = 0
    results: int = 0
    errors: int = 0

    def add(self, outcome: Outcome | Rendered) -> None:
        """Count one outcome as an input and as either a result or an error."""
        self.inputs += 1
        if isinstance(outcome, ErrorRecord):
            self.errors += 1
        else:
            self.results += 1

    def summary(self) -> str:
        """The closing line every batch command prints: inputs, results, errors."""
        return f"{self.inputs} inputs: {self.results} results, {self.errors} errors"


def extract_inputs(inputs: Iterable[Input], workers: int = 1, lexicon_dir: str | None = None,
                   chunksize: int = 32, time_limit: float | None = DEFAULT_TIME_LIMIT) -> Iterator[Outcome]:
    """Yield one outcome per input, in input order; ``workers > 1`` extracts in that many processes.

    A report that takes longer than ``time_limit`` seconds becomes an error record (None: no limit).
    """
    if workers <= 1:
        for item in inputs:
            yield item if isinstance(item, ErrorRecord) else _extract_one(item, lexicon_dir, time_limit)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(lexicon_dir, time_limit)) as pool:
        yield from pool.imap(_work, inputs, chunksize=chunksize)


def render_inputs(inputs: Iterable[Input], fmt: str, templates_dir: str | None = None,
                  lexicon_dir: str | None = None,
                  seconds: float | None = DEFAULT_TIME_LIMIT) -> Iterator[Rendered | ErrorRecord]:
    """Yield each input extracted, reasoned over and rendered (or an error record), in input order.

    A broken template fails every report alike, so its TemplateError propagates to the caller; a report
    taking longer than ``seconds`` becomes an error record.
    """
    from jinja2 import TemplateError

    from reportkit import api
    from reportkit.render import render

    for item in inputs:
        if isinstance(item, ErrorRecord):
            yield item
            continue
        try:
            with time_limit(seconds):
                structured = api.analyse(item.text, item.id, lexicon_dir=lexicon_dir)
                result = structured.result.model_copy(update={"source": item.source, "line": item.line})
                structured = structured.model_copy(update={"result": result})
                content = render(structured, item.text, fmt, templates_dir, lexicon_dir=lexicon_dir)
        except TemplateError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad report must not stop the run
            yield _failure(item, exc)
            continue
        yield Rendered(item.id, content)

"""Run extraction over many inputs, in one process or several.

Each worker builds the pipeline once and returns plain records (never spaCy Docs).
A report that makes the pipeline fail becomes an ErrorRecord; its text is not logged.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reportkit.inputs import Input, Report
from reportkit.models import ErrorRecord, ReportResult

Outcome = ReportResult | ErrorRecord

_worker_lexicon: str | None = None


def _extract_one(report: Report, lexicon_dir: str | None) -> Outcome:
    from reportkit.api import extract

    try:
        return extract(report.text, report.id, lexicon_dir=lexicon_dir)
    except Exception as exc:  # noqa: BLE001 - one bad report must not stop an archive run
        # An exception message may quote the report; it is shown only when asked for.
        detail = f": {exc}" if os.environ.get("REPORTKIT_DEBUG") else ""
        return ErrorRecord(id=report.id, source=report.source, line=report.line,
                           error=f"pipeline failed: {type(exc).__name__}{detail}")


def _init_worker(lexicon_dir: str | None) -> None:
    from reportkit.pipeline import get_pipeline

    global _worker_lexicon
    _worker_lexicon = lexicon_dir
    get_pipeline(lexicon_dir)


def _work(item: Input) -> Outcome:
    return item if isinstance(item, ErrorRecord) else _extract_one(item, _worker_lexicon)


@dataclass
class Tally:
    """Counts that must reconcile: every input is a result or an error."""

    inputs: int = 0
    results: int = 0
    errors: int = 0

    def add(self, outcome: Outcome) -> None:
        self.inputs += 1
        if isinstance(outcome, ErrorRecord):
            self.errors += 1
        else:
            self.results += 1


def extract_inputs(inputs: Iterable[Input], workers: int = 1, lexicon_dir: str | None = None,
                   chunksize: int = 32) -> Iterator[Outcome]:
    """Yield one outcome per input, in input order."""
    if workers <= 1:
        for item in inputs:
            yield item if isinstance(item, ErrorRecord) else _extract_one(item, lexicon_dir)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_init_worker, initargs=(lexicon_dir,)) as pool:
        yield from pool.imap(_work, inputs, chunksize=chunksize)

"""A per-report time limit: a runaway report raises :class:`ReportTimeout` instead of running on."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_TIME_LIMIT = 30.0  # seconds per report; a long but sane report takes well under one
RETRY_SECONDS = 0.1  # the clock's tick: how late past its limit a report is stopped, or stopped again


class ReportTimeout(Exception):
    """A report took longer than the time limit."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than the {seconds:g} s time limit (--time-limit)")
        self.seconds = seconds


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`ReportTimeout` in the block after ``seconds`` (a SIGALRM timer; none off the main thread,
    on platforms without SIGALRM, or when ``seconds`` is None or 0): one report's :class:`ReportClock`."""
    clock = ReportClock(seconds)
    with clock.installed(), clock:
        yield


class ReportClock:
    """:func:`time_limit` for many reports in a row: ``with clock.installed():`` sets the SIGALRM handler and
    starts a timer that ticks every :data:`RETRY_SECONDS` (or a quarter of the limit, if less); ``with clock:``
    around each report only notes when it started. A tick raises once the report inside has run for the limit,
    so a report stops within one tick after it.

    Starting and stopping a one-shot timer around every report was most of a short report's limit (the
    pre-filter's verdict on a quiet report); a tick costs one handler call. The tick also repeats the alarm: an
    exception raised while C code runs a Python callback (a spaCy matcher predicate, a finaliser, a gc callback)
    can be printed and dropped there, and one dropped alarm would let the report run on unbounded.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._usable = bool(seconds) and hasattr(signal, "setitimer")
        self._armed = False  # the handler is this clock's (installed, on the main thread)
        self._started: float | None = None  # when the report inside began; None between reports

    def _tick(self, signum: int, frame: object) -> None:
        started = self._started
        if started is not None and time.monotonic() - started >= self.seconds:
            raise ReportTimeout(self.seconds)

    @contextmanager
    def installed(self) -> Iterator[ReportClock]:
        if not self._usable or threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(signal.SIGALRM, self._tick)
        tick = min(RETRY_SECONDS, self.seconds / 4)
        signal.setitimer(signal.ITIMER_REAL, tick, tick)
        self._armed = True
        try:
            yield self
        finally:
            self._armed = False
            self._started = None
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def __enter__(self) -> None:
        if self._armed:
            self._started = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self._started = None  # no call before this line: CPython runs signal handlers only at calls and jumps

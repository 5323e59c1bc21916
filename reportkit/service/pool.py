"""A bounded pool of worker processes for the CPU-bound work, so the event loop keeps answering.

Processes, not threads: the spaCy/medspaCy pipeline holds the GIL for most of a request, so
worker threads shared one core with each other and with the event loop, and two requests in
flight slowed each other down (8 clients reached 0.65-0.8x the single-process rate on 2 cores).
Each process builds the pipeline once, at start (``initializer``), and answers with bytes,
so only the draft and the serialised answer cross the process boundary.

A semaphore bounds the work in flight to the pool's size; a request that cannot start within
the time limit gets 503, one that does not finish in it gets 504. Inside its process the job
runs under the same time limit (a SIGALRM timer, as the CLI's ``--time-limit``), so a runaway
draft stops there and its slot comes back, instead of running on unseen.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import signal
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from reportkit.pipeline.timeout import ReportTimeout, time_limit

T = TypeVar("T")


class Busy(Exception):
    """No worker became free within the time limit, or the queue is full (503)."""


class TimedOut(Exception):
    """The work did not finish within the time limit (504)."""


def _start_worker(warm_up: Callable[..., None], args: tuple) -> None:
    """In each new process: leave Ctrl-C to the server, build the pipeline, freeze what start-up built."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up(*args)
    gc.collect()
    gc.freeze()  # the pipeline lives as long as the process: full collections need not walk it


def _timed(seconds: float, fn: Callable[..., T], *args) -> T:
    """``fn(*args)`` in a worker process, stopped after ``seconds``."""
    try:
        with time_limit(seconds):
            return fn(*args)
    except ReportTimeout:
        raise TimedOut() from None  # (ReportTimeout's message would not survive pickling back)


def _ready() -> None:
    """A job that only shows a worker has started."""


class WorkerPool:
    """Run blocking calls on at most ``size`` worker processes, each within ``timeout`` seconds."""

    def __init__(self, size: int, timeout: float, queue: int | None = None) -> None:
        self.size = size
        self.timeout = timeout
        self.queue = queue if queue is not None else 8 * size
        self.executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0

    async def start(self, warm_up: Callable[..., None], *args) -> None:
        """Start the processes, each running ``warm_up(*args)`` once, before the first request."""
        # spawn, not fork: the server already runs threads (the event loop's), and a forked copy of
        # a thread's lock can stay locked for ever
        self.executor = ProcessPoolExecutor(max_workers=self.size, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_start_worker, initargs=(warm_up, args))
        loop = asyncio.get_running_loop()
        # submitted together, so each finds no idle process and starts one
        await asyncio.gather(*(loop.run_in_executor(self.executor, _ready) for _ in range(self.size)))

    async def run(self, fn: Callable[..., T], *args) -> T:
        """``fn(*args)`` in a worker process; raises Busy or TimedOut."""
        if self.executor is None:
            raise RuntimeError("WorkerPool.start() was not awaited")
        loop = asyncio.get_running_loop()
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        deadline = time.monotonic() + self.timeout
        if self._waiting >= self.queue:
            raise Busy()
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), self.timeout)
        except TimeoutError as exc:
            raise Busy() from exc
        finally:
            self._waiting -= 1
        slots = self._slots
        try:
            future = self.executor.submit(_timed, max(deadline - time.monotonic(), 0.001), fn, *args)
        except BaseException:
            slots.release()
            raise
        future.add_done_callback(lambda _: _release(loop, slots))
        try:
            # a little past the worker's own limit: its timer, not this one, should end the job
            return await asyncio.wait_for(asyncio.wrap_future(future), max(deadline - time.monotonic(), 0.001) + 1)
        except TimeoutError as exc:
            raise TimedOut() from exc

    def shutdown(self) -> None:
        """Wait for the work in flight, then stop the processes."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)


def _release(loop: asyncio.AbstractEventLoop, slots: asyncio.Semaphore) -> None:
    if not loop.is_closed():  # a late job can outlive the server's loop at shutdown
        loop.call_soon_threadsafe(slots.release)

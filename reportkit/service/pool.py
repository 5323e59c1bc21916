"""A bounded pool for the CPU-bound work, so the event loop keeps answering.

Threads, not processes: the spaCy/medspaCy pipeline holds the GIL for most of a request, so
threads give one core of throughput; on the 2-core target a pool of 2 worker processes
(each building the pipeline once) measured no better (benchmarks/bench_service.py, see the
service README), since the event loop and the clients need the second core, and it doubles
the memory. The jobs are module-level functions, so a process pool stays a small change.

A semaphore bounds the work in flight to the pool's size; a request that cannot start
within the time limit gets 503, one that does not finish in it gets 504. A late job
finishes in its thread (Python threads cannot be killed) and its slot is freed only then,
so the bound stays honest.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class Busy(Exception):
    """No worker became free within the time limit, or the queue is full (503)."""


class TimedOut(Exception):
    """The work did not finish within the time limit (504)."""


class WorkerPool:
    """Run blocking calls on at most ``size`` threads, each within ``timeout`` seconds."""

    def __init__(self, size: int, timeout: float, queue: int | None = None) -> None:
        self.size = size
        self.timeout = timeout
        self.queue = queue if queue is not None else 8 * size
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="reportkit-worker")
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0

    async def run(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """``fn(*args, **kwargs)`` on a worker thread; raises Busy or TimedOut."""
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
            future = self.executor.submit(fn, *args, **kwargs)
        except BaseException:
            slots.release()
            raise
        future.add_done_callback(lambda _: _release(loop, slots))
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), max(deadline - time.monotonic(), 0.001))
        except TimeoutError as exc:
            raise TimedOut() from exc

    async def start(self, warm_up: Callable[..., None], *args) -> None:
        """Run ``warm_up(*args)`` on a worker with no time limit (the pipeline is shared by the threads)."""
        await asyncio.get_running_loop().run_in_executor(self.executor, warm_up, *args)

    def shutdown(self) -> None:
        """Wait for the work in flight, then stop the threads."""
        self.executor.shutdown(wait=True)


def _release(loop: asyncio.AbstractEventLoop, slots: asyncio.Semaphore) -> None:
    if not loop.is_closed():  # a late job can outlive the server's loop at shutdown
        loop.call_soon_threadsafe(slots.release)

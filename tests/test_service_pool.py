"""The service's worker processes: answers, time limits, and a worker that dies or will not stop is replaced."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from contextlib import asynccontextmanager

import pytest

from reportkit.service.pool import Busy, TimedOut, WorkerFailed, WorkerPool


def _no_warm_up() -> None:
    """The pipeline is not needed to test the pool."""


def _add(a: int, b: int) -> int:
    return a + b


def _pid() -> int:
    return os.getpid()


def _die() -> None:
    os._exit(3)


def _run_on() -> None:
    while True:
        time.sleep(0.01)


def _deaf() -> None:
    signal.signal(signal.SIGALRM, signal.SIG_IGN)  # as C code that never returns to Python would be
    while True:
        pass


def _raise() -> None:
    raise ValueError("FINDINGS: text that must not reach the server's log")


@asynccontextmanager
async def _started(timeout: float):
    """A one-worker pool, drained and stopped however the test ends."""
    pool = WorkerPool(1, timeout=timeout)
    await pool.start(_no_warm_up)
    try:
        yield pool
    finally:
        await pool.drain()
        pool.shutdown()


async def _once_replaced(pool: WorkerPool, fn, *args):
    """``pool.run`` once a replacement worker has started (it imports the library first: Busy until then)."""
    for _ in range(100):
        try:
            return await pool.run(fn, *args)
        except Busy:
            continue
    raise AssertionError("no worker came back")


def test_jobs_run_in_worker_processes_and_failures_are_contained() -> None:
    async def scenario() -> None:
        async with _started(timeout=0.5) as pool:
            assert await pool.run(_add, 2, 3) == 5
            first = await pool.run(_pid)
            assert first != os.getpid()
            with pytest.raises(WorkerFailed) as failed:
                await pool.run(_raise)
            assert str(failed.value) == "ValueError"  # the type only: the message may quote a report
            with pytest.raises(TimedOut):
                await pool.run(_run_on)  # stopped by its own alarm, in its process
            assert await pool.run(_pid) == first  # ... which then takes the next job
            with pytest.raises(WorkerFailed):
                await pool.run(_die)
            replaced = await _once_replaced(pool, _pid)
            assert replaced != first
            with pytest.raises(TimedOut):
                await pool.run(_deaf)  # killed past the limit's grace, and replaced
            assert await _once_replaced(pool, _add, 1, 1) == 2 and await pool.run(_pid) != replaced

    asyncio.run(scenario())


def test_a_cancelled_request_gives_its_worker_back() -> None:
    async def scenario() -> None:
        async with _started(timeout=5) as pool:
            request = asyncio.ensure_future(pool.run(time.sleep, 0.3))
            await asyncio.sleep(0.1)
            request.cancel()  # the client went away mid-job
            with pytest.raises(asyncio.CancelledError):
                await request
            assert await asyncio.wait_for(pool.run(_add, 4, 4), 5) == 8

    asyncio.run(scenario())


def test_a_job_that_cannot_be_sent_fails_alone() -> None:
    async def scenario() -> None:
        async with _started(timeout=5) as pool:
            with pytest.raises(WorkerFailed):
                await pool.run(_add, lambda: 1, 2)  # a lambda does not pickle
            assert await pool.run(_add, 2, 2) == 4  # the worker was given back

    asyncio.run(scenario())


def test_the_worker_freed_last_takes_the_next_job() -> None:
    """A lone client's calls stay on one warm process instead of going round every worker."""
    async def scenario() -> None:
        pool = WorkerPool(2, timeout=5)
        await pool.start(_no_warm_up)
        try:
            assert len({await pool.run(_pid) for _ in range(4)}) == 1
        finally:
            await pool.drain()
            pool.shutdown()

    asyncio.run(scenario())


def test_a_call_cancelled_while_waiting_for_a_worker_leaves_no_trace() -> None:
    async def scenario() -> None:
        async with _started(timeout=5) as pool:
            running = asyncio.ensure_future(pool.run(time.sleep, 0.5))
            await asyncio.sleep(0.1)
            waiting = asyncio.ensure_future(pool.run(_add, 1, 1))
            await asyncio.sleep(0.1)
            waiting.cancel()  # the client went away before a worker was free
            with pytest.raises(asyncio.CancelledError):
                await waiting
            await running
            assert await asyncio.wait_for(pool.run(_add, 4, 4), 5) == 8

    asyncio.run(scenario())

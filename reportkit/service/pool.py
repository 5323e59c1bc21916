"""A bounded pool of worker processes for the CPU-bound work, so the event loop keeps answering.

Processes, not threads: the spaCy/medspaCy pipeline holds the GIL for most of a request, so
worker threads shared one core with each other and with the event loop, and two requests in
flight slowed each other down (8 clients reached 0.65-0.8x the single-process rate on 2 cores).
Each process builds the pipeline once, at start, and answers with bytes.

Each worker has its own pipe, read by the event loop itself (``add_reader``): a job costs one
write and one read, where ``concurrent.futures``' process pool passes it through three threads
and two queues (about 3 ms more per request, measured). A free worker is taken from a queue of
idle ones; a request that cannot get one within the time limit, or finds ``queue`` requests
already waiting for one, gets 503. A worker found dead when taken (it died idle) is replaced
and the request waits for the next one, so it does not fail for a death it did not cause. Inside its process
the job runs under the time limit (a SIGALRM timer, as the CLI's ``--time-limit``), so a
runaway draft stops there (504) and the worker is free again; a worker that dies is replaced
in the background, so its caller hears of the failure at once, not after the replacement's start.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from reportkit.timeout import ReportTimeout, time_limit


HARD_STOP_GRACE = 2.0  # seconds past the time limit before a worker deaf to its own alarm is killed


class Busy(Exception):
    """No worker became free within the time limit, or the queue is full (503)."""


class TimedOut(Exception):
    """The work did not finish within the time limit (504)."""


class WorkerFailed(Exception):
    """The job raised in the worker; the message is the exception's type only (it may quote the report)."""


def _worker_main(conn: Connection, warm_up: Callable[..., None], args: tuple) -> None:
    """A worker process: build the pipeline, then answer jobs from the pipe until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    warm_up(*args)
    conn.send(("ready", None))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        seconds, fn, job_args = job
        try:
            with time_limit(seconds):
                answer = ("ok", fn(*job_args))
        except ReportTimeout:
            answer = ("timeout", None)
        except Exception as exc:  # noqa: BLE001 - reported to the server by type only
            answer = ("error", type(exc).__name__)
        conn.send(answer)


class _Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, warm_up: Callable[..., None], args: tuple) -> None:
        context = multiprocessing.get_context("spawn")  # the server runs threads: a forked lock may stay locked
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, warm_up, args), daemon=True)
        self.process.start()
        child.close()

    async def receive(self) -> tuple[str, Any]:
        """The next message from the worker, read when the event loop sees the pipe readable."""
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)
            os.set_blocking(fd, True)  # uvloop leaves a watched fd non-blocking; recv and send expect blocking
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return ("died", None)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


class WorkerPool:
    """Run blocking calls on at most ``size`` worker processes, each within ``timeout`` seconds.

    At most ``queue`` calls (default 8 per worker) wait for a free worker; one more is refused (Busy).
    """

    def __init__(self, size: int, timeout: float, queue: int | None = None, per_client: int | None = None) -> None:
        self.size = size
        self.timeout = timeout
        self.queue = queue if queue is not None else 8 * size
        self.per_client = per_client
        self._clients: dict[str, list] = {}  # client -> [its semaphore, calls holding or awaiting it]
        self._idle: asyncio.Queue[_Worker] | None = None
        self._workers: list[_Worker] = []
        self._start: tuple[Callable[..., None], tuple] | None = None
        self._waiting = 0
        self._busy = 0
        self._replacing: set[asyncio.Task] = set()

    async def start(self, warm_up: Callable[..., None], *args) -> None:
        """Start the processes, each running ``warm_up(*args)`` once; returns when all are ready."""
        self._start = (warm_up, args)
        self._idle = asyncio.Queue()
        workers = [_Worker(warm_up, args) for _ in range(self.size)]
        for worker in workers:
            status, _ = await worker.receive()
            if status != "ready":
                raise RuntimeError("a service worker failed to start")
            self._workers.append(worker)
            self._idle.put_nowait(worker)

    async def run(self, fn: Callable[..., Any], *args, client: str | None = None) -> Any:
        """``fn(*args)`` in a worker process; raises Busy, TimedOut or WorkerFailed.

        A ``client`` holds at most ``per_client`` workers at once: its further calls wait their turn.
        """
        if self._idle is None:
            raise RuntimeError("WorkerPool.start() was not awaited")
        deadline = time.monotonic() + self.timeout
        if self._idle.empty() and self._waiting >= self.queue:
            raise Busy()
        release = await self._client_slot(client, deadline)
        job = None
        try:
            while True:
                worker = await self._take(deadline)
                seconds = max(deadline - time.monotonic(), 0.001)
                # the job runs as its own task: a request that is cancelled or gives up does not strand the worker
                job = asyncio.ensure_future(self._job(worker, (seconds, fn, args)))
                try:
                    status, value = await asyncio.wait_for(asyncio.shield(job), seconds + HARD_STOP_GRACE)
                except TimeoutError as exc:
                    worker.process.kill()  # deaf to its own alarm (stuck in C code): replaced by the job task
                    raise TimedOut() from exc
                if status != "unsent":  # a job that never reached its worker is safe to send again
                    break
        finally:  # the client's slot is free once its job is, even if the caller went away first
            if job is None or job.done():
                release()
            else:
                job.add_done_callback(lambda _job: release())
        if status == "ok":
            return value
        if status == "timeout":
            raise TimedOut()
        raise WorkerFailed(value or "worker process died")

    async def _client_slot(self, client: str | None, deadline: float) -> Callable[[], None]:
        """Wait until ``client`` holds fewer than ``per_client`` workers; returns the call that frees its slot."""
        if client is None or self.per_client is None or self.per_client >= self.size:
            return lambda: None
        entry = self._clients.setdefault(client, [asyncio.Semaphore(self.per_client), 0])
        entry[1] += 1

        def release() -> None:
            entry[0].release()
            forget()

        def forget() -> None:
            entry[1] -= 1
            if not entry[1]:
                del self._clients[client]

        self._waiting += 1
        try:
            await asyncio.wait_for(entry[0].acquire(), max(deadline - time.monotonic(), 0))
        except TimeoutError as exc:
            forget()
            raise Busy() from exc
        except BaseException:
            forget()
            raise
        finally:
            self._waiting -= 1
        return release

    async def _take(self, deadline: float) -> _Worker:
        """An idle worker that is alive; one that died while idle is replaced, and the wait goes on."""
        self._waiting += 1
        try:
            while True:
                try:
                    worker = await asyncio.wait_for(self._idle.get(), max(deadline - time.monotonic(), 0))
                except TimeoutError as exc:
                    raise Busy() from exc
                # an idle worker has nothing to say: a readable pipe is its end of file
                if worker.process.is_alive() and not worker.conn.poll():
                    return worker
                self._start_replacement(worker)
        finally:
            self._waiting -= 1

    def _start_replacement(self, dead: _Worker) -> None:
        replacing = asyncio.ensure_future(self._replace(dead))
        self._replacing.add(replacing)
        replacing.add_done_callback(self._replacing.discard)

    async def _job(self, worker: _Worker, payload: tuple) -> tuple[str, Any]:
        """Send one job, wait for its answer, then give the worker (or its replacement) back."""
        self._busy += 1
        try:
            try:
                worker.conn.send(payload)
            except OSError:  # the worker died before the job reached it
                answer = ("unsent", None)
            except Exception as exc:  # noqa: BLE001 - a job that cannot be pickled never reached the worker
                answer = ("error", type(exc).__name__)
            else:
                answer = await worker.receive()
            if answer[0] in ("died", "unsent"):
                # the caller gets its answer now; the replacement joins the idle queue once started
                self._start_replacement(worker)
            else:
                self._idle.put_nowait(worker)
            return answer
        finally:
            self._busy -= 1

    async def _replace(self, dead: _Worker) -> None:
        """Start a new worker for one that died; it takes jobs once its pipeline is built."""
        dead.process.join(1)
        dead.conn.close()
        self._workers.remove(dead)
        worker = _Worker(*self._start)
        self._workers.append(worker)  # stopped by shutdown() even if it never becomes ready
        await worker.receive()  # its "ready" (if it died starting, its first job replaces it again)
        self._idle.put_nowait(worker)

    async def drain(self) -> None:
        """Wait until no job is in flight and no replacement is starting (graceful shutdown)."""
        while self._busy or self._replacing:
            await asyncio.sleep(0.01)

    def shutdown(self) -> None:
        """Stop the processes (after :meth:`drain`, no job is in flight)."""
        for worker in self._workers:
            worker.stop()
        self._workers.clear()

"""A bounded pool of worker processes for the CPU-bound work, so the event loop keeps answering.

Processes, not threads: the spaCy/medspaCy pipeline holds the GIL for most of a request, so
worker threads shared one core with each other and with the event loop, and two requests in
flight slowed each other down (8 clients reached 0.65-0.8x the single-process rate on 2 cores).
Each process builds the pipeline once, at start, and answers with bytes.

Each worker has its own pipe, watched by the event loop for the worker's whole life
(``add_reader`` once, not per job): a job costs one write and one read, where
``concurrent.futures``' process pool passes it through three threads and two queues (about 3 ms
more per request, measured); a request that finds a worker free takes it without waiting on a queue.
Requests waiting for a worker get one in the order they asked: a freed worker is handed to the
longest-waiting request, so a newer one cannot overtake it; with none waiting, the worker freed
last takes the next job, so a lone client keeps one process's caches warm. A request that cannot
get a worker within the time limit, or finds ``queue`` requests already waiting for one, gets
503. A worker found dead when taken (it died idle) is replaced and the request waits for the next
one, so it does not fail for a death it did not cause. Inside its process
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
from collections import deque
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
    """One worker process and the server's end of its pipe, watched by the event loop for as long as it lives."""

    def __init__(self, warm_up: Callable[..., None], args: tuple) -> None:
        context = multiprocessing.get_context("spawn")  # the server runs threads: a forked lock may stay locked
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, warm_up, args), daemon=True)
        self.process.start()
        child.close()
        self.dead = False
        self._loop = asyncio.get_running_loop()
        self._message: asyncio.Future = self._loop.create_future()  # its first message: "ready"
        self._message_asked = False
        # watched once, not per job: the event loop reads each answer as it comes
        self._loop.add_reader(self.conn.fileno(), self._readable)
        os.set_blocking(self.conn.fileno(), True)  # uvloop makes a watched fd non-blocking; recv and send expect blocking

    def next_message(self) -> asyncio.Future:
        """The worker's next message (its first is "ready"), ``("died", None)`` once its pipe has closed.

        One is outstanding at a time: ask for an answer once its job is sent.
        """
        if self._message_asked:
            self._message = self._loop.create_future()
            if self.dead:
                self._message.set_result(("died", None))
        self._message_asked = True
        return self._message

    def _readable(self) -> None:
        try:
            message = self.conn.recv()
        except (EOFError, OSError):  # it died: its end of the pipe closed
            message = ("died", None)
            self._unwatch()
        if not self._message.done():
            self._message.set_result(message)

    def _unwatch(self) -> None:
        if not self.dead:
            self.dead = True
            self._loop.remove_reader(self.conn.fileno())

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(30)
        if self.process.is_alive():
            self.process.kill()
        self.close()

    def close(self) -> None:
        """Stop watching the pipe and close it."""
        if not self._loop.is_closed():
            self._unwatch()
        self.conn.close()


class WorkerPool:
    """Run blocking calls on at most ``size`` worker processes, each within ``timeout`` seconds.

    At most ``queue`` calls (default 8 per worker) wait for a free worker; one more is refused (Busy).
    Waiting calls get workers in the order they asked, and a free worker goes to the longest-waiting
    call before any newer one; with none waiting, the worker that finished last takes the next job.
    """

    def __init__(self, size: int, timeout: float, queue: int | None = None, per_client: int | None = None) -> None:
        self.size = size
        self.timeout = timeout
        self.queue = queue if queue is not None else 8 * size
        self.per_client = per_client
        self._clients: dict[str, list] = {}  # client -> [its semaphore, calls holding or awaiting it]
        self._idle: list[_Worker] | None = None  # free workers, the last freed on top
        self._takers: deque[asyncio.Future] = deque()  # calls waiting for a free worker, oldest first
        self._workers: list[_Worker] = []
        self._start: tuple[Callable[..., None], tuple] | None = None
        self._waiting = 0
        self._busy = 0
        self._replacing: set[asyncio.Task] = set()

    async def start(self, warm_up: Callable[..., None], *args) -> None:
        """Start the processes, each running ``warm_up(*args)`` once; returns when all are ready."""
        self._start = (warm_up, args)
        self._idle = []
        workers = [_Worker(warm_up, args) for _ in range(self.size)]
        self._workers.extend(workers)  # stopped by shutdown() even if start-up fails
        for worker in workers:
            status, _ = await worker.next_message()
            if status != "ready":
                raise RuntimeError("a service worker failed to start")
            self._free(worker)

    async def run(self, fn: Callable[..., Any], *args, client: str | None = None) -> Any:
        """``fn(*args)`` in a worker process; raises Busy, TimedOut or WorkerFailed.

        A ``client`` holds at most ``per_client`` workers at once: its further calls wait their turn.
        """
        if self._idle is None:
            raise RuntimeError("WorkerPool.start() was not awaited")
        deadline = time.monotonic() + self.timeout
        if not self._idle and self._waiting >= self.queue:
            raise Busy()
        release = await self._client_slot(client, deadline)
        answer = None
        try:
            while True:
                worker = await self._take(deadline)
                answer = self._send(worker, fn, args, max(deadline - time.monotonic(), 0.001))
                # shielded: a request that is cancelled or gives up does not strand the worker
                status, value = await asyncio.shield(answer)
                if status != "unsent":  # a job that never reached its worker is safe to send again
                    break
        finally:  # the client's slot is free once its job is, even if the caller went away first
            if answer is None or answer.done():
                release()
            else:
                answer.add_done_callback(lambda _answer: release())
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

        if not entry[0].locked():  # a free slot: taken at once, no timer needed
            await entry[0].acquire()
            return release
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
        """A free worker that is alive; one that died while idle is replaced, and the wait goes on."""
        while True:
            if self._idle and not self._takers:
                worker = self._idle.pop()
            else:
                worker = await self._wait_for_worker(deadline)
            if not worker.dead and worker.process.is_alive():
                return worker
            self._start_replacement(worker)

    async def _wait_for_worker(self, deadline: float) -> _Worker:
        """The next worker freed, handed over in the order of asking; Busy past ``deadline``."""
        loop = asyncio.get_running_loop()
        taker = loop.create_future()
        self._takers.append(taker)
        expiry = loop.call_at(loop.time() + max(deadline - time.monotonic(), 0),
                              lambda: taker.done() or taker.set_exception(Busy()))
        self._waiting += 1
        try:
            return await taker
        except BaseException:
            if taker.done() and not taker.cancelled() and taker.exception() is None:
                self._free(taker.result())  # handed over just as the caller went away: pass it on
            raise
        finally:
            self._waiting -= 1
            expiry.cancel()
            if taker in self._takers:  # it timed out or was cancelled: no worker for it
                self._takers.remove(taker)

    def _free(self, worker: _Worker) -> None:
        """Give a free worker to the longest-waiting call, else put it on top of the idle ones."""
        while self._takers:
            taker = self._takers.popleft()
            if not taker.done():
                taker.set_result(worker)
                return
        self._idle.append(worker)

    def _send(self, worker: _Worker, fn: Callable[..., Any], args: tuple, seconds: float) -> asyncio.Future:
        """Send one job; the future is its answer. The worker (or its replacement) is freed when it answers."""
        answer = asyncio.get_running_loop().create_future()
        try:
            worker.conn.send((seconds, fn, args))
        except OSError:  # the worker died before the job reached it
            self._start_replacement(worker)
            answer.set_result(("unsent", None))
            return answer
        except Exception as exc:  # noqa: BLE001 - a job that cannot be pickled never reached the worker
            self._free(worker)
            answer.set_result(("error", type(exc).__name__))
            return answer
        self._busy += 1
        # deaf to its own alarm (stuck in C code): killed, and replaced once its pipe closes
        hard_stop = asyncio.get_running_loop().call_later(seconds + HARD_STOP_GRACE, self._hard_stop, worker, answer)

        def answered(message: asyncio.Future) -> None:
            hard_stop.cancel()
            self._busy -= 1
            if message.result()[0] == "died":
                # the caller gets its answer now; the replacement joins the free workers once started
                self._start_replacement(worker)
            else:
                self._free(worker)
            if not answer.done():
                answer.set_result(message.result())

        worker.next_message().add_done_callback(answered)
        return answer

    @staticmethod
    def _hard_stop(worker: _Worker, answer: asyncio.Future) -> None:
        worker.process.kill()
        if not answer.done():
            answer.set_result(("timeout", None))

    def _start_replacement(self, dead: _Worker) -> None:
        replacing = asyncio.ensure_future(self._replace(dead))
        self._replacing.add(replacing)
        replacing.add_done_callback(self._replacing.discard)

    async def _replace(self, dead: _Worker) -> None:
        """Start a new worker for one that died; it takes jobs once its pipeline is built."""
        dead.process.join(1)
        dead.close()
        self._workers.remove(dead)
        worker = _Worker(*self._start)
        self._workers.append(worker)  # stopped by shutdown() even if it never becomes ready
        await worker.next_message()  # its "ready" (if it died starting, its first job replaces it again)
        self._free(worker)

    async def drain(self) -> None:
        """Wait until no job is in flight and no replacement is starting (graceful shutdown)."""
        while self._busy or self._replacing:
            await asyncio.sleep(0.01)

    def shutdown(self) -> None:
        """Stop the processes (after :meth:`drain`, no job is in flight)."""
        for worker in self._workers:
            worker.stop()
        self._workers.clear()

"""The one batch runner: chunks of plain items through a work function, here or on other processes.

:class:`Runner` serves every batch command. ``extract`` and ``report`` run per-report calls of
the engine (:mod:`reportkit.engine`) over chunks of inputs and keep input order; ``audit run`` runs
:func:`reportkit.audit.work.process_chunk` and commits each chunk as it finishes. Backends:

- ``local``: one worker runs in this process; more run in a process pool on this machine,
  forked on Linux, else forkserver or spawn; each worker runs ``init`` when it starts, so this
  process holds none of what ``init`` builds.
- ``dask``: an existing Dask cluster (``scheduler`` address), left running, or a LocalCluster of
  ``workers`` single-threaded processes that this runner starts and stops (extra ``reportkit[dask]``).
  Each worker process runs ``init`` once when the runner starts; consecutive chunks travel together
  as one task of about ``partition_bytes`` pickled bytes.

The work function must be a module-level function (it is pickled by name) that takes a chunk and
returns plain records (never spaCy Docs). A bounded number of chunks is in flight, so memory
stays flat on any archive. A report that makes the pipeline fail becomes an ErrorRecord; its
text is not logged.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import signal
import sys
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from reportkit.io.readers import Input, Report
from reportkit.models import ErrorRecord, ReportResult
from reportkit.timeout import DEFAULT_TIME_LIMIT, time_limit

if TYPE_CHECKING:  # a run in this process (one worker: every lint and report) imports no process pool
    from concurrent.futures import Future, ProcessPoolExecutor

Outcome = ReportResult | ErrorRecord
Tag = TypeVar("Tag")
BACKENDS = ("local", "dask")
# pickled input bytes per Dask task: enough work (about a tenth of a second) that the scheduler's
# per-task cost does not count; little enough that a small archive still spreads over every worker, and
# that two tasks in flight per worker keep memory flat
PARTITION_BYTES = 256 << 10


def cpu_count() -> int:
    """CPUs this process may use: the machine's, fewer when its CPU affinity says so."""
    cpus = os.cpu_count() or 1
    return min(cpus, len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else cpus


def start_method() -> str:
    """fork on Linux (workers start at once, with the modules imported before), else forkserver, else spawn."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def cap_workers(requested: int) -> tuple[int, str | None]:
    """``requested`` workers capped at the CPU count, and the warning to show when capped."""
    cpus = cpu_count()
    if requested <= cpus:
        return requested, None
    return cpus, f"--workers {requested} is more than the {cpus} CPUs here; using {cpus}"


def _start(_: object) -> None:
    """A no-op job: running one on each worker makes the pool start them all."""


PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def die_with_parent(parent: int | None) -> None:
    """End this worker when its parent process ends, however it ends (kill -9 included).

    A pool worker inherits the pool's pipes, so it would otherwise wait on them for ever as an orphan. On Linux
    the kernel sends SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG); a parent already gone by then is
    seen by ``getppid``. Elsewhere, or for a worker not forked by ``parent`` (None), nothing is done.
    """
    if parent is None or sys.platform != "linux":
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)


def _worker_start(parent: int | None, init: Callable[..., Any] | None, init_args: tuple) -> None:
    """A pool worker's start: tie its life to the parent's, then run the caller's ``init``."""
    die_with_parent(parent)
    if init is not None:
        init(*init_args)


class Runner:
    """Runs a work function over chunks on ``workers`` workers of ``backend``; a context manager owning them.

    ``init(*init_args)`` prepares a worker process (builds the pipeline) before its first chunk; with
    the local backend each pool worker runs it as it starts, never this process, and with one worker this
    process is the worker and runs it on entering.
    """

    def __init__(self, workers: int = 1, backend: str = "local", scheduler: str | None = None,
                 init: Callable[..., Any] | None = None, init_args: tuple = (),
                 partition_bytes: int = PARTITION_BYTES) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.workers = max(1, workers)
        self.backend = backend
        self.scheduler = scheduler
        self.init = init
        self.init_args = init_args
        self.partition_bytes = partition_bytes
        self._pool: ProcessPoolExecutor | None = None
        self._client = None
        self._cluster = None

    def __enter__(self) -> Runner:
        if self.backend == "dask":
            try:
                self._start_dask()
            except BaseException:  # Ctrl-C or a failure while starting: stop what did start
                self._close_dask()
                raise
        elif self.workers > 1:
            self._start_pool()
        elif self.init is not None:
            self.init(*self.init_args)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._close_dask()

    def _start_pool(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        method = start_method()
        context = multiprocessing.get_context(method)
        # each worker runs init itself, at the same time, and this process never holds what it builds (a
        # pipeline): what the parent holds stays small, whatever the workers need
        if method == "forkserver" and self.init is not None:
            context.set_forkserver_preload([self.init.__module__])
        parent = os.getpid() if method == "fork" else None
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_worker_start,
                                         initargs=(parent, self.init, self.init_args))
        # start every worker now: a caller may open files or threads (DuckDB) that a fork must not copy
        list(self._pool.map(_start, [None] * self.workers))

    def _start_dask(self) -> None:
        try:
            import dask
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise RuntimeError("--engine dask needs the dask extra: pip install 'reportkit[dask]'") from exc
        atexit.register(self._close_dask)  # an exit that skips __exit__ still stops the cluster
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, set_as_default=False)
            except (OSError, ValueError) as exc:
                raise RuntimeError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
        else:
            method = "fork" if start_method() == "fork" else "spawn"
            if method == "fork" and self.init is not None:
                self.init(*self.init_args)  # once here; the workers fork with it built, as the local engine's do
            # the profiler samples the running task's stack every 10 ms: on this pure-Python work it
            # cost as much again as the work itself
            with _sigint_deferred(), dask.config.set({"distributed.worker.profile.enabled": False,
                                                      "distributed.worker.multiprocessing-method": method}):
                # CRITICAL: a worker whose heartbeat meets the scheduler closing at the end of a run logs an
                # ERROR with a traceback; the run's own failures reach this process as task results instead
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.CRITICAL)
                self._client = Client(self._cluster, set_as_default=False)
            # the scheduler, here in this process, times every full collection from a gc callback: a Ctrl-C
            # arriving then is raised inside the callback, where Python only reports it, and the run went on
            from distributed.gc import disable_gc_diagnosis

            disable_gc_diagnosis(force=True)
        if self.init is not None:
            self._client.run(_prepare_worker, self.init, self.init_args)  # every worker at once

    def _close_dask(self) -> None:
        """Close the client, and the LocalCluster when this runner started it; a cluster given by address is
        left running. Safe to call twice."""
        atexit.unregister(self._close_dask)
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            with suppress(Exception):
                client.close()
        if cluster is not None:
            with suppress(Exception):
                cluster.close()

    def map(self, work: Callable[..., Any], jobs: Iterable[tuple[Tag, Any]], *args,
            ordered: bool = True) -> Iterator[tuple[Tag, Any]]:
        """Yield ``(tag, work(chunk, *args))`` for each ``(tag, chunk)``: in the jobs' order when ``ordered``,
        else as chunks finish."""
        if self._client is not None:
            yield from self._map_dask(work, jobs, args, ordered)
        elif self._pool is None:
            for tag, chunk in jobs:
                yield tag, work(chunk, *args)
        else:
            yield from self._map_pool(work, jobs, args, ordered)

    def _map_pool(self, work, jobs, args, ordered: bool) -> Iterator[tuple[Any, Any]]:
        in_flight = 2 * self.workers
        if ordered:
            queue: deque[tuple[Any, Future]] = deque()
            for tag, chunk in jobs:
                queue.append((tag, self._pool.submit(work, chunk, *args)))
                if len(queue) >= in_flight:
                    tag, future = queue.popleft()
                    yield tag, future.result()
            while queue:
                tag, future = queue.popleft()
                yield tag, future.result()
            return
        pending: dict[Future, Any] = {}
        for tag, chunk in jobs:
            pending[self._pool.submit(work, chunk, *args)] = tag
            if len(pending) >= in_flight:
                yield from _finished(pending)
        while pending:
            yield from _finished(pending)

    def _map_dask(self, work, jobs, args, ordered: bool) -> Iterator[tuple[Any, Any]]:
        from dask.distributed import as_completed

        # the work function and its arguments go to each worker once, not with every task
        call = self._client.scatter(pickle.dumps((work, args), protocol=pickle.HIGHEST_PROTOCOL), broadcast=True,
                                    hash=False)
        in_flight = 2 * max(1, sum(self._client.nthreads().values()))
        partitions = _partitions(jobs, self.partition_bytes)
        try:
            if ordered:
                queue: deque = deque()
                for tags, payloads in partitions:
                    queue.append((tags, self._submit(call, payloads)))
                    if len(queue) >= in_flight:
                        yield from _partition_results(*queue.popleft())
                while queue:
                    yield from _partition_results(*queue.popleft())
                return
            tags_of = {}
            completed = as_completed(loop=self._client.loop)
            for tags, payloads in partitions:
                future = self._submit(call, payloads)
                tags_of[future.key] = tags
                completed.add(future)
                while completed.count() >= in_flight:
                    future = next(completed)
                    yield from _partition_results(tags_of.pop(future.key), future)
            for future in completed:
                yield from _partition_results(tags_of.pop(future.key), future)
        finally:
            call.release()

    def _submit(self, call, payloads: list[bytes]):
        with warnings.catch_warnings():
            # one chunk of long reports can pass Dask's 10 MB mark on its own: its advice (load the data on the
            # workers) does not apply to records the client must read, and would only clutter the output
            warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
            return self._client.submit(_run_partition, call, payloads, pure=False)


@contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) back while a LocalCluster starts, then let it through.

    A process or thread started meanwhile keeps SIGINT blocked for life (a signal mask is inherited, across
    exec too), so a Ctrl-C at the terminal reaches only this process, which stops the cluster; the
    workers never print tracebacks of their own.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _prepare_worker(init: Callable[..., Any], init_args: tuple) -> None:
    """On a Dask worker: build what every task there will use (returns nothing to send back)."""
    init(*init_args)


def _partitions(jobs: Iterable[tuple[Any, Any]], target: int) -> Iterator[tuple[list, list[bytes]]]:
    """Consecutive jobs grouped until their chunks, pickled, reach ``target`` bytes: ``(tags, pickled chunks)``.

    A chunk larger than ``target`` travels alone; chunks are never split.
    """
    tags: list = []
    payloads: list[bytes] = []
    size = 0
    for tag, chunk in jobs:
        payload = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
        tags.append(tag)
        payloads.append(payload)
        size += len(payload)
        if size >= target:
            yield tags, payloads
            tags, payloads, size = [], [], 0
    if tags:
        yield tags, payloads


def _run_partition(call: bytes, payloads: list[bytes]) -> list:
    """On a Dask worker: the work function over each chunk of a partition, results in the chunks' order."""
    work, args = pickle.loads(call)
    return [work(pickle.loads(payload), *args) for payload in payloads]


def _partition_results(tags: list, future) -> Iterator[tuple[Any, Any]]:
    results = future.result()
    future.release()
    yield from zip(tags, results, strict=True)


def _finished(pending: dict[Future, Any]) -> Iterator[tuple[Any, Any]]:
    from concurrent.futures import FIRST_COMPLETED, wait

    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    for future in done:
        yield pending.pop(future), future.result()


def chunks(items: Iterable, size: int) -> Iterator[tuple[None, list]]:
    """``items`` cut into untagged lists of ``size`` (the last may be shorter), for :meth:`Runner.map`."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield None, chunk


# -- extract and report: the per-report work, chunk by chunk ------------------------------------------


@dataclass(frozen=True)
class Rendered:
    """One report extracted, reasoned over and rendered: its id and the rendered content."""

    id: str
    content: str


def _failure(report: Report, exc: Exception) -> ErrorRecord:
    from reportkit.engine import failure_message  # never quotes the report unless REPORTKIT_DEBUG is set

    return ErrorRecord(id=report.id, source=report.source, line=report.line, error=failure_message(exc))


def _extract_one(report: Report, lexicon_dir: str | None, seconds: float | None = DEFAULT_TIME_LIMIT) -> Outcome:
    from reportkit.engine import get_engine

    try:
        engine = get_engine(lexicon_dir).warm_up()  # built before the clock starts: the limit is the report's
        with time_limit(seconds):
            result = engine.extract(report.text, report.id).result
        return result.model_copy(update={"source": report.source, "line": report.line})
    except Exception as exc:  # noqa: BLE001 - one bad report must not stop an archive run
        return _failure(report, exc)


def extract_chunk(items: list[Input], lexicon_dir: str | None, seconds: float | None) -> list[Outcome]:
    """The outcome of each input of a chunk, in order: a result, or an error record."""
    return [item if isinstance(item, ErrorRecord) else _extract_one(item, lexicon_dir, seconds) for item in items]


def warm_up(lexicon_dir: str | None) -> None:
    """Build this process's engine before its first report (a worker's ``init``)."""
    from reportkit.engine import get_engine

    get_engine(lexicon_dir).warm_up()


def render_chunk(items: list[Input], fmt: str, templates_dir: str | None, lexicon_dir: str | None,
                 seconds: float | None) -> list[Rendered | ErrorRecord]:
    """Each input of a chunk extracted, reasoned over and rendered (or an error record), in order.

    A broken template fails every report alike, so its TemplateError propagates.
    """
    from jinja2 import TemplateError

    from reportkit.engine import get_engine
    from reportkit.render import render

    outcomes: list[Rendered | ErrorRecord] = []
    for item in items:
        if isinstance(item, ErrorRecord):
            outcomes.append(item)
            continue
        try:
            engine = get_engine(lexicon_dir).warm_up()  # built before the clock starts: the limit is the report's
            with time_limit(seconds):
                analysis = engine.analyse(item.text, item.id)
                result = analysis.report.result.model_copy(update={"source": item.source, "line": item.line})
                structured = analysis.report.model_copy(update={"result": result})
                # the page shows the lint diagnostics; FHIR carries the study's identity from the archive
                diagnostics = [d.to_dict() for d in engine.lint(analysis, item.id)] if fmt == "html" else None
                content = render(structured, item.text, fmt, templates_dir, lexicon_dir=lexicon_dir,
                                 diagnostics=diagnostics,
                                 exam={**item.meta, "procedure": item.procedure, "exam_code": item.exam_code})
        except TemplateError:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad report must not stop the run
            outcomes.append(_failure(item, exc))
            continue
        outcomes.append(Rendered(item.id, content))
    return outcomes


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
    One worker takes one report at a time, so each outcome is out as soon as it is known.
    """
    with Runner(workers, init=warm_up, init_args=(lexicon_dir,)) as runner:
        for _, outcomes in runner.map(extract_chunk, chunks(inputs, chunksize if workers > 1 else 1),
                                      lexicon_dir, time_limit):
            yield from outcomes


def render_inputs(inputs: Iterable[Input], fmt: str, templates_dir: str | None = None,
                  lexicon_dir: str | None = None,
                  seconds: float | None = DEFAULT_TIME_LIMIT) -> Iterator[Rendered | ErrorRecord]:
    """Yield each input extracted, reasoned over and rendered (or an error record), in input order.

    A broken template fails every report alike, so its TemplateError propagates to the caller; a report
    taking longer than ``seconds`` becomes an error record.
    """
    with Runner(1) as runner:
        for _, outcomes in runner.map(render_chunk, chunks(inputs, 1), fmt, templates_dir, lexicon_dir, seconds):
            yield from outcomes

"""Run chunks in this process (one worker) or in a pool of worker processes on this machine."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from reportkit.audit.engines import Chunk, DoneChunk
from reportkit.audit.work import WorkOptions, process_chunk, worker_state


def cpu_count() -> int:
    """CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start_method() -> str:
    """fork on Linux (workers inherit the built pipeline), else forkserver, else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _init_worker(lexicon_dir: str | None) -> None:
    worker_state(lexicon_dir)  # build the pipeline once, before the first chunk


class LocalEngine:
    """``workers`` processes (1: this process); each builds the pipeline once."""

    def __init__(self, workers: int, options: WorkOptions) -> None:
        self.workers = workers
        self.options = options
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalEngine:
        if self.workers > 1:
            method = start_method()
            context = multiprocessing.get_context(method)
            if method == "fork":
                # build the pipeline once here; every worker forks with it already built (copy-on-write)
                worker_state(self.options.lexicon_dir)
            elif method == "forkserver":
                context.set_forkserver_preload(["reportkit.audit.work"])
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                             initargs=(self.options.lexicon_dir,))
            # start every worker now, before the caller opens the store: no DuckDB thread is forked
            list(self._pool.map(_init_worker, [self.options.lexicon_dir] * self.workers))
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def run(self, chunks: Iterator[Chunk]) -> Iterator[DoneChunk]:
        """Yield each chunk's rows as it finishes."""
        if self._pool is None:
            for number, key, items in chunks:
                yield number, key, process_chunk(items, self.options)
            return
        pending: dict[Future, tuple[int, str]] = {}
        for number, key, items in chunks:
            pending[self._pool.submit(process_chunk, items, self.options)] = (number, key)
            if len(pending) >= 2 * self.workers:
                yield from self._drain(pending, FIRST_COMPLETED)
        while pending:
            yield from self._drain(pending, FIRST_COMPLETED)

    @staticmethod
    def _drain(pending: dict[Future, tuple[int, str]], how: str) -> Iterator[DoneChunk]:
        done, _ = wait(pending, return_when=how)
        for future in done:
            number, key = pending.pop(future)
            yield number, key, future.result()

"""Run chunks on a Dask cluster: an existing scheduler (``--scheduler ADDRESS``) or a LocalCluster.

The optional extra ``reportkit[dask]``. Workers run the same :func:`process_chunk` as the local
engine, so the store content is the same; each Dask worker process builds the pipeline on its
first chunk. Workers need reportkit (same version and lexicons) installed.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.audit.engines import Chunk, DoneChunk
from reportkit.audit.work import WorkOptions, process_chunk


class DaskEngine:
    """Chunks as Dask tasks, a bounded number in flight."""

    def __init__(self, workers: int, options: WorkOptions, scheduler: str | None = None) -> None:
        self.workers = workers
        self.options = options
        self.scheduler = scheduler
        self._client = None
        self._cluster = None

    def __enter__(self) -> DaskEngine:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:
            raise RuntimeError("--engine dask needs the dask extra: pip install 'reportkit[dask]'") from exc
        if self.scheduler:
            self._client = Client(self.scheduler)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def run(self, chunks: Iterator[Chunk]) -> Iterator[DoneChunk]:
        """Yield each chunk's rows as it finishes."""
        from dask.distributed import as_completed

        in_flight = 2 * max(1, sum(self._client.nthreads().values()))
        keys = {}
        completed = as_completed()
        for number, key, items in chunks:
            future = self._client.submit(process_chunk, items, self.options, pure=False)
            keys[future.key] = (number, key)
            completed.add(future)
            while completed.count() >= in_flight:
                yield self._finish(next(completed), keys)
        for future in completed:
            yield self._finish(future, keys)

    @staticmethod
    def _finish(future, keys) -> DoneChunk:
        number, key = keys.pop(future.key)
        rows = future.result()
        future.release()
        return number, key, rows

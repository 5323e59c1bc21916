"""Engines run :func:`reportkit.audit.work.process_chunk` over chunks and yield rows as chunks finish.

``local``: this process, or N worker processes; ``dask``: a Dask cluster. Both take
``(chunk number, chunk key, items)`` and yield ``(chunk number, chunk key, rows)`` in completion
order, keeping a bounded number of chunks in flight so memory stays flat on any archive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from reportkit.audit.work import ChunkItem, ChunkRows

Chunk = tuple[int, str, list[ChunkItem]]
DoneChunk = tuple[int, str, ChunkRows]


class Engine(Protocol):
    """Runs chunks; a context manager that owns its workers."""

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc) -> None: ...

    def run(self, chunks: Iterator[Chunk]) -> Iterator[DoneChunk]:
        """Process chunks, yielding each one's rows as it is done (in any order)."""
        ...

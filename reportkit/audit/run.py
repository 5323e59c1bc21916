"""One audit run: lock the run folder, read inputs in chunks, skip committed chunks, store the rest.

Resume: inputs are read in a fixed order and cut into chunks of ``chunk_size`` records; chunk
``n`` holds records ``n*size .. n*size+size-1``, its key is the source and record number of its
first record and its hash covers every record read into it. A chunk's rows and its ``chunks_done``
marker commit together (several chunks to a transaction, their rows built as Arrow tables by the
workers), so rerunning the same command after a crash (kill -9 included) processes
exactly the chunks that are missing. A resume whose input files changed size, or whose chunks
already done now read differently, is refused, naming the file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from itertools import islice
from pathlib import Path

from reportkit import __version__
from reportkit.audit.correlation import Window
from reportkit.audit.radiographs import store_correlations
from reportkit.audit.readers.metadata import normalise_meta
from reportkit.audit.records import AuditInput, AuditItem
from reportkit.audit.store import LOCK_FILE, Store, StoreError, lexicon_checksum
from reportkit.audit.work import ChunkItem, WorkOptions, process_chunk_tables, worker_state
from reportkit.io.readers.policy import Report, report, usable_id
from reportkit.io.runner import Runner
from reportkit.models import ErrorRecord
from reportkit.startup import start_up_built
from reportkit.timeout import DEFAULT_TIME_LIMIT

# what a run reads: the reader family's records (reportkit.io.readers.read_archives, metadata normalised here)
# or audit items (a caller's own reader; the reader policy is applied again to those it did not make)
ReadArchive = Callable[[Iterable[str], dict[str, str] | None], Iterator[AuditItem | Report]]
Chunk = tuple[tuple[int, str, str], list[ChunkItem]]  # ((chunk number, chunk key, chunk hash), items)


@dataclass
class RunTotals:
    """Counts that reconcile: read = results + errors (over the whole store)."""

    read: int
    results: int
    errors: int
    chunks_skipped: int
    chunks_run: int
    correlations: int = 0  # MRI/US findings given a radiograph-correlation verdict


_held_locks: set[int] = set()  # descriptors of the run locks this process holds


def _drop_inherited_locks() -> None:
    """In a forked child: close the parent's lock descriptors, so a worker outliving its parent never keeps
    the folder locked (an flock belongs to the open file, which a fork shares)."""
    for descriptor in _held_locks:
        os.close(descriptor)
    _held_locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_inherited_locks)


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold RUN_DIR's lock for the run's life; refuse when another run holds it.

    The descriptor is close-on-exec and closed in forked children, so only this process holds the lock.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{run_dir}: a run is in progress (another audit run is using this folder)") from None
        _held_locks.add(descriptor)
        try:
            yield
        finally:
            _held_locks.discard(descriptor)
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def input_fingerprints(inputs: Iterable[str]) -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every regular file the inputs name (a folder: its archive files); a FIFO or
    stdin has none."""
    from reportkit.io.readers import ARCHIVES, expand_path

    found = {}
    for raw in inputs:
        for path in expand_path(str(raw), ARCHIVES.suffixes):
            try:
                info = path.stat()
            except OSError:
                continue  # the reader makes it an error row
            if stat.S_ISREG(info.st_mode):
                found[str(path.resolve())] = (info.st_size, info.st_mtime_ns)
    return [(path, size, mtime) for path, (size, mtime) in sorted(found.items())]


def chunk_hash(rows: list[ChunkItem]) -> str:
    """sha256 of a chunk's records as read: ids, text, sources, lines, metadata, error messages."""
    text = json.dumps(rows, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _item(rid: int, item: AuditItem | Report) -> ChunkItem:
    if isinstance(item, Report):  # the reader family's own record: the policy applied, metadata still raw
        meta, _ = normalise_meta(item.meta, item.procedure)
        return ("report", rid, item.id, item.text, item.source, item.line, meta)
    if isinstance(item, AuditInput):
        meta = dict(item.meta)  # its fields as they are (a date stays a date), as model_dump() gives them
        if not item._policy_applied:
            # the reader policy again, for a caller's own reader: a record the store or pipeline cannot take
            # (over the size limit, a lone surrogate) becomes an error row that says why
            checked = report(item.id, item.text, item.source, item.line, item.id, meta)
            if isinstance(checked, ErrorRecord):
                return ("error", rid, checked.id, item.source, item.line, checked.error)
        return ("report", rid, item.id, item.text, item.source, item.line, meta)
    return ("error", rid, usable_id(item.id), item.source, item.line, item.error)


def chunked(items: Iterable[AuditItem | Report], size: int) -> Iterator[Chunk]:
    """Number the records in input order and cut them into keyed chunks."""
    iterator = iter(items)
    number = 0
    while batch := list(islice(iterator, size)):
        rows = [_item(number * size + i, item) for i, item in enumerate(batch)]
        first = batch[0]
        yield (number, f"{first.source}:{first.line}", chunk_hash(rows)), rows
        number += 1


def _todo(chunks: Iterator[Chunk], done: dict[int, tuple[str, str]], skipped: list[int],
          on_resumed: Callable[[int], None] | None = None) -> Iterator[Chunk]:
    for (number, key, digest), rows in chunks:
        if number in done:
            if done[number] != (key, digest):
                sources = ", ".join(dict.fromkeys(str(row[4 if row[0] == "report" else 3]) for row in rows))
                raise StoreError(f"{sources}: changed since this store was made (the records of chunk {number}, "
                                 f"from {key}, differ from those stored): use a new RUN_DIR")
            skipped.append(number)
            if on_resumed:
                on_resumed(len(rows))
            continue
        yield (number, key, digest), rows


# DuckDB's memory in the process writing the store. Each automatic checkpoint rewrites the tables' last, partly
# filled row groups and keeps what it read cached up to this limit, so the process's peak is about its size
# plus a constant; the radiograph correlation fits in it up to about a million reports (then it takes more).
STORE_MEMORY_LIMIT = "48MiB"
COMMIT_CHUNKS = 8  # chunks written per transaction: a commit costs about as much as inserting a chunk's rows
COMMIT_SECONDS = 1.0  # ... or fewer, so that a slow run still commits (and shows progress) every second or so


def _commit_in_batches(store: Store, finished: Iterable[tuple[tuple[int, str, str], dict]],
                       on_chunk: Callable[[int, int], None] | None) -> int:
    """Commit finished chunks several to a transaction; ``on_chunk`` follows each once committed. Returns how
    many chunks were committed. A chunk finished but not yet committed when the run stops is simply run again
    by the resume."""
    pending: list[tuple[int, str, str, dict]] = []
    committed = 0
    last = time.monotonic()

    def commit() -> None:
        nonlocal committed, last
        store.commit_chunks(pending)
        committed += len(pending)
        last = time.monotonic()
        if on_chunk:
            for *_, tables in pending:
                errors = tables["errors"].num_rows if "errors" in tables else 0
                on_chunk(errors + (tables["reports"].num_rows if "reports" in tables else 0), errors)
        pending.clear()

    for (number, key, digest), tables in finished:
        pending.append((number, key, digest, tables))
        if len(pending) >= COMMIT_CHUNKS or time.monotonic() - last >= COMMIT_SECONDS:
            commit()
    if pending:
        commit()
    return committed


def audit_runner(workers: int, options: WorkOptions, backend: str = "local", scheduler: str | None = None) -> Runner:
    """The batch runner for an audit: each worker process builds its pipeline and pre-filter once."""
    return Runner(workers, backend, scheduler, init=worker_state, init_args=(options.lexicon_dir,))


def run_audit(run_dir: Path, inputs: list[str], read_archive: ReadArchive, runner_factory: Callable[[], Runner],
              options: WorkOptions, column_map: dict[str, str] | None = None, chunk_size: int = 256,
              on_chunk: Callable[[int, int], None] | None = None, engine_name: str = "local",
              window: Window = Window(), on_resumed: Callable[[int], None] | None = None,
              time_limit: float | None = DEFAULT_TIME_LIMIT) -> RunTotals:
    """Process every input record not yet in RUN_DIR's store, then correlate; returns the store's totals.

    ``on_chunk(records, errors)`` follows each chunk processed, ``on_resumed(records)`` each chunk already done.
    A report taking longer than ``time_limit`` seconds (None: no limit) becomes an error row.
    """
    result_options = {"inputs": [str(Path(p).resolve()) for p in inputs], "columns": column_map or {},
                      "chunk_size": chunk_size, "correlation_window": [window.days_before, window.days_after],
                      **asdict(options)}
    result_options["lexicon_dir"] = str(Path(options.lexicon_dir).resolve()) if options.lexicon_dir else None
    checksum = lexicon_checksum(options.lexicon_dir)
    with run_lock(run_dir):
        with runner_factory() as runner:  # workers start before the store opens: no DuckDB threads in a forked child
            start_up_built()  # the command may have paused the collector for its start-up, which ends here
            store = Store(run_dir)
            try:
                # DuckDB would otherwise cache the store's blocks up to most of the machine's memory, so that the
                # run's process grew with the archive; past this it spills to RUN_DIR's temporary files
                store.con.execute(f"SET memory_limit = '{STORE_MEMORY_LIMIT}'")
                # one writer: a second thread only adds its own buffers to each commit and checkpoint
                store.con.execute("SET threads = 1")
                store.check_options(__version__, checksum, result_options)
                store.check_inputs(input_fingerprints(inputs))
                run = store.start_run(__version__, checksum, {**result_options, "engine": engine_name})
                done = store.done_chunks()
                skipped: list[int] = []
                correlations = 0
                try:
                    todo = _todo(chunked(read_archive(inputs, column_map), chunk_size), done, skipped, on_resumed)
                    finished = runner.map(process_chunk_tables, todo, options, time_limit, ordered=False)
                    ran = _commit_in_batches(store, finished, on_chunk)
                    correlations = store_correlations(store, window)
                except BaseException:
                    # the first failure is the one to report: recording the failed run may fail too (disk full)
                    with suppress(Exception):
                        store.end_run(run, "failed")
                    raise
                read, results, errors = store.end_run(run, "complete")
                # into the store file now, not silently at close: a disk too full for it is an error the run reports
                store.con.execute("CHECKPOINT")
            except BaseException:
                with suppress(Exception):
                    store.close()
                raise
            store.close()
    return RunTotals(read, results, errors, len(skipped), ran, correlations)

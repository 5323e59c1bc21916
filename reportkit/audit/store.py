"""The audit store: one DuckDB file (``RUN_DIR/audit.duckdb``) with a table per kind of record.

Rows arrive per chunk of reports; :meth:`Store.commit_chunk` writes every table's rows and the
chunk's ``chunks_done`` marker in ONE transaction, so a run killed at any moment leaves whole
chunks or nothing. Report text is stored only when asked (``reports.text``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
from importlib.resources.abc import Traversable
from pathlib import Path

import duckdb
import pyarrow as pa

from reportkit.lexicon import default_lexicon_dir

STORE_FILE = "audit.duckdb"
LOCK_FILE = "audit.lock"  # held (flock) by the run writing the store
S, I, B, F, D = "VARCHAR", "BIGINT", "BOOLEAN", "DOUBLE", "DATE"
SL, FL, IL = "VARCHAR[]", "DOUBLE[]", "BIGINT[]"

# table -> [(column, DuckDB type)]; JSON columns are VARCHAR holding JSON text.
TABLES: dict[str, list[tuple[str, str]]] = {
    "reports": [("rid", I), ("id", S), ("source", S), ("line", I), ("patient_id", S), ("accession", S),
                ("exam_date", D), ("archive_modality", S), ("body_part", S), ("side", S), ("modality", SL),
                ("sections", SL), ("n_findings", I), ("n_queries", I), ("n_recommendations", I),
                ("n_diagnostics", I), ("prefiltered", B), ("text", S)],
    "findings": [("rid", I), ("report_id", S), ("idx", I), ("is_query", B), ("start_char", I), ("end_char", I),
                 ("mention", S), ("concept", S), ("named_concepts", SL), ("kind", S), ("negated", B),
                 ("uncertain", B), ("historical", B), ("hypothetical", B), ("section", S),
                 ("location_category", S), ("site", S), ("scope", S), ("laterality", S), ("laterality_source", S),
                 ("descriptors", SL), ("size_mm", F), ("dimensions_mm", FL), ("modality", S), ("diagnosis", S),
                 ("diagnosis_uncertain", B), ("diagnosis_basis", S), ("sentence_start", I), ("sentence_end", I),
                 ("evidence", S)],
    # one row per deposit: finding_idx is its first mention, findings every mention that describes it
    "deposits": [("rid", I), ("report_id", S), ("finding_idx", I), ("idx", I), ("findings", IL), ("kind", S),
                 ("negated", B), ("location_category", S), ("site", S), ("scope", S), ("laterality", S),
                 ("diagnosis", S),
                 ("data", S)],
    "assessments": [("rid", I), ("report_id", S), ("finding_idx", I), ("kind", S), ("stated", S), ("agrees", B),
                    ("suggested_diagnosis", S), ("suggested_entity", S), ("phase", S), ("term_id", S),
                    ("differential", S), ("notes", S), ("warnings", S), ("evidence", S)],
    "recommendations": [("rid", I), ("report_id", S), ("rec_id", S), ("text", S), ("source", S),
                        ("findings", IL), ("evidence", S)],
    "diagnostics": [("rid", I), ("report_id", S), ("code", S), ("name", S), ("severity", S), ("message", S),
                    ("start_char", I), ("end_char", I), ("line", I), ("col", I), ("fix", S)],
    "errors": [("rid", I), ("id", S), ("source", S), ("line", I), ("error", S)],
    # radiograph correlation of MRI/US findings, recomputed over the whole store after each run
    "correlations": [("rid", I), ("finding_idx", I), ("status", S), ("radiograph_rid", I),
                     ("radiograph_accession", S), ("days_from_exam", I), ("side_checked", B), ("reason", S)],
    # chunk_hash: sha256 of the chunk's records as read, so a resume sees an edited input
    "chunks_done": [("chunk", I), ("chunk_key", S), ("chunk_hash", S), ("items", I), ("results", I), ("errors", I)],
    # each input file as the first run found it; a resume refuses a file whose size changed, or that is new or gone
    "inputs": [("path", S), ("size", I), ("mtime_ns", I)],
    "runs": [("run", I), ("started", "TIMESTAMP"), ("ended", "TIMESTAMP"), ("version", S), ("lexicon_checksum", S),
             ("options", S), ("read", I), ("results", I), ("errors", I), ("status", S)],
}
ROW_TABLES = [t for t in TABLES if t not in ("correlations", "chunks_done", "inputs", "runs")]
INTERNAL_TABLES = ("chunks_done",)  # resume bookkeeping: neither listed by `audit tables` nor exported
_ARROW = {S: pa.string(), I: pa.int64(), B: pa.bool_(), F: pa.float64(), D: pa.date32(),
          SL: pa.list_(pa.string()), FL: pa.list_(pa.float64()), IL: pa.list_(pa.int64())}
ARROW_SCHEMAS = {t: pa.schema([(c, _ARROW[k]) for c, k in cols]) for t, cols in TABLES.items() if t != "runs"}

ChunkRows = dict[str, list[tuple]]
ChunkTables = dict[str, pa.Table]
# nothing is downloaded at run time: DuckDB would otherwise fetch an extension to read, e.g., a SQLite file
DUCKDB_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
SQLITE_MAGIC = b"SQLite format 3\0"
EXPORT_FORMATS = {"parquet": "FORMAT parquet", "csv": "FORMAT csv, HEADER", "jsonl": "FORMAT json"}


def arrow_tables(rows: ChunkRows | ChunkTables) -> ChunkTables:
    """A chunk's rows as one Arrow table per non-empty table, in the store's column types; tables pass as they are.

    A worker calls it on its own rows, so the process writing the store does no work per row."""
    tables = {}
    for table, table_rows in rows.items():
        if isinstance(table_rows, pa.Table):
            tables[table] = table_rows
        elif table_rows:
            schema = ARROW_SCHEMAS[table]
            columns = zip(*table_rows, strict=True)
            tables[table] = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)],
                                                 schema=schema)
    return tables


class StoreError(ValueError):
    """The store cannot be used for this run (options differ, or it is not an audit store)."""


def quote_identifier(name: str) -> str:
    """``name`` as a DuckDB identifier: double-quoted, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def storage_failure(exc: BaseException) -> str | None:
    """Words for a write that failed because the disk (or the file size limit) is full, else None."""
    text = str(exc)
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT) or any(
            words in text for words in ("No space left on device", "File too large", "Disk quota exceeded")):
        return "the disk is full (no space left to write the store)"
    return None


def run_in_progress(run_dir: Path) -> bool:
    """Whether an audit run holds RUN_DIR's lock now."""
    try:
        descriptor = os.open(run_dir / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _check_file(path: Path) -> None:
    """Refuse, before DuckDB opens it, a file that cannot be a DuckDB store."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise StoreError(f"{path}: cannot be read ({exc.strerror})") from None
    if not head:
        raise StoreError(f"{path}: an empty file, not an audit store")
    if head.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path}: a SQLite database, not an audit store (DuckDB)")
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError(f"{path}: not a DuckDB file, so not an audit store")


def _open_failure(path: Path, exc: Exception) -> str:
    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "lock" in message.lower():
        return f"{path}: open in another process (a run is in progress, or a query): try again when it has ended"
    return f"{path}: cannot be opened as an audit store, damaged or truncated ({message})"


def _schema_problem(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """Why this database is no audit store of this reportkit (None when it is one)."""
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall():
        columns.setdefault(table, []).append((column, kind))
    if not set(columns) & set(TABLES):
        return f"{path}: a DuckDB file reportkit did not make (no audit tables); it was left unchanged"
    for table, expected in TABLES.items():
        if columns.get(table) != expected:
            return (f"{path}: made by another version of reportkit (table {table} differs from this version's); "
                    "use a new RUN_DIR")
    return None


def _create(path: Path) -> None:
    """Make a new store beside PATH with every table, then move it into place: a store appears whole or not at
    all, so a run killed while making it leaves nothing a later run would refuse."""
    making = path.with_name(path.name + ".new")
    for leftover in (making, making.with_name(making.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(making), config=DUCKDB_CONFIG)
    try:
        con.begin()
        for table, columns in TABLES.items():
            body = ", ".join(f"{quote_identifier(c)} {t}" for c, t in columns)
            con.execute(f"CREATE TABLE {quote_identifier(table)} ({body})")
        con.commit()
        con.execute("CHECKPOINT")  # into the file itself, which alone is moved: it fails here when the disk is full
    finally:
        with contextlib.suppress(duckdb.Error):
            con.close()
    os.replace(making, path)


def lexicon_checksum(lexicon_dir: str | None = None) -> str:
    """sha256 over the names and bytes of every lexicon file."""
    root: Traversable = Path(lexicon_dir) if lexicon_dir else default_lexicon_dir()
    digest = hashlib.sha256()
    for entry in sorted((e for e in root.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name):
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()


class Store:
    """An open audit store."""

    def __init__(self, run_dir: Path, read_only: bool = False) -> None:
        """Open RUN_DIR's store (made when missing, unless ``read_only``).

        Anything but a store this version of reportkit made is refused with a :class:`StoreError`, before
        anything in it is changed: a folder, an empty, random, truncated or SQLite file, another program's
        DuckDB file, an older schema, a store a running audit holds.
        """
        path = run_dir / STORE_FILE
        if run_dir.is_file():
            raise StoreError(f"{run_dir}: a file; give the folder that holds {STORE_FILE}")
        if path.is_dir():
            raise StoreError(f"{path}: a folder, not an audit store")
        exists = path.exists()
        if read_only and not exists:
            raise StoreError(f"{run_dir}: no audit store ({STORE_FILE}) here")
        if read_only and run_in_progress(run_dir):
            raise StoreError(f"{run_dir}: a run is in progress; try again when it has ended")
        if exists:
            _check_file(path)
            if not read_only:  # looked at read-only first: a file that is no store is never written to
                self._open(path, read_only=True)
                self.close()
        else:
            try:
                run_dir.mkdir(parents=True, exist_ok=True)
                _create(path)
            except (OSError, duckdb.Error) as exc:
                reason = storage_failure(exc) or str(exc).splitlines()[0]
                raise StoreError(f"{path}: cannot make the store: {reason}") from None
        self._open(path, read_only)

    def _open(self, path: Path, read_only: bool) -> None:
        try:
            self.con = duckdb.connect(str(path), read_only=read_only, config=DUCKDB_CONFIG)
        except duckdb.Error as exc:
            raise StoreError(_open_failure(path, exc)) from None
        try:
            problem = _schema_problem(self.con, path)
        except duckdb.Error as exc:
            problem = _open_failure(path, exc)
        if problem:
            with contextlib.suppress(duckdb.Error):
                self.con.close()
            raise StoreError(problem)

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.con.close()

    def done_chunks(self) -> dict[int, tuple[str, str]]:
        """Chunk number -> (chunk key, chunk hash) of every committed chunk."""
        return {chunk: (key, digest) for chunk, key, digest in
                self.con.execute("SELECT chunk, chunk_key, chunk_hash FROM chunks_done").fetchall()}

    def commit_chunk(self, chunk: int, key: str, rows: ChunkRows | ChunkTables, digest: str | None = None) -> None:
        """Write a chunk's rows and its done marker (with the hash of its records, ``digest``) atomically."""
        self.commit_chunks([(chunk, key, digest, rows)])

    def commit_chunks(self, chunks: list[tuple[int, str, str | None, ChunkRows | ChunkTables]]) -> None:
        """Write several chunks, each ``(chunk, key, digest, rows)``, with their done markers in ONE transaction:
        one insert per table, whatever the number of chunks. Rows come as tuples or as Arrow tables
        (:func:`arrow_tables`, which a worker can build)."""
        tables: dict[str, list[pa.Table]] = {}
        markers = []
        for chunk, key, digest, rows in chunks:
            batches = arrow_tables(rows)
            results = batches["reports"].num_rows if "reports" in batches else 0
            errors = batches["errors"].num_rows if "errors" in batches else 0
            markers.append((chunk, key, digest, results + errors, results, errors))
            for table, batch in batches.items():
                tables.setdefault(table, []).append(batch)
        if markers:
            tables["chunks_done"] = [arrow_tables({"chunks_done": markers})["chunks_done"]]
        self.con.begin()
        try:
            for table, batches in tables.items():
                self.con.register("_batch", pa.concat_tables(batches))
                self.con.execute(f"INSERT INTO {table} SELECT * FROM _batch")
                self.con.unregister("_batch")
            self.con.commit()
        except BaseException:
            with contextlib.suppress(duckdb.Error):  # a failed commit (disk full) may leave nothing to roll back
                self.con.rollback()
            raise

    # ------------------------------------------------------------------ runs
    def check_options(self, version: str, checksum: str, options: dict) -> None:
        """Refuse to continue a store made with a different version, lexicon or result options."""
        first = self.con.execute("SELECT version, lexicon_checksum, options FROM runs ORDER BY run LIMIT 1").fetchone()
        if first is None:
            return
        was_version, was_checksum, was_options = first[0], first[1], json.loads(first[2])
        if was_version != version:
            raise StoreError(f"store was made by reportkit {was_version}, this is {version}: use a new RUN_DIR")
        if was_checksum != checksum:
            raise StoreError("store was made with different lexicons (checksum differs): use a new RUN_DIR")
        for name, value in options.items():
            if was_options.get(name) != value:
                raise StoreError(f"store was made with {name}={was_options.get(name)!r}, not {value!r}: "
                                 "rerun with the same options or use a new RUN_DIR")

    def start_run(self, version: str, checksum: str, options: dict) -> int:
        """Record a run's start; returns its number."""
        run = self.con.execute("SELECT coalesce(max(run), 0) + 1 FROM runs").fetchone()[0]
        self.con.execute("INSERT INTO runs VALUES (?, ?, NULL, ?, ?, ?, NULL, NULL, NULL, 'running')",
                         [run, dt.datetime.now(), version, checksum, json.dumps(options, sort_keys=True)])
        return run

    def end_run(self, run: int, status: str) -> tuple[int, int, int]:
        """Record a run's end with the store's totals; returns (read, results, errors)."""
        read, results, errors = self.con.execute(
            "SELECT coalesce(sum(items), 0), coalesce(sum(results), 0), coalesce(sum(errors), 0) FROM chunks_done"
        ).fetchone()
        self.con.execute("UPDATE runs SET ended = ?, read = ?, results = ?, errors = ?, status = ? WHERE run = ?",
                         [dt.datetime.now(), read, results, errors, status, run])
        return int(read), int(results), int(errors)

    def check_inputs(self, fingerprints: list[tuple[str, int, int]]) -> None:
        """Record the input files' (path, size, mtime_ns) on a store's first run (or while no chunk is done);
        later, refuse inputs that changed size, or are new or gone, naming the file. A file only touched (same
        size, new mtime) is left to the chunk hashes, which compare what was read."""
        done = self.con.execute("SELECT count(*) FROM chunks_done").fetchone()[0]
        if done:
            was = {path: size for path, size, _ in self.con.execute("SELECT * FROM inputs").fetchall()}
            now = {path: size for path, size, _ in fingerprints}
            for path in sorted(was.keys() | now.keys()):
                if path not in now:
                    raise StoreError(f"{path}: gone since this store was made: resume with the same inputs "
                                     "or use a new RUN_DIR")
                if path not in was:
                    raise StoreError(f"{path}: new since this store was made: resume with the same inputs "
                                     "or use a new RUN_DIR")
                if was[path] != now[path]:
                    raise StoreError(f"{path}: changed since this store was made ({was[path]} bytes, now "
                                     f"{now[path]}): use a new RUN_DIR")
            return
        self.con.begin()
        self.con.execute("DELETE FROM inputs")
        if fingerprints:
            self.con.executemany("INSERT INTO inputs VALUES (?, ?, ?)", fingerprints)
        self.con.commit()

    def tables(self) -> list[str]:
        """Every table in the store."""
        return [r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]

    def user_tables(self) -> list[str]:
        """The tables that hold the audit's data: the store's tables reportkit made, but the internal bookkeeping."""
        present = set(self.tables())
        return [t for t in sorted(TABLES) if t in present and t not in INTERNAL_TABLES]

    def export(self, out: Path, fmt: str) -> list[Path]:
        """Write each of :meth:`user_tables` to ``OUT/TABLE.FMT`` (parquet, csv or jsonl), rows sorted; returns the
        files. Only tables reportkit made are written, and names and paths reach DuckDB quoted or as parameters,
        so no name in the store can write elsewhere."""
        if fmt not in EXPORT_FORMATS:
            raise StoreError(f"export format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
        written = []
        for table in self.user_tables():
            target = out / f"{table}.{fmt}"
            self.con.execute(f"COPY (SELECT * FROM {quote_identifier(table)} ORDER BY ALL) TO ? "
                             f"({EXPORT_FORMATS[fmt]})", [str(target)])
            written.append(target)
        return written

"""The one reader family for every command: files, folders, globs, archives and standard input.

Every input yields either a :class:`Report` or an :class:`~reportkit.models.ErrorRecord` naming
the file (and line) that could not be read, so nothing is lost silently and the counts of
inputs, results and errors reconcile. Ids, text, the size limit and encodings follow one
policy (:mod:`.policy`). What differs between commands is a :class:`Mode`:

- ``REPORTS`` (extract, report) and ``ARCHIVES`` (audit run) read a file alike: text files
  (.txt/.text/.md, one report each), JSONL (.jsonl/.ndjson: one report per line, split on
  ``\n`` only, so U+2028 or U+0085 inside a record is text; a line holding a FHIR resource is
  read as FHIR), CSV/TSV (:mod:`.table`, columns mapped by ``column_map``), Parquet
  (:mod:`.parquet`), HL7 v2 (.hl7, :mod:`.hl7v2`) and FHIR R4 JSON (.json, :mod:`.fhir`), any
  of them gzipped (``x.jsonl.gz``). They differ only in what a folder contributes: its text
  and JSONL files for ``REPORTS`` (archives stay opt-in: name them); every file of those
  formats, gzipped ones too, for ``ARCHIVES``.
- ``DRAFTS`` (lint): .txt/.md only; a file is one draft, byte for byte (CRLF and a BOM
  kept, so columns and ``--fix`` round-trip; a NUL kept); an empty draft is still linted.

Both modes: a file named outright with another suffix is read as text; FIFOs and process
substitution (``<(...)``) are read like files (JSONL when they start with ``{``); a closed
standard input is an error record.

:func:`read_records` reads one JSONL file as plain objects (evaluation's gold and predictions).
This package imports nothing from reportkit but the models, so any layer may read through it.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import json
import sys
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from reportkit.io.readers import fhir, hl7v2, parquet, table
from reportkit.io.readers.policy import (
    DEFAULT_ENCODING,
    META_FIELDS,
    Input,
    Report,
    bom_encoding,
    check_encoding,
    not_decodable,
    report,
)
from reportkit.io.readers.table import ColumnMapError, check_column_map
from reportkit.models import ErrorRecord

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
TABLE_SUFFIXES = frozenset({".csv", ".tsv"})
ARCHIVE_SUFFIXES = TABLE_SUFFIXES | {".parquet", ".hl7", ".json"}
DRAFT_SUFFIXES = frozenset({".txt", ".md"})
STDIN = "-"
TOO_DEEP = "not valid JSON: nested too deeply to read"


@dataclass(frozen=True)
class Mode:
    """How a command reads: which files a folder contributes, and how a file becomes items."""

    suffixes: frozenset[str]  # what a folder contributes; ".jsonl.gz" for a gzipped kind
    archives: bool  # JSONL splits into records, and tables, Parquet, HL7 and FHIR files are read as such
    encoding: str  # "utf-8-sig" drops a BOM; "utf-8" keeps the text exactly as stored
    empty_is_error: bool
    missing: str  # the error for a path that names no file: says which files a folder contributes
    nul_to_space: bool


REPORTS = Mode(TEXT_SUFFIXES | JSONL_SUFFIXES, archives=True, encoding=DEFAULT_ENCODING, empty_is_error=True,
               missing="no such file, no .txt or .jsonl file in the folder, or no glob match", nul_to_space=True)
_ARCHIVE_KINDS = TEXT_SUFFIXES | JSONL_SUFFIXES | ARCHIVE_SUFFIXES
ARCHIVES = Mode(_ARCHIVE_KINDS | {kind + ".gz" for kind in _ARCHIVE_KINDS}, archives=True, encoding=DEFAULT_ENCODING,
                empty_is_error=True, nul_to_space=True,
                missing="no such file, no report file (.txt, .jsonl, .csv...) in the folder, or no glob match")
DRAFTS = Mode(DRAFT_SUFFIXES, archives=False, encoding="utf-8", empty_is_error=False,
              missing="no such file, no .txt or .md file in the folder, or no glob match", nul_to_space=False)


class Draft(NamedTuple):
    """One draft to lint: the path it was read from (``-`` for stdin) and its exact text."""

    path: str
    text: str


@dataclass(frozen=True)
class Record:
    """One JSON object from a JSONL file and the line it was on."""

    data: dict
    source: str
    line: int


def _jsonl_objects(lines: Iterable[bytes | str], source: str, encoding: str = "utf-8-sig",
                   hint: bool = False) -> Iterator[Record | ErrorRecord]:
    """One object per non-blank line, read lazily so an archive never sits in memory whole."""
    seen_any = False
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode(bom_encoding(raw, encoding) if number == 1 else encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                seen_any = True
                yield ErrorRecord(source=source, line=number, error=not_decodable(exc, encoding, hint))
                continue
        else:
            line = raw.removeprefix("\ufeff") if number == 1 else raw
        if not line.strip():
            continue
        seen_any = True
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRecord(source=source, line=number, error=f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield ErrorRecord(source=source, line=number, error=TOO_DEEP)
            continue
        if not isinstance(data, dict):
            yield ErrorRecord(source=source, line=number, error="a JSONL record must be an object with id and text")
            continue
        yield Record(data=data, source=source, line=number)
    if not seen_any:
        yield ErrorRecord(source=source, error="empty file: no records")


def _jsonl_reports(lines: Iterable[bytes | str], source: str, encoding: str) -> Iterator[Input]:
    for item in _jsonl_objects(lines, source, encoding, hint=True):
        if isinstance(item, ErrorRecord):
            yield item
        elif "resourceType" in item.data:  # FHIR NDJSON: a DiagnosticReport or a Bundle of them per line
            yield from fhir.resource_reports(item.data, source, item.line)
        else:
            meta = {name: item.data.get(name) for name in META_FIELDS}
            yield report(item.data.get("id"), item.data.get("text"), source, item.line,
                         f"{source}:{item.line}", meta, exam_code=item.data.get("exam_code"))


def _from_data(data: bytes | str, source: str, report_id: str, as_jsonl: bool | None, mode: Mode,
               encoding: str) -> Iterator[Input]:
    if as_jsonl is None:  # standard input or a pipe: JSONL if it starts like a JSON object
        start = data.removeprefix(codecs.BOM_UTF8) if isinstance(data, bytes) else data.removeprefix("\ufeff")
        as_jsonl = mode.archives and start.lstrip().startswith(b"{" if isinstance(data, bytes) else "{")
    if as_jsonl:
        # JSON escapes every newline inside a string, so "\n" alone ends a record (and each record is
        # decoded on its own); str.splitlines would also split at U+2028, U+0085 and friends, which JSON
        # allows raw inside strings.
        yield from _jsonl_reports(data.split(b"\n" if isinstance(data, bytes) else "\n"), source, encoding)
        return
    if isinstance(data, bytes):
        try:
            text = data.decode(bom_encoding(data, encoding) if mode.archives else encoding)  # lint keeps a BOM
        except UnicodeDecodeError as exc:
            yield ErrorRecord(id=report_id, source=source, error=not_decodable(exc, encoding, hint=mode.archives))
            return
    else:
        text = data
    yield report(report_id, text, source, None, report_id, empty_is_error=mode.empty_is_error,
                 nul_to_space=mode.nul_to_space)


def file_suffix(path: Path) -> str:
    """The suffix that says what a file holds: ``.jsonl`` for ``x.jsonl`` and for ``x.jsonl.gz``."""
    return _base(path)[0]


def _base(path: Path) -> tuple[str, bool]:
    """The suffix that says what a file holds (``.jsonl`` for ``x.jsonl.gz``) and whether it is gzipped."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return (suffixes[-2] if len(suffixes) > 1 else ""), True
    return path.suffix.lower(), False


def _folder_suffix(path: Path) -> str:
    suffix, gzipped = _base(path)
    return suffix + ".gz" if gzipped else suffix


def _stem(path: Path) -> Path:
    return path.with_suffix("").with_suffix("") if _base(path)[1] else path.with_suffix("")


def expand_path(raw: str, suffixes: Iterable[str]) -> list[Path]:
    """The files a path argument names: itself, a folder's files with ``suffixes``, or a glob's matches.

    A path named outright may be a FIFO or ``/dev/fd/N`` (process substitution); a folder gives its
    files (in any subfolder) whose suffix is one of ``suffixes`` (``.jsonl.gz`` counts as itself).
    """
    path = Path(raw)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and _folder_suffix(p) in suffixes)
    if path.exists():
        return [path]
    if glob.has_magic(raw):
        return sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
    return []


def _read_archive(path: Path, suffix: str, encoding: str, column_map: Mapping[str, str] | None,
                  skipped: Counter[str] | None = None) -> Iterator[Input]:
    if suffix in JSONL_SUFFIXES:
        with (gzip.open if path.suffix.lower() == ".gz" else open)(path, "rb") as handle:
            yield from _jsonl_reports(handle, str(path), encoding)
    elif suffix in TABLE_SUFFIXES:
        yield from table.read_table(path, column_map, encoding, delimiter="\t" if suffix == ".tsv" else ",")
    elif suffix == ".parquet":
        yield from parquet.read_parquet(path, column_map)
    elif suffix == ".hl7":
        yield from hl7v2.read_hl7(path, encoding, skipped)
    else:
        yield from fhir.read_fhir_json(path, encoding)


def _read_file(path: Path, report_id: str, mode: Mode, encoding: str,
               column_map: Mapping[str, str] | None = None, skipped: Counter[str] | None = None) -> Iterator[Input]:
    suffix, gzipped = _base(path)
    opener = gzip.open if gzipped else open
    try:
        if mode.archives and suffix in JSONL_SUFFIXES | ARCHIVE_SUFFIXES:
            yield from _read_archive(path, suffix, encoding, column_map, skipped)
            return
        with opener(path, "rb") as handle:
            data = handle.read()
    except (gzip.BadGzipFile, EOFError, zlib.error):  # their messages quote the file's bytes
        yield ErrorRecord(source=str(path), error="cannot read: not a complete gzip file")
        return
    except OSError as exc:
        yield ErrorRecord(source=str(path), error=f"cannot read: {exc.strerror or type(exc).__name__}")
        return
    # a pipe has no name to go by: sniff it like standard input
    as_jsonl = None if not gzipped and not path.is_file() and suffix not in TEXT_SUFFIXES else False
    yield from _from_data(data, str(path), report_id, as_jsonl, mode, encoding)


def _stdin_bytes() -> bytes | None:
    """All of standard input, or None when it is closed."""
    try:
        return sys.stdin.buffer.read()
    except (AttributeError, OSError, ValueError):  # no stdin at all (<&-), or closed
        return None


def read(paths: Iterable[str], mode: Mode, stdin: bytes | str | None = None, encoding: str | None = None,
         column_map: Mapping[str, str] | None = None, skipped: Counter[str] | None = None) -> Iterator[Input]:
    """Yield reports (or error records) from each path (file, folder, glob) in order; ``-`` reads stdin.

    ``column_map``: {field: column} for CSV/TSV and Parquet files (see :mod:`.table`); an unknown
    field raises :class:`ColumnMapError` before anything is read. ``skipped``: counts the records that
    hold no report and are no error (HL7 messages other than results), by kind.
    """
    check_column_map(column_map)
    return _read(paths, mode, stdin, check_encoding(encoding) if encoding else mode.encoding, column_map, skipped)


def _read(paths: Iterable[str], mode: Mode, stdin: bytes | str | None, encoding: str,
          column_map: Mapping[str, str] | None, skipped: Counter[str] | None = None) -> Iterator[Input]:
    for raw in paths:
        if raw == STDIN:
            data = stdin if stdin is not None else _stdin_bytes()
            if data is None:
                yield ErrorRecord(source=STDIN, error="standard input is closed")
                continue
            yield from _from_data(data, STDIN, "stdin", None, mode, encoding)
            continue
        files = expand_path(raw, mode.suffixes)
        if not files:
            yield ErrorRecord(source=raw, error=mode.missing)
        folder = Path(raw) if Path(raw).is_dir() else None
        for file in files:
            report_id = str(_stem(file.relative_to(folder))) if folder else _stem(file).name
            yield from _read_file(file, report_id, mode, encoding, column_map, skipped)


def column_map_problems(paths: Iterable[str], column_map: Mapping[str, str] | None = None,
                        encoding: str | None = None) -> list[str]:
    """``file: why`` for each CSV/TSV/Parquet file among ``paths`` whose header the column map does not fit
    (id and text must be found), read from the headers alone, so a run can refuse before it starts."""
    check_column_map(column_map)
    problems = []
    for raw in paths:
        for file in expand_path(raw, ARCHIVES.suffixes) if raw != STDIN else []:
            if not file.is_file():
                continue  # a pipe is read once, by the run
            suffix = _base(file)[0]
            if suffix in TABLE_SUFFIXES:
                problem = table.header_problem(file, column_map, check_encoding(encoding) if encoding
                                               else ARCHIVES.encoding, "\t" if suffix == ".tsv" else ",")
            elif suffix == ".parquet":
                problem = table.parquet_header_problem(file, column_map)
            else:
                continue
            if problem:
                problems.append(f"{file}: {problem}")
    return problems


def read_inputs(paths: Iterable[str], stdin: bytes | None = None, encoding: str | None = None) -> Iterator[Input]:
    """Reports (or error records) for extract and report: text files, JSONL, archives named outright, stdin."""
    return read(paths, REPORTS, stdin, encoding)


def read_archives(paths: Iterable[str], column_map: Mapping[str, str] | None = None,
                  encoding: str | None = None, skipped: Counter[str] | None = None) -> Iterator[Input]:
    """Reports (or error records) for an audit: as :func:`read_inputs`, a folder giving every known format
    (``skipped``: see :func:`read`)."""
    return read(paths, ARCHIVES, None, encoding, column_map, skipped)


def read_drafts(paths: Iterable[str], stdin_text: str | None = None) -> Iterator[Draft | ErrorRecord]:
    """Drafts (or error records) for lint: .txt/.md files and stdin, each read exactly as stored."""
    for item in read(paths, DRAFTS, stdin_text):
        yield item if isinstance(item, ErrorRecord) else Draft(item.source, item.text)


def read_records(path: Path) -> Iterator[Record | ErrorRecord]:
    """Every JSON object in one JSONL file, whatever its suffix, or an error record per bad line."""
    try:
        with path.open("rb") as handle:
            yield from _jsonl_objects(handle, str(path))
    except OSError as exc:
        yield ErrorRecord(source=str(path), error=f"cannot read: {exc.strerror}")

"""The one reader for every command: files, folders, globs, JSONL and standard input.

Every input yields either an item or an :class:`~reportkit.models.ErrorRecord` naming the
file (and line) that could not be read, so nothing is lost silently and the counts of
inputs, results and errors reconcile. What differs between commands is a :class:`Mode`:

- ``REPORTS`` (extract, report): .txt/.text/.md and .jsonl/.ndjson files (gzipped too when
  named: ``x.txt.gz``, ``x.jsonl.gz``); JSONL splits into one report per line (on ``\n`` only,
  so U+2028 or U+0085 inside a record is text); a UTF-8 BOM is dropped; an empty report (file
  or ``"text": ""``) is an error; a NUL byte becomes a space, so offsets stay valid.
- ``DRAFTS`` (lint): .txt/.md only; a file is one draft, byte for byte (CRLF and a BOM
  kept, so columns and ``--fix`` round-trip); an empty draft is still linted.

Both modes: a report over :data:`~reportkit.models.MAX_REPORT_CHARS` characters is an error
record saying so; FIFOs and process substitution (``<(...)``) are read like files (JSONL when
they start with ``{``); a closed standard input is an error record.

:func:`read_records` reads one JSONL file as plain objects (evaluation's gold and predictions).
This module imports nothing from reportkit but the models, so any layer may read through it.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import json
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from reportkit.models import MAX_REPORT_CHARS, ErrorRecord

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
DRAFT_SUFFIXES = frozenset({".txt", ".md"})
STDIN = "-"


@dataclass(frozen=True)
class Mode:
    """How a command reads: which files a folder contributes, and how a file becomes items."""

    suffixes: frozenset[str]
    split_jsonl: bool  # .jsonl files, and stdin starting with "{", become one report per line
    encoding: str  # "utf-8-sig" drops a BOM; "utf-8" keeps the text exactly as stored
    empty_is_error: bool
    missing: str  # the error for a path that names no file: says which files a folder contributes
    nul_to_space: bool  # a NUL inside a word would hide it from matching; a space keeps every offset


REPORTS = Mode(TEXT_SUFFIXES | JSONL_SUFFIXES, split_jsonl=True, encoding="utf-8-sig", empty_is_error=True,
               missing="no such file, no .txt or .jsonl file in the folder, or no glob match", nul_to_space=True)
DRAFTS = Mode(DRAFT_SUFFIXES, split_jsonl=False, encoding="utf-8", empty_is_error=False,
              missing="no such file, no .txt or .md file in the folder, or no glob match", nul_to_space=False)


@dataclass(frozen=True)
class Report:
    """One report to process: its id, text, and the file (and JSONL line) it came from."""

    id: str
    text: str
    source: str
    line: int | None = None


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


Input = Report | ErrorRecord


def _not_decodable(exc: UnicodeDecodeError, encoding: str, hint: bool) -> str:
    name = "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
    return f"not {name} text (byte {exc.start}: {exc.reason}{'; see --encoding' if hint else ''})"


def check_encoding(encoding: str) -> str:
    """The codec to decode reports with: UTF-8 accepts a BOM; an unknown name raises LookupError."""
    return "utf-8-sig" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def _too_long(text: str) -> str | None:
    if len(text) > MAX_REPORT_CHARS:
        return f"report is {len(text):,} characters; the limit is {MAX_REPORT_CHARS:,}"
    return None


def _jsonl_objects(lines: Iterable[bytes | str], source: str, encoding: str = "utf-8-sig",
                   hint: bool = False) -> Iterator[Record | ErrorRecord]:
    """One object per non-blank line, read lazily so an archive never sits in memory whole."""
    seen_any = False
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode(encoding if number == 1 else encoding.removesuffix("-sig"))
            except UnicodeDecodeError as exc:
                seen_any = True
                yield ErrorRecord(source=source, line=number, error=_not_decodable(exc, encoding, hint))
                continue
        else:
            line = raw
        if not line.strip():
            continue
        seen_any = True
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRecord(source=source, line=number, error=f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(data, dict):
            yield ErrorRecord(source=source, line=number, error="a JSONL record must be an object with id and text")
            continue
        yield Record(data=data, source=source, line=number)
    if not seen_any:
        yield ErrorRecord(source=source, error="empty file: no records")


def _report(report_id: str, text: str, source: str, line: int | None, mode: Mode) -> Input:
    """A report, or the error record for an empty or oversized one (the same for files and JSONL)."""
    error = _too_long(text)
    if error is None and mode.empty_is_error and not text.strip():
        error = "empty file: no report text" if line is None else "empty report: no text"
    if error:
        return ErrorRecord(id=report_id, source=source, line=line, error=error)
    if mode.nul_to_space:
        text = text.replace("\0", " ")
    return Report(id=report_id, text=text, source=source, line=line)


def _jsonl_reports(lines: Iterable[bytes | str], source: str, mode: Mode, encoding: str) -> Iterator[Input]:
    for item in _jsonl_objects(lines, source, encoding, hint=True):
        if isinstance(item, ErrorRecord):
            yield item
            continue
        report_id = item.data.get("id")
        text_value = item.data.get("text")
        if report_id is not None and not isinstance(report_id, str):
            yield ErrorRecord(source=source, line=item.line,
                              error=f"'id' must be a string, not {type(report_id).__name__}")
            continue
        if not isinstance(text_value, str):
            yield ErrorRecord(id=report_id, source=source, line=item.line, error="record has no 'text' string")
            continue
        yield _report(report_id if report_id is not None else f"{source}:{item.line}", text_value, source,
                      item.line, mode)


def _from_data(data: bytes | str, source: str, report_id: str, as_jsonl: bool | None, mode: Mode,
               encoding: str) -> Iterator[Input]:
    if isinstance(data, bytes):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            yield ErrorRecord(id=None if as_jsonl else report_id, source=source,
                              error=_not_decodable(exc, encoding, hint=mode.split_jsonl))
            return
    else:
        text = data
    if as_jsonl is None:  # standard input or a pipe: JSONL if it starts like a JSON object
        as_jsonl = mode.split_jsonl and text.lstrip().startswith("{")
    if as_jsonl:
        # JSON escapes every newline inside a string, so "\n" alone ends a record; str.splitlines
        # would also split at U+2028, U+0085 and friends, which JSON allows raw inside strings.
        yield from _jsonl_reports(text.split("\n"), source, mode, encoding)
    else:
        yield _report(report_id, text, source, None, mode)


def _base(path: Path) -> tuple[str, bool]:
    """The suffix that says what a file holds (``.jsonl`` for ``x.jsonl.gz``) and whether it is gzipped."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        return (suffixes[-2] if len(suffixes) > 1 else ""), True
    return path.suffix.lower(), False


def _stem(path: Path) -> Path:
    return path.with_suffix("").with_suffix("") if _base(path)[1] else path.with_suffix("")


def expand_path(raw: str, suffixes: Iterable[str]) -> list[Path]:
    """The files a path argument names: itself, a folder's files with ``suffixes``, or a glob's matches.

    A path named outright may be a FIFO or ``/dev/fd/N`` (process substitution); gzipped files
    count when named or globbed, not when a folder is expanded (archives stay opt-in).
    """
    path = Path(raw)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    if path.exists():
        return [path]
    if glob.has_magic(raw):
        return sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
    return []


def _read_file(path: Path, report_id: str, mode: Mode, encoding: str) -> Iterator[Input]:
    suffix, gzipped = _base(path)
    opener = gzip.open if gzipped else open
    try:
        if mode.split_jsonl and suffix in JSONL_SUFFIXES:
            with opener(path, "rb") as handle:
                yield from _jsonl_reports(handle, str(path), mode, encoding)
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


def read(paths: Iterable[str], mode: Mode, stdin: bytes | str | None = None,
         encoding: str | None = None) -> Iterator[Input]:
    """Yield reports (or error records) from each path (file, folder, glob) in order; ``-`` reads stdin."""
    encoding = check_encoding(encoding) if encoding else mode.encoding
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
            yield from _read_file(file, report_id, mode, encoding)


def read_inputs(paths: Iterable[str], stdin: bytes | None = None, encoding: str | None = None) -> Iterator[Input]:
    """Reports (or error records) for extract and report: text files, JSONL lines, stdin."""
    return read(paths, REPORTS, stdin, encoding)


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

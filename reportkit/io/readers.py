"""The one reader for every command: files, folders, globs, JSONL and standard input.

Every input yields either an item or an :class:`~reportkit.models.ErrorRecord` naming the
file (and line) that could not be read, so nothing is lost silently and the counts of
inputs, results and errors reconcile. What differs between commands is a :class:`Mode`:

- ``REPORTS`` (extract, report): .txt/.text/.md and .jsonl/.ndjson files; JSONL splits
  into one report per line; a UTF-8 BOM is dropped; an empty file is an error.
- ``DRAFTS`` (lint): .txt/.md only; a file is one draft, byte for byte (CRLF and a BOM
  kept, so columns and ``--fix`` round-trip); an empty draft is still linted.

:func:`read_records` reads one JSONL file as plain objects (evaluation's gold and predictions).
This module imports nothing from reportkit but the models, so any layer may read through it.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from reportkit.models import ErrorRecord

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


REPORTS = Mode(TEXT_SUFFIXES | JSONL_SUFFIXES, split_jsonl=True, encoding="utf-8-sig", empty_is_error=True,
               missing="no such file, no .txt or .jsonl file in the folder, or no glob match")
DRAFTS = Mode(DRAFT_SUFFIXES, split_jsonl=False, encoding="utf-8", empty_is_error=False,
              missing="no such file, no .txt or .md file in the folder, or no glob match")


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


def _not_utf8(exc: UnicodeDecodeError) -> str:
    return f"not UTF-8 text (byte {exc.start}: {exc.reason})"


def _jsonl_objects(lines: Iterable[bytes | str], source: str) -> Iterator[Record | ErrorRecord]:
    """One object per non-blank line, read lazily so an archive never sits in memory whole."""
    seen_any = False
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                seen_any = True
                yield ErrorRecord(source=source, line=number, error=_not_utf8(exc))
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


def _jsonl_reports(lines: Iterable[bytes | str], source: str) -> Iterator[Input]:
    for item in _jsonl_objects(lines, source):
        if isinstance(item, ErrorRecord):
            yield item
            continue
        report_id = item.data.get("id")
        text_value = item.data.get("text")
        if not isinstance(text_value, str):
            yield ErrorRecord(id=str(report_id) if report_id is not None else None, source=source,
                              line=item.line, error="record has no 'text' string")
            continue
        yield Report(id=str(report_id) if report_id is not None else f"{source}:{item.line}", text=text_value,
                     source=source, line=item.line)


def _from_data(data: bytes | str, source: str, report_id: str, as_jsonl: bool | None, mode: Mode) -> Iterator[Input]:
    if isinstance(data, bytes):
        try:
            text = data.decode(mode.encoding)
        except UnicodeDecodeError as exc:
            yield ErrorRecord(id=None if as_jsonl else report_id, source=source, error=_not_utf8(exc))
            return
    else:
        text = data
    if as_jsonl is None:  # standard input: JSONL if it starts like a JSON object
        as_jsonl = mode.split_jsonl and text.lstrip().startswith("{")
    if as_jsonl:
        yield from _jsonl_reports(text.splitlines(), source)
    elif mode.empty_is_error and not text.strip():
        yield ErrorRecord(id=report_id, source=source, error="empty file: no report text")
    else:
        yield Report(id=report_id, text=text, source=source)


def expand_path(raw: str, suffixes: Iterable[str]) -> list[Path]:
    """The files a path argument names: itself, a folder's files with ``suffixes``, or a glob's matches."""
    path = Path(raw)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    if path.is_file():
        return [path]
    if glob.has_magic(raw):
        return sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
    return []


def _read_file(path: Path, report_id: str, mode: Mode) -> Iterator[Input]:
    try:
        if mode.split_jsonl and path.suffix.lower() in JSONL_SUFFIXES:
            with path.open("rb") as handle:
                yield from _jsonl_reports(handle, str(path))
            return
        data = path.read_bytes()
    except OSError as exc:
        yield ErrorRecord(source=str(path), error=f"cannot read: {exc.strerror}")
        return
    yield from _from_data(data, str(path), report_id, False, mode)


def read(paths: Iterable[str], mode: Mode, stdin: bytes | str | None = None) -> Iterator[Input]:
    """Yield reports (or error records) from each path (file, folder, glob) in order; ``-`` reads stdin."""
    for raw in paths:
        if raw == STDIN:
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            yield from _from_data(data, STDIN, "stdin", None, mode)
            continue
        files = expand_path(raw, mode.suffixes)
        if not files:
            yield ErrorRecord(source=raw, error=mode.missing)
        folder = Path(raw) if Path(raw).is_dir() else None
        for file in files:
            report_id = str(file.relative_to(folder).with_suffix("")) if folder else file.stem
            yield from _read_file(file, report_id, mode)


def read_inputs(paths: Iterable[str], stdin: bytes | None = None) -> Iterator[Input]:
    """Reports (or error records) for extract and report: text files, JSONL lines, stdin."""
    return read(paths, REPORTS, stdin)


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

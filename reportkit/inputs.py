"""Read reports from files, folders, JSONL and standard input.

Every input yields either a :class:`Report` or an :class:`~reportkit.models.ErrorRecord`
naming the file (and line) that could not be read, so nothing is lost silently and the
counts of inputs, results and errors reconcile.
"""

from __future__ import annotations

import glob
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reportkit.models import ErrorRecord

TEXT_SUFFIXES = {".txt", ".text", ".md"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}


@dataclass(frozen=True)
class Report:
    id: str
    text: str
    source: str
    line: int | None = None


Input = Report | ErrorRecord


def _decode(data: bytes, source: str) -> str | ErrorRecord:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ErrorRecord(source=source, error=f"not UTF-8 text (byte {exc.start}: {exc.reason})")


def _jsonl_records(lines: Iterable[bytes | str], source: str) -> Iterator[Input]:
    """One record per non-blank line; read lazily so an archive never sits in memory whole."""
    seen_any = False
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                seen_any = True
                yield ErrorRecord(source=source, line=number, error=f"not UTF-8 text (byte {exc.start}: {exc.reason})")
                continue
        else:
            line = raw
        if not line.strip():
            continue
        seen_any = True
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRecord(source=source, line=number, error=f"not valid JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield ErrorRecord(source=source, line=number, error="a JSONL record must be an object with id and text")
            continue
        report_id = record.get("id")
        text_value = record.get("text")
        if not isinstance(text_value, str):
            yield ErrorRecord(
                id=str(report_id) if report_id is not None else None,
                source=source,
                line=number,
                error="record has no 'text' string",
            )
            continue
        yield Report(id=str(report_id) if report_id is not None else f"{source}:{number}", text=text_value,
                     source=source, line=number)
    if not seen_any:
        yield ErrorRecord(source=source, error="empty file: no records")


def _from_bytes(data: bytes, source: str, report_id: str, as_jsonl: bool | None) -> Iterator[Input]:
    text = _decode(data, source)
    if isinstance(text, ErrorRecord):
        yield text.model_copy(update={"id": report_id if not as_jsonl else None})
        return
    if as_jsonl is None:  # standard input: JSONL if it starts like a JSON object
        as_jsonl = text.lstrip().startswith("{")
    if as_jsonl:
        yield from _jsonl_records(text.splitlines(), source)
    elif not text.strip():
        yield ErrorRecord(id=report_id, source=source, error="empty file: no report text")
    else:
        yield Report(id=report_id, text=text, source=source)


def expand_path(raw: str, suffixes: set[str]) -> list[Path]:
    """The files a path argument names: itself, a folder's files with ``suffixes``, or a glob's matches."""
    path = Path(raw)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    if path.is_file():
        return [path]
    if glob.has_magic(raw):
        return sorted(Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file())
    return []


def read_inputs(paths: Iterable[str], stdin: bytes | None = None) -> Iterator[Input]:
    """Yield reports (or error records) from each path (file, folder, glob) in order; ``-`` reads stdin."""
    for raw in paths:
        if raw == "-":
            data = stdin if stdin is not None else sys.stdin.buffer.read()
            yield from _from_bytes(data, "-", "stdin", None)
            continue
        files = expand_path(raw, TEXT_SUFFIXES | JSONL_SUFFIXES)
        if not files:
            yield ErrorRecord(source=raw, error="no such file, no .txt or .jsonl file in the folder, or no glob match")
        folder = Path(raw) if Path(raw).is_dir() else None
        for file in files:
            report_id = str(file.relative_to(folder).with_suffix("")) if folder else file.stem
            yield from _read_file(file, report_id=report_id)


def _read_file(path: Path, report_id: str) -> Iterator[Input]:
    try:
        if path.suffix.lower() in JSONL_SUFFIXES:
            with path.open("rb") as handle:
                yield from _jsonl_records(handle, str(path))
            return
        data = path.read_bytes()
    except OSError as exc:
        yield ErrorRecord(source=str(path), error=f"cannot read: {exc.strerror}")
        return
    yield from _from_bytes(data, str(path), report_id, False)

"""JSONL archives (.jsonl, .ndjson, optionally gzip-compressed): one {"id", "text", metadata...} object per line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from reportkit.audit.readers.metadata import META_FIELDS, make_input
from reportkit.audit.records import AuditItem
from reportkit.models import ErrorRecord


def open_text(path: Path, encoding: str):
    """Open a text file for streaming, transparently gunzipping a .gz file."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return path.open(encoding=encoding, newline="")


def read_jsonl(path: Path, encoding: str = "utf-8") -> Iterator[AuditItem]:
    """Yield one item per non-blank line; bad JSON, a non-object or a missing id/text becomes an ErrorRecord."""
    source = str(path)
    with open_text(path, encoding) as handle:
        line_no = 0
        while True:
            line_no += 1
            try:
                line = handle.readline()
            except (UnicodeDecodeError, OSError, EOFError) as exc:
                yield ErrorRecord(source=source, line=line_no, error=f"unreadable from here on: {type(exc).__name__}")
                return
            if not line:
                return
            if not line.strip():
                continue
            yield _parse_line(line, source, line_no)


def _parse_line(line: str, source: str, line_no: int) -> AuditItem:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return ErrorRecord(source=source, line=line_no, error=f"invalid JSON at column {exc.colno}: {exc.msg}")
    if not isinstance(record, dict):
        return ErrorRecord(source=source, line=line_no, error="expected a JSON object")
    fields = {name: record.get(name) for name in META_FIELDS}
    return make_input(record.get("id"), record.get("text"), source, line_no, fields)

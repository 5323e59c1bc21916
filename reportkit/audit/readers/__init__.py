"""Audit readers: every archive format, streamed as AuditInput or ErrorRecord items.

``read_archive`` picks the reader by suffix: folders and .txt/.md (one report per file), .jsonl/.ndjson
(optionally .gz; FHIR NDJSON when its objects carry a resourceType), .csv/.tsv, .parquet, .hl7, and
.json (FHIR R4 DiagnosticReport or Bundle). A folder is walked and each file read by its suffix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from reportkit.audit.readers.count import count_records
from reportkit.audit.readers.fhir import read_fhir_json, read_fhir_ndjson
from reportkit.audit.readers.hl7v2 import read_hl7
from reportkit.audit.readers.jsonl import open_text, read_jsonl
from reportkit.audit.readers.parquet import read_parquet
from reportkit.audit.readers.table import ColumnMapError, check_column_map, read_table
from reportkit.audit.readers.text import TEXT_SUFFIXES, read_text_files
from reportkit.audit.records import AuditItem
from reportkit.models import ErrorRecord

__all__ = ["SUFFIXES", "ColumnMapError", "count_archive", "read_archive", "read_path"]

SUFFIXES = {
    ".txt": "text", ".md": "text",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonl.gz": "jsonl", ".ndjson.gz": "jsonl",
    ".csv": "table", ".tsv": "table", ".csv.gz": "table", ".tsv.gz": "table",
    ".parquet": "parquet", ".hl7": "hl7", ".json": "fhir",
}


def format_of(path: Path) -> str | None:
    """The reader name for a file's suffix (two-part suffixes such as .jsonl.gz first), or None."""
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return SUFFIXES[suffix]
    return None


def read_archive(
    paths: Iterable[str | Path], column_map: Mapping[str, str] | None = None, encoding: str = "utf-8"
) -> Iterator[AuditItem]:
    """Yield every report of every path in order; a missing path or unknown suffix yields one ErrorRecord.

    Raises ColumnMapError before reading anything when ``column_map`` names an unknown field.
    """
    check_column_map(column_map)
    for path in paths:
        yield from read_path(Path(path), column_map, encoding)


def count_archive(paths: Iterable[str | Path], encoding: str = "utf-8") -> int | None:
    """How many records ``paths`` hold when cheaply known (JSONL, CSV/TSV, Parquet, text), else None."""
    paths = [Path(p) for p in paths]
    files = [f for p in paths for f in (p.rglob("*") if p.is_dir() else [p]) if f.is_file()]
    return count_records(paths, {f: format_of(f) for f in files}, encoding)


def read_path(path: Path, column_map: Mapping[str, str] | None = None, encoding: str = "utf-8") -> Iterator[AuditItem]:
    """Yield the reports of one file or folder."""
    if not path.exists():
        yield ErrorRecord(source=str(path), error="no such file or folder")
    elif path.is_dir():
        yield from _read_folder(path, column_map, encoding)
    else:
        kind = format_of(path)
        if kind is None:
            known = ", ".join(sorted(SUFFIXES))
            yield ErrorRecord(source=str(path), error=f"unknown file type {path.suffix or '(none)'!r}; known: {known}")
        else:
            yield from _read_file(kind, path, column_map, encoding)


def _read_folder(folder: Path, column_map: Mapping[str, str] | None, encoding: str) -> Iterator[AuditItem]:
    """Text files get ids relative to the folder; other known formats carry their own ids; other files are skipped."""
    yield from read_text_files(folder, encoding)
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in TEXT_SUFFIXES):
        kind = format_of(file)
        if kind is not None:
            yield from _read_file(kind, file, column_map, encoding)


def _read_file(kind: str, path: Path, column_map: Mapping[str, str] | None, encoding: str) -> Iterator[AuditItem]:
    if kind == "text":
        yield from read_text_files(path, encoding)
    elif kind == "jsonl":
        reader = read_fhir_ndjson if _holds_fhir(path, encoding) else read_jsonl
        yield from reader(path, encoding)
    elif kind == "table":
        yield from read_table(path, column_map, encoding)
    elif kind == "parquet":
        yield from read_parquet(path, column_map)
    elif kind == "hl7":
        yield from read_hl7(path, encoding)
    else:
        yield from read_fhir_json(path, encoding)


def _holds_fhir(path: Path, encoding: str) -> bool:
    """True when the first non-blank line of a JSON-lines file is a FHIR resource."""
    try:
        with open_text(path, encoding) as handle:
            for line in handle:
                if line.strip():
                    first = json.loads(line)
                    return isinstance(first, dict) and "resourceType" in first
    except (ValueError, OSError):
        pass
    return False

"""How many records an archive holds, when that is cheap to know (for a progress bar's ETA).

JSONL: non-blank lines; CSV/TSV: non-blank rows after the header; Parquet: the footer's row count;
text files: one each. HL7 and FHIR files (a message or Bundle may hold several reports) are not
counted: the total is then unknown (None). A count is an estimate for progress only: an
unreadable file simply makes it unknown.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from reportkit.audit.readers.jsonl import open_text
from reportkit.audit.readers.text import TEXT_SUFFIXES


def count_records(paths: Iterable[str | Path], formats: dict[str, str], encoding: str = "utf-8") -> int | None:
    """Records in every path (``formats``: file -> reader name, None if unknown), or None when not cheaply known."""
    total = 0
    for path in map(Path, paths):
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if path.is_dir() and file.suffix.lower() not in TEXT_SUFFIXES and formats.get(file) is None:
                continue  # a folder's unknown files are skipped by the reader too
            count = _count_file(file, formats.get(file), encoding)
            if count is None:
                return None
            total += count
    return total


def _count_file(file: Path, kind: str | None, encoding: str) -> int | None:
    try:
        if kind == "text":
            return 1
        if kind == "jsonl":
            with open_text(file, encoding) as handle:
                first = next((line for line in handle if line.strip()), None)
                if first is not None and '"resourceType"' in first:
                    return None  # FHIR NDJSON: a Bundle line may hold several reports
                return (first is not None) + sum(1 for line in handle if line.strip())
        if kind == "table":
            delimiter = "\t" if ".tsv" in file.name.lower() else ","
            with open_text(file, encoding) as handle:
                rows = csv.reader(handle, delimiter=delimiter)
                return max(sum(1 for row in rows if any(v.strip() for v in row)) - 1, 0)
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(file).metadata.num_rows
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, EOFError):
        return None
    return None

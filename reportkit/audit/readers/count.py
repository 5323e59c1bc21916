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

from reportkit.io.readers import JSONL_SUFFIXES, TABLE_SUFFIXES, file_suffix
from reportkit.io.readers.policy import DEFAULT_ENCODING, open_text


def count_records(files: Iterable[Path], encoding: str | None = None) -> int | None:
    """Records in every file, or None when not cheaply known."""
    total = 0
    for file in files:
        count = _count_file(file, file_suffix(file), encoding or DEFAULT_ENCODING)
        if count is None:
            return None
        total += count
    return total


def _count_file(file: Path, suffix: str, encoding: str) -> int | None:
    try:
        if suffix in JSONL_SUFFIXES:
            with open_text(file, encoding) as handle:
                first = next((line for line in handle if line.strip()), None)
                if first is not None and '"resourceType"' in first:
                    return None  # FHIR NDJSON: a Bundle line may hold several reports
                return (first is not None) + sum(1 for line in handle if line.strip())
        if suffix in TABLE_SUFFIXES:
            with open_text(file, encoding) as handle:
                rows = csv.reader(handle, delimiter="\t" if suffix == ".tsv" else ",")
                return max(sum(1 for row in rows if any(v.strip() for v in row)) - 1, 0)
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(file).metadata.num_rows
        if suffix in (".hl7", ".json"):
            return None
        return 1  # a text file (or one read as text)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, EOFError):
        return None

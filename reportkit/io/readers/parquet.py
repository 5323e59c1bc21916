"""Parquet archives, read one record batch at a time with pyarrow (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from reportkit.io.readers.policy import Input
from reportkit.io.readers.table import ColumnMapError, resolve_columns, row_to_item
from reportkit.models import ErrorRecord

BATCH_ROWS = 1024


def read_parquet(path: Path, column_map: Mapping[str, str] | None = None) -> Iterator[Input]:
    """Yield one item per row; line = the 1-based row number in the file; integer ids read as their digits."""
    source = str(path)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield ErrorRecord(source=source, error="reading Parquet needs pyarrow: pip install 'reportkit[audit]'")
        return
    try:
        parquet = pq.ParquetFile(path)
        columns = resolve_columns(column_map, parquet.schema_arrow.names)
    except ColumnMapError as exc:
        yield ErrorRecord(source=source, line=1, error=f"header: {exc}")
        return
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for a file that is not Parquet
        yield ErrorRecord(source=source, error=f"not a readable Parquet file ({type(exc).__name__})")
        return
    wanted = sorted(set(columns.values()))
    row_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            for row in batch.to_pylist():
                row_no += 1
                if type(row.get(columns["id"])) is int:  # an integer column: its type is declared once, for all rows
                    row[columns["id"]] = str(row[columns["id"]])
                yield row_to_item(row, columns, source, row_no)
    except Exception as exc:  # a corrupt row group: report where reading stopped
        yield ErrorRecord(source=source, line=row_no + 1, error=f"unreadable from here on ({type(exc).__name__})")

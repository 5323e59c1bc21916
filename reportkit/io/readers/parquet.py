"""Parquet archives, read one record batch at a time with pyarrow (bounded memory)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from reportkit.io.readers.policy import META_ID_FIELDS, Input
from reportkit.io.readers.table import ColumnMapError, resolve_columns, row_to_item
from reportkit.models import ErrorRecord

BATCH_ROWS = 1024


def read_parquet(path: Path, column_map: Mapping[str, str] | None = None) -> Iterator[Input]:
    """Yield one item per row; line = the 1-based row number in the file; integer ids (report, patient, accession) read as their digits."""
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
    id_columns = [columns[field] for field in ("id", *META_ID_FIELDS) if field in columns]
    row_no = 0
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            for row in _rows(batch):
                row_no += 1
                for column in id_columns:  # an integer column: its type is declared once, for all rows
                    if type(row.get(column)) is int:
                        row[column] = str(row[column])
                yield row_to_item(row, columns, source, row_no)
    except Exception as exc:  # a corrupt row group: report where reading stopped
        yield ErrorRecord(source=source, line=row_no + 1, error=f"unreadable from here on ({type(exc).__name__})")


def _rows(batch) -> list[dict]:
    """The batch's rows as dicts; a value Python cannot hold (a date past 9999, a nanosecond timestamp)
    becomes its text, which the metadata rules then read or drop with a warning, so the row is kept."""
    columns = {name: _values(batch.column(name)) for name in batch.schema.names}
    return [dict(zip(columns, values)) for values in zip(*columns.values())] if columns else []


def _values(column) -> list:
    try:
        return column.to_pylist()
    except (ValueError, OverflowError, ArithmeticError):
        return [_value(scalar) for scalar in column]


def _value(scalar) -> object:
    try:
        return scalar.as_py()
    except (ValueError, OverflowError, ArithmeticError):
        import pyarrow as pa

        try:
            return scalar.cast(pa.string()).as_py()
        except Exception:  # noqa: BLE001 - a value with no text either is dropped
            return None

"""Delimited tables (CSV, TSV) streamed with the csv module, plus the column mapping shared with Parquet.

A column map names the column holding each field (``id``, ``text`` and the metadata fields);
a field not named is read from the column of its own name when the table has one.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from reportkit.io.readers.policy import META_FIELDS, Input, escaped_byte, not_decodable, open_text, report
from reportkit.models import ErrorRecord

REQUIRED_FIELDS = ("id", "text")
MAPPABLE_FIELDS = REQUIRED_FIELDS + META_FIELDS
_FIELD_LIMIT = 1 << 26  # a report field may be long; the csv module's default is 128 KiB

csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))


class ColumnMapError(ValueError):
    """A column mapping that names an unknown field, or columns the table does not have."""


def check_column_map(column_map: Mapping[str, str] | None) -> dict[str, str]:
    """Validate a {field: column} mapping; fields not given map to the column of the same name."""
    given = dict(column_map or {})
    if unknown := sorted(set(given) - set(MAPPABLE_FIELDS)):
        raise ColumnMapError(f"unknown field(s) in column map: {', '.join(unknown)} (known: {', '.join(MAPPABLE_FIELDS)})")
    return given


def resolve_columns(column_map: Mapping[str, str] | None, header: Sequence[str]) -> dict[str, str]:
    """Map each field to a column present in ``header``: explicit names must exist, defaults may be absent."""
    given = check_column_map(column_map)
    present = set(header)
    missing = [f"{field} -> {column!r}" for field, column in given.items() if column not in present]
    missing += [f"{field} -> {field!r}" for field in REQUIRED_FIELDS if field not in given and field not in present]
    if missing:
        raise ColumnMapError(f"column(s) not in the header: {', '.join(missing)}")
    resolved = {field: field for field in MAPPABLE_FIELDS if field in present}
    resolved.update(given)
    return resolved


def header_problem(path: Path, column_map: Mapping[str, str] | None, encoding: str = "utf-8-sig",
                   delimiter: str = ",") -> str | None:
    """Why the table's header cannot be read with ``column_map`` (with the header's columns), else None."""
    try:
        with open_text(path, encoding, "surrogateescape") as handle:
            header = next(csv.reader(handle, delimiter=delimiter), None)
    except (OSError, EOFError, zlib.error, csv.Error, UnicodeDecodeError):
        return None  # not a column problem (a truncated .gz, a bad byte): reading reports it, record by record
    if header is None or any(escaped_byte(name, encoding) for name in header):
        return None
    return _columns_problem(column_map, header)


def parquet_header_problem(path: Path, column_map: Mapping[str, str] | None) -> str | None:
    """As :func:`header_problem`, for a Parquet file's schema."""
    try:
        import pyarrow.parquet as pq

        names = pq.ParquetFile(path).schema_arrow.names
    except Exception:  # no pyarrow, or not Parquet: reading reports it
        return None
    return _columns_problem(column_map, names)


def _columns_problem(column_map: Mapping[str, str] | None, header: Sequence[str]) -> str | None:
    try:
        resolve_columns(column_map, header)
    except ColumnMapError as exc:
        return f"{exc} (the header has: {', '.join(header)})"
    return None


def row_to_item(row: Mapping[str, object], columns: Mapping[str, str], source: str, line: int) -> Input:
    """A report (or error record) from one table row keyed by column name; line = the row's line or number."""
    fields = {field: row.get(columns[field]) for field in META_FIELDS if field in columns}
    return report(row.get(columns["id"]), row.get(columns["text"]), source, line, f"{source}:{line}", fields)


def read_table(path: Path, column_map: Mapping[str, str] | None = None, encoding: str = "utf-8-sig",
               delimiter: str = ",") -> Iterator[Input]:
    """Yield one item per CSV/TSV row; line = the row's first physical line.

    Each row is decoded on its own: a byte that does not decode makes that row an error, and the rows
    around it are read. A header naming a column it reads (id, text, metadata) twice is an error: which would it be?
    """
    source = str(path)
    with open_text(path, encoding, "surrogateescape") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
            if bad := next(filter(None, (escaped_byte(name, encoding) for name in header)), None):
                raise ColumnMapError(bad)
            columns = resolve_columns(column_map, header)
            if twice := sorted({name for name in columns.values() if header.count(name) > 1}):
                raise ColumnMapError(f"column(s) named more than once: {', '.join(map(repr, twice))}")
        except StopIteration:
            yield ErrorRecord(source=source, line=1, error="empty table: no header row")
            return
        except (ColumnMapError, csv.Error) as exc:
            yield ErrorRecord(source=source, line=1, error=f"header: {_describe(exc, encoding)}")
            return
        yield from _rows(reader, header, columns, source, encoding)


def _rows(reader, header: list[str], columns: dict[str, str], source: str, encoding: str) -> Iterator[Input]:
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ErrorRecord(source=source, line=start, error=f"malformed row: {_describe(exc, encoding)}")
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not values or not any(v.strip() for v in values):
            continue  # a blank line is not a record
        if bad := next(filter(None, (escaped_byte(value, encoding) for value in values)), None):
            yield ErrorRecord(source=source, line=line, error=bad)
            continue
        if len(values) != len(header):
            yield ErrorRecord(source=source, line=line, error=f"{len(values)} fields, header has {len(header)}")
            continue
        yield row_to_item(dict(zip(header, values)), columns, source, line)


def _describe(exc: Exception, encoding: str) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return not_decodable(exc, encoding, hint=True)
    return str(exc)

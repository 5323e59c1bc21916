"""Delimited tables (CSV, TSV) streamed with the csv module, plus the column mapping shared with Parquet."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from reportkit.audit.readers.jsonl import open_text
from reportkit.audit.readers.metadata import META_FIELDS, make_input
from reportkit.audit.records import AuditItem
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


def row_to_item(row: Mapping[str, object], columns: Mapping[str, str], source: str, line: int) -> AuditItem:
    """An AuditInput (or ErrorRecord) from one table row keyed by column name."""
    fields = {field: row.get(columns[field]) for field in META_FIELDS if field in columns}
    return make_input(row.get(columns["id"]), row.get(columns["text"]), source, line, fields)


def read_table(
    path: Path, column_map: Mapping[str, str] | None = None, encoding: str = "utf-8"
) -> Iterator[AuditItem]:
    """Yield one item per CSV/TSV row (TSV when the suffix says so); line = the row's first physical line."""
    source = str(path)
    suffixes = [s.lower() for s in path.suffixes]
    delimiter = "\t" if ".tsv" in suffixes or ".tab" in suffixes else ","
    with open_text(path, encoding) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader)
            columns = resolve_columns(column_map, header)
        except StopIteration:
            yield ErrorRecord(source=source, line=1, error="empty table: no header row")
            return
        except (ColumnMapError, csv.Error, UnicodeDecodeError) as exc:
            yield ErrorRecord(source=source, line=1, error=f"header: {_describe(exc)}")
            return
        yield from _rows(reader, header, columns, source)


def _rows(reader, header: list[str], columns: dict[str, str], source: str) -> Iterator[AuditItem]:
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            yield ErrorRecord(source=source, line=start, error=f"unreadable from here on: {_describe(exc)}")
            return
        except csv.Error as exc:
            yield ErrorRecord(source=source, line=start, error=f"malformed row: {_describe(exc)}")
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not values or not any(v.strip() for v in values):
            continue  # a blank line is not a record
        if len(values) != len(header):
            yield ErrorRecord(source=source, line=line, error=f"{len(values)} fields, header has {len(header)}")
            continue
        yield row_to_item(dict(zip(header, values)), columns, source, line)


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not {exc.encoding} text"
    return str(exc)

"""The audit reads through the one reader family (:mod:`reportkit.io.readers`), then normalises metadata.

Every format, id rule and limit is the reader family's; what the audit adds is
:func:`~reportkit.audit.readers.metadata.build_meta`: dates parsed, modality, body part and side
mapped to reportkit's words (an unusable value dropped with a warning, the report kept).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from reportkit.audit.readers.count import count_records
from reportkit.audit.readers.metadata import build_meta
from reportkit.audit.records import AuditInput, AuditItem
from reportkit.io.readers import ARCHIVES, ColumnMapError, Input, column_map_problems, expand_path, read_archives
from reportkit.models import ErrorRecord

__all__ = ["ColumnMapError", "column_map_problems", "count_archive", "read_archive", "read_path"]


def read_archive(paths: Iterable[str | Path], column_map: Mapping[str, str] | None = None,
                 encoding: str | None = None, skipped: Counter[str] | None = None) -> Iterator[AuditItem]:
    """Yield every report of every path in order, with its metadata; a path that names nothing yields one ErrorRecord.

    Raises ColumnMapError before reading anything when ``column_map`` names an unknown field. ``skipped``
    counts, by message type, the HL7 messages that are no result (ADT, ORM...): no report, no error.
    """
    return map(audit_item, read_archives([str(p) for p in paths], column_map, encoding, skipped))


def read_path(path: Path, column_map: Mapping[str, str] | None = None,
              encoding: str | None = None) -> Iterator[AuditItem]:
    """Yield the reports of one file or folder."""
    return read_archive([path], column_map, encoding)


def audit_item(item: Input) -> AuditItem:
    """A report with its metadata normalised (an error record passes through)."""
    if isinstance(item, ErrorRecord):
        return item
    meta, warnings = build_meta(item.meta, item.procedure)
    # the reader policy made every field what its type says (ids and text strings): built without validating again
    audit_input = AuditInput.model_construct(id=item.id, text=item.text, source=item.source, line=item.line,
                                             meta=meta, warnings=warnings)
    audit_input._policy_applied = True
    return audit_input


def count_archive(paths: Iterable[str | Path], encoding: str | None = None) -> int | None:
    """How many records ``paths`` hold when cheaply known (JSONL, CSV/TSV, Parquet, text), else None."""
    files = [f for p in paths for f in expand_path(str(p), ARCHIVES.suffixes)]
    return count_records(files, encoding)

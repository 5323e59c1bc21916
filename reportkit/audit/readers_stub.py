"""A minimal JSONL reader behind the ``read_archive`` name, until the readers sub-package is merged.

Each line is ``{"id", "text", ...metadata}``; a bad line becomes an error record naming file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from reportkit.audit.records import AuditInput, AuditItem, ReportMeta
from reportkit.models import ErrorRecord

META_FIELDS = tuple(ReportMeta.model_fields)


def read_archive(paths: Iterable[str], column_map: dict[str, str] | None = None) -> Iterator[AuditItem]:
    """Yield one AuditInput or ErrorRecord per JSONL line of each path, in order."""
    column_map = column_map or {}
    id_key, text_key = column_map.get("id", "id"), column_map.get("text", "text")
    for raw in paths:
        path = Path(raw)
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            with file.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        yield _record(str(file), number, line, id_key, text_key, column_map)


def _record(source: str, number: int, line: str, id_key: str, text_key: str,
            column_map: dict[str, str]) -> AuditItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return ErrorRecord(source=source, line=number, error=f"not valid JSON (column {exc.colno})")
    if not isinstance(data, dict) or not isinstance(data.get(text_key), str):
        return ErrorRecord(source=source, line=number, error=f"no '{text_key}' string")
    report_id = str(data.get(id_key) or f"{Path(source).name}:{number}")
    try:
        meta = ReportMeta(**{f: data.get(column_map.get(f, f)) for f in META_FIELDS})
    except ValidationError as exc:
        return ErrorRecord(id=report_id, source=source, line=number,
                           error=f"bad metadata: {exc.errors()[0]['loc'][0]}")
    return AuditInput(id=report_id, text=data[text_key], source=source, line=number, meta=meta)

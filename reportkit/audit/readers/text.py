"""Plain-text reports: one report per .txt/.md file, single files or folders walked recursively."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from reportkit.audit.records import AuditInput, AuditItem
from reportkit.models import ErrorRecord

TEXT_SUFFIXES = (".txt", ".md")


def read_text_files(path: Path, encoding: str = "utf-8") -> Iterator[AuditItem]:
    """Yield one AuditInput per text file in ``path`` (a file or folder); id = path relative to the folder, no suffix."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES and p.is_file())
        for file in files:
            yield _read_one(file, file.relative_to(path).with_suffix("").as_posix(), encoding)
    else:
        yield _read_one(path, path.stem, encoding)


def _read_one(file: Path, report_id: str, encoding: str) -> AuditItem:
    try:
        text = file.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        return ErrorRecord(id=report_id, source=str(file), error=f"not {encoding} text (byte {exc.start})")
    except OSError as exc:
        return ErrorRecord(id=report_id, source=str(file), error=f"cannot read: {exc.strerror}")
    if not text.strip():
        return ErrorRecord(id=report_id, source=str(file), line=1, error="empty report")
    return AuditInput(id=report_id, text=text, source=str(file), line=1)

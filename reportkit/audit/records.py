"""What an audit reader yields: a report with its archive metadata, or an error record."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, PrivateAttr

from reportkit.models import ErrorRecord


class ReportMeta(BaseModel):
    """Archive metadata of one report (RIS/PACS export columns, HL7 MSH/PID/OBR, FHIR fields); all optional."""

    model_config = ConfigDict(extra="forbid")

    patient_id: str | None = None
    accession: str | None = None
    exam_date: dt.date | None = None
    modality: str | None = None  # normalised to reportkit's modality names where recognisable
    body_part: str | None = None
    side: str | None = None  # left | right | bilateral when stated by the archive


class AuditInput(BaseModel):
    """One report read from an archive: id, text, where it came from, and its metadata."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    source: str
    line: int | None = None  # 1-based line or record number within the source
    meta: ReportMeta = ReportMeta()
    warnings: list[str] = []  # metadata the reader had to drop (an unparseable date): no report text
    # set by reportkit's own reader, which applied the reader policy already: the run need not apply it again
    _policy_applied: bool = PrivateAttr(default=False)


AuditItem = AuditInput | ErrorRecord

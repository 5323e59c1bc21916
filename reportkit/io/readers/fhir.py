"""FHIR R4 DiagnosticReport resources: one per .json file, a Bundle of entries, or NDJSON lines (one resource each).

Each resource is validated with fhir.resources (R4B models, the same DiagnosticReport as R4); an invalid
one becomes an ErrorRecord naming its entry. Text: the first ``presentedForm`` attachment with text/plain
(or else text/html, tags stripped) base64 ``data``; else ``conclusion`` (also when an attachment's base64
does not decode). A Bundle's ``entry`` must be a list, and a Bundle inside an entry is an error, not skipped. Metadata: ``subject`` (patient id),
``identifier`` (accession: the ACSN-typed one, or else the first), ``effectiveDateTime`` /
``effectivePeriod.start`` / ``issued`` (exam date), ``code`` and ``category`` (modality, body part, side; the first coding of ``code`` is the exam code).
A ``status`` that is not one of R4's DiagnosticReport statuses is an error naming the entry.
Resources of other types (Patient, ImagingStudy in a Bundle) are not reports and are passed over.
A .json file is parsed whole; use NDJSON for archives too big for memory.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from pydantic import ValidationError

from reportkit.io.readers.policy import Input, not_decodable, open_text, report, usable_id
from reportkit.models import ErrorRecord

# DiagnosticReport.status (required binding to the R4 value set diagnostic-report-status)
REPORT_STATUSES = ("registered", "partial", "preliminary", "final", "amended", "corrected", "appended",
                   "cancelled", "entered-in-error", "unknown")


def read_fhir_json(path: Path, encoding: str = "utf-8-sig") -> Iterator[Input]:
    """Yield the reports of a .json file holding one resource or a Bundle; line = 1-based entry number."""
    source = str(path)
    try:
        with open_text(path, encoding) as handle:
            resource = json.load(handle)
    except json.JSONDecodeError as exc:
        yield ErrorRecord(source=source, line=exc.lineno, error=f"invalid JSON at line {exc.lineno}: {exc.msg}")
        return
    except UnicodeDecodeError as exc:
        yield ErrorRecord(source=source, error=not_decodable(exc, encoding, hint=True))
        return
    except RecursionError:
        yield ErrorRecord(source=source, error="not valid JSON: nested too deeply to read")
        return
    yield from _resource_items(resource, source, None)


def resource_reports(resource: dict, source: str, line_no: int) -> Iterator[Input]:
    """The reports of one NDJSON line holding a resource or a Bundle; line = the line number."""
    return _resource_items(resource, source, line_no)


def _resource_items(resource: object, source: str, line_no: int | None) -> Iterator[Input]:
    """One resource or each entry of a Bundle; ``line_no`` set for NDJSON, else the entry number is the line."""
    if not isinstance(resource, dict):
        yield ErrorRecord(source=source, line=line_no or 1, error="expected a FHIR resource (a JSON object)")
    elif resource.get("resourceType") == "Bundle":
        entries = resource.get("entry")
        if entries is not None and not isinstance(entries, list):  # else its reports would vanish unseen
            yield ErrorRecord(source=source, line=line_no or 1,
                              error="Bundle.entry must be a list of entries, not " + type(entries).__name__)
            return
        for index, entry in enumerate(entries or []):
            where = f"Bundle.entry[{index}]" + (f" at line {line_no}" if line_no else "")
            inner = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(inner, dict):
                yield ErrorRecord(source=source, line=line_no or index + 1, error=f"{where}: entry without a resource")
            elif inner.get("resourceType") == "Bundle":
                yield ErrorRecord(source=source, line=line_no or index + 1,
                                  error=f"{where}: a Bundle inside a Bundle is not read; give its reports as entries")
            elif inner.get("resourceType") == "DiagnosticReport":
                yield report_item(inner, source, line_no or index + 1, where)
    elif resource.get("resourceType") == "DiagnosticReport":
        yield report_item(resource, source, line_no or 1, "resource" + (f" at line {line_no}" if line_no else ""))
    elif "resourceType" not in resource:
        yield ErrorRecord(source=source, line=line_no or 1, error="not a FHIR resource (no resourceType)")


def report_item(resource: dict, source: str, line: int, where: str) -> Input:
    """Validate one DiagnosticReport dict and turn it into an AuditInput, or an ErrorRecord saying why not."""
    from fhir.resources.R4B.diagnosticreport import DiagnosticReport

    try:
        try:
            DiagnosticReport.model_validate(resource)
        except ValidationError as exc:
            # an attachment that does not decode (bad base64) need not lose a report whose conclusion holds its text
            if not resource.get("conclusion") or any(e["loc"][:1] != ("presentedForm",) for e in exc.errors()):
                raise
            resource = {key: value for key, value in resource.items() if key != "presentedForm"}
            DiagnosticReport.model_validate(resource)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"]) or "resource"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return ErrorRecord(id=usable_id(resource.get("id")), source=source, line=line,
                           error=f"{where}: invalid DiagnosticReport at {path}: {first['type']}{more}")
    if resource.get("status") not in REPORT_STATUSES:  # the models check the type, not the value set
        status = resource.get("status")
        shown = repr(status) if isinstance(status, str) and len(status) <= 40 else "its value"
        return ErrorRecord(id=usable_id(resource.get("id")), source=source, line=line,
                           error=f"{where}: invalid DiagnosticReport at status: {shown} is not a FHIR "
                                 f"DiagnosticReport status ({', '.join(REPORT_STATUSES)})")
    text = _presented_text(resource.get("presentedForm") or []) or (resource.get("conclusion") or "").strip()
    identifiers = resource.get("identifier") or []
    accession = _accession(identifiers)
    report_id = resource.get("id") or accession
    if not text:
        return ErrorRecord(id=usable_id(report_id), source=source, line=line, error=f"{where}: no presentedForm text or conclusion")
    fields = {
        "patient_id": _patient(resource.get("subject") or {}),
        "accession": accession,
        "exam_date": resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get("start")
        or resource.get("issued"),
    }
    item = report(report_id, text, source, line, f"{source}:{line}", fields, procedure=_procedure(resource),
                  exam_code=_exam_code(resource.get("code") or {}))
    if isinstance(item, ErrorRecord):
        item.error = f"{where}: {item.error}"
    return item


def _presented_text(forms: list[dict]) -> str:
    """Decoded text of the first text/plain attachment, else of the first text/html one with tags stripped."""
    for wanted in ("text/plain", "text/html"):
        for form in forms:
            content_type = (form.get("contentType") or "").lower()
            if not content_type.startswith(wanted) or not form.get("data"):
                continue
            charset = content_type.partition("charset=")[2].strip() or "utf-8"
            try:
                text = base64.b64decode(form["data"], validate=True).decode(charset)
            except (binascii.Error, UnicodeDecodeError, LookupError):
                continue
            text = _strip_tags(text) if wanted == "text/html" else text
            if text.strip():
                return text.strip()
    return ""


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment; block elements become line breaks."""

    BLOCKS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _strip_tags(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _accession(identifiers: list[dict]) -> str | None:
    for identifier in identifiers:
        codings = ((identifier.get("type") or {}).get("coding")) or []
        if any(c.get("code") == "ACSN" for c in codings) and identifier.get("value"):
            return identifier["value"]
    return next((i["value"] for i in identifiers if i.get("value")), None)


def _patient(subject: dict) -> str | None:
    reference = subject.get("reference") or ""
    if reference:
        return reference.rsplit("/", 1)[-1]
    return (subject.get("identifier") or {}).get("value")


def _exam_code(code: dict) -> dict | None:
    """The first coding of the report's code that has a code: the exam's code."""
    return next(({k: c.get(k) for k in ("system", "code", "display") if c.get(k)}
                 for c in code.get("coding") or [] if isinstance(c, dict) and c.get("code")), None)


def _procedure(resource: dict) -> str | None:
    """Words naming the exam: code and category texts, displays and codes (e.g. DICOM modality codes)."""
    words: list[str] = []
    for concept in [resource.get("code") or {}, *(resource.get("category") or [])]:
        words.append(concept.get("text") or "")
        for coding in concept.get("coding") or []:
            words += [coding.get("display") or "", coding.get("code") or ""]
    return " ".join(w for w in words if w) or None

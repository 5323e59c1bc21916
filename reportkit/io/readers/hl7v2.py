"""HL7 v2 ORU^R01 result messages, parsed with python-hl7; many messages per file, MLLP framing optional.

Report text: OBX-5 of every OBX whose value type (OBX-2) is TX or FT, repetitions and segments joined by
newlines, escape sequences decoded (``\\.br\\`` is a line break). Metadata: MSH-10 (report id), PID-3
(patient id), OBR-3 or else OBR-2 (accession), OBR-7 (exam date), OBR-24 and OBR-4 (modality, body part,
side, from the procedure description). One report per message: the first OBR names the exam.

Messages of other types (ADT, ORM, ACK...) carry no report: they are skipped, and counted when the caller
passes a counter, never errors.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from reportkit.io.readers.policy import Input, escaped_byte, open_text, report, usable_id
from reportkit.models import ErrorRecord

TEXT_VALUE_TYPES = frozenset({"TX", "FT"})
_BATCH_SEGMENTS = ("FHS", "BHS", "FTS", "BTS")  # file and batch wrappers carry no report
_MLLP_START, _MLLP_END = "\x0b", "\x1c"
# Formatting escapes (HL7 v2 section 2.7) as plain text: line breaks become newlines.
_FORMAT_ESCAPES = {".br": "\n", ".sp": "\n", ".ce": "\n", ".fi": "", ".nf": "", ".in": "", ".ti": "", ".sk": " "}


class _NoTextInLogs(logging.Filter):
    """python-hl7 logs whole field values on odd escapes: keep report text out of logs unless debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        return bool(os.environ.get("REPORTKIT_DEBUG"))


@functools.cache
def _hl7():
    """python-hl7, its loggers filtered: it names them by file path (``getLogger(__file__)``), not "hl7"."""
    import hl7

    quiet = _NoTextInLogs()
    for name, module in list(sys.modules.items()):
        if name == "hl7" or name.startswith("hl7."):
            for logger_name in (name, getattr(module, "__file__", None)):
                if logger_name:
                    logging.getLogger(logger_name).addFilter(quiet)
    return hl7


def split_messages(lines: Iterator[str]) -> Iterator[tuple[int, int, list[str]]]:
    """Group segment lines into messages: (message number, first line number, segments).

    A message starts at MSH and ends at the next MSH, an MLLP end mark or the end of the file.
    Segments outside any message come out with message number 0.
    """
    number, first_line, segments = 0, 0, []
    orphan_line, orphans = 0, []
    for line_no, raw in enumerate(lines, start=1):
        ends_message = _MLLP_END in raw
        segment = raw.replace(_MLLP_START, "").replace(_MLLP_END, "").strip("\r\n")
        if segment.strip() and not segment.startswith(_BATCH_SEGMENTS):
            if segment.startswith("MSH"):
                if segments:
                    yield number, first_line, segments
                number, first_line, segments = number + 1, line_no, [segment]
            elif segments:
                segments.append(segment)
            else:
                orphan_line, orphans = orphan_line or line_no, orphans + [segment]
        if ends_message and segments:
            yield number, first_line, segments
            segments = []
        if orphans and (segments or ends_message):
            yield 0, orphan_line, orphans
            orphan_line, orphans = 0, []
    if segments:
        yield number, first_line, segments
    if orphans:
        yield 0, orphan_line, orphans


def read_hl7(path: Path, encoding: str = "utf-8-sig", skipped: Counter[str] | None = None) -> Iterator[Input]:
    """Yield one item per result message; line = the message's number in the file (1-based).

    A message of another type is skipped and counted in ``skipped`` by its type (``ADT^A01``)."""
    source = str(path)
    with open_text(path, encoding, "surrogateescape") as handle:  # each message decoded on its own
        for number, line_no, segments in split_messages(handle):
            if number == 0:
                yield ErrorRecord(source=source, line=line_no, error=f"line {line_no}: segments outside a message (no MSH)")
                continue
            if bad := next(filter(None, (escaped_byte(segment, encoding) for segment in segments)), None):
                yield ErrorRecord(source=source, line=number, error=f"message {number} (line {line_no}): {bad}")
                continue
            item = _message_item(segments, source, number, line_no)
            if isinstance(item, str):
                if skipped is not None:
                    skipped[item] += 1
                continue
            yield item


def _message_item(segments: list[str], source: str, number: int, line_no: int) -> Input | str:
    """The message's report or error record; its type (``ADT^A01``) when it is no result message."""
    hl7 = _hl7()
    where = f"message {number} (line {line_no})"
    try:
        message = hl7.parse("\r".join(segments))
        message_type = "^".join(filter(None, (_get(message, "MSH.F9.R1.C1"), _get(message, "MSH.F9.R1.C2"))))
        if not message_type:
            return ErrorRecord(source=source, line=number, error=f"{where}: no message type (MSH-9)")
        if message_type != "ORU^R01":
            return message_type
        text = _report_text(message)
        accession = _get(message, "OBR.F3.R1.C1") or _get(message, "OBR.F2.R1.C1")
        report_id = _get(message, "MSH.F10") or accession
        fields = {
            "patient_id": _get(message, "PID.F3.R1.C1"),
            "accession": accession,
            "exam_date": _get(message, "OBR.F7.R1.C1"),
            "modality": _get(message, "OBR.F24.R1.C1"),
        }
        procedure = _procedure(message)
        # OBR-4, universal service identifier: code ^ text ^ coding system
        exam_code = {"code": _get(message, "OBR.F4.R1.C1"), "display": _get(message, "OBR.F4.R1.C2"),
                     "system": _get(message, "OBR.F4.R1.C3")} if _has(message, "OBR") else None
    except Exception as exc:  # python-hl7 raises ParseException, IndexError, KeyError... on malformed input
        return ErrorRecord(source=source, line=number, error=f"{where}: malformed HL7 ({type(exc).__name__})")
    if not text:
        return ErrorRecord(id=usable_id(report_id), source=source, line=number, error=f"{where}: no OBX TX/FT report text")
    item = report(report_id, text, source, number, f"{source}:{number}", fields, procedure, exam_code=exam_code)
    if isinstance(item, ErrorRecord):
        item.error = f"{where}: {item.error}"
    return item


def _get(message, accessor: str) -> str | None:
    """One field component, unescaped; None when the segment or field is absent or empty."""
    try:
        value = message[accessor]
    except (KeyError, IndexError):
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _report_text(message) -> str:
    lines: list[str] = []
    for segment in message.segments("OBX") if _has(message, "OBX") else []:
        if len(segment) <= 5 or str(segment[2]).strip() not in TEXT_VALUE_TYPES:
            continue
        for repetition in _repetitions(segment[5]):
            lines.append(message.unescape(repetition, app_map=_FORMAT_ESCAPES))
    return "\n".join(lines).strip()


def _repetitions(field) -> list[str]:
    """Each repetition of a field as raw (still escaped) text; components rejoined with '^'."""
    hl7 = _hl7()
    if len(field) and all(isinstance(part, hl7.Repetition) for part in field):
        return [str(rep) for rep in field]
    return [str(field)]


def _procedure(message) -> str | None:
    if not _has(message, "OBR"):
        return None
    obr = message.segment("OBR")
    if len(obr) <= 4:
        return None
    raw = str(obr[4])
    for separator in message.separators[1:4]:
        raw = raw.replace(separator, " ")
    return message.unescape(raw, app_map=_FORMAT_ESCAPES).strip() or None


def _has(message, name: str) -> bool:
    try:
        message.segment(name)
    except KeyError:
        return False
    return True

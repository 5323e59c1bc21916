"""The one policy every reader applies, whatever the format and whichever command reads.

- **ids.** A string id is kept as given. A report without one (no ``id``, ``null``, an empty
  table cell) is named after where it was: the file's name for a text file, ``SOURCE:LINE`` for
  a record. Any other value (a JSON number, a list) is an error record ("'id' must be a string,
  not int"): ``7``, ``7.0`` and ``"7"`` would otherwise be one id. The same holds for the ids among
  the metadata (``patient_id``, ``accession``), so ``audit`` stores only what ``extract`` accepts. A
  Parquet integer column is text already in all but type, so its values are read as their decimal strings.
- **text.** A report must be a string (else "record has no 'text' string") that is not blank
  ("empty report: no text"; "empty file: no report text" for a whole file) and has at most
  :data:`~reportkit.models.MAX_REPORT_CHARS` characters. A NUL byte becomes a space: inside a
  word it would hide the word from matching, and a space keeps every offset.
- **encodings.** UTF-8 by default, a BOM dropped; another codec when named (``--encoding``), except
  that a file starting with a UTF-8 BOM is UTF-8. Each record (JSONL line, CSV row, HL7 message) is
  decoded on its own: one that does not decode is an error record naming the byte; a text file or
  FHIR .json file is one record.
- **Unicode.** A string holding a lone surrogate (a JSON escape such as ``"\ud800"``) is no text:
  the record is an error naming the field, since nothing downstream can encode it.
- **errors** name the file and the line (or record, message, row), never the report's text.

:func:`report` applies the rules to one report a format reader found; the format readers
(text, JSONL, CSV/TSV, Parquet, HL7 v2, FHIR) only find ids, texts and metadata.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from reportkit.models import MAX_REPORT_CHARS, ErrorRecord

# archive metadata a reader may find beside a report; the audit normalises and stores it
META_FIELDS = ("patient_id", "accession", "exam_date", "modality", "body_part", "side")
# metadata that names a patient or an exam: a string, like the report's id (7, 7.0 and "7" are one patient)
META_ID_FIELDS = ("patient_id", "accession")
DEFAULT_ENCODING = "utf-8-sig"


@dataclass(frozen=True)
class Report:
    """One report to process: its id, text, the file (and line) it came from, and any archive metadata.

    ``meta``: raw values of :data:`META_FIELDS` as the file holds them; ``procedure``: the exam's
    description (HL7 OBR-4, FHIR code), from which the audit may infer modality, body part and side;
    ``exam_code``: the exam's code as the file gives it (a bare code, or ``{system, code, display}``),
    which FHIR output puts on the DiagnosticReport.
    """

    id: str
    text: str
    source: str
    line: int | None = None
    meta: Mapping[str, object] = field(default_factory=dict, hash=False)
    procedure: str | None = None
    exam_code: str | Mapping[str, object] | None = field(default=None, hash=False)


Input = Report | ErrorRecord


def check_encoding(encoding: str) -> str:
    """The codec to decode reports with: UTF-8 accepts a BOM; an unknown name raises LookupError."""
    return DEFAULT_ENCODING if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding


def not_decodable(exc: UnicodeDecodeError, encoding: str, hint: bool = False) -> str:
    """The error for text that does not decode: the codec and the byte, never the bytes themselves."""
    name = "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
    return f"not {name} text (byte {exc.start}: {exc.reason}{'; see --encoding' if hint else ''})"


def open_text(path: Path, encoding: str, errors: str = "strict"):
    """A file opened for streaming text (newlines kept as stored), gunzipped when it ends in .gz.

    A file that starts with a UTF-8 byte order mark is UTF-8 whatever ``encoding`` says (as browsers
    decide): an Excel CSV among files in another encoding keeps its header and first record.
    ``errors="surrogateescape"`` keeps a byte that does not decode as U+DC80..U+DCFF, so a reader can
    make one error of the record holding it (:func:`escaped_byte`) and read on.
    """
    binary = gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")
    try:
        encoding = bom_encoding(binary.peek(len(codecs.BOM_UTF8))[:len(codecs.BOM_UTF8)], encoding)
    except BaseException:
        binary.close()
        raise
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, newline="")


def bom_encoding(start: bytes, encoding: str) -> str:
    """The codec for data that begins with ``start``: UTF-8 (BOM dropped) after a UTF-8 BOM, else ``encoding``."""
    return "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else encoding


_SURROGATE = re.compile("[\ud800-\udfff]")
# bytes a codec could not decode, kept by the "surrogateescape" handler as U+DC80..U+DCFF
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def lone_surrogate(value: object) -> str | None:
    """The first lone surrogate (``U+D800``) in a string, or in the strings of nested lists and mappings, else None."""
    if isinstance(value, str):  # most values: one string, and an ASCII one (str.isascii is a flag, not a scan)
        found = None if value.isascii() else _SURROGATE.search(value)
        return f"U+{ord(found.group()):04X}" if found else None
    if value is None:
        return None
    pending = [value]
    while pending:  # a loop, not recursion: JSON may nest as deep as its parser allows
        value = pending.pop()
        if isinstance(value, str):
            if found := _SURROGATE.search(value):
                return f"U+{ord(found.group()):04X}"
        elif isinstance(value, Mapping):
            pending += [*value.keys(), *value.values()]
        elif isinstance(value, (list, tuple)):
            pending += value
    return None


def escaped_byte(value: str, encoding: str, hint: bool = True) -> str | None:
    """Why ``value`` (decoded with ``surrogateescape``) is not text in ``encoding``: the first byte that did
    not decode, as :func:`not_decodable` words it; None when every byte decoded."""
    found = _ESCAPED_BYTE.search(value)
    if found is None:
        return None
    codec = "utf-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
    try:
        value.encode(codec, "surrogateescape").decode(codec)
    except UnicodeDecodeError as exc:
        return not_decodable(exc, encoding, hint)
    except UnicodeEncodeError:  # a codec that cannot round-trip: name the character's place instead
        pass
    return f"not {codec} text (character {found.start()}: byte 0x{ord(found.group()) - 0xDC00:02x} does not decode)"


def usable_id(value: object) -> str | None:
    """An id fit to name an error record: a string that is valid Unicode, else None."""
    return value if isinstance(value, str) and value and not lone_surrogate(value) else None


def too_long(text: str) -> str | None:
    """Why ``text`` is over the size limit, or None."""
    if len(text) > MAX_REPORT_CHARS:
        return f"report is {len(text):,} characters; the limit is {MAX_REPORT_CHARS:,}"
    return None


def report(report_id: object, text: object, source: str, line: int | None, default_id: str,
           meta: Mapping[str, object] | None = None, procedure: str | None = None,
           empty_is_error: bool = True, nul_to_space: bool = True,
           exam_code: str | Mapping[str, object] | None = None) -> Input:
    """A :class:`Report`, or the error record the policy makes of it (see the module's rules).

    ``default_id``: the name of a report that has no id. ``empty_is_error`` and ``nul_to_space`` are
    off only for lint's drafts, which are linted exactly as stored.
    """
    if report_id is None or report_id == "":
        report_id = default_id
    elif not isinstance(report_id, str):
        return ErrorRecord(source=source, line=line, error=f"'id' must be a string, not {type(report_id).__name__}")
    for name in META_ID_FIELDS:
        value = (meta or {}).get(name)
        if value is not None and not isinstance(value, str):
            return ErrorRecord(id=usable_id(report_id), source=source, line=line,
                               error=f"'{name}' must be a string, not {type(value).__name__}")
    for name, value in (("id", report_id), ("text", text), *(meta or {}).items(), ("procedure", procedure),
                        ("exam_code", exam_code)):
        if surrogate := lone_surrogate(value):
            return ErrorRecord(id=usable_id(report_id), source=source, line=line,
                               error=f"'{name}' is not valid Unicode: a lone surrogate ({surrogate})")
    if not isinstance(text, str):
        return ErrorRecord(id=report_id, source=source, line=line, error="record has no 'text' string")
    error = too_long(text)
    if error is None and empty_is_error and not text.strip():
        error = "empty file: no report text" if line is None else "empty report: no text"
    if error:
        return ErrorRecord(id=report_id, source=source, line=line, error=error)
    if nul_to_space:
        text = text.replace("\0", " ")
    return Report(report_id, text, source, line, dict(meta or {}), procedure, exam_code)

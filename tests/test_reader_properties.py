"""Property suite over every reader: hostile archives never stop a run.

Each example writes one hostile file (JSONL, CSV, TSV, HL7 v2, FHIR NDJSON, a FHIR Bundle, Parquet or a text
file) between two good ones and reads them as ``extract`` and ``audit run`` do. Ingredients: lone surrogates
(JSON escapes, or their bytes in other formats), a UTF-8 BOM, deeply nested JSON, truncated gzip, text in
another encoding, records over the size limit (lowered here so examples stay small), NUL bytes, non-string ids.

Invariants: no exception; one report or error record per record written (a file-level failure, such as a
truncated gzip, ends that file with one error); every item can be written out as JSON (what the store and
``extract`` do); both good files read in full; ``extract`` and the audit agree; the CLI's count line
reconciles. Examples are few and derandomized, so the file runs in seconds and the same way every time.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from reportkit.audit.readers import read_archive
from reportkit.cli import app
from reportkit.io.readers import policy, read_inputs
from reportkit.models import ErrorRecord

LIMIT = 400  # the size limit while these tests run: a "huge" record costs a few hundred bytes, not 5 MB
TENDON = "FINDINGS: Calcific tendinitis of the supraspinatus tendon."
FORMATS = ("jsonl", "csv", "tsv", "hl7", "ndjson", "bundle", "parquet", "txt")
SETTINGS = settings(max_examples=120, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

report_id = st.one_of(st.none(), st.just(""), st.integers(-5, 99), st.sampled_from(["a\ud800", "\udfffz"]),
                      st.text(st.characters(min_codepoint=48, max_codepoint=122), min_size=1, max_size=6))
text = st.one_of(
    st.just(TENDON), st.just(""), st.just("  \t "), st.just("Épaule: calcific tendinitis."),
    st.just("x" * (LIMIT + 1)), st.just("Calcific\0tendinitis."), st.just("left\ud800 knee"),
    st.just("one\u2028two\u0085three"),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
)
patient_id = st.one_of(st.none(), st.just("P1"), st.just("p\udc00"), st.integers(0, 9))
record = st.fixed_dictionaries({"id": report_id, "text": text, "patient_id": patient_id})
hostile = st.fixed_dictionaries({
    "format": st.sampled_from(FORMATS),
    "records": st.lists(record, min_size=1, max_size=6),
    "bom": st.booleans(),
    "gzip": st.sampled_from([None, "whole", "truncated"]),
    "latin": st.booleans(),  # write the file in latin-1: a record with "É" holds a byte UTF-8 cannot read
    "deep": st.booleans(),  # one JSON record nested far deeper than any parser recursion allows
})


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def _fhir(item: dict) -> dict:
    resource = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI shoulder"},
                "conclusion": item["text"]}
    if item["id"] is not None:
        resource["id"] = item["id"]
    if item["patient_id"] is not None:
        resource["subject"] = {"reference": f"Patient/{item['patient_id']}"}
    return resource


DEEP = "[" * 50_000 + "]" * 50_000


def _json_line(value: dict, deep: bool) -> str:
    line = json.dumps(value)  # ASCII: a lone surrogate becomes its JSON escape
    return line[:-1] + f', "deep": {DEEP}}}' if deep else line


def _hl7_field(value: object) -> str:
    return re.sub(r"[\r\n\x0b\x1c|^~\\&]", " ", _plain(value))


def write_hostile(folder: Path, case: dict) -> tuple[Path, int, bool]:
    """Write the hostile file; return it, how many records it holds, and whether it must read as one error."""
    fmt, records = case["format"], case["records"]
    deep = case["deep"] and fmt in ("jsonl", "ndjson", "bundle")
    whole_file_error = False
    if fmt == "txt":
        records = records[:1]
        content = records[0]["text"]
    elif fmt in ("jsonl", "ndjson"):
        make = _fhir if fmt == "ndjson" else (lambda item: item)
        content = "".join(_json_line(make(item), deep and n == 0) + "\n" for n, item in enumerate(records))
    elif fmt == "bundle":
        entries = [{"resource": _fhir(item)} for item in records]
        content = _json_line({"resourceType": "Bundle", "type": "collection", "entry": entries}, deep)
        whole_file_error = deep
    elif fmt in ("csv", "tsv"):
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(["id", "text", "patient_id"])
        for item in records:
            writer.writerow([_plain(item[k]) for k in ("id", "text", "patient_id")])
        content = buffer.getvalue()
        # a row of blank cells is a blank line, not a record
        records = [item for item in records if any(_plain(item[k]).strip() for k in ("id", "text", "patient_id"))]
    elif fmt == "hl7":
        content = "".join(f"MSH|^~\\&|RIS|H|EHR|H|20240101||ORU^R01|{_hl7_field(item['id'])}|P|2.5\r"
                          f"PID|1||{_hl7_field(item['patient_id'])}\rOBR|1||ACC{n}|^MRI SHOULDER\r"
                          f"OBX|1|TX|||{_hl7_field(item['text'])}\r\n" for n, item in enumerate(records))
    else:  # parquet: typed columns hold no surrogate, so a string column of what can be stored
        import pyarrow as pa
        import pyarrow.parquet as pq

        def column(key: str) -> list:
            return [None if item[key] is None else _plain(item[key]).encode("utf-8", "replace").decode()
                    for item in records]

        path = folder / "hostile.parquet"
        pq.write_table(pa.table({k: pa.array(column(k), pa.string()) for k in ("id", "text", "patient_id")}), path)
        return path, len(records), False
    suffix = {"bundle": "json", "ndjson": "ndjson"}.get(fmt, fmt)
    # surrogatepass writes a lone surrogate's own bytes, which no UTF-8 reader accepts: one more bad byte
    data = content.encode("latin-1" if case["latin"] else "utf-8", "surrogatepass" if not case["latin"] else "replace")
    if case["bom"]:
        data = b"\xef\xbb\xbf" + data
    if fmt == "bundle" and data != data.decode("utf-8", "ignore").encode("utf-8", "surrogatepass"):
        whole_file_error = True  # one JSON document: a byte that does not decode loses the document
    path = folder / f"hostile.{suffix}"
    if case["gzip"]:
        path = path.with_name(path.name + ".gz")
        packed = gzip.compress(data)
        data = packed[: len(packed) // 2] if case["gzip"] == "truncated" else packed
    path.write_bytes(data)
    return path, len(records), whole_file_error


def write_good(folder: Path) -> tuple[Path, Path]:
    before, after = folder / "before.jsonl", folder / "after.txt"
    before.write_text(json.dumps({"id": "good-1", "text": TENDON}) + "\n" + json.dumps({"id": "good-2", "text": TENDON}))
    after.write_text(TENDON)
    return before, after


def check_items(items: list, hostile_path: Path, records: int, whole_file_error: bool, truncated: bool) -> None:
    good = [i for i in items if i.source != str(hostile_path)]
    assert [(i.id, isinstance(i, ErrorRecord)) for i in good] == [("good-1", False), ("good-2", False),
                                                                  ("after", False)]
    mine = [i for i in items if i.source == str(hostile_path)]
    for item in mine:
        item.model_dump_json() if hasattr(item, "model_dump_json") else json.dumps(
            [item.id, item.text, dict(item.meta)], default=str, ensure_ascii=False).encode()
    if truncated:
        assert 1 <= len(mine) <= records + 1
        assert isinstance(mine[-1], ErrorRecord) and "gzip" in mine[-1].error
    elif whole_file_error:
        assert len(mine) == 1 and isinstance(mine[0], ErrorRecord)
    else:
        assert len(mine) == records


@SETTINGS
@given(hostile)
def test_every_reader_gives_one_item_per_record_and_reads_every_other_input(case):
    if case["format"] == "parquet":
        case = {**case, "gzip": None, "bom": False, "latin": False}
    with TemporaryDirectory() as tmp, mock.patch.object(policy, "MAX_REPORT_CHARS", LIMIT):
        folder = Path(tmp)
        before, after = write_good(folder)
        path, records, whole_file_error = write_hostile(folder, case)
        truncated = case["gzip"] == "truncated"
        paths = [str(before), str(path), str(after)]
        extracted = list(read_inputs(paths))
        check_items(extracted, path, records, whole_file_error, truncated)
        audited = list(read_archive(paths))
        check_items(audited, path, records, whole_file_error, truncated)
        # one reader policy: the same verdict, record for record
        assert [(i.id, i.line, getattr(i, "error", None)) for i in extracted] == \
            [(i.id, i.line, getattr(i, "error", None)) for i in audited]


@settings(SETTINGS, max_examples=8)
@given(hostile)
def test_extract_on_hostile_files_prints_no_traceback_and_its_counts_reconcile(case):
    if case["format"] == "parquet":
        case = {**case, "gzip": None, "bom": False, "latin": False}
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        before, after = write_good(folder)
        path, _, _ = write_hostile(folder, case)
        result = CliRunner().invoke(app, ["extract", str(before), str(path), str(after)])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in (0, 1) and "Traceback" not in result.stderr
        inputs, results, errors = map(int, re.search(r"(\d+) inputs: (\d+) results, (\d+) errors",
                                                     result.stderr).groups())
        out = [json.loads(line) for line in result.stdout.splitlines()]
        assert inputs == results + errors == len(out) >= 3
        assert errors == sum("error" in record for record in out)
        assert [r["id"] for r in out if (r.get("id") or "").startswith("good-")] == ["good-1", "good-2"]
        assert out[-1]["id"] == "after" and "error" not in out[-1]

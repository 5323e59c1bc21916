"""Readers under malformed input: one error record per unusable record (or rest of a file), every other input read.

Each test failed before its fix. Texts are written for these tests.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.audit.readers import read_archive
from reportkit.audit.records import AuditInput
from reportkit.cli import app
from reportkit.io.readers import read_inputs
from reportkit.models import ErrorRecord

runner = CliRunner()
TENDON = "FINDINGS: Calcific tendinitis of the supraspinatus tendon."
KNEE = "FINDINGS: Normal knee. No effusion."


def jsonl(*items: dict) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def records(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Aborted" not in result.stderr


def audit(tmp_path: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> tuple[object, dict[str, list[dict]]]:
    """Run ``audit run`` in this process on one worker; return the result and the store's reports and errors."""
    run_dir = tmp_path / "run"
    result = runner.invoke(app, ["audit", "run", str(run_dir), *map(str, inputs), "--workers", "1", "-q", *extra])
    no_traceback(result)
    tables = {}
    for table in ("reports", "errors"):
        query = runner.invoke(app, ["audit", "query", str(run_dir), f"SELECT * FROM {table} ORDER BY rid",
                                    "--format", "json"])
        assert query.exit_code == 0, query.stderr
        tables[table] = json.loads(query.stdout or "[]")
    return result, tables


def dr(report_id: str, text: str | None = None, **fields) -> dict:
    """A FHIR R4 DiagnosticReport whose conclusion is ``text``."""
    resource = {"resourceType": "DiagnosticReport", "id": report_id, "status": "final",
                "code": {"text": "MRI shoulder"}, **fields}
    if text is not None:
        resource["conclusion"] = text
    return resource


# 2: lone surrogates ---------------------------------------------------------------------------

SURROGATES = ('{"id": "a\\ud800", "text": "' + TENDON + '"}\n'
              '{"id": "b", "text": "' + TENDON + '", "patient_id": "p\\udc00"}\n'
              '{"id": "c", "text": "' + KNEE + '"}\n')


@pytest.mark.parametrize("command", [["extract"], ["report", "-f", "json"]])
def test_a_lone_surrogate_in_an_id_or_metadata_is_one_error_record_and_the_batch_goes_on(tmp_path, command):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(SURROGATES)
    result = runner.invoke(app, [*command, str(batch)])
    no_traceback(result)
    assert result.exit_code == 1
    assert "3 inputs: 1 results, 2 errors" in result.stderr
    assert "batch.jsonl:1: 'id' is not valid Unicode: a lone surrogate (U+D800)" in result.stderr
    assert "batch.jsonl:2: 'patient_id' is not valid Unicode" in result.stderr


def test_a_lone_surrogate_does_not_stop_an_audit_run_and_a_rerun_completes(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(SURROGATES)
    later = tmp_path / "later.jsonl"
    later.write_text(jsonl({"id": "d", "text": TENDON}))
    result, tables = audit(tmp_path, batch, later)
    assert result.exit_code == 1
    assert [r["id"] for r in tables["reports"]] == ["c", "d"]
    assert [(e["id"], e["line"]) for e in tables["errors"]] == [(None, 1), ("b", 2)]
    assert "read 4 = 2 results + 2 errors" in result.stderr
    again, _ = audit(tmp_path, batch, later)
    assert again.exit_code == 1 and "read 4 = 2 results + 2 errors" in again.stderr


# 3: one malformed input never stops the audit ------------------------------------------------------


def test_deeply_nested_json_is_one_error_row_and_every_other_input_is_read(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    lines = tmp_path / "lines.jsonl"
    lines.write_text(jsonl({"id": "first", "text": TENDON}) + '{"id": "deep", "text": "x", "m": ' + deep + "}\n"
                     + jsonl({"id": "third", "text": KNEE}))
    fhir = tmp_path / "deep.json"
    fhir.write_text(deep)
    later = tmp_path / "later.txt"
    later.write_text(TENDON)
    result, tables = audit(tmp_path, lines, fhir, later)
    assert result.exit_code == 1
    assert [r["id"] for r in tables["reports"]] == ["first", "third", "later"]
    assert [(Path(e["source"]).name, e["line"], e["error"]) for e in tables["errors"]] == [
        ("lines.jsonl", 2, "not valid JSON: nested too deeply to read"),
        ("deep.json", None, "not valid JSON: nested too deeply to read")]


def test_a_truncated_gzip_is_one_error_row_for_the_rest_of_the_file_and_every_other_input_is_read(tmp_path):
    table = gzip.compress(("id,text\n" + "".join(f"r{i},{TENDON} {i}\n" for i in range(200))).encode())
    (tmp_path / "cut.csv.gz").write_bytes(table[:12])  # too short even for the header
    rows = gzip.compress(jsonl(*({"id": f"j{i}", "text": f"{TENDON} {i}"} for i in range(400))).encode())
    (tmp_path / "cut.jsonl.gz").write_bytes(rows[: len(rows) // 2])
    (tmp_path / "whole.txt").write_text(KNEE)
    result, tables = audit(tmp_path, tmp_path / "cut.csv.gz", tmp_path / "cut.jsonl.gz", tmp_path / "whole.txt")
    assert result.exit_code == 1
    errors = [(Path(e["source"]).name, e["error"]) for e in tables["errors"]]
    assert errors == [("cut.csv.gz", "cannot read: not a complete gzip file"),
                      ("cut.jsonl.gz", "cannot read: not a complete gzip file")]
    ids = [r["id"] for r in tables["reports"]]
    assert ids[-1] == "whole" and len(ids) > 1  # the records before the cut are kept
    assert ids[:-1] == [f"j{i}" for i in range(len(ids) - 1)]


def test_a_bad_byte_after_the_first_8_kb_of_fhir_ndjson_is_one_error_naming_its_line(tmp_path):
    lines = [json.dumps(dr(f"f{i}", f"{TENDON} Report {i}.")).encode() for i in range(200)]
    lines[150] = lines[150].replace(b"Report", b"Rep\xffort")
    assert sum(len(line) + 1 for line in lines[:150]) > 8192
    ndjson = tmp_path / "reports.ndjson"
    ndjson.write_bytes(b"\n".join(lines) + b"\n")
    result, tables = audit(tmp_path, ndjson)
    assert result.exit_code == 1
    at = lines[150].index(b"\xff")
    assert [(e["line"], e["error"]) for e in tables["errors"]] == [
        (151, f"not UTF-8 text (byte {at}: invalid start byte; see --encoding)")]
    assert len(tables["reports"]) == 199


# 7: decode per record ------------------------------------------------------------------------------


def test_a_bad_byte_in_a_csv_loses_only_its_row_and_names_its_line(tmp_path):
    table = tmp_path / "table.csv"
    table.write_bytes(b"id,text\nc1,Calcific tendinitis.\nc2,Caf\xe9 knee.\nc3,\"Normal\nknee.\"\nc4,Normal hip.\n")
    items = list(read_inputs([str(table)]))
    assert [i.id for i in items if not isinstance(i, ErrorRecord)] == ["c1", "c3", "c4"]
    [error] = [i for i in items if isinstance(i, ErrorRecord)]
    assert (error.line, error.error) == (3, "not UTF-8 text (byte 3: invalid continuation byte; see --encoding)")


def test_a_bad_byte_in_an_hl7_message_loses_only_that_message(tmp_path):
    def message(n: int, text: bytes) -> bytes:
        return (b"MSH|^~\\&|RIS|H|EHR|H|20240101||ORU^R01|M%d|P|2.5\r" % n + b"PID|1||P%d\r" % n
                + b"OBR|1||ACC%d|^MRI SHOULDER\r" % n + b"OBX|1|TX|||" + text + b"\r\n")

    hl7 = tmp_path / "results.hl7"
    hl7.write_bytes(message(1, TENDON.encode()) + message(2, b"Caf\xe9 knee.") + message(3, KNEE.encode()))
    items = list(read_inputs([str(hl7)]))
    assert [i.id for i in items if not isinstance(i, ErrorRecord)] == ["M1", "M3"]
    [error] = [i for i in items if isinstance(i, ErrorRecord)]
    assert error.line == 2 and error.error.startswith("message 2 (line 5): not UTF-8 text")


def test_a_bad_byte_on_standard_input_loses_only_its_record(tmp_path):
    data = (jsonl({"id": "a", "text": TENDON}) + '{"id": "b", "text": "Caf\xe9"}\n').encode("latin-1") \
        + jsonl({"id": "c", "text": KNEE}).encode()
    items = list(read_inputs(["-"], stdin=data))
    assert [i.id for i in items if not isinstance(i, ErrorRecord)] == ["a", "c"]
    assert [(i.source, i.line) for i in items if isinstance(i, ErrorRecord)] == [("-", 2)]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_utf8_bom_means_utf8_whatever_the_encoding_named(tmp_path, encoding):
    bom = b"\xef\xbb\xbf"
    (tmp_path / "excel.csv").write_bytes(bom + "id,text\r\ne1,Calcific tendinitis – left.\r\n".encode())
    (tmp_path / "lines.jsonl").write_bytes(bom + jsonl({"id": "j1", "text": TENDON}, {"id": "j2", "text": KNEE}).encode())
    (tmp_path / "old.csv").write_bytes("id,text\no1,Épaule: calcific tendinitis.\n".encode(encoding))
    items = list(read_inputs([str(tmp_path / name) for name in ("excel.csv", "lines.jsonl", "old.csv")],
                             encoding=encoding))
    assert [(i.id, i.text[-6:]) for i in items] == [("e1", " left."), ("j1", TENDON[-6:]), ("j2", KNEE[-6:]),
                                                     ("o1", "nitis.")]
    assert items[-1].text.startswith("Épaule")


def test_audit_run_reads_another_encoding_with_encoding(tmp_path):
    table = tmp_path / "ris.csv"
    table.write_bytes("id,text\nr1,Épaule: calcific tendinitis of the supraspinatus.\n".encode("cp1252"))
    result, tables = audit(tmp_path, table, extra=("--encoding", "cp1252"))
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in tables["reports"]] == ["r1"] and tables["errors"] == []
    refused = runner.invoke(app, ["audit", "run", str(tmp_path / "other"), str(table), "--encoding", "klingon"])
    assert refused.exit_code == 2 and "unknown encoding" in refused.stderr
    assert not (tmp_path / "other").exists()


# 8: one bad Parquet value --------------------------------------------------------------------------


def test_one_bad_parquet_value_is_dropped_and_the_row_kept(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({
        "id": ["p1", "p2", "p3"], "text": [TENDON, KNEE, TENDON],
        "exam_date": pa.array([19_000, 3_000_000, 19_001], type=pa.date32()),  # the second is past year 9999
        "scanned": pa.array([1_600_000_000_123_456_789, 0, 5], type=pa.timestamp("ns")),
    })
    path = tmp_path / "archive.parquet"
    pq.write_table(table, path)
    items = list(read_archive([path]))
    assert all(isinstance(i, AuditInput) for i in items) and [i.id for i in items] == ["p1", "p2", "p3"]
    assert [str(i.meta.exam_date) for i in items] == ["2022-01-08", "None", "2022-01-09"]
    assert items[1].warnings and items[1].warnings[0].startswith("exam_date dropped")
    nanoseconds = list(read_archive([path], column_map={"exam_date": "scanned"}))
    assert [str(i.meta.exam_date) for i in nanoseconds] == ["2020-09-13", "1970-01-01", "1970-01-01"]


# 9: python-hl7's warnings --------------------------------------------------------------------------


def test_hl7_escape_warnings_print_no_report_text(tmp_path):
    hl7 = tmp_path / "odd.hl7"
    hl7.write_text("MSH|^~\\&|RIS|H|EHR|H|20240101||ORU^R01|M1|P|2.5\rOBR|1||ACC1|^MRI SHOULDER\r"
                   "OBX|1|TX|||Zebrafinch calcific \\Zqq\\ tendinitis \\H\\ of the supraspinatus.\r")
    done = subprocess.run([sys.executable, "-m", "reportkit", "extract", str(hl7)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Zebrafinch" not in done.stderr and "Zqq" not in done.stderr
    assert '"id":"M1"' in done.stdout


# 17: shapes that read as nothing -------------------------------------------------------------------


def test_a_bundle_whose_entry_is_an_object_or_a_nested_bundle_is_an_error(tmp_path):
    (tmp_path / "object.json").write_text(json.dumps(
        {"resourceType": "Bundle", "type": "collection", "entry": {"resource": dr("o1", TENDON)}}))
    (tmp_path / "nested.json").write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": dr("n1", TENDON)}]}},
        {"resource": dr("n2", KNEE)}]}))
    result = runner.invoke(app, ["extract", str(tmp_path / "object.json"), str(tmp_path / "nested.json")])
    no_traceback(result)
    assert result.exit_code == 1
    assert "object.json:1: Bundle.entry must be a list of entries, not dict" in result.stderr
    assert "nested.json:1: Bundle.entry[0]: a Bundle inside a Bundle is not read" in result.stderr
    assert [r.get("id") for r in records(result.stdout) if "error" not in r] == ["n2"]
    assert "3 inputs: 1 results, 2 errors" in result.stderr


def test_a_csv_naming_a_column_it_reads_twice_is_an_error(tmp_path):
    table = tmp_path / "twice.csv"
    table.write_text(f"id,text,text,note,note\nd1,{TENDON},{KNEE},a,b\n")
    result = runner.invoke(app, ["extract", str(table)])
    assert result.exit_code == 1
    assert "twice.csv:1: header: column(s) named more than once: 'text'" in result.stderr
    unused = tmp_path / "unused.csv"  # a column nobody reads may repeat
    unused.write_text(f"id,text,note,note\nd1,{TENDON},a,b\n")
    assert runner.invoke(app, ["extract", str(unused)]).exit_code == 0


# 26: size limit and one id policy ------------------------------------------------------------------


def test_an_audit_record_over_the_size_limit_says_so_whatever_reads_it(tmp_path):
    from reportkit.audit.run import audit_runner, run_audit
    from reportkit.audit.work import WorkOptions
    from reportkit.models import MAX_REPORT_CHARS

    def own_reader(paths, column_map):  # a caller's reader, not the reader family
        yield AuditInput(id="huge", text=TENDON + " x" * (MAX_REPORT_CHARS // 2), source="own", line=1)
        yield AuditInput(id="small", text=TENDON, source="own", line=2)

    options = WorkOptions()
    totals = run_audit(tmp_path / "run", ["own"], own_reader, lambda: audit_runner(1, options), options)
    assert (totals.read, totals.results, totals.errors) == (2, 1, 1)
    query = runner.invoke(app, ["audit", "query", str(tmp_path / "run"), "SELECT id, error FROM errors",
                                "--format", "json"])
    assert json.loads(query.stdout) == [{"id": "huge", "error": f"report is {len(TENDON) + MAX_REPORT_CHARS:,} "
                                                                f"characters; the limit is {MAX_REPORT_CHARS:,}"}]


def test_audit_and_extract_refuse_the_same_non_string_ids(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(jsonl({"id": "n1", "text": TENDON, "patient_id": 12345},
                           {"id": "n2", "text": TENDON, "accession": 7.0},
                           {"id": 3, "text": TENDON},
                           {"id": "n4", "text": TENDON, "patient_id": "P4", "accession": "A4"}))
    extracted = [(i.line, i.error if isinstance(i, ErrorRecord) else i.id) for i in read_inputs([str(batch)])]
    audited = [(i.line, i.error if isinstance(i, ErrorRecord) else i.id) for i in read_archive([batch])]
    assert extracted == audited == [(1, "'patient_id' must be a string, not int"),
                                    (2, "'accession' must be a string, not float"),
                                    (3, "'id' must be a string, not int"), (4, "n4")]


# 27: FHIR attachment that does not decode ----------------------------------------------------------


def test_fhir_with_invalid_base64_but_a_conclusion_uses_the_conclusion(tmp_path):
    good = base64.b64encode(KNEE.encode()).decode()
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": dr("b1", TENDON, presentedForm=[{"contentType": "text/plain", "data": "@@not base64@@"}])},
        {"resource": dr("b2", None, presentedForm=[{"contentType": "text/plain", "data": "@@not base64@@"}])},
        {"resource": dr("b3", "ignored", presentedForm=[{"contentType": "text/plain", "data": good}])}]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    items = list(read_inputs([str(path)]))
    assert [(i.id, i.text) for i in items if not isinstance(i, ErrorRecord)] == [("b1", TENDON), ("b3", KNEE)]
    [error] = [i for i in items if isinstance(i, ErrorRecord)]
    assert error.id == "b2" and "presentedForm.0.data" in error.error

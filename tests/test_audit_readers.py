"""Audit readers: every archive format yields the same reports, malformed records become located error rows."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from reportkit.audit.readers import ColumnMapError, read_archive
from reportkit.audit.records import AuditInput
from reportkit.models import ErrorRecord

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "archive"
CSV_COLUMNS = {"id": "report_id", "text": "report_text", "patient_id": "mrn", "accession": "accession_no",
               "exam_date": "study_date", "side": "laterality"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_sample_archive", ROOT / "benchmarks" / "make_sample_archive.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generator = _load_generator()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[list[dict], Path]:
    reports = generator.generate(120, seed=5, finding_rate=0.1)
    out = tmp_path_factory.mktemp("archive")
    generator.write_archive(reports, out)
    return reports, out


def _split(items):
    items = list(items)
    return [i for i in items if isinstance(i, AuditInput)], [i for i in items if isinstance(i, ErrorRecord)]


@pytest.mark.parametrize("name", ["archive.jsonl", "archive.csv", "archive.parquet", "archive.hl7",
                                  "archive.fhir.json", "archive.fhir.ndjson"])
def test_every_format_reads_the_same_reports_and_metadata(archive, name):
    reports, out = archive
    if name.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    inputs, errors = _split(read_archive([out / name], column_map=CSV_COLUMNS if name.endswith(".csv") else None))
    assert errors == []
    assert [i.id for i in inputs] == [r["id"] for r in reports]
    for item, report in zip(inputs, reports):
        assert item.text.strip() == report["text"].strip()
        assert item.meta.accession == report["accession"]
        assert item.meta.patient_id == (report["patient_id"] or None)
        assert item.meta.exam_date == dt.date.fromisoformat(report["exam_date"])
        assert item.meta.side == {"L": "left", "R": "right", "": None}[report["side"]]
    by_modality = {r["modality"]: i.meta.modality for i, r in zip(inputs, reports)}
    assert by_modality == {"XR": "radiograph", "MR": "MRI", "US": "ultrasound", "CT": "CT"}
    shoulder = next(i for i, r in zip(inputs, reports) if r["body_part"] == "SHOULDER")
    assert shoulder.meta.body_part == "shoulder"


@pytest.mark.parametrize("name", ["archive.jsonl", "archive.hl7", "archive.fhir.ndjson"])
def test_a_run_chunks_the_reader_familys_records_as_it_chunks_audit_items(archive, name, tmp_path):
    """The command hands the run the reader family's records (metadata still raw); a library caller may hand
    it audit items. Both give the same chunks, hashes included, so a store resumes whichever way it began."""
    from reportkit.audit.run import chunked
    from reportkit.io.readers import read_archives

    _, out = archive
    odd = tmp_path / "odd.jsonl"  # metadata the normalisation drops with a warning, or maps, or keeps as given
    odd.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "text": "Calcific tendinitis.", "exam_date": "31/02/2024", "side": "sideways", "modality": "RAD"},
        {"id": "b", "text": "No calcification.", "exam_date": "2024-03-01", "side": "BIL", "body_part": "Knee",
         "patient_id": " P1 ", "accession": ""},
        {"id": 7, "text": "bad id"},
        {"id": "c", "text": "Phleboliths.", "modality": "MR", "exam_date": None},
    ]) + "\n")
    for path in (out / name, odd):
        from_items = list(chunked(read_archive([path]), 5))
        from_records = list(chunked(read_archives([str(path)]), 5))
        assert from_records == from_items
        assert any(row[0] == "report" and any(row[6].values()) for _, rows in from_items for row in rows)


def test_bundled_example_archive_reads_cleanly():
    for path in sorted(EXAMPLE.iterdir()):
        if path.suffix == ".parquet" and importlib.util.find_spec("pyarrow") is None:
            continue
        inputs, errors = _split(read_archive([path], column_map=CSV_COLUMNS if path.suffix == ".csv" else None))
        assert (len(inputs), errors) == (40, []), path.name


def test_jsonl_gz_and_malformed_lines_keep_line_numbers(tmp_path):
    lines = [json.dumps({"id": "a", "text": "Radiographs of the left knee. No fracture.", "exam_date": "20240105"}),
             "{not json",
             "",
             json.dumps(["a", "list"]),
             json.dumps({"id": "b"}),
             json.dumps({"text": "An orphan report."}),
             json.dumps({"id": "c", "text": "MRI of the right shoulder.", "exam_date": "05/01/2024"})]
    path = tmp_path / "reports.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    inputs, errors = _split(read_archive([path]))
    # a record without an id is named after where it is, as extract names it
    assert [(i.id, i.line) for i in inputs] == [("a", 1), (f"{path}:6", 6), ("c", 7)]
    assert inputs[0].meta.exam_date == dt.date(2024, 1, 5)
    assert inputs[2].meta.exam_date is None and "exam_date dropped" in inputs[2].warnings[0]
    assert [e.line for e in errors] == [2, 4, 5]
    assert "not valid JSON" in errors[0].error and errors[2].error == "record has no 'text' string"
    assert len(inputs) + len(errors) == 6  # six non-blank lines read


def test_csv_bad_rows_are_located_by_physical_line(tmp_path):
    path = tmp_path / "ris.csv"
    path.write_text(
        "report_id,report_text,study_date,laterality\n"
        'r1,"Radiographs of the wrist.\nNo fracture.",2024-02-01,LT\n'
        "r2,too,many,fields,here\n"
        "r3,,2024-02-03,R\n"
        "r4,Ultrasound of the calf.,2024-13-45,sideways\n",
        encoding="utf-8",
    )
    inputs, errors = _split(read_archive([path], column_map={"id": "report_id", "text": "report_text",
                                                              "exam_date": "study_date", "side": "laterality"}))
    assert [(i.id, i.line) for i in inputs] == [("r1", 2), ("r4", 6)]
    assert inputs[0].meta.side == "left" and inputs[0].text.endswith("No fracture.")
    assert inputs[1].meta.exam_date is None and inputs[1].meta.side is None and len(inputs[1].warnings) == 2
    assert [(e.line, e.id) for e in errors] == [(4, None), (5, "r3")]
    assert errors[0].error == "5 fields, header has 4"


def test_table_with_missing_mapped_column_is_one_error_and_unknown_field_refused(tmp_path):
    path = tmp_path / "reports.tsv"
    path.write_text("id\tbody\nr1\tsome text\n", encoding="utf-8")
    _, errors = _split(read_archive([path]))
    assert len(errors) == 1 and errors[0].line == 1 and "text -> 'text'" in errors[0].error
    with pytest.raises(ColumnMapError, match="unknown field"):
        list(read_archive([path], column_map={"report": "id"}))


HL7_HEADER = "MSH|^~\\&|RIS|SITE|RK|AUDIT|20240301||ORU^R01|{id}|P|2.5.1\r"


def test_hl7_ft_escapes_tx_lines_mllp_and_malformed_messages(tmp_path):
    first = (HL7_HEADER.format(id="M1") + "PID|1||PAT9^^^SITE^MR\r"
             "OBR|1|PL1|ACC9|P^MR SHOULDER RT|||20240228\r"
             "OBX|1|FT|R^Report||FINDINGS: Calcific deposit \\T\\ bursitis.\\.br\\IMPRESSION: HADD.||||||F\r"
             "OBX|2|NM|SIZE^Size||12|mm|||||F\r")
    second = (HL7_HEADER.format(id="M2") + "PID|1||PAT9\rOBR|1||ACC10|P^XR SHOULDER RIGHT|||20240101\r"
              "OBX|1|TX|R||Two views.||||||F\rOBX|2|TX|R||No fracture.||||||F\r")
    no_text = HL7_HEADER.format(id="M3") + "PID|1||PAT9\rOBR|1||ACC11|P^US KNEE|||20240101\r"
    not_oru = HL7_HEADER.format(id="M4").replace("ORU^R01", "ADT^A01") + "PID|1||PAT9\r"
    path = tmp_path / "feed.hl7"
    path.write_text(f"\x0b{first}\x1c\r\n{second}\n{no_text}{not_oru}PV1|orphan\r", encoding="utf-8")
    skipped = Counter()
    inputs, errors = _split(read_archive([path], skipped=skipped))
    assert [i.id for i in inputs] == ["M1", "M2"]
    assert inputs[0].text == "FINDINGS: Calcific deposit & bursitis.\nIMPRESSION: HADD."
    assert inputs[1].text == "Two views.\nNo fracture."
    assert inputs[0].meta.model_dump() == {"patient_id": "PAT9", "accession": "ACC9", "exam_date": dt.date(2024, 2, 28),
                                           "modality": "MRI", "body_part": "shoulder", "side": "right"}
    assert inputs[1].meta.modality == "radiograph" and inputs[1].line == 2
    assert [e.line for e in errors] == [3]
    assert "no OBX TX/FT report text" in errors[0].error
    # an ADT message is no result: skipped and counted, not an error
    assert skipped == {"ADT^A01": 1}
    # "PV1|orphan" follows message 4 in the same framing-free run: it belongs to message 4, not an orphan
    assert len(inputs) + len(errors) == 3


def test_hl7_garbage_before_first_message_is_an_error_row(tmp_path):
    path = tmp_path / "bad.hl7"
    path.write_text("GARBAGE LINE\r" + HL7_HEADER.format(id="M1") + "OBX|1|TX|R||Text.||||||F\r", encoding="utf-8")
    inputs, errors = _split(read_archive([path]))
    assert [i.id for i in inputs] == ["M1"]
    assert len(errors) == 1 and "outside a message" in errors[0].error and errors[0].line == 1


def _report(rid: str, **extra) -> dict:
    return {"resourceType": "DiagnosticReport", "id": rid, "status": "final", "code": {"text": "MR KNEE LT"}, **extra}


def test_fhir_presented_form_html_conclusion_and_invalid_entries(tmp_path):
    plain = base64.b64encode(b"Meniscal chondrocalcinosis.").decode()
    html = base64.b64encode(b"<p>Line <b>one</b></p><p>Line two &amp; more</p>").decode()
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": _report("d1", presentedForm=[{"contentType": "text/plain", "data": plain}],
                             subject={"reference": "Patient/P7"}, effectiveDateTime="2024-03-02T10:00:00Z",
                             identifier=[{"value": "X1"}, {"type": {"coding": [{"code": "ACSN"}]}, "value": "ACC7"}])},
        {"resource": {"resourceType": "Patient", "id": "P7"}},
        {"resource": _report("d2", presentedForm=[{"contentType": "text/html", "data": html}])},
        {"resource": _report("d3", conclusion="No calcification.", issued="2024-03-05T08:00:00+01:00")},
        {"resource": {"resourceType": "DiagnosticReport", "id": "d4", "status": "final"}},  # no code
        {"resource": _report("d5")},  # neither text nor conclusion
        {"fullUrl": "urn:x"},
    ]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    inputs, errors = _split(read_archive([path]))
    assert [(i.id, i.text) for i in inputs] == [("d1", "Meniscal chondrocalcinosis."),
                                               ("d2", "Line one\nLine two & more"), ("d3", "No calcification.")]
    assert inputs[0].meta.patient_id == "P7" and inputs[0].meta.accession == "ACC7"
    assert inputs[0].meta.exam_date == dt.date(2024, 3, 2) and inputs[2].meta.exam_date == dt.date(2024, 3, 5)
    assert inputs[0].meta.modality == "MRI" and inputs[0].meta.side == "left" and inputs[0].meta.body_part == "knee"
    assert [(e.line, e.id) for e in errors] == [(5, "d4"), (6, "d5"), (7, None)]
    assert "Bundle.entry[4]" in errors[0].error and "code" in errors[0].error


def test_fhir_ndjson_names_line(tmp_path):
    path = tmp_path / "export.ndjson"
    path.write_text(json.dumps(_report("n1", conclusion="Phleboliths.")) + "\n{oops\n"
                    + json.dumps({"resourceType": "DiagnosticReport", "id": "n3"}) + "\n", encoding="utf-8")
    inputs, errors = _split(read_archive([path]))
    assert [i.id for i in inputs] == ["n1"]
    assert [e.line for e in errors] == [2, 3]


def test_error_messages_never_quote_report_text(tmp_path):
    secret = "Zanzibar calcific deposit in the supraspinatus"
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "text": secret, "exam_date": secret}) + "\n"
                                      + '{"id": "b", "text": "' + secret + '\n', encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(_report("f1", conclusion="x", effectiveDateTime=secret)), encoding="utf-8")
    hl7 = HL7_HEADER.format(id="M1").replace("ORU^R01", "ORU^R99") + f"OBX|1|TX|R||{secret}||||||F\r"
    (tmp_path / "c.hl7").write_text(hl7, encoding="utf-8")
    items = list(read_archive([tmp_path / "a.jsonl", tmp_path / "b.json", tmp_path / "c.hl7"]))
    messages = [i.error for i in items if isinstance(i, ErrorRecord)] + [w for i in items if isinstance(i, AuditInput)
                                                                          for w in i.warnings]
    assert len(messages) == 3  # the ORU^R99 message is no result: skipped, not an error
    assert not any("Zanzibar" in m for m in messages)


def test_text_folder_ids_missing_path_and_unknown_suffix(tmp_path):
    folder = tmp_path / "reports"
    (folder / "2024" / "march").mkdir(parents=True)
    (folder / "2024" / "march" / "r1.txt").write_text("Radiographs of the hip. No fracture.", encoding="utf-8")
    (folder / "r2.md").write_text("MRI of the knee. Small effusion.", encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "notes.docx").write_bytes(b"\x00")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n\xe2\xe3\xcf\xd3")  # named outright: read as text, as extract does
    inputs, errors = _split(read_archive([folder, tmp_path / "missing.jsonl", tmp_path / "scan.pdf"]))
    assert [i.id for i in inputs] == ["2024/march/r1", "r2"]
    assert [(e.id, e.error) for e in errors][0] == ("empty", "empty file: no report text")
    assert errors[1].error.startswith("no such file") and errors[2].error.startswith("not UTF-8 text (byte 9")


def test_counts_reconcile_on_a_mixed_folder(archive, tmp_path):
    reports, out = archive
    mixed = tmp_path / "mixed"
    shutil.copytree(out, mixed)
    (mixed / "archive.csv").unlink()  # its columns need a map
    with (mixed / "archive.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("{broken\n")
    inputs, errors = _split(read_archive([mixed]))
    formats = 5 if (mixed / "archive.parquet").exists() else 4
    assert len(inputs) == formats * len(reports) and len(errors) == 1


def test_record_counts_for_the_progress_eta_match_what_the_readers_yield():
    from reportkit.audit.readers import count_archive

    for name in ("archive.csv", "archive.jsonl.gz", "archive.parquet"):
        assert count_archive([EXAMPLE / name]) == 40, name
    # HL7 messages and FHIR Bundles may hold several reports: not cheaply counted, so no ETA
    assert count_archive([EXAMPLE / "archive.hl7"]) is None and count_archive([EXAMPLE]) is None

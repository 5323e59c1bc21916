"""`audit query` and `audit tables` print in the formats sqlite-utils users expect; the bookkeeping stays inside."""

from __future__ import annotations

import csv
import io
import json
import re

from test_audit_summary_counts import REPORTS, store_dir  # noqa: F401 - shared fixture
from typer.testing import CliRunner

from reportkit.cli.audit import audit_app

runner = CliRunner()

QUERY = "SELECT id, exam_date, modality, patient_id FROM reports WHERE id IN ('m1', 'm7') ORDER BY id"


def test_query_prints_json_jsonl_csv_and_a_table(store_dir):  # noqa: F811
    def out(fmt: str) -> str:
        result = runner.invoke(audit_app, ["query", str(store_dir), QUERY, "--format", fmt])
        assert result.exit_code == 0, result.output
        return result.stdout

    expected = [{"id": "m1", "exam_date": "2024-01-10", "modality": ["MRI"], "patient_id": "P1"},
                {"id": "m7", "exam_date": None, "modality": ["MRI"], "patient_id": "P6"}]
    assert json.loads(out("json")) == expected
    assert [json.loads(line) for line in out("jsonl").splitlines()] == expected
    rows = list(csv.DictReader(io.StringIO(out("csv"))))
    assert rows == [{"id": "m1", "exam_date": "2024-01-10", "modality": '["MRI"]', "patient_id": "P1"},
                    {"id": "m7", "exam_date": "", "modality": '["MRI"]', "patient_id": "P6"}]
    table = out("table")
    assert re.search(r"\bid\b.*\bexam_date\b.*\bmodality\b.*\bpatient_id\b", table)
    assert re.search(r"\bm1\b.*2024-01-10", table) and "\t" not in table
    bad = runner.invoke(audit_app, ["query", str(store_dir), QUERY, "--format", "xml"])
    assert bad.exit_code == 2 and "--format" in bad.output


def test_tables_lists_tables_with_row_counts_without_the_bookkeeping(store_dir):  # noqa: F811
    result = runner.invoke(audit_app, ["tables", str(store_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    counts = {row["table"]: row["rows"] for row in json.loads(result.stdout)}
    assert counts["reports"] == len(REPORTS) and counts["deposits"] == 8 and counts["errors"] == 0
    assert "chunks_done" not in counts and {"findings", "runs", "correlations"} <= set(counts)


def test_export_leaves_out_the_bookkeeping_table(store_dir, tmp_path):  # noqa: F811
    result = runner.invoke(audit_app, ["export", str(store_dir), "--format", "csv", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    exported = {p.stem for p in tmp_path.glob("*.csv")}
    assert "chunks_done" not in exported and {"reports", "deposits", "findings", "runs"} <= exported

"""One reader policy: the same hostile files give the same verdicts in `extract` and in `audit run`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.audit.store import Store
from reportkit.cli import app
from reportkit.io.readers.policy import META_FIELDS
from reportkit.models import MAX_REPORT_CHARS

runner = CliRunner()
TENDON = "FINDINGS: Calcific tendinitis of the supraspinatus tendon."
NUL_IN_TERM = "FINDINGS: Calcific\x00tendinitis of the supraspinatus tendon."
PELVIS = "FINDINGS: Phleboliths in the pelvis."


def _jsonl(*records: dict) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A folder of hostile inputs: a JSONL batch and text files, each hazard once."""
    folder = tmp_path_factory.mktemp("hostile")
    batch = _jsonl({"text": TENDON},  # no id
                   {"id": 7, "text": PELVIS},  # an integer id
                   {"id": "nul", "text": NUL_IN_TERM},  # a NUL inside the term
                   {"id": "huge", "text": "x " * (MAX_REPORT_CHARS // 2 + 1)},  # over the limit
                   {"id": "empty", "text": " \n"},
                   {"id": "ok", "text": PELVIS})
    latin1 = json.dumps({"id": "latin1", "text": "Calcification pr\u00e8s du tendon."}, ensure_ascii=False)
    (folder / "batch.jsonl").write_bytes(batch + latin1.encode("latin-1") + b"\n")  # line 7 is not UTF-8
    (folder / "nul.txt").write_bytes(NUL_IN_TERM.encode())
    (folder / "bom.txt").write_bytes(b"\xef\xbb\xbf" + TENDON.encode())
    (folder / "cp1252.txt").write_bytes("Calcification \u2013 supraspinatus.".encode("cp1252"))
    return folder


def _extract_verdicts(folder: Path) -> dict[tuple[str, int | None], tuple]:
    result = runner.invoke(app, ["extract", str(folder)])
    assert result.exit_code == 1, result.stderr  # some inputs are errors
    verdicts = {}
    for line in result.stdout.splitlines():
        record = json.loads(line)
        key = (Path(record["source"]).name, record["line"])
        verdicts[key] = (("error", record["id"], record["error"]) if "error" in record
                         else ("report", record["id"], len(record["findings"])))
    return verdicts


def _audit_verdicts(folder: Path, run_dir: Path) -> dict[tuple[str, int | None], tuple]:
    result = runner.invoke(app, ["audit", "run", str(run_dir), str(folder), "--workers", "1", "--quiet"])
    assert result.exit_code == 1, result.output
    store = Store(run_dir, read_only=True)
    try:
        reports = store.con.execute("SELECT source, line, id, n_findings FROM reports").fetchall()
        errors = store.con.execute("SELECT source, line, id, error FROM errors").fetchall()
    finally:
        store.close()
    verdicts = {(Path(s).name, line): ("report", rid, n) for s, line, rid, n in reports}
    verdicts |= {(Path(s).name, line): ("error", rid, message) for s, line, rid, message in errors}
    return verdicts


def test_extract_and_audit_give_the_same_verdicts_on_hostile_inputs(hostile, tmp_path):
    extracted = _extract_verdicts(hostile)
    audited = _audit_verdicts(hostile, tmp_path / "run")
    assert audited == extracted
    batch = str(hostile / "batch.jsonl")
    assert extracted[("batch.jsonl", 1)] == ("report", f"{batch}:1", 1)  # no id: named after where it is
    assert extracted[("batch.jsonl", 2)] == ("error", None, "'id' must be a string, not int")
    assert extracted[("batch.jsonl", 3)] == ("report", "nul", 1)  # the NUL no longer hides the finding
    assert extracted[("batch.jsonl", 4)][2] == (f"report is {MAX_REPORT_CHARS + 2:,} characters; "
                                                f"the limit is {MAX_REPORT_CHARS:,}")
    assert extracted[("batch.jsonl", 5)] == ("error", "empty", "empty report: no text")
    assert extracted[("batch.jsonl", 7)][2].startswith("not UTF-8 text (byte ")
    assert extracted[("nul.txt", None)] == ("report", "nul", 1)
    assert extracted[("bom.txt", None)] == ("report", "bom", 1)
    assert extracted[("cp1252.txt", None)][2].startswith("not UTF-8 text (byte 14")
    assert len(extracted) == 10


def test_archive_formats_follow_the_same_id_and_text_rules(tmp_path):
    from reportkit.audit.readers import read_archive
    from reportkit.audit.records import AuditInput
    from reportkit.io.readers import read_inputs

    (tmp_path / "a.csv").write_text(f"id,text\n,{TENDON}\nr2,\nr3,{NUL_IN_TERM}\n", encoding="utf-8")
    for read in (read_inputs, read_archive):
        items = list(read([str(tmp_path / "a.csv")]))
        assert [(i.id, i.line) for i in items] == [(f"{tmp_path / 'a.csv'}:2", 2), ("r2", 3), ("r3", 4)]
        assert items[1].error == "empty report: no text" and "\x00" not in items[2].text
    assert all(isinstance(i, AuditInput) for i in read_archive([str(tmp_path / "a.csv")]) if i.id != "r2")


def test_the_readers_metadata_fields_are_the_audits():
    from reportkit.audit.records import ReportMeta

    assert tuple(ReportMeta.model_fields) == META_FIELDS

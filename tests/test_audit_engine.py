"""Audit engines, rows and CLI: lint from a computed result, local vs Dask, query and export."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from audit_corpus import make_report, write_archive
from test_audit_resume import canonical_dump
from typer.testing import CliRunner

from reportkit.audit.readers import read_archive
from reportkit.audit.run import audit_runner, run_audit
from reportkit.audit.store import TABLES, Store
from reportkit.audit.work import WorkOptions
from reportkit.cli.audit import audit_app
from reportkit.engine import lint_text

runner = CliRunner()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return write_archive(tmp_path_factory.mktemp("archive") / "reports.jsonl", 120, bad_lines=2)


@pytest.fixture(scope="module")
def local_store(archive, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("local")
    options = WorkOptions()
    totals = run_audit(run_dir, [str(archive)], read_archive, lambda: audit_runner(1, options), options,
                       chunk_size=32)
    assert (totals.read, totals.results, totals.errors) == (122, 120, 2)
    return run_dir


def test_linting_the_computed_analysis_equals_linting_the_text():
    from reportkit.api import extract
    from reportkit.engine import get_engine
    reason = get_engine().reason

    rng = random.Random(3)
    compared = 0
    for i in range(60):
        text = make_report(rng, trigger_rate=0.9)
        report = reason(extract(text, f"r{i}"), text)
        ours = [d.to_dict() for d in lint_text(text, f"r{i}", report=report)]
        assert ours == [d.to_dict() for d in lint_text(text, f"r{i}")]
        compared += bool(ours)
    assert compared > 5


def test_a_chunk_gives_each_report_s_rows_in_order_whatever_runs_the_pipeline(monkeypatch):
    # the pre-filter's verdicts come first and the triggered reports run after them: rows must still come out
    # in the chunk's order, as if each report were processed alone, with a failing report as its error row
    from reportkit.audit import work

    rng = random.Random(11)
    items = [("report", n, f"r{n}", make_report(rng, trigger_rate=0.5), "chunk", n + 1, {}) for n in range(40)]
    items[7] = ("error", 7, "r7", "chunk", 8, "not a report")
    failing = next(item[2] for item in items[20:] if item[0] == "report"
                   and work.worker_state(None).prefilter.verdict(item[3]).skipped is None)
    report_rows = work._report_rows

    def failing_once(rows, item, options, verdict):
        if item[2] == failing:
            raise RuntimeError("boom")
        report_rows(rows, item, options, verdict)

    monkeypatch.setattr(work, "_report_rows", failing_once)
    options = WorkOptions()
    whole = work.process_chunk(items, options)
    alone: dict[str, list] = {table: [] for table in whole}
    for item in items:
        for table, rows in work.process_chunk([item], options).items():
            alone[table] += rows
    assert whole == alone
    assert [row[1] for row in whole["reports"]] == [item[2] for item in items if item[0] == "report"
                                                   and item[2] != failing]
    assert [row[1] for row in whole["errors"]] == ["r7", failing]
    assert any(not row[16] for row in whole["reports"]) and any(row[16] for row in whole["reports"])


def test_store_holds_every_table_and_the_mentions_but_not_the_text(local_store):
    store = Store(local_store, read_only=True)
    try:
        assert set(TABLES) <= set(store.tables())
        assert store.con.execute("SELECT count(*) FROM reports WHERE text IS NOT NULL").fetchone()[0] == 0
        concept, evidence = store.con.execute(
            "SELECT concept, evidence FROM findings WHERE mention ILIKE 'calcific tendinitis' LIMIT 1").fetchone()
        assert concept == "hadd" and {"role", "start", "end"} <= set(json.loads(evidence)[0])
        deposits, mentions = store.con.execute(
            "SELECT (SELECT count(*) FROM deposits), (SELECT count(*) FROM findings WHERE NOT is_query)").fetchone()
        assert 0 < deposits <= mentions  # every mention belongs to one deposit; restatements share one
        grouped = store.con.execute("SELECT sum(len(findings)) FROM deposits").fetchone()[0]
        firsts = store.con.execute("SELECT count(*) FROM deposits WHERE finding_idx = findings[1]").fetchone()[0]
        assert (grouped, firsts) == (mentions, deposits)
        misuse = store.con.execute("SELECT count(*) FROM diagnostics WHERE code = 'RK201'").fetchone()[0]
        assert misuse == store.con.execute(
            "SELECT count(*) FROM findings WHERE mention ILIKE 'pseudogout' AND section <> 'history'").fetchone()[0]
    finally:
        store.close()


def test_dask_local_cluster_gives_the_same_store(archive, local_store, tmp_path):
    pytest.importorskip("dask.distributed")

    options = WorkOptions()
    totals = run_audit(tmp_path, [str(archive)], read_archive, lambda: audit_runner(2, options, "dask"), options,
                       chunk_size=32, engine_name="dask")
    assert totals.read == 122
    assert canonical_dump(tmp_path) == canonical_dump(local_store)


def test_query_prints_a_table_and_bad_sql_is_a_usage_error(local_store):
    result = runner.invoke(audit_app, ["query", str(local_store), "SELECT kind, count(*) AS n FROM findings "
                                       "GROUP BY kind ORDER BY kind"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "kind\tn" and "calcification\t" in result.stdout
    bad = runner.invoke(audit_app, ["query", str(local_store), "SELECT nope FROM findings"])
    assert bad.exit_code == 2 and "query failed" in bad.output


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_writes_every_table(local_store, tmp_path, fmt):
    result = runner.invoke(audit_app, ["export", str(local_store), "--format", fmt, "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert {p.stem for p in tmp_path.glob(f"*.{fmt}")} == set(TABLES) - {"chunks_done"}  # not the bookkeeping
    if fmt == "jsonl":
        first = json.loads((tmp_path / "errors.jsonl").read_text().splitlines()[0])
        assert "JSON" in first["error"] and first["line"] is not None  # the bad line, named by number


def test_usage_errors_exit_2(tmp_path):
    assert runner.invoke(audit_app, ["run", str(tmp_path), str(tmp_path / "missing.jsonl")]).exit_code == 2
    assert runner.invoke(audit_app, ["query", str(tmp_path / "nothing"), "SELECT 1"]).exit_code == 2
    assert runner.invoke(audit_app, ["export", str(tmp_path), "--format", "xml"]).exit_code == 2

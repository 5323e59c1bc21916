"""Stores that are not what they should be, exports, queries and dashboards: clear errors, never a traceback,
and nothing written where it should not be."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from audit_corpus import write_archive
from typer.testing import CliRunner

from reportkit.audit.run import run_lock
from reportkit.audit.store import STORE_FILE, Store
from reportkit.audit.summary import compute_summary, write_dashboard
from reportkit.cli.audit import audit_app

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(audit_app, [str(a) for a in args])


def _refused(result, words: str) -> None:
    """Exit 2 with one ``error:`` line holding ``words``; no traceback."""
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and words in result.output, result.output


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return write_archive(tmp_path_factory.mktemp("archive") / "reports.jsonl", 24, bad_lines=0)


@pytest.fixture(scope="module")
def finished(archive, tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("store")
    result = _invoke("run", run_dir, archive, "--workers", "1", "--chunk-size", "8", "--quiet")
    assert result.exit_code == 0, result.output
    return run_dir


@pytest.fixture
def store_copy(finished, tmp_path) -> Path:
    run_dir = tmp_path / "copy"
    shutil.copytree(finished, run_dir)
    return run_dir


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


# -- export --------------------------------------------------------------------------------------


def test_a_crafted_table_name_cannot_make_export_write_outside_the_output_folder(store_copy, tmp_path):
    con = duckdb.connect(str(store_copy / STORE_FILE))
    con.execute('CREATE TABLE "../../escaped" (x INTEGER)')
    con.execute('INSERT INTO "../../escaped" VALUES (1)')
    con.close()
    out = tmp_path / "exports" / "here"
    before = _files(tmp_path)
    result = _invoke("export", store_copy, "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    new = _files(tmp_path) - before
    assert all(p == out.parent or p.is_relative_to(out) for p in new), sorted(map(str, new))
    assert {p.name for p in out.iterdir()} == {f"{t}.csv" for t in (
        "assessments", "correlations", "deposits", "diagnostics", "errors", "findings", "inputs", "recommendations",
        "reports", "runs")}


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_export_into_a_folder_with_an_apostrophe_works(finished, tmp_path, fmt):
    out = tmp_path / "O'Brien's export"
    result = _invoke("export", finished, "--format", fmt, "-o", out)
    assert result.exit_code == 0, result.output
    assert (out / f"reports.{fmt}").stat().st_size > 0


# -- stores that are no stores -------------------------------------------------------------------


def _random_bytes(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _truncated_header(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:5000])


def _truncated_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 3])


def _sqlite(path: Path) -> None:
    path.unlink()
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE reports (id TEXT)")
    con.commit()
    con.close()


def _old_schema(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE deposits DROP COLUMN scope")
    con.close()


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


DAMAGES = {"random bytes": (_random_bytes, "not a DuckDB file"), "0 bytes": (_empty, "empty file"),
           "truncated header": (_truncated_header, "not a DuckDB file|damaged or truncated"),
           "truncated data": (_truncated_half, ""),
           "a SQLite file": (_sqlite, "SQLite database"), "an old schema": (_old_schema, "another version"),
           "a folder": (_folder, "a folder")}


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("command", ["query", "tables", "export", "summary", "run"])
def test_a_damaged_or_foreign_store_is_one_clear_error(store_copy, archive, tmp_path, damage, command):
    make, words = DAMAGES[damage]
    make(store_copy / STORE_FILE)
    args = {"query": ["query", store_copy, "SELECT count(*) FROM reports"], "tables": ["tables", store_copy],
            "export": ["export", store_copy, "-o", tmp_path / "out"], "summary": ["summary", store_copy],
            "run": ["run", store_copy, archive, "--workers", "1", "--chunk-size", "8", "--quiet"]}[command]
    result = _invoke(*args)
    if damage == "truncated data" and result.exit_code == 0:
        return  # DuckDB read what it needed before the cut: not an error, and no traceback
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert result.output.startswith("error: ")
    assert any(w in result.output for w in words.split("|")), result.output


def test_a_run_dir_that_is_a_file_is_a_clear_error(finished, archive):
    result = _invoke("query", finished / STORE_FILE, "SELECT 1")
    _refused(result, "give the folder that holds")


def test_a_foreign_duckdb_file_is_refused_and_left_unchanged(archive, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    con = duckdb.connect(str(run_dir / STORE_FILE))
    con.execute("CREATE TABLE patients (mrn VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO patients VALUES ('1', 'someone')")
    con.close()
    before = _digest(run_dir / STORE_FILE)
    result = _invoke("run", run_dir, archive, "--workers", "1", "--quiet")
    _refused(result, "reportkit did not make")
    assert _digest(run_dir / STORE_FILE) == before
    assert sorted(p.name for p in run_dir.iterdir()) == sorted([STORE_FILE, "audit.lock"])
    con = duckdb.connect(str(run_dir / STORE_FILE), read_only=True)
    assert [t for (t,) in con.execute("SHOW TABLES").fetchall()] == ["patients"]
    con.close()


@pytest.mark.parametrize("command", ["query", "tables", "export", "summary", "run"])
def test_a_store_a_running_audit_holds_says_a_run_is_in_progress(finished, archive, tmp_path, command):
    args = {"query": ["query", finished, "SELECT 1"], "tables": ["tables", finished],
            "export": ["export", finished, "-o", tmp_path / "out"], "summary": ["summary", finished, "-o", tmp_path],
            "run": ["run", finished, archive, "--workers", "1", "--chunk-size", "8", "--quiet"]}[command]
    with run_lock(finished):
        result = _invoke(*args)
    _refused(result, "a run is in progress")


# -- disk full -----------------------------------------------------------------------------------

# the command in a process whose files may not grow past LIMIT bytes: writes fail as on a full disk
LIMITED = ("import resource, runpy, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
           "resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.RLIM_INFINITY)); "
           "sys.argv = ['reportkit', *sys.argv[2:]]; runpy.run_module('reportkit', run_name='__main__')")


def _limited(limit: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", LIMITED, str(limit), "audit", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(sys.platform != "linux", reason="a file size limit stands in for a full disk")
def test_summary_on_a_full_disk_leaves_the_previous_dashboard_whole(finished, tmp_path):
    out = tmp_path / "dash"
    out.mkdir()
    (out / "dashboard.html").write_text("<html>the previous dashboard</html>")
    done = _limited(200_000, "summary", finished, "-o", out)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "disk is full" in done.stderr, done.stderr
    assert (out / "dashboard.html").read_text() == "<html>the previous dashboard</html>"
    assert [p.name for p in out.iterdir()] == ["dashboard.html"]


@pytest.mark.skipif(sys.platform != "linux", reason="a file size limit stands in for a full disk")
@pytest.mark.parametrize(("limit", "reports"), [(60_000, 24), (400_000, 200)],
                         ids=["while making the store", "while committing chunks"])
def test_run_on_a_full_disk_says_the_disk_is_full(tmp_path, limit, reports):
    archive = write_archive(tmp_path / "reports.jsonl", reports, bad_lines=0)
    done = _limited(limit, "run", tmp_path / "run", archive, "--workers", "1", "--chunk-size", "8", "--quiet")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "disk is full" in done.stderr, done.stderr


# -- query ---------------------------------------------------------------------------------------


def test_query_opens_the_store_read_only_and_says_so(store_copy):
    result = _invoke("query", store_copy, "DELETE FROM reports")
    _refused(result, "audit query opens the store read-only")
    count = _invoke("query", store_copy, "SELECT count(*) AS n FROM reports", "--format", "csv")
    assert count.output.splitlines() == ["n", "24"]
    assert "read-only" in _invoke("query", "--help").output


# -- dashboard -----------------------------------------------------------------------------------


def test_drill_down_keeps_ids_that_hold_spaces_whole(tmp_path):
    store = Store(tmp_path)
    try:
        store.con.execute("INSERT INTO diagnostics (rid, report_id, code, name, severity, message) VALUES "
                          "(0, 'left knee 7', 'RK201', 'x', 'warning', 'm'), (1, 'r 2', 'RK201', 'x', 'warning', 'm')")
        summary = compute_summary(store)
    finally:
        store.close()
    (_, count, ids), = summary.drill_down["Reports per lint rule"]
    assert count == 2 and ids == ["left knee 7", "r 2"]
    page = write_dashboard(summary, tmp_path / "dashboard.html").read_text()
    assert '<span class="id">left knee 7</span> <span class="id">r 2</span>' in page


def test_files_left_by_a_run_killed_while_making_the_store_are_not_a_store(archive, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / (STORE_FILE + ".new")).write_bytes(b"half a store")
    result = _invoke("run", run_dir, archive, "--workers", "1", "--chunk-size", "8", "--quiet")
    assert result.exit_code == 0, result.output
    assert not (run_dir / (STORE_FILE + ".new")).exists()
    assert os.path.getsize(run_dir / STORE_FILE) > 0

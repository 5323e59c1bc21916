"""Kill the audit's parent process at several moments, resume, and get what an uninterrupted run exports.

Each moment is a marker the run leaves, polled for, never a fixed sleep: its workers are up, its store is
open, its store's write-ahead log holds committed chunks. After each kill no worker process may be left, and
the folder's lock must be free, so the resume starts at once.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from audit_corpus import write_archive
from typer.testing import CliRunner

from reportkit.cli.audit import audit_app

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc and kills processes the Linux way")

RUN = [sys.executable, "-m", "reportkit", "audit", "run"]
CHUNK = ["--chunk-size", "4"]
COMMITTED = 20_000  # bytes of write-ahead log: more than opening the store writes, less than one chunk's rows
WAIT = 60  # seconds at most for a marker


def _children(pid: int) -> set[int]:
    """The live processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(done: Callable[[], bool], process: subprocess.Popen) -> bool:
    """Poll for ``done``; False when the run ended first."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if done():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    raise AssertionError("the run never reached the moment")


def _wal_size(run_dir: Path) -> int:
    try:
        return (run_dir / "audit.duckdb.wal").stat().st_size
    except OSError:
        return 0


def _moments(run_dir: Path, process: subprocess.Popen, workers: int) -> dict[str, Callable[[], bool]]:
    return {
        "workers up": lambda: len(_children(process.pid)) >= workers if workers > 1
        else (run_dir / "audit.duckdb").exists(),
        "store open": lambda: _wal_size(run_dir) > 0,
        "chunks committed": lambda: _wal_size(run_dir) > COMMITTED,
    }


def _lock_is_free(run_dir: Path) -> bool:
    with (run_dir / "audit.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _holds(pid: int, path: Path) -> bool:
    """Does process ``pid`` have ``path`` open (False once it has ended)?"""
    try:
        return str(path) in [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir() if fd.is_symlink()]
    except (FileNotFoundError, ProcessLookupError):
        return False


def _kill_at(run_dir: Path, archive: Path, workers: int, moment: str, signum: int) -> bool:
    """Start a run, send ``signum`` to its parent process alone at ``moment``; True when the kill landed."""
    process = subprocess.Popen([*RUN, str(run_dir), str(archive), *CHUNK, "--quiet", "--workers", str(workers)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    workers_seen: set[int] = set()
    try:
        reached = _wait_until(_moments(run_dir, process, workers)[moment], process)
        workers_seen = _children(process.pid)
        if workers > 1 and reached:
            # the lock descriptor is not kept: a forked worker closes it as it starts, so one caught in its first
            # instants may still hold it; none may once they all run
            deadline = time.monotonic() + WAIT
            while (holding := [w for w in workers_seen if _holds(w, run_dir / "audit.lock")]) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not holding, f"workers {holding} hold the lock"
        if reached:
            os.kill(process.pid, signum)
        process.wait(timeout=WAIT)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers_seen) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(_alive(w) for w in workers_seen), "a worker outlived the killed run"
        assert _lock_is_free(run_dir)
        return reached and process.returncode == -signum
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for worker in workers_seen:  # never leave a stray process behind a failed assertion
            if _alive(worker):
                os.kill(worker, signal.SIGKILL)


def _export(run_dir: Path, out: Path) -> dict[str, bytes]:
    """Every exported table's CSV bytes; ``runs`` left out (timestamps, and one row per run)."""
    result = CliRunner().invoke(audit_app, ["export", str(run_dir), "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "runs.csv"}


def _finish(run_dir: Path, archive: Path) -> None:
    result = CliRunner().invoke(audit_app, ["run", str(run_dir), str(archive), *CHUNK, "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return write_archive(tmp_path_factory.mktemp("archive") / "reports.jsonl", 240, bad_lines=0)


@pytest.fixture(scope="module")
def reference(archive, tmp_path_factory) -> dict[str, bytes]:
    run_dir = tmp_path_factory.mktemp("reference")
    _finish(run_dir, archive)
    return _export(run_dir, tmp_path_factory.mktemp("reference-export"))


@pytest.mark.parametrize(("workers", "kills"), [
    (2, [("workers up", signal.SIGKILL), ("chunks committed", signal.SIGTERM)]),
    (1, [("store open", signal.SIGTERM), ("chunks committed", signal.SIGKILL)]),
], ids=["2 workers", "1 worker"])
def test_killing_the_parent_leaves_no_worker_and_the_resume_exports_what_an_uninterrupted_run_does(
        archive, reference, tmp_path, workers, kills):
    run_dir = tmp_path / "run"
    landed = [_kill_at(run_dir, archive, workers, moment, signum) for moment, signum in kills]
    assert all(landed), "a run finished before its kill: make the archive bigger"
    _finish(run_dir, archive)
    assert _export(run_dir, tmp_path / "export") == reference


def test_a_runaway_record_becomes_an_error_row_after_the_time_limit_and_the_run_goes_on(tmp_path):
    import json

    import duckdb

    clauses = ["small calcification in the left knee", "no calcification in the right hip",
               "possible calcific tendinitis of the supraspinatus tendon measuring 5 mm"]
    runaway = ", ".join(clauses[i % 3] for i in range(12000))  # no sentence break: slow to link
    lines = [{"id": "a", "text": "Phleboliths in the pelvis."}, {"id": "runaway", "text": runaway},
             {"id": "b", "text": "Calcific tendinitis of the supraspinatus."}]
    archive = tmp_path / "reports.jsonl"
    archive.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = CliRunner().invoke(audit_app, ["run", str(tmp_path / "run"), str(archive), "--workers", "1",
                                            "--time-limit", "0.5"])
    assert result.exit_code == 1, result.output
    assert "read 3 = 2 results + 1 errors" in result.output
    con = duckdb.connect(str(tmp_path / "run" / "audit.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT id, error FROM errors").fetchall() == [
            ("runaway", "took longer than the 0.5 s time limit (--time-limit)")]
        assert con.execute("SELECT id FROM reports ORDER BY id").fetchall() == [("a",), ("b",)]
    finally:
        con.close()


def _run_small(run_dir: Path, *inputs: Path):
    return CliRunner().invoke(audit_app, ["run", str(run_dir), *map(str, inputs), *CHUNK, "--quiet",
                                          "--workers", "1"])


def test_a_resume_after_a_record_was_inserted_at_the_top_is_refused_naming_the_file(tmp_path):
    archive = write_archive(tmp_path / "reports.jsonl", 12, bad_lines=0)
    assert _run_small(tmp_path / "run", archive).exit_code == 0
    archive.write_text('{"id": "new", "text": "Phleboliths in the pelvis."}\n' + archive.read_text())
    resumed = _run_small(tmp_path / "run", archive)
    assert resumed.exit_code == 2, resumed.output
    assert f"{archive.resolve()}: changed since this store was made" in resumed.output


def test_a_resume_after_a_same_size_edit_is_refused_naming_the_file(tmp_path):
    archive = write_archive(tmp_path / "reports.jsonl", 12, bad_lines=0)
    assert _run_small(tmp_path / "run", archive).exit_code == 0
    stat = archive.stat()
    edited = archive.read_text().replace('"id": "r1"', '"id": "r9"', 1)  # the same number of bytes
    archive.write_text(edited)
    os.utime(archive, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old time stamp
    resumed = _run_small(tmp_path / "run", archive)
    assert resumed.exit_code == 2, resumed.output
    assert f"{archive}: changed since this store was made" in resumed.output
    assert "chunk 0" in resumed.output


def test_a_resume_of_an_input_only_touched_goes_on(tmp_path):
    archive = write_archive(tmp_path / "reports.jsonl", 12, bad_lines=0)
    assert _run_small(tmp_path / "run", archive).exit_code == 0
    os.utime(archive, ns=(time.time_ns(), time.time_ns() + 10**9))
    resumed = CliRunner().invoke(audit_app, ["run", str(tmp_path / "run"), str(archive), *CHUNK, "--workers", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert "(3 chunks already done)" in resumed.output


def test_a_resume_with_a_new_file_in_an_input_folder_is_refused_naming_it(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    write_archive(folder / "a.jsonl", 8, bad_lines=0)
    assert _run_small(tmp_path / "run", folder).exit_code == 0
    added = write_archive(folder / "b.jsonl", 4, bad_lines=0)
    resumed = _run_small(tmp_path / "run", folder)
    assert resumed.exit_code == 2, resumed.output
    assert f"{added.resolve()}: new since this store was made" in resumed.output

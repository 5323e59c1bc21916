"""Kill -9 an audit run at random points, resume it, and get the same store as an uninterrupted run."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from audit_corpus import write_archive

from reportkit.audit.store import TABLES

RUN = [sys.executable, "-m", "reportkit", "audit", "run"]


def canonical_dump(run_dir: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted; the runs table (timestamps, engine) left out."""
    con = duckdb.connect(str(run_dir / "audit.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES if t != "runs"}
    finally:
        con.close()


def _run(run_dir: Path, archive: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*RUN, str(run_dir), str(archive), "--chunk-size", "16", "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    # big enough that a run with 2 workers is still going at the kills below (a few seconds of work)
    return write_archive(tmp_path_factory.mktemp("archive") / "reports.jsonl", 8000, bad_lines=3)


@pytest.fixture(scope="module")
def reference(archive, tmp_path_factory) -> dict:
    run_dir = tmp_path_factory.mktemp("reference")
    done = _run(run_dir, archive, "--workers", "1")
    assert done.returncode == 1, done.stderr  # the malformed lines are error rows
    return canonical_dump(run_dir)


def test_a_run_reconciles_and_reports_its_errors(reference):
    read = sum(items for _, _, _, items, _, _ in reference["chunks_done"])
    assert read == 8003 == len(reference["reports"]) + len(reference["errors"])
    assert len(reference["errors"]) == 3 and reference["findings"] and reference["diagnostics"]


def test_kill_9_at_random_points_then_resume_gives_the_same_store(archive, reference, tmp_path):
    rng = random.Random(11)
    run_dir = tmp_path / "run"
    store = run_dir / "audit.duckdb"
    kills = 0
    for _ in range(3):
        process = subprocess.Popen([*RUN, str(run_dir), str(archive), "--chunk-size", "16", "--quiet",
                                    "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        deadline = time.monotonic() + 120
        while not store.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.1, 1.0))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes, at once
            kills += 1
        process.wait()
    assert kills, "the run finished before any kill: make the archive bigger"
    resumed = _run(run_dir, archive, "--workers", "2")
    assert resumed.returncode == 1, resumed.stderr
    assert canonical_dump(run_dir) == reference


def test_rerunning_a_finished_run_changes_nothing(archive, reference, tmp_path):
    run_dir = tmp_path / "run"
    _run(run_dir, archive, "--workers", "1")
    again = _run(run_dir, archive, "--workers", "1", "--quiet")
    assert again.returncode == 1
    assert canonical_dump(run_dir) == reference


def test_a_second_run_on_the_same_folder_is_refused(archive, tmp_path):
    from reportkit.audit.run import run_lock
    from reportkit.audit.store import StoreError

    with run_lock(tmp_path), pytest.raises(StoreError, match="another audit run"):
        with run_lock(tmp_path):
            pass
    # another process holds the folder's lock as a run does, for as long as this test keeps its stdin open (a real
    # run as the holder made the outcome depend on whether it was still running when the second one started)
    holder = subprocess.Popen([sys.executable, "-c", "import sys\nfrom pathlib import Path\n"
                               "from reportkit.audit.run import run_lock\n"
                               "with run_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n    sys.stdin.read()",
                               str(tmp_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        second = _run(tmp_path, archive, "--workers", "1")
    finally:
        holder.communicate(timeout=60)
    assert second.returncode == 2 and "another audit run" in second.stderr
    assert not (tmp_path / "audit.duckdb").exists()  # refused before touching the store
    after = _run(tmp_path, archive, "--workers", "1")  # once the holder is gone, the folder is free
    assert after.returncode == 1 and "store:" in after.stderr  # 1: the archive's bad lines are error rows


def test_resuming_with_other_lexicons_is_a_clear_error(archive, tmp_path):
    import shutil

    from reportkit.lexicon import default_lexicon_dir

    run_dir = tmp_path / "run"
    small = write_archive(tmp_path / "small.jsonl", 20, bad_lines=0)
    assert _run(run_dir, small, "--workers", "1").returncode == 0
    lexicons = tmp_path / "lexicons"
    shutil.copytree(str(default_lexicon_dir()), lexicons, ignore=shutil.ignore_patterns("__*"))
    (lexicons / "concepts.yaml").write_text((lexicons / "concepts.yaml").read_text() + "\n# edited\n")
    changed = _run(run_dir, small, "--workers", "1", "--lexicons", str(lexicons))
    assert changed.returncode == 2 and "different lexicons" in changed.stderr
    assert archive.exists()


def test_a_broken_lexicon_is_refused_before_any_report_is_read(tmp_path):
    from reportkit.lexicon import default_lexicon_dir

    lexicons = tmp_path / "lexicons"
    shutil.copytree(str(default_lexicon_dir()), lexicons, ignore=shutil.ignore_patterns("__*"))
    concepts = lexicons / "concepts.yaml"
    lines = concepts.read_text(encoding="utf-8").splitlines()
    concepts.write_text("\n".join(lines[:5] + ["  - {unclosed: [", *lines[5:]]) + "\n", encoding="utf-8")
    reports = tmp_path / "reports.jsonl"
    reports.write_text('{"id": "a", "text": "Calcific tendinitis of the supraspinatus."}\n', encoding="utf-8")
    run_dir = tmp_path / "run"
    refused = _run(run_dir, reports, "--workers", "1", "--lexicons", str(lexicons))
    assert refused.returncode == 2, refused.stderr
    assert "concepts.yaml" in refused.stderr and "line" in refused.stderr
    assert not (run_dir / "audit.duckdb").exists()
    extract = subprocess.run([sys.executable, "-m", "reportkit", "extract", str(reports), "--lexicons", str(lexicons)],
                             capture_output=True, text=True, check=False)
    assert extract.returncode == 2 and refused.stderr.splitlines()[-1] == extract.stderr.splitlines()[-1]

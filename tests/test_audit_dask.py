"""The Dask engine: partitions sized by bytes, a run against an existing cluster, no process left behind."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from audit_corpus import write_archive
from test_audit_resume import canonical_dump

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")  # a dependency of distributed

from reportkit.io.runner import Runner

AUDIT = [sys.executable, "-m", "reportkit", "audit", "run"]


def task_of(chunk: list[str]) -> tuple[str, int]:
    """The Dask task that ran this chunk, and the chunk's length."""
    return distributed.get_worker().get_current_task(), len(chunk)


def test_consecutive_chunks_share_a_task_up_to_the_partition_bytes(recwarn):
    big = [f"{n:05}" + "x" * 9_995 for n in range(10)]  # about 100 kB pickled (distinct strings: no memo)
    small = [f"{n}" for n in range(10)]  # as many items, about 100 bytes
    huge = [f"{n:05}" + "x" * 1_099_995 for n in range(10)]  # over the target, and Dask's 10 MB warning, alone
    jobs = [*[(("big", n), big) for n in range(6)], *[(("small", n), small) for n in range(6)],
            (("huge", 0), huge), (("big", 6), big)]
    with Runner(2, "dask", partition_bytes=250_000) as runner:
        out = list(runner.map(task_of, iter(jobs)))
        # no callback of the in-process scheduler's runs in a collection, where a Ctrl-C would be lost
        assert not [cb for cb in gc.callbacks if getattr(cb, "__module__", "").startswith("distributed")]
    assert [tag for tag, _ in out] == [tag for tag, _ in jobs]  # in order, one result per chunk
    assert all(length == 10 for _, (_, length) in out)
    task = {tag: key for tag, (key, _) in out}
    # three big chunks reach 250 kB: two partitions of three
    assert len({task["big", n] for n in range(3)}) == 1 and len({task["big", n] for n in range(3, 6)}) == 1
    assert task["big", 0] != task["big", 3]
    # chunks as many items long but tiny travel together, with what follows until the target is reached
    assert len({task["small", n] for n in range(6)} | {task["huge", 0]}) == 1
    assert task["big", 6] != task["huge", 0]
    assert not [w for w in recwarn if "large graph" in str(w.message)]  # the output stays clean


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    return write_archive(tmp_path_factory.mktemp("archive") / "reports.jsonl", 600, bad_lines=0)


@pytest.fixture(scope="module")
def local_store(archive, tmp_path_factory) -> dict:
    run_dir = tmp_path_factory.mktemp("local")
    done = subprocess.run([*AUDIT, str(run_dir), str(archive), "--workers", "1", "--chunk-size", "32", "--quiet"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return canonical_dump(run_dir)


def test_scheduler_runs_on_an_existing_cluster_and_leaves_it_running(archive, local_store, tmp_path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client:
        workers = client.run(os.getpid)
        done = subprocess.run([*AUDIT, str(tmp_path), str(archive), "--engine", "dask", "--scheduler",
                               cluster.scheduler_address, "--chunk-size", "32", "--quiet"],
                              capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""  # no Dask log lines
        assert canonical_dump(tmp_path) == local_store
        # the command closed only its own client: the same workers are still there and still run tasks
        assert client.run(os.getpid) == workers
        assert client.submit(sum, [1, 2], pure=False).result(timeout=60) == 3


def _descendants(process: psutil.Process, seen: dict[int, psutil.Process]) -> None:
    try:
        for child in process.children(recursive=True):
            seen.setdefault(child.pid, child)
    except psutil.NoSuchProcess:
        pass


def _alive(seen: dict[int, psutil.Process]) -> list[str]:
    alive = []
    for child in seen.values():
        try:  # is_running also checks the creation time: a reused pid is not ours
            if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                alive.append(" ".join(child.cmdline()[:4]))
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("interrupt", [False, True], ids=["to-the-end", "ctrl-c"])
def test_no_process_outlives_the_command(tmp_path, interrupt):
    archive = write_archive(tmp_path / "reports.jsonl", 20_000 if interrupt else 600, bad_lines=0)
    # a session of its own: Ctrl-C at a terminal reaches the whole foreground process group
    command = subprocess.Popen([*AUDIT, str(tmp_path / "run"), str(archive), "--engine", "dask", "--workers", "2",
                                "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    parent = psutil.Process(command.pid)
    seen: dict[int, psutil.Process] = {}
    sent = False
    deadline = time.monotonic() + 300
    while command.poll() is None and time.monotonic() < deadline:
        _descendants(parent, seen)
        if interrupt and not sent and len(seen) >= 2 and (tmp_path / "run" / "audit.duckdb").exists():
            os.killpg(command.pid, signal.SIGINT)  # the workers are up and the run has begun
            sent = True
        time.sleep(0.05)
    _, stderr = command.communicate(timeout=120)
    assert seen, "the command started no worker process"
    if interrupt:
        assert sent, stderr
        if command.returncode == 0:  # a loaded machine may store the last report before the interrupt lands
            assert len(canonical_dump(tmp_path / "run")["reports"]) == 20_000, stderr
        else:  # 130, or 2 when the interrupt lands in a store write (DuckDB reports it as "Query interrupted")
            assert command.returncode in (130, 2), stderr
    else:
        assert command.returncode == 0, stderr
    assert "distributed" not in stderr and "Traceback" not in stderr, stderr  # no Dask logs, no worker tracebacks
    time.sleep(0.5)
    assert _alive(seen) == []


def test_scheduler_without_the_dask_engine_is_a_usage_error(archive, tmp_path):
    from typer.testing import CliRunner

    from reportkit.cli.audit import audit_app

    result = CliRunner().invoke(audit_app, ["run", str(tmp_path / "run"), str(archive), "--scheduler",
                                            "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2 and "--scheduler needs --engine dask" in result.output
    assert not (tmp_path / "run").exists()

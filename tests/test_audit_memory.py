"""What the process running an audit with worker processes holds, by design: no pipeline, a bounded DuckDB.

Its memory must not grow with the archive. The pipeline lives in the workers only, the radiograph
correlation runs inside the store (``tests/test_audit_correlation_store.py``), and DuckDB in it writes
with one thread and a small memory limit. Checked on a whole ``reportkit audit run`` in a process of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from audit_corpus import write_archive

from reportkit.io.runner import cpu_count

# the command, then what the run's own process holds once it has finished, and DuckDB's settings in it at
# each commit of chunks
AFTER_RUN = """
import json, runpy, sys
from reportkit.audit.store import Store
out, sys.argv = sys.argv[1], ["reportkit", *sys.argv[2:]]
settings = []
commit_chunks = Store.commit_chunks
def watched(self, chunks):
    settings.append(self.con.execute(
        "SELECT current_setting('memory_limit'), current_setting('threads')").fetchone())
    return commit_chunks(self, chunks)
Store.commit_chunks = watched
try:
    runpy.run_module("reportkit", run_name="__main__")
except SystemExit as exc:
    code = exc.code
from reportkit.audit.work import worker_state
with open(out, "w") as handle:
    json.dump({"code": code, "spacy": "spacy" in sys.modules, "engines": worker_state.cache_info().currsize,
               "settings": settings}, handle)
"""
UNITS = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def _bytes(size: str) -> float:
    number, unit = size.split()
    return float(number) * UNITS[unit]


@pytest.mark.skipif(cpu_count() < 2, reason="with one CPU the run has one worker, which is its own process")
def test_a_run_with_workers_holds_no_pipeline_in_its_own_process(tmp_path):
    archive = write_archive(tmp_path / "reports.jsonl", 60, bad_lines=0)
    out = tmp_path / "held.json"
    done = subprocess.run([sys.executable, "-c", AFTER_RUN, str(out), "audit", "run", str(tmp_path / "run"),
                           str(archive), "--workers", "2", "--chunk-size", "8", "--quiet"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    held = json.loads(out.read_text())
    assert held["code"] in (0, None), done.stderr
    assert held == {**held, "spacy": False, "engines": 0}  # the workers built and held the pipeline
    # DuckDB writes the store with one thread and a small memory limit: each checkpoint keeps what it read cached
    # up to the limit, and with the default limit (most of the machine's memory) the process grew with the store
    assert held["settings"]
    for limit, threads in held["settings"]:
        assert _bytes(limit) <= 64 * 2**20 and threads == 1

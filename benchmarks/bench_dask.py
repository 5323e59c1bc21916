"""The Dask engine on one machine against the local engine: whole ``audit run`` processes, same-run ratio.

An archive of N reports (default 50,000: the corpus texts in ../shared/corpus repeated with new ids, else
generated reports from tests/audit_corpus.py) is audited by ``reportkit audit run`` with 2 workers, once
with ``--engine local`` and once with ``--engine dask`` (a LocalCluster the command starts and stops),
alternately, ``--runs`` times each. Prints each engine's median wall time, dask ÷ local (goal ≤ 1.2),
and whether the two stores hold the same rows in every table (the runs table aside).

Run: python benchmarks/bench_dask.py [--reports N] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def texts() -> tuple[str, list[str]]:
    files = sorted(CORPUS.glob("*.jsonl")) if CORPUS.is_dir() else []
    if files:
        found = [json.loads(line)["text"] for f in files for line in f.read_text(encoding="utf-8").splitlines()]
        return f"corpus texts ({len(found)}) repeated with new ids", found
    sys.path.insert(0, str(ROOT / "tests"))
    from audit_corpus import make_report

    rng = random.Random(5)
    return "generated reports", [make_report(rng) for _ in range(4000)]


def write_archive(path: Path, count: int, pool: list[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            out.write(json.dumps({"id": f"b{n}", "text": pool[n % len(pool)]}) + "\n")


def audit(run_dir: Path, archive: Path, engine: str, workers: int) -> float:
    shutil.rmtree(run_dir, ignore_errors=True)
    command = [sys.executable, "-m", "reportkit", "audit", "run", str(run_dir), str(archive), "--workers",
               str(workers), "--engine", engine, "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some records became error rows, the same for both engines
        raise SystemExit(f"{engine} run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def same_rows(first: Path, second: Path) -> bool:
    """Every table but runs holds the same multiset of rows in both stores."""
    import duckdb

    from reportkit.audit.store import TABLES

    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{first / 'audit.duckdb'}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{second / 'audit.duckdb'}' AS b (READ_ONLY)")
        for table in TABLES:
            if table == "runs":
                continue
            for x, y in (("a", "b"), ("b", "a")):
                if con.execute(f"SELECT count(*) FROM (SELECT * FROM {x}.{table} EXCEPT ALL "
                               f"SELECT * FROM {y}.{table})").fetchone()[0]:
                    return False
        return True
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    name, pool = texts()
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        folder = Path(tmp)
        archive = folder / "archive.jsonl"
        write_archive(archive, args.reports, pool)
        print(f"archive: {args.reports} reports, {archive.stat().st_size / 2**20:.1f} MiB ({name}); "
              f"{args.workers} workers; {os.cpu_count()} CPUs")
        times: dict[str, list[float]] = {"local": [], "dask": []}
        for run in range(args.runs):
            for engine in ("local", "dask") if run % 2 == 0 else ("dask", "local"):
                times[engine].append(audit(folder / engine, archive, engine, args.workers))
                print(f"  run {run + 1}: {engine:5} {times[engine][-1]:6.1f} s", flush=True)
        local, dask = statistics.median(times["local"]), statistics.median(times["dask"])
        print(f"local engine  {local:6.1f} s (median of {args.runs})")
        print(f"dask engine   {dask:6.1f} s (median of {args.runs}; LocalCluster started and stopped by the command)")
        print(f"dask ÷ local  {dask / local:6.2f}   (goal <= 1.2)")
        print(f"identical stores: {same_rows(folder / 'local', folder / 'dask')}")


if __name__ == "__main__":
    main()

"""Whole-process start-up: `reportkit lint FILE` and `reportkit report FILE` against a bare
`import spacy; spacy.blank("en")`, each the median of several runs, printed as same-run ratios of wall-clock
time and of CPU time (user + system; steadier than wall time on a shared machine).
The commands take turns, one run each per round; one untimed round first fills the lexicon cache, as in an
editor that lints file after file, and reportkit's modules are compiled to bytecode first, as an install does
(with PYTHONDONTWRITEBYTECODE set, a changed module would otherwise be compiled again in every run).
"lint, no cache" runs with REPORTKIT_NO_CACHE set.
Run: python benchmarks/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTKIT = [sys.executable, "-m", "reportkit"]
LINT = [*REPORTKIT, "lint", str(ROOT / "examples" / "draft_shoulder.txt")]
COMMANDS: dict[str, tuple[list[str], dict[str, str]]] = {
    "spacy.blank": ([sys.executable, "-c", "import spacy; spacy.blank('en')"], {}),
    "lint": (LINT, {}),
    "report": ([*REPORTKIT, "report", str(ROOT / "examples" / "shoulder_mri.txt")], {}),
    "lint, no cache": (LINT, {"REPORTKIT_NO_CACHE": "1"}),
}


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    compileall.compile_dir(ROOT / "reportkit", quiet=1)
    for command, env in COMMANDS.values():
        run_once(command, env)  # untimed: the lexicon cache and the OS's file cache filled
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, (command, env) in COMMANDS.items():
            times[name].append(run_once(command, env))
    wall = {name: statistics.median(w for w, _ in values) for name, values in times.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in times.items()}
    print(f"median of {runs} runs; goal for lint and report: <= 1.5x spacy.blank")
    for name in COMMANDS:
        print(f"{name:15} wall {wall[name]:.2f} s  {wall[name] / wall['spacy.blank']:.2f}x   "
              f"CPU {cpu[name]:.2f} s  {cpu[name] / cpu['spacy.blank']:.2f}x")


if __name__ == "__main__":
    main()

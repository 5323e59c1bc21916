"""Whole-process start-up: `reportkit lint FILE` and `reportkit report FILE` against a bare
`import spacy; spacy.blank("en")`, each the median of several runs, printed as same-run ratios.
Run: python benchmarks/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTKIT = [sys.executable, "-m", "reportkit"]
COMMANDS = {
    "spacy.blank": [sys.executable, "-c", "import spacy; spacy.blank('en')"],
    "lint": [*REPORTKIT, "lint", str(ROOT / "examples" / "draft_shoulder.txt")],
    "report": [*REPORTKIT, "report", str(ROOT / "examples" / "shoulder_mri.txt")],
}


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    seconds = {name: median_seconds(command, runs) for name, command in COMMANDS.items()}
    base = seconds["spacy.blank"]
    for name, value in seconds.items():
        print(f"{name:12} {value:.2f} s  {value / base:.2f}x spacy.blank (goal for lint and report: <= 1.5x)")


if __name__ == "__main__":
    main()

"""Whole-process audit: parent and worker memory as the archive grows, and time against spaCy's tokenizer.

Memory: builds a JSONL.gz archive of N reports (the corpus texts repeated with new ids, with
generated archive metadata so the radiograph correlation has work), runs ``reportkit audit run``
on it with 2 workers as a process of its own, and reads the peak resident memory (VmHWM) of the
run's process and of each worker while it runs. Printed for each size, with the parent's ratio
between the largest size and the first.

Whole process: on an archive where about 5 % of the reports hold a trigger (sampled from the
corpus), ``reportkit audit run --workers 1`` against a process that reads the same archive and runs
spaCy's blank tokenizer over it; both whole processes, wall clock, interleaved, median of 3. The
ratio is throughput, as in ``bench_audit.py`` (e/a): audit reports/s ÷ tokenizer reports/s, that
is the tokenizer process's time ÷ the audit process's time (goal ≥ 2); also printed in CPU seconds (user and
system, of each whole process), which other jobs on a shared machine distort less than wall clock.

Texts: ../shared/corpus/*.jsonl when present, else generated reports (tests/audit_corpus.py).
Run: python benchmarks/bench_audit_memory.py [--sizes 100000 300000] [--prevalence-reports 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_audit import load_texts

ROOT = Path(__file__).resolve().parent.parent
MODALITIES = ["XR", "MR", "US", "CT", "XR"]
BODY_PARTS = ["KNEE", "SHOULDER", "HIP", "ANKLE", "WRIST"]
SIDES = ["L", "R", "", "BIL"]
TOKENIZE = """
import gzip, json, sys
import spacy
nlp = spacy.blank("en")
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as lines:
    for line in lines:
        nlp.make_doc(json.loads(line)["text"])
"""


def write_archive(path: Path, texts: list[str], size: int, seed: int = 3) -> Path:
    """``size`` reports cycling through ``texts`` with new ids; patients have a few exams each."""
    rng = random.Random(seed)
    start = dt.date(2023, 1, 1)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
        for i in range(size):
            record = {"id": f"b{i}", "text": texts[i % len(texts)], "patient_id": f"P{i // 4}",
                      "accession": f"A{i}", "exam_date": (start + dt.timedelta(days=rng.randrange(700))).isoformat(),
                      "modality": rng.choice(MODALITIES), "body_part": rng.choice(BODY_PARTS),
                      "side": rng.choice(SIDES)}
            out.write(json.dumps(record) + "\n")
    return path


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def audit_command(run_dir: Path, archive: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "reportkit", "audit", "run", str(run_dir), str(archive), "--quiet",
            "--workers", str(workers)]


CHECKOUT = [ROOT]  # where ``python -m reportkit`` runs, so that its reportkit is imported


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_watched(command: list[str], cpu: list[float] | None = None) -> tuple[float, float, list[float]]:
    """(seconds, parent peak RSS MB, [worker peak RSS MB]) of a whole process, polling /proc; its CPU seconds
    (with its workers') are appended to ``cpu``."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=CHECKOUT[0])
    parent, workers = 0, {}
    while process.poll() is None:
        parent = max(parent, _peak_kb(process.pid))
        for child in _children(process.pid):
            workers[child] = max(workers.get(child, 0), _peak_kb(child))
        time.sleep(0.25)
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(_children_cpu() - cpu_before)
    error = process.stderr.read().decode(errors="replace")
    if process.returncode not in (0, 1):
        raise SystemExit(f"{command[3:5]} failed ({process.returncode}): {error[-2000:]}")
    return seconds, parent / 1024, [kb / 1024 for kb in workers.values()]


def whole_process_ratio(texts: list[str], reports: int, folder: Path) -> tuple[float, float, float, float, float]:
    """(audit s, tokenizer s, ratio, share with a trigger, ratio of CPU seconds) on a ~5 %-prevalence archive;
    median of 3."""
    from reportkit.audit.work import worker_state

    prefilter = worker_state(None).prefilter
    loud = [t for t in texts if prefilter.triggers(t)]
    quiet = [t for t in texts if not prefilter.triggers(t)]
    rng = random.Random(9)
    low = [rng.choice(loud) if rng.random() < 0.05 else rng.choice(quiet) for _ in range(reports)]
    archive = write_archive(folder / "prevalence.jsonl.gz", low, reports)
    audit_times, tokenizer_times, audit_cpu, tokenizer_cpu = [], [], [], []
    for n in range(3):
        audit_times.append(run_watched(audit_command(folder / f"prevalence-run{n}", archive, 1), audit_cpu)[0])
        tokenizer_times.append(run_watched([sys.executable, "-c", TOKENIZE, str(archive)], tokenizer_cpu)[0])
    audit, tokenizer = statistics.median(audit_times), statistics.median(tokenizer_times)
    cpu_ratio = statistics.median(tokenizer_cpu) / statistics.median(audit_cpu)
    return audit, tokenizer, tokenizer / audit, sum(map(prefilter.triggers, low)) / len(low), cpu_ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 300_000],
                        help="archive sizes for the memory figures (1000000 takes about 10 minutes)")
    parser.add_argument("--prevalence-reports", type=int, default=20_000,
                        help="size of the 5 %% archive for the whole-process ratio (0: skip it)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="run the reportkit of this checkout (to compare code before and after a change)")
    args = parser.parse_args()
    CHECKOUT[0] = args.checkout.resolve()
    name, texts = load_texts(10**9)
    print(f"reportkit of {CHECKOUT[0]}; corpus: {name}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-audit-memory-") as tmp:
        folder = Path(tmp)
        parents = {}
        for size in args.sizes:
            archive = write_archive(folder / f"archive-{size}.jsonl.gz", texts, size)
            seconds, parent, workers = run_watched(audit_command(folder / f"run-{size}", archive, args.workers))
            archive.unlink()
            parents[size] = parent
            print(f"{size:>9,} reports, {args.workers} workers: {seconds:6.0f} s; parent peak RSS {parent:5.0f} MB; "
                  f"worker peak RSS {', '.join(f'{w:.0f}' for w in workers)} MB (goal: all <= 300 MB)", flush=True)
        if len(parents) > 1:
            first, last = min(parents), max(parents)
            print(f"parent peak RSS at {last:,} / at {first:,}: {parents[last] / parents[first]:.2f} (goal <= 1.2)")
        if args.prevalence_reports:
            audit, tokenizer, ratio, share, cpu_ratio = whole_process_ratio(texts, args.prevalence_reports, folder)
            print(f"{args.prevalence_reports:,} reports, {share:.1%} with a trigger, whole processes, median of 3: "
                  f"audit run (1 worker) {audit:.1f} s, tokenizer {tokenizer:.1f} s; audit throughput / tokenizer "
                  f"throughput = tokenizer s / audit s = {ratio:.2f} (goal >= 2); in CPU seconds {cpu_ratio:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

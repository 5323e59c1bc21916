"""Audit throughput, measured in one run and printed as ratios (not a timed test).

Single-process figures ((a), (b), (c), (e)) are in CPU time, best of 3, so other jobs on a shared
machine do not distort them; (d) is wall clock against one worker's wall clock, interleaved.

On the same texts: (a) spaCy's blank tokenizer alone; (b) default ``medspacy.load()`` with
reportkit's target terms; (c) the reportkit audit work (extract, reason, lint; pre-filter on) in
one process; (d) the same with two worker processes (median of 3); (e) the pre-filter on an
archive where about 5 % of reports hold a trigger, against (a) on that archive, with output
checked identical to running without the pre-filter; measured in a fresh process, as an audit
worker runs it, and again in this one after (b)-(d) (its heap then holds their leftovers). Also:
peak RSS per worker and plain Python work in 2 processes vs 1 (the machine's own parallel limit).

Texts: ../shared/corpus/*.jsonl when present, else generated reports (tests/audit_corpus.py).
Run: python benchmarks/bench_audit.py [--reports N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def load_texts(limit: int) -> tuple[str, list[str]]:
    files = sorted(CORPUS.glob("*.jsonl")) if CORPUS.is_dir() else []
    if files:
        texts = [json.loads(line)["text"] for f in files for line in f.read_text(encoding="utf-8").splitlines()]
        return f"shared corpus ({len(texts)} reports)", texts[:limit]
    sys.path.insert(0, str(ROOT / "tests"))
    from audit_corpus import make_report

    rng = random.Random(5)
    return "generated reports", [make_report(rng) for _ in range(limit)]


def rate(func, texts: list[str], clock=time.perf_counter) -> float:
    """Reports per second of ``func`` over ``texts`` (wall clock unless told)."""
    start = clock()
    func(texts)
    return len(texts) / (clock() - start)


def cpu_rate(func, texts: list[str], runs: int = 3) -> float:
    """Best of ``runs`` in this process's CPU time: single-process figures that other jobs on the machine
    do not distort (they still share caches)."""
    return max(rate(func, texts, time.process_time) for _ in range(runs))


def items(texts: list[str]) -> list[tuple]:
    return [("report", i, f"r{i}", t, "bench", i + 1, {}) for i, t in enumerate(texts)]


def chunks(texts: list[str], size: int = 256):
    rows = items(texts)
    return [((n, f"bench:{n}"), rows[i:i + size]) for n, i in enumerate(range(0, len(rows), size))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_memory() -> tuple[int, float, float]:
    """(pid, peak RSS MB, proportional set size MB: pages shared after fork counted once across processes)."""
    pss = 0.0
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    except OSError:
        pass
    time.sleep(0.2)  # keep this worker busy so the next call lands on another one
    return os.getpid(), peak_rss_mb(), pss


def spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def start_method() -> str:
    from reportkit.io.runner import start_method as method

    return method()


def python_scaling() -> float:
    work = [3_000_000] * 8
    start = time.perf_counter()
    list(map(spin, work))
    one = time.perf_counter() - start
    with multiprocessing.get_context(start_method()).Pool(2) as pool:
        start = time.perf_counter()
        pool.map(spin, work, chunksize=1)
        two = time.perf_counter() - start
    return one / two


def medspacy_rate(texts: list[str]) -> float:
    import medspacy

    from reportkit.lexicon import load_lexicon
    from reportkit.pipeline.rules import target_rules  # the same target terms and patterns

    try:  # PyRuSH logs every sentence at DEBUG through loguru
        from loguru import logger

        logger.disable("PyRuSH")
    except ImportError:
        pass
    nlp = medspacy.load()
    nlp.get_pipe("medspacy_target_matcher").add(target_rules(load_lexicon()))
    return cpu_rate(lambda ts: [nlp(t) for t in ts], texts, runs=1)


def archive_rates(low: list[str], texts: list[str]) -> dict:
    """(e) on the archive ``low``: the tokenizer (a) on it, the audit with the pre-filter, the two kinds of
    report apart, and a check that the pre-filter changes no row; run in this process or a fresh one."""
    import spacy

    from reportkit.audit.work import WorkOptions, process_chunk, worker_state

    blank, options, state = spacy.blank("en"), WorkOptions(), worker_state(None)

    def audit(ts: list[str]) -> list:
        return [process_chunk(rows, options) for _, rows in chunks(ts)]

    # both first see the whole corpus once, as (a) and (c) do before (e) in the main process: caches alike
    [blank.make_doc(t) for t in texts], audit(texts)
    out = {"e_tok": cpu_rate(lambda ts: [blank.make_doc(t) for t in ts], low), "e": cpu_rate(audit, low)}
    for name, loud in (("quiet_us", False), ("loud_us", True)):
        out[name] = 1e6 / cpu_rate(audit, [t for t in low if state.prefilter.triggers(t) == loud])
    # for reference: spaCy's tokenizer once its cache holds every chunk, as reportkit's tokenizer fills it
    filled = spacy.blank("en")
    for chunk in {c for t in texts for c in t.split()}:
        filled.tokenizer(chunk)
    out["e_filled"] = cpu_rate(lambda ts: [filled.make_doc(t) for t in ts], low)
    off = WorkOptions(prefilter=False)
    out["same"] = all(_without_flag(process_chunk(rows, options)) == _without_flag(process_chunk(rows, off))
                      for _, rows in chunks(low[:1000]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=4000)
    args = parser.parse_args()
    import spacy

    from reportkit.audit.run import audit_runner
    from reportkit.audit.work import WorkOptions, process_chunk, worker_state

    name, texts = load_texts(args.reports)
    print(f"corpus: {name}; measuring on {len(texts)}; {os.cpu_count()} CPUs; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    blank = spacy.blank("en")
    a = cpu_rate(lambda ts: [blank.make_doc(t) for t in ts], texts)
    b = medspacy_rate(texts[:300])
    options = WorkOptions()
    state = worker_state(None)
    process_chunk(items(texts[:50]), options)  # warm up
    c = cpu_rate(lambda ts: [process_chunk(rows, options) for _, rows in chunks(ts)], texts)
    c_runs, d_runs = [rate(lambda ts: [process_chunk(rows, options) for _, rows in chunks(ts)], texts)], []
    with audit_runner(2, options) as runner:
        def run(ts):
            return list(runner.map(process_chunk, chunks(ts), options, ordered=False))

        run(texts[:512])  # start and warm both workers
        for _ in range(3):
            d_runs.append(rate(run, texts))
        worker_rss = {pid: (rss, pss) for pid, rss, pss in
                      [f.result() for f in [runner._pool.submit(worker_memory) for _ in range(4)]]}
    for _ in range(2):
        c_runs.append(rate(lambda ts: [process_chunk(rows, options) for _, rows in chunks(ts)], texts))
    c_wall, d = statistics.median(c_runs), statistics.median(d_runs)  # wall clock, interleaved

    quiet = [t for t in texts if not state.prefilter.triggers(t)]
    loud = [t for t in texts if state.prefilter.triggers(t)]
    rng = random.Random(9)
    low = [rng.choice(loud) if rng.random() < 0.05 else rng.choice(quiet) for _ in range(len(texts))] if quiet else []
    if low:
        here = archive_rates(low, texts)
        with multiprocessing.get_context(start_method()).Pool(1) as pool:
            fresh = pool.apply(archive_rates, (low, texts))  # as an audit worker runs: nothing else in it
    extract_only = cpu_rate(lambda ts: [__import__("reportkit.api").api.extract(t) for t in ts], texts, runs=1)

    print(f"(a) spaCy blank tokenizer           {a:9.0f} reports/s")
    print(f"(b) medspacy.load() + target terms  {b:9.0f} reports/s   (300 reports)")
    print(f"(c) reportkit audit, 1 worker       {c:9.0f} reports/s   c/a = {c / a:.2f} (goal >= 0.5); "
          f"c/b = {c / b:.1f} (goal >= 10)")
    print(f"    reportkit extract only, no pre-filter {extract_only:6.0f} reports/s   = {extract_only / a:.2f} x (a)")
    print(f"(d) reportkit audit, 2 workers      {d:9.0f} reports/s   d/c = {d / c_wall:.2f} (goal >= 1.6; wall clock, "
          f"median of 3, against 1 worker's {c_wall:.0f} reports/s wall clock in the same stretch)")
    if low:
        share = sum(map(state.prefilter.triggers, low)) / len(low)
        for where, r in ((f"(e) pre-filter, {share:.0%} with a trigger", fresh), ("    the same, in this process", here)):
            print(f"{where:35} {r['e']:9.0f} reports/s   e/a = {r['e'] / r['e_tok']:.2f} (goal >= 3); "
                  f"identical output: {r['same']}" + ("   (a fresh process, as an audit worker)" if r is fresh else
                                                      "   (after (b)-(d) ran in it)"))
        print(f"    per report: {fresh['quiet_us']:.0f} us without a trigger, {fresh['loud_us'] / 1000:.2f} ms with "
              f"one; against spaCy's tokenizer with its cache filled ({fresh['e_filled']:.0f} reports/s): "
              f"{fresh['e'] / fresh['e_filled']:.2f}")
    print(f"peak RSS per worker: {', '.join(f'{r:.0f} MB (PSS {p:.0f} MB)' for r, p in worker_rss.values())} "
          f"(goal <= 300 MB); parent {peak_rss_mb():.0f} MB")
    print(f"plain Python, 2 processes vs 1: {python_scaling():.2f}x (the machine's limit)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"share of corpus reports without a trigger: {len(quiet) / len(texts):.0%}")


def _without_flag(rows: dict) -> dict:
    """Rows with the reports' 'pre-filtered' flag (the one column the pre-filter may change) left out."""
    return {**rows, "reports": [r[:16] + r[17:] for r in rows["reports"]]}


if __name__ == "__main__":
    main()

"""Does the pipeline's time grow with the report, not faster? Printed as same-run ratios, each time the median of
3 runs (no timed tests).

- words: the per-word cost of a 100,000-word report vs a 10,000-word one (goal: at most 1.5x). The reports have
  sentences, section titles and a "SOCIAL HISTORY/FAMILY HISTORY:" line, whose ConText modifier ("family
  history") runs into the sentence the title "HISTORY:" starts;
- mentions: 2,000 mentions in one unbroken sentence vs 1,000 (goal: at most 2.5x).

Without ``--quick`` it also prints the earlier figures: 4,000 mentions vs 1,000, one per sentence and in one
sentence (goal: at most 5x), and the per-word cost of a 10,000-word report vs a 500-word one (goal: at most 1.5x).
Reports are built from a few sentences written for this benchmark (negated, uncertain, sized, sided). The
pipeline is built and warmed up, then its objects are frozen out of the garbage collector's reach, as the audit
and service workers do (:func:`reportkit.startup.freeze_start_up_objects`): otherwise each full collection
during a long report walks the start-up objects again, a cost of the process, not of the report.
Run: python benchmarks/bench_linking.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from reportkit.pipeline import get_pipeline
from reportkit.startup import WARM_UP, freeze_start_up_objects

CLAUSES = [
    "Small calcification in the left knee",
    "no calcification in the right hip",
    "possible calcific tendinitis of the supraspinatus tendon measuring 5 mm",
    "phleboliths in the pelvis",
]
PROSE = [
    "The joint spaces are preserved and the soft tissues are otherwise unremarkable.",
    "There is mild narrowing of the medial compartment without an effusion.",
]
TITLES = ["FINDINGS:", "IMPRESSION:", "COMPARISON:"]
HISTORY = "SOCIAL HISTORY/FAMILY HISTORY:\nNoncontributory.\n"


def report(mentions: int, breaks: bool) -> str:
    """A report of ``mentions`` mentions, one per sentence or all in one sentence."""
    clauses = [CLAUSES[i % len(CLAUSES)] for i in range(mentions)]
    return ". ".join(c[0].upper() + c[1:] for c in clauses) + "." if breaks else ", ".join(clauses)


def long_report(words: int) -> str:
    """A report of about ``words`` words: the history line, then sentences with and without mentions, a section
    title every 30 sentences."""
    sentences = [c[0].upper() + c[1:] + "." for c in CLAUSES] + PROSE
    parts, count, i = [HISTORY], len(HISTORY.split()), 0
    while count < words:
        sentence = sentences[i % len(sentences)]
        if i % 30 == 0:
            sentence = f"\n{TITLES[i // 30 % len(TITLES)]}\n{sentence}"
        parts.append(sentence)
        count += len(sentence.split())
        i += 1
    return " ".join(parts)


def seconds(text: str, repeat: int = 3) -> float:
    """Median wall time of the whole pipeline over ``text``."""
    nlp = get_pipeline()
    times = []
    for _ in range(repeat):
        gc.collect()  # start each run clean: the previous run's Doc is garbage, not this run's cost
        start = time.perf_counter()
        nlp(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_word(short_words: int, long_words: int) -> None:
    short, long = long_report(short_words), long_report(long_words)
    per_short = seconds(short) / len(short.split())
    per_long = seconds(long) / len(long.split())
    print(f"per word, with sentences: {per_short * 1e6:.1f} us ({short_words:,} words) vs {per_long * 1e6:.1f} us "
          f"({long_words:,} words): {per_long / per_short:.2f}x (goal <= 1.5x)")


def mentions(small: int, large: int, breaks: bool, goal: float) -> None:
    label = "one mention per sentence" if breaks else "no sentence breaks"
    few, many = seconds(report(small, breaks)), seconds(report(large, breaks))
    print(f"{label}: {small:,} mentions {few:.2f} s, {large:,} mentions {many:.2f} s: "
          f"{many / few:.2f}x the time (goal <= {goal:g}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the two figures of the first list above")
    quick = parser.parse_args().quick
    get_pipeline()(WARM_UP)
    freeze_start_up_objects()
    per_word(10_000, 100_000)
    mentions(1000, 2000, breaks=False, goal=2.5)
    if quick:
        return
    for breaks in (True, False):
        mentions(1000, 4000, breaks, goal=5)
    per_word(500, 10_000)


if __name__ == "__main__":
    main()

"""Does the pipeline's time grow with the report, not faster? Printed as ratios (no timed tests).

- mentions: 4,000 mentions vs 1,000 (goal: at most 5x the time);
- words: the per-word cost of a 10,000-word report vs a 500-word one (goal: at most 1.5x);
each with one mention per sentence and with the same clauses run together without sentence breaks.
Reports are built from a few sentences written for this benchmark (negated, uncertain, sized, sided).
Run: python benchmarks/bench_linking.py
"""

from __future__ import annotations

import gc
import time

from reportkit.pipeline import get_pipeline

CLAUSES = [
    "Small calcification in the left knee",
    "no calcification in the right hip",
    "possible calcific tendinitis of the supraspinatus tendon measuring 5 mm",
    "phleboliths in the pelvis",
]


def report(mentions: int, breaks: bool) -> str:
    """A report of ``mentions`` mentions, one per sentence or all in one sentence."""
    clauses = [CLAUSES[i % len(CLAUSES)] for i in range(mentions)]
    return ". ".join(c[0].upper() + c[1:] for c in clauses) + "." if breaks else ", ".join(clauses)


def seconds(text: str, repeat: int = 3) -> float:
    """Best wall time of the whole pipeline over ``text``."""
    nlp = get_pipeline()
    best = float("inf")
    for _ in range(repeat):
        gc.collect()  # start each run clean: the previous run's Doc is garbage, not this run's cost
        start = time.perf_counter()
        nlp(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    get_pipeline()("warm up: calcification.")
    for breaks in (True, False):
        label = "one mention per sentence" if breaks else "no sentence breaks"
        small, large = seconds(report(1000, breaks)), seconds(report(4000, breaks))
        print(f"{label}: 1,000 mentions {small:.2f} s, 4,000 mentions {large:.2f} s: "
              f"{large / small:.2f}x the time (goal <= 5x)")
        words = report(2000, breaks).split()  # about 17,000 words
        short, long = " ".join(words[:500]), " ".join(words[:10000])
        per_word_short = seconds(short) / 500
        per_word_long = seconds(long) / 10000
        print(f"{label}: per word {per_word_short * 1e6:.0f} us (500 words) vs {per_word_long * 1e6:.0f} us "
              f"(10,000 words): {per_word_long / per_word_short:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()

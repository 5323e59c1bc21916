"""Speed of reportkit, measured in one run and printed as ratios (no timed tests).

- single report latency (the dictation-system case), in ms;
- each stage's time as a ratio to spaCy's tokenizer on the same reports in the same run, for the fast
  pipeline and the plain one (``build_pipeline(plain=True)``: spaCy's and medspaCy's own code);
- sentence splitting: spaCy's rule sentencizer (the rule reportkit's sectionizer runs on token arrays) vs
  medspaCy's PyRuSH, per doc;
- archive throughput with 2 worker processes vs 1 (the QA/audit case);
- memory: resident set size after streaming the archive vs right after the pipeline build
  (streaming keeps it flat: nothing is accumulated per report).

Reports are the bundled examples and the article's figure captions, repeated.
Run: python benchmarks/bench_pipeline.py [--docs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path

from reportkit.api import extract
from reportkit.io import Report, extract_inputs
from reportkit.pipeline import build_pipeline, get_pipeline

ROOT = Path(__file__).parent.parent


def corpus() -> list[str]:
    texts = [p.read_text() for p in sorted((ROOT / "examples").glob("*.txt"))]
    texts += [json.loads(line)["text"] for line in (ROOT / "examples" / "reports.jsonl").read_text().splitlines()]
    texts += [json.loads(line)["text"] for line in (ROOT / "tests/data/article_captions.jsonl").read_text().splitlines()]
    return texts


def _rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def per_doc_ms(fn, texts, repeat=3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for t in texts:
            fn(t)
        best = min(best, (time.perf_counter() - start) / len(texts) * 1000)
    return best


def stage_ratios(nlp, texts, repeat=15) -> dict[str, float]:
    """Each stage's best time over ``texts`` divided by spaCy's tokenizer's; both timed report by report, side by
    side, so a load change hits them alike."""
    import spacy

    reference = spacy.blank("en").tokenizer
    for t in texts:
        nlp(t)
        reference(t)
    best: dict[str, float] = {}
    clock = time.perf_counter
    for _ in range(repeat):
        spent: dict[str, float] = dict.fromkeys(["spaCy tokenizer", "tokenizer", *nlp.pipe_names], 0.0)
        for t in texts:
            start = clock()
            reference(t)
            spent["spaCy tokenizer"] += clock() - start
            start = clock()
            doc = nlp.make_doc(t)
            spent["tokenizer"] += clock() - start
            for name, component in nlp.pipeline:
                start = clock()
                doc = component(doc)
                spent[name] += clock() - start
        best = {k: min(best.get(k, v), v) for k, v in spent.items()}
    return {k: v / best["spaCy tokenizer"] for k, v in best.items() if k != "spaCy tokenizer"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=12000, help="documents for the throughput run")
    args = parser.parse_args()
    texts = corpus()
    start = time.perf_counter()
    get_pipeline()
    build_s = time.perf_counter() - start
    rss_after_build = _rss_mb()
    extract(texts[0])  # warm up

    latency = [per_doc_ms(extract, [t], repeat=5) for t in texts]
    print(f"pipeline build (once per process): {build_s * 1000:.0f} ms")
    print(f"single report latency: median {statistics.median(latency):.2f} ms, max {max(latency):.2f} ms "
          f"over {len(texts)} reports")

    fast, plain = stage_ratios(get_pipeline(), texts), stage_ratios(build_pipeline(plain=True), texts)
    print("per stage, x spaCy's tokenizer (same run):  fast   plain")
    for stage in fast:
        print(f"  {stage:25} {fast[stage]:6.2f} {plain[stage]:7.2f}")
    print(f"  {'whole pipeline':25} {sum(fast.values()):6.2f} {sum(plain.values()):7.2f}")

    import spacy
    from loguru import logger

    logger.disable("PyRuSH")  # PyRuSH logs every token at DEBUG level
    plain = spacy.blank("en")
    plain.add_pipe("sentencizer")
    rush = spacy.blank("en")
    rush.add_pipe("medspacy_pyrush")
    sentencizer_ms = per_doc_ms(plain, texts)
    pyrush_ms = per_doc_ms(rush, texts)
    print(f"sentence splitting: sentencizer {sentencizer_ms:.3f} ms/doc, PyRuSH {pyrush_ms:.3f} ms/doc "
          f"-> PyRuSH/sentencizer = {pyrush_ms / sentencizer_ms:.0f}x")

    batch = [Report(id=str(i), text=texts[i % len(texts)], source="bench") for i in range(args.docs)]
    rates = {}
    streamed = sum(1 for _ in extract_inputs(batch, workers=1))
    rss_after_archive = _rss_mb()
    print(f"memory: RSS {rss_after_build:.0f} MB after build, {rss_after_archive:.0f} MB after streaming {streamed} "
          f"reports -> ratio {rss_after_archive / rss_after_build:.2f}")
    for workers in (1, 2):
        start = time.perf_counter()
        n = sum(1 for _ in extract_inputs(batch, workers=workers))
        rates[workers] = n / (time.perf_counter() - start)
    print(f"archive throughput: 1 worker {rates[1]:.0f} docs/s, 2 workers {rates[2]:.0f} docs/s "
          f"-> speed-up {rates[2] / rates[1]:.2f}x on {args.docs} docs (includes worker start-up)")


if __name__ == "__main__":
    main()

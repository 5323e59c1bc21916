"""Self-audit on unlabelled text: draw a seeded review sheet, then estimate precision, recall and wrong sides.

The sheet samples two populations per corpus file (the stratum):

* ``found``   - findings the pipeline reports (precision, wrong-side rate);
* ``trigger`` - sentences holding a trigger word (``audit_triggers`` in lexicons/concepts.yaml, read as
  word prefixes) that overlap no finding (recall: what the pipeline missed).

Rows carry ids, offsets and predicted attributes only, never report text, plus each stratum's size so
that a filled sheet can be scored on its own. A reviewer fills ``judgement`` (found: tp / fp / dup;
trigger: ok / miss, with ``missed`` = how many mentions the sentence misses, default 1) and ``side``
(ok / wrong: a predicted side the text does not support).
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reportkit.io.readers import read_records
from reportkit.models import ErrorRecord

COLUMNS = ("row", "sample", "file", "id", "start", "end", "concept", "kind", "negated", "uncertain",
           "location_category", "laterality", "laterality_source", "diagnosis", "stratum_size",
           "judgement", "missed", "side", "note")
_SENTENCE = re.compile(r"[^.\n]+(?:\.|\n|$)")


class SheetError(ValueError):
    """A review sheet could not be read or scored; the message names the file and row."""


@dataclass
class Corpus:
    """One corpus file's records and the pipeline's findings on them."""

    name: str
    texts: dict[str, str]
    findings: dict[str, list[dict]]


def trigger_regex(prefixes: Iterable[str]) -> re.Pattern[str]:
    """A case-insensitive regex matching any word that starts with one of ``prefixes``."""
    alternatives = "|".join(sorted((re.escape(p.lower()) for p in prefixes), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)


def read_corpus(path: Path, lexicon_dir: str | None = None) -> Corpus:
    """Read a JSONL corpus file (``id``, ``text``) and extract findings from every record."""
    from reportkit.api import extract_many

    texts: dict[str, str] = {}
    for record in read_records(path):
        if isinstance(record, ErrorRecord):
            raise SheetError(f"{record.source}:{record.line or ''}: {record.error}")
        texts[str(record.data["id"])] = record.data["text"]
    findings = {r.id: [f.model_dump() for f in r.findings] for r in extract_many(texts.items(), lexicon_dir)}
    return Corpus(path.name, texts, findings)


def trigger_sentences(corpus: Corpus, triggers: re.Pattern[str]) -> Iterator[tuple[str, int, int]]:
    """(id, start, end) of each sentence with a trigger word and no finding overlapping it."""
    for report_id, text in corpus.texts.items():
        spans = [(f["start"], f["end"]) for f in corpus.findings.get(report_id, [])]
        for match in _SENTENCE.finditer(text):
            start, end = match.start(), match.end()
            if not triggers.search(match.group()):
                continue
            if any(s < end and start < e for s, e in spans):
                continue
            yield report_id, start, end


def draw_sheet(corpora: list[Corpus], triggers: re.Pattern[str], seed: int, found: int, sentences: int) -> list[dict]:
    """A seeded sample, stratified by file: about ``found`` findings and ``sentences`` trigger sentences."""
    rng = random.Random(seed)
    rows: list[dict] = []
    for i, corpus in enumerate(corpora):
        share = _share(found, len(corpora), i)
        population = [(rid, f) for rid, fs in sorted(corpus.findings.items()) for f in fs]
        for rid, f in _sample(rng, population, share):
            rows.append({
                "sample": "found", "file": corpus.name, "id": rid, "start": f["start"], "end": f["end"],
                "concept": f["concept"], "kind": f["kind"], "negated": f["negated"], "uncertain": f["uncertain"],
                "location_category": f["location_category"] or "", "laterality": f["laterality"] or "",
                "laterality_source": f["laterality_source"] or "", "diagnosis": f["diagnosis"] or "",
                "stratum_size": len(population),
            })
        candidates = sorted(trigger_sentences(corpus, triggers))
        for rid, start, end in _sample(rng, candidates, _share(sentences, len(corpora), i)):
            rows.append({"sample": "trigger", "file": corpus.name, "id": rid, "start": start, "end": end,
                         "stratum_size": len(candidates)})
    for n, row in enumerate(rows, 1):
        row["row"] = n
    return rows


def _share(total: int, parts: int, index: int) -> int:
    return total // parts + (1 if index < total % parts else 0)


def _sample(rng: random.Random, population: list, k: int) -> list:
    return sorted(rng.sample(population, min(k, len(population))), key=lambda x: (x[0], str(x[1])))


def write_sheet(rows: list[dict], path: Path, columns: tuple[str, ...] = COLUMNS) -> None:
    """Write a review sheet as CSV with empty judgement columns."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)


def read_sheet(path: Path, columns: tuple[str, ...] = COLUMNS) -> list[dict]:
    """The rows of a review sheet; a missing column or an unreadable file is a SheetError naming the file."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = set(columns) - set(reader.fieldnames or [])
            if missing:
                raise SheetError(f"{path}: missing columns {sorted(missing)}")
            return list(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise SheetError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc.reason}") from exc


@dataclass
class FileEstimate:
    """Judged counts for one corpus file and the population sizes they estimate."""

    found_size: int = 0
    candidate_size: int = 0
    tp: int = 0
    fp: int = 0
    dup: int = 0
    wrong_side: int = 0
    sentences: int = 0
    missed: int = 0

    @property
    def judged(self) -> int:
        """Found mentions judged."""
        return self.tp + self.fp + self.dup

    @property
    def precision(self) -> float:
        """Judged true positives over judged found mentions."""
        return self.tp / self.judged if self.judged else 0.0

    @property
    def est_true(self) -> float:
        """Estimated true positives among all found mentions of the file."""
        return self.precision * self.found_size

    @property
    def est_missed(self) -> float:
        """Estimated missed mentions among all candidate sentences of the file."""
        return self.missed / self.sentences * self.candidate_size if self.sentences else 0.0


def score_sheet(rows: list[dict], source: str = "sheet") -> dict[str, FileEstimate]:
    """Per-file estimates from a filled sheet; an unknown judgement is a SheetError naming the row."""
    files: dict[str, FileEstimate] = defaultdict(FileEstimate)
    for n, row in enumerate(rows, 2):
        est = files[row["file"]]
        judgement = row["judgement"].strip().lower()
        if row["sample"] == "found":
            est.found_size = int(row["stratum_size"])
            if judgement not in ("tp", "fp", "dup"):
                raise SheetError(f"{source}:{n}: found judgement must be tp, fp or dup")
            setattr(est, judgement, getattr(est, judgement) + 1)
            if row["side"].strip().lower() == "wrong":
                est.wrong_side += 1
        elif row["sample"] == "trigger":
            est.candidate_size = int(row["stratum_size"])
            if judgement not in ("ok", "miss"):
                raise SheetError(f"{source}:{n}: trigger judgement must be ok or miss")
            est.sentences += 1
            if judgement == "miss":
                est.missed += int(row["missed"] or 1)
        else:
            raise SheetError(f"{source}:{n}: sample must be found or trigger")
    return dict(files)


def summarise(files: dict[str, FileEstimate]) -> dict:
    """Estimated precision (per file, sample and weighted by found counts), recall and wrong-side rate."""
    total = FileEstimate()
    for est in files.values():
        for name in ("tp", "fp", "dup", "wrong_side", "sentences", "missed", "found_size", "candidate_size"):
            setattr(total, name, getattr(total, name) + getattr(est, name))
    est_true = sum(e.est_true for e in files.values())
    est_missed = sum(e.est_missed for e in files.values())
    return {
        "files": {
            name: {"precision": round(e.precision, 4), "tp": e.tp, "fp": e.fp, "dup": e.dup, "judged": e.judged,
                   "found": e.found_size, "recall": round(_ratio(e.est_true, e.est_true + e.est_missed), 4),
                   "sentences": e.sentences, "missed": e.missed, "candidates": e.candidate_size,
                   "wrong_side": e.wrong_side, "wrong_side_rate": round(_ratio(e.wrong_side, e.judged), 4)}
            for name, e in sorted(files.items())
        },
        "precision_sample": round(total.precision, 4),
        "precision_weighted": round(_ratio(est_true, total.found_size), 4),
        "recall": round(_ratio(est_true, est_true + est_missed), 4),
        "wrong_side_rate": round(_ratio(total.wrong_side, total.judged), 4),
        "judged": total.judged, "tp": total.tp, "wrong_side": total.wrong_side,
        "sentences": total.sentences, "missed": total.missed,
    }


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0

"""Advice self-audit: sample the advice reportkit gives on unlabelled reports, then estimate its precision.

Advice items, one per piece of advice a reader of reportkit's output would see:

* ``differential:<entity>`` - the top differential entity of an assessed deposit that is not negated;
* ``kind``                  - the note that the cues suggest another kind than the report states;
* ``note`` / ``warning``    - each note and caution attached to an assessment (``advice_id``: the entity
  whose note or warning it is);
* ``recommendation:<id>``   - each follow-up recommendation;
* ``lint:<code>``           - each lint diagnostic, but those of the rules that only restate a recommendation
  in the draft's words (RK101, RK701: ``reads`` recommendations), whose advice is listed once, as the
  recommendation.

The sheet is a seeded sample stratified by advice type (every item of a type with fewer than ``per_type``).
Rows carry ids, offsets and reportkit's own advice text, never report text: a lint message's quotations of
the report are blanked (``'…'``). Each row holds its type's stratum size (the items of that type in the
whole corpus), so a filled sheet can be scored on its own. A reviewer fills ``judgement`` (right / wrong /
doubtful) and, if useful, ``note``.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reportkit.engine import Engine, get_engine
from reportkit.lint.registry import rules
from reportkit.triggers import RECOMMENDATIONS
from reportkit.io.readers import read_records
from reportkit.models import ErrorRecord, ReportResult, StructuredReport
from reportkit import selfaudit
from reportkit.selfaudit import SheetError

COLUMNS = ("row", "advice_type", "advice_id", "file", "id", "start", "end", "evidence", "score", "advice",
           "stratum_size", "judgement", "note")
JUDGEMENTS = ("right", "wrong", "doubtful")
Z95 = 1.959963984540054
_QUOTES = "'\"‘’“”"
_SENTENCE_END = re.compile(r"[.\n]")


@dataclass(frozen=True)
class AdviceItem:
    """One piece of advice on one report: what it is, where it points, and reportkit's words for it."""

    advice_type: str
    advice_id: str
    file: str
    id: str
    start: int
    end: int
    evidence: tuple[tuple[int, int], ...] = ()
    score: int | None = None
    advice: str = ""

    def row(self) -> dict:
        """The item as a sheet row (without its row number and stratum size)."""
        return {"advice_type": self.advice_type, "advice_id": self.advice_id, "file": self.file, "id": self.id,
                "start": self.start, "end": self.end, "evidence": format_spans(self.evidence),
                "score": "" if self.score is None else self.score, "advice": self.advice}


@dataclass
class AdviceCorpus:
    """Every advice item of some corpus files, and how many reports they came from."""

    items: list[AdviceItem] = field(default_factory=list)
    reports: int = 0

    def counts(self) -> Counter:
        """Advice items per type."""
        return Counter(item.advice_type for item in self.items)

    def per_thousand(self, count: int) -> float:
        """``count`` per 1,000 reports of the corpus."""
        return 1000 * count / self.reports if self.reports else 0.0


def format_spans(spans: Iterable[tuple[int, int]]) -> str:
    """``start-end`` spans joined by ``;`` (the sheet's evidence column)."""
    return ";".join(f"{s}-{e}" for s, e in spans)


def parse_spans(value: str) -> list[tuple[int, int]]:
    """The spans of an evidence cell; ValueError when malformed."""
    spans = []
    for part in filter(None, value.split(";")):
        start, _, end = part.partition("-")
        spans.append((int(start), int(end)))
    return spans


def blank_quotations(message: str, text: str) -> str:
    """``message`` with every quoted stretch that occurs in ``text`` replaced by an ellipsis.

    A quotation may hold an apostrophe ("'Baker's cyst'"), so the longest stretch up to a later quote mark
    that the text holds is taken.
    """
    lowered = text.lower()
    out, i = [], 0
    while i < len(message):
        if message[i] in _QUOTES:
            closes = [j for j in range(len(message) - 1, i, -1) if message[j] in _QUOTES]
            quoted = next((j for j in closes if message[i + 1:j].strip() and message[i + 1:j].lower() in lowered), None)
            if quoted is not None:
                out.append(f"{message[i]}…{message[quoted]}")
                i = quoted + 1
                continue
        out.append(message[i])
        i += 1
    return "".join(out)


@functools.cache
def _restating_codes() -> frozenset[str]:
    """The lint rules that speak only through the report's recommendations (RK101, RK701): each of their
    diagnostics restates a recommendation the sheet already lists for the report, in the draft's words."""
    return frozenset(code for code, rule in rules().items() if rule.reads == RECOMMENDATIONS)


def _deposit_at(result: ReportResult, start: int, end: int) -> int | None:
    """The deposit one of whose mentions holds the characters [start, end)."""
    return next((d for d, deposit in enumerate(result.deposits) for i in deposit.findings
                 if result.findings[i].start <= start and end <= result.findings[i].end), None)


def _restated_deposits(report: StructuredReport) -> dict[str, set[int | None]]:
    """Follow-up rule id -> the deposits its recommendations speak of."""
    found = report.result.findings
    deposits: dict[str, set[int | None]] = {}
    for rec in report.recommendations:
        deposits.setdefault(rec.id, set()).update(_deposit_at(report.result, found[i].start, found[i].end)
                                                  for i in rec.findings)
    return deposits


def advice_items(report: StructuredReport, diagnostics: list, text: str, file: str,
                 note_owner: dict[str, str]) -> Iterator[AdviceItem]:
    """Every advice item of one analysed report, in output order (assessments, recommendations, lint)."""
    result = report.result
    for assessment in report.assessments:
        finding = report.assessed_finding(assessment)
        first = result.findings[assessment.finding]
        where = {"file": file, "id": report.id, "start": first.start, "end": first.end}
        evidence = tuple(dict.fromkeys((ev.start, ev.end) for ev in finding.evidence))
        if assessment.differential and not finding.negated and assessment.differential_offered:
            top = assessment.differential[0]
            if assessment.suggested_entity == top.id:
                words = f"Consider: {top.literal}."
            else:
                words = "Differential: " + "; ".join(d.literal for d in assessment.differential[:3]) + "."
            yield AdviceItem(f"differential:{top.id}", top.id, evidence=evidence, score=top.score, advice=words,
                             **where)
        for warning in assessment.warnings:
            yield AdviceItem("warning", note_owner.get(warning, ""), evidence=evidence, advice=f"Caution: {warning}",
                             **where)
        for note in assessment.notes:
            yield AdviceItem("note", note_owner.get(note, ""), evidence=evidence, advice=f"Note: {note}", **where)
    for rec in report.recommendations:
        spans = [(result.findings[i].start, result.findings[i].end) for i in rec.findings]
        spans = spans or [(ev.start, ev.end) for ev in rec.evidence] or [(0, 0)]
        yield AdviceItem(f"recommendation:{rec.id}", rec.id, file, report.id, *spans[0],
                         evidence=tuple(dict.fromkeys((ev.start, ev.end) for ev in rec.evidence)),
                         advice=f"{rec.text} [{rec.source}]")
    restated = _restated_deposits(report)
    for diagnostic in diagnostics:
        if diagnostic.code in _restating_codes():
            continue  # the same advice as a recommendation listed above: one item, not two
        if any(_deposit_at(result, diagnostic.start, diagnostic.end) in restated.get(rec_id, ())
               for rec_id in rules()[diagnostic.code].restates):
            continue  # a recommendation above gives the same deposit the same advice (RK301 and hadd_description)
        yield AdviceItem(f"lint:{diagnostic.code}", diagnostic.code, file, report.id, diagnostic.start,
                         diagnostic.end, advice=f"{diagnostic.code} {blank_quotations(diagnostic.message, text)}")


def note_owners(engine: Engine) -> dict[str, str]:
    """Note and warning text -> the id of the (first) differential entity that carries it."""
    owners: dict[str, str] = {}
    for entity in engine.lexicon.differential.entities:
        for words in [entity.warning, *(note.text for note in entity.notes)]:
            if words:
                owners.setdefault(words, entity.id)
    return owners


def read_texts(path: Path) -> dict[str, str]:
    """id -> text of a JSONL corpus file (``id``, ``text``); an unreadable line is a SheetError."""
    texts: dict[str, str] = {}
    for record in read_records(path):
        if isinstance(record, ErrorRecord):
            raise SheetError(f"{record.source}:{record.line or ''}: {record.error}")
        texts[str(record.data["id"])] = record.data["text"]
    return texts


def collect(paths: Iterable[Path], lexicon_dir: str | None = None) -> AdviceCorpus:
    """Analyse and lint every record of the corpus files (as ``reportkit audit run`` does) and list its advice."""
    engine = get_engine(lexicon_dir)
    owners = note_owners(engine)
    corpus = AdviceCorpus()
    for path in paths:
        for report_id, text in read_texts(path).items():
            audited = engine.audit(text, report_id)
            corpus.items += advice_items(audited.report, audited.diagnostics, text, path.name, owners)
            corpus.reports += 1
    return corpus


def draw_sheet(corpus: AdviceCorpus, seed: int, per_type: int) -> list[dict]:
    """A seeded sample of up to ``per_type`` items of each advice type, with each type's stratum size."""
    rng = random.Random(seed)
    by_type: dict[str, list[AdviceItem]] = defaultdict(list)
    for item in corpus.items:
        by_type[item.advice_type].append(item)
    rows = []
    for advice_type in sorted(by_type):
        population = by_type[advice_type]
        chosen = rng.sample(population, min(per_type, len(population)))
        for item in sorted(chosen, key=lambda it: (it.file, it.id, it.start, it.advice)):
            rows.append({**item.row(), "stratum_size": len(population)})
    for n, row in enumerate(rows, 1):
        row["row"] = n
    return rows


def write_sheet(rows: list[dict], path: Path) -> None:
    """Write the advice review sheet as CSV with empty judgement and note columns."""
    selfaudit.write_sheet(rows, path, COLUMNS)


def read_sheet(path: Path) -> list[dict]:
    """The rows of an advice review sheet; a missing column is a SheetError naming the file."""
    return selfaudit.read_sheet(path, COLUMNS)


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (``n`` may be an effective, fractional size); (0, 1) for n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class TypeScore:
    """The judgements of one advice type and the number of its items in the corpus."""

    stratum_size: int
    right: int = 0
    wrong: int = 0
    doubtful: int = 0

    @property
    def decided(self) -> int:
        """Items judged right or wrong (the denominator of precision; doubtful ones are left out)."""
        return self.right + self.wrong

    @property
    def judged(self) -> int:
        return self.right + self.wrong + self.doubtful


def score_sheet(rows: list[dict], source: str = "sheet") -> dict[str, TypeScore]:
    """Judgement counts per advice type; a bad or unfilled row is a SheetError naming file and row."""
    types: dict[str, TypeScore] = {}
    for n, row in enumerate(rows, 2):  # line 1 is the header
        where = f"{source}:{n} (row {row.get('row') or '?'})"
        advice_type = (row["advice_type"] or "").strip()
        if not advice_type:
            raise SheetError(f"{where}: advice_type is empty")
        try:
            size = int(row["stratum_size"])
        except (TypeError, ValueError):
            raise SheetError(f"{where}: stratum_size must be a whole number") from None
        if size < 1:
            raise SheetError(f"{where}: stratum_size must be at least 1")
        judgement = (row["judgement"] or "").strip().lower()
        if judgement not in JUDGEMENTS:
            raise SheetError(f"{where}: judgement must be right, wrong or doubtful "
                             f"({'it is empty' if not judgement else f'not {judgement!r}'})")
        score = types.setdefault(advice_type, TypeScore(size))
        if score.stratum_size != size:
            raise SheetError(f"{where}: stratum_size {size} differs from {score.stratum_size} on an earlier "
                             f"{advice_type} row")
        setattr(score, judgement, getattr(score, judgement) + 1)
        if score.judged > size:
            raise SheetError(f"{where}: more {advice_type} rows than its stratum_size {size}")
    return types


def _estimate(right: int, n: int) -> dict:
    low, high = wilson(right, n)
    return {"precision": round(right / n, 4) if n else None, "low": round(low, 4), "high": round(high, 4)}


def _weighted(types: dict[str, TypeScore], worst: bool) -> dict:
    """Precision weighted by stratum size, with a Wilson interval on Kish's effective sample size."""
    weights, hits = [], 0.0
    for score in types.values():
        n = score.judged if worst else score.decided
        if n:
            weights += [score.stratum_size / n] * n
            hits += score.stratum_size / n * score.right
    if not weights:
        return {"precision": None, "low": 0.0, "high": 1.0, "effective_n": 0.0}
    total = sum(weights)
    p = hits / total
    effective = total * total / sum(w * w for w in weights)
    low, high = wilson(p * effective, effective)
    return {"precision": round(p, 4), "low": round(low, 4), "high": round(high, 4),
            "effective_n": round(effective, 1)}


def summarise(types: dict[str, TypeScore]) -> dict:
    """Precision per type and overall (unweighted and weighted by stratum size), each with a Wilson 95 % interval.

    Doubtful items are left out of ``precision`` and counted as wrong in ``worst_case``.
    """
    right = sum(s.right for s in types.values())
    decided = sum(s.decided for s in types.values())
    judged = sum(s.judged for s in types.values())
    return {
        "types": {
            name: {"stratum_size": s.stratum_size, "right": s.right, "wrong": s.wrong, "doubtful": s.doubtful,
                   **_estimate(s.right, s.decided), "worst_case": _estimate(s.right, s.judged)}
            for name, s in sorted(types.items())
        },
        "overall": {"right": right, "wrong": decided - right, "doubtful": judged - decided,
                    **_estimate(right, decided), "worst_case": _estimate(right, judged)},
        "weighted": {**_weighted(types, worst=False), "worst_case": _weighted(types, worst=True)},
    }


def context(text: str, start: int, end: int, width: int = 200) -> str:
    """The sentence around ``start``-``end`` (at most ``width`` characters either side), the span in [[ ]]."""
    left = max(0, start - width)
    for boundary in _SENTENCE_END.finditer(text, left, start):
        left = boundary.end()
    after = _SENTENCE_END.search(text, end, min(len(text), end + width))
    right = after.end() if after else min(len(text), end + width)
    return f"{text[left:start]}[[{text[start:end]}]]{text[end:right]}".strip()

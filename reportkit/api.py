"""The library's public calls: text in, plain records out.

``extract`` runs the pipeline on one report; ``extract_many`` streams many; ``analyse`` adds
the article's reasoning (differential, follow-up). Each is a thin call into the engine
(:mod:`reportkit.engine`); no spaCy object leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reportkit.engine import get_engine
from reportkit.models import ReportResult, StructuredReport


def extract(text: str, report_id: str = "report", lexicon_dir: str | None = None,
            patient_age: int | None = None) -> ReportResult:
    """Extract every mention from one report (``patient_age``: exam metadata, used when the text states none)."""
    return get_engine(lexicon_dir).extract(text, report_id, patient_age=patient_age).result


def extract_many(
    items: Iterable[tuple[str, str]], lexicon_dir: str | None = None, batch_size: int = 64
) -> Iterator[ReportResult]:
    """Extract from ``(id, text)`` pairs, streaming, in input order."""
    return get_engine(lexicon_dir).extract_many(items, batch_size)


def analyse(text: str, report_id: str = "report", lexicon_dir: str | None = None) -> StructuredReport:
    """Extract, then reason as the article teaches: kind, differential, follow-up."""
    return get_engine(lexicon_dir).analyse(text, report_id).report

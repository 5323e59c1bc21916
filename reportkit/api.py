"""The library's public calls: text in, plain records out.

``extract`` runs the pipeline on one report; ``extract_many`` streams many; ``analyse`` adds
the article's reasoning (differential, follow-up). No spaCy object leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from reportkit.models import ReportResult, StructuredReport
from reportkit.pipeline import get_pipeline, to_result
from reportkit.reasoning import label_diagnoses


def extract(text: str, report_id: str = "report", lexicon_dir: str | None = None,
            patient_age: int | None = None) -> ReportResult:
    """Extract every calcification, ossification and foreign-body mention from one report."""
    return label_diagnoses(to_result(get_pipeline(lexicon_dir)(text), report_id), text, lexicon_dir, patient_age)


def extract_many(
    items: Iterable[tuple[str, str]], lexicon_dir: str | None = None, batch_size: int = 64
) -> Iterator[ReportResult]:
    """Extract from ``(id, text)`` pairs, streaming, in input order."""
    nlp = get_pipeline(lexicon_dir)
    pairs = iter(items)
    ids: list[str] = []

    def texts() -> Iterator[str]:
        for report_id, text in pairs:
            ids.append(report_id)
            yield text

    for i, doc in enumerate(nlp.pipe(texts(), batch_size=batch_size)):
        yield label_diagnoses(to_result(doc, ids[i]), doc.text, lexicon_dir)


def analyse(text: str, report_id: str = "report", lexicon_dir: str | None = None) -> StructuredReport:
    """Extract, then reason as the article teaches: kind, differential, follow-up."""
    from reportkit.reasoning import reason

    return reason(extract(text, report_id, lexicon_dir), text, lexicon_dir)

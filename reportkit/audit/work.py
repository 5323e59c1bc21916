"""The per-chunk work every engine runs: extract, reason and lint each report, return plain rows.

A chunk travels as plain tuples and comes back as ``{table: [row tuples]}`` (see
:data:`reportkit.audit.store.TABLES`); nothing spaCy or pydantic crosses a process boundary.
Each process builds the pipeline and the pre-filter once (:func:`worker_state`).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import ReportResult, StructuredReport
from reportkit.startup import WARM_UP, freeze_start_up_objects

if TYPE_CHECKING:  # the pre-filter imports spaCy: a run's parent process never needs it
    from reportkit.audit.prefilter import Verdict

# ("report", rid, id, text, source, line, meta dict) or ("error", rid, id, source, line, message)
ChunkItem = tuple
ChunkRows = dict[str, list[tuple]]
CONTEXT = "medspacy_context"  # the pipeline's ConText component
META_COLUMNS = ("patient_id", "accession", "exam_date", "modality", "body_part", "side")


@dataclass(frozen=True)
class WorkOptions:
    """What changes the rows: the lexicons, whether to pre-filter, whether to keep report text."""

    lexicon_dir: str | None = None
    prefilter: bool = True
    store_text: bool = False


class WorkerState:
    """The pipeline, pre-filter and lexicon of one process."""

    def __init__(self, lexicon_dir: str | None) -> None:
        from reportkit.audit.prefilter import Prefilter
        from reportkit.pipeline import get_pipeline

        self.lexicon: Lexicon = load_lexicon(lexicon_dir)
        self.prefilter = Prefilter(self.lexicon, get_pipeline(lexicon_dir))
        self.prefilter.verdict(WARM_UP)
        _analyse(self, WARM_UP, "warm-up", WorkOptions(lexicon_dir=lexicon_dir), None)
        freeze_start_up_objects()


@functools.cache
def worker_state(lexicon_dir: str | None) -> WorkerState:
    """This process's state, built on first use (a pool initializer calls it once)."""
    return WorkerState(lexicon_dir)


# what json.dumps(..., sort_keys=True) builds on every call, built once
_SORTED_JSON = json.JSONEncoder(sort_keys=True)


def _json_list(values: list) -> str:
    """``json.dumps(values, sort_keys=True)``; an empty list (the most common) without an encoder pass."""
    return _SORTED_JSON.encode(values) if values else "[]"


def _json(models) -> str:
    """The pydantic ``models`` as a JSON array of objects with sorted keys."""
    return _json_list([m.model_dump(mode="json") for m in models])


def analyse_report(text: str, report_id: str, options: WorkOptions,
                   verdict: Verdict | None = None) -> tuple[StructuredReport, list, bool]:
    """(structured report, lint diagnostics, pre-filtered?) for one report; ``verdict``: the pre-filter's, when
    the caller has it."""
    state = worker_state(options.lexicon_dir)
    if options.prefilter:
        verdict = verdict or state.prefilter.verdict(text)
        if verdict.skipped is not None:
            # no mention, no rule word: assessments, recommendations and diagnostics are provably empty
            return state.prefilter.skipped_report(text, report_id), [], True
    return _analyse(state, text, report_id, options, verdict)


def _analyse(state: WorkerState, text: str, report_id: str, options: WorkOptions,
             verdict: Verdict | None) -> tuple[StructuredReport, list, bool]:
    """:func:`analyse_report` of a report that runs the pipeline."""
    from reportkit.lint import lint_text
    from reportkit.reasoning import reason

    # without a verdict, _extract asks for the rule words only when the report has no mention
    result = _extract(state, text, report_id, options.lexicon_dir, verdict.rule_words if verdict else None)
    report = reason(result, text, options.lexicon_dir)
    return report, lint_text(text, report_id, lexicon_dir=options.lexicon_dir, report=report), False


def _extract(state: WorkerState, text: str, report_id: str, lexicon_dir: str | None,
             rule_words: bool | None = None) -> ReportResult:
    """``reportkit.api.extract``, with ConText left out when the report has no mention and no rule word.

    Its scopes then feed nothing the store holds: reasoning and lint read them only around a mention, a
    report-scope rule word or a raw-text lint term (see :mod:`reportkit.audit.prefilter`); the result's
    ``assertion_scopes`` are then empty. ``rule_words``: the pre-filter's rule-word test, when known.
    """
    from reportkit.pipeline import MENTION_GROUP, get_pipeline, to_result
    from reportkit.reasoning import label_diagnoses

    nlp = get_pipeline(lexicon_dir)
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline:
        if name == CONTEXT and not doc.spans.get(MENTION_GROUP):
            if rule_words is None:
                rule_words = state.prefilter.has_rule_words(text)
            if not rule_words:
                continue
        doc = component(doc)
    return label_diagnoses(to_result(doc, report_id), text, lexicon_dir)


def _skipped_row(item: ChunkItem, verdict: Verdict, options: WorkOptions) -> tuple | None:
    """The reports row of a report the pre-filter lets skip (None when it triggers), built without models:
    it has no finding, query, recommendation or diagnostic (see :func:`analyse_report`)."""
    _, rid, report_id, text, source, line, meta = item
    skipped = verdict.skipped
    if skipped is None:
        return None
    return (rid, report_id, source, line, *(meta.get(c) for c in META_COLUMNS), skipped.modality,
            skipped.sections, 0, 0, 0, 0, True, text if options.store_text else None)


def _report_rows(rows: ChunkRows, item: ChunkItem, options: WorkOptions, verdict: Verdict | None) -> None:
    _, rid, report_id, text, source, line, meta = item
    report, diagnostics, skipped = analyse_report(text, report_id, options, verdict)
    result = report.result
    rows["reports"].append((rid, report_id, source, line, *(meta.get(c) for c in META_COLUMNS),
                            list(result.modality), [s.category for s in result.sections], len(result.findings),
                            len(result.queries), len(report.recommendations), len(diagnostics), skipped,
                            text if options.store_text else None))
    for is_query, mentions in ((False, result.findings), (True, result.queries)):
        for i, f in enumerate(mentions):
            rows["findings"].append((
                rid, report_id, i, is_query, f.start, f.end, f.text, f.concept, list(f.named_concepts), f.kind,
                f.negated, f.uncertain, f.historical, f.hypothetical, f.section, f.location_category, f.site,
                f.laterality, f.laterality_source, list(f.descriptors), f.size_mm, list(f.dimensions_mm),
                f.modality, f.diagnosis, f.diagnosis_uncertain, f.diagnosis_basis, f.sentence_start,
                f.sentence_end, _json(f.evidence)))
    for i, deposit in enumerate(result.deposits):
        rows["deposits"].append((rid, report_id, deposit.findings[0], i, deposit.findings, deposit.kind,
                                 deposit.negated, deposit.location_category, deposit.site, deposit.laterality,
                                 deposit.diagnosis, deposit.model_dump_json()))
    for a in report.assessments:
        rows["assessments"].append((
            rid, report_id, a.finding, a.kind.kind, a.kind.stated, a.kind.agrees, a.suggested_diagnosis,
            a.suggested_entity, a.phase, a.term.id if a.term else None, _json(a.differential),
            _json_list(a.notes), _json_list(a.warnings), _json(a.kind.evidence)))
    for rec in report.recommendations:
        rows["recommendations"].append((rid, report_id, rec.id, rec.text, rec.source, list(rec.findings),
                                        _json(rec.evidence)))
    for d in diagnostics:
        fix = d.to_dict()["fix"]
        rows["diagnostics"].append((rid, report_id, d.code, d.name, d.severity, d.message, d.start, d.end,
                                    d.line, d.column, json.dumps(fix, sort_keys=True) if fix else None))


def process_chunk(items: list[ChunkItem], options: WorkOptions) -> ChunkRows:
    """Rows for every table from one chunk, in the chunk's order; a report that fails becomes an error row.

    Two passes: the pre-filter's verdict on every report, then the pipeline on the reports that need it, one
    after another. Back to back, the pipeline's code and data stay in the CPU's caches; with quiet reports
    between them, a report that triggers cost about a third more.
    """
    tables = ("reports", "findings", "deposits", "assessments", "recommendations", "diagnostics", "errors")
    outcomes: list[ChunkRows] = [{} for _ in items]  # each item's rows, by table
    pending: list[tuple[int, ChunkItem, Verdict | None]] = []
    for n, item in enumerate(items):
        if item[0] == "error":
            outcomes[n] = {"errors": [item[1:]]}
            continue
        try:
            verdict = worker_state(options.lexicon_dir).prefilter.verdict(item[3]) if options.prefilter else None
            if verdict is not None and (row := _skipped_row(item, verdict, options)) is not None:
                outcomes[n] = {"reports": [row]}  # the report's only row, built whole
                continue
        except Exception as exc:  # noqa: BLE001 - one bad report must not stop an archive run
            outcomes[n] = {"errors": [_error_row(item, exc)]}
            continue
        pending.append((n, item, verdict))
    for n, item, verdict in pending:
        partial: ChunkRows = {t: [] for t in tables}
        try:
            _report_rows(partial, item, options, verdict)
        except Exception as exc:  # noqa: BLE001
            partial = {"errors": [_error_row(item, exc)]}  # nothing partial is kept
        outcomes[n] = partial
    rows: ChunkRows = {t: [] for t in tables}
    for outcome in outcomes:
        for table, table_rows in outcome.items():
            rows[table] += table_rows
    return rows


def _error_row(item: ChunkItem, exc: Exception) -> tuple:
    # the message may quote the report: shown only when REPORTKIT_DEBUG is set
    detail = f": {exc}" if os.environ.get("REPORTKIT_DEBUG") else ""
    return item[1], item[2], item[4], item[5], f"pipeline failed: {type(exc).__name__}{detail}"

"""The per-chunk work the runner's workers do: each report analysed and linted by the engine, as plain rows.

A chunk travels as plain tuples and comes back as ``{table: [row tuples]}`` (see
:data:`reportkit.audit.store.TABLES`), or as ``{table: Arrow table}`` from :func:`process_chunk_tables`;
nothing spaCy or pydantic crosses a process boundary.
Each process builds the pipeline and the pre-filter once (:func:`worker_state`).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reportkit.startup import WARM_UP, freeze_start_up_objects
from reportkit.timeout import DEFAULT_TIME_LIMIT, ReportClock

if TYPE_CHECKING:  # the pre-filter imports spaCy: a run's parent process never needs it
    from reportkit.prefilter import Prefilter, Verdict

# ("report", rid, id, text, source, line, meta dict) or ("error", rid, id, source, line, message)
ChunkItem = tuple
ChunkRows = dict[str, list[tuple]]
META_COLUMNS = ("patient_id", "accession", "exam_date", "modality", "body_part", "side")


@dataclass(frozen=True)
class WorkOptions:
    """What changes the rows: the lexicons, whether to pre-filter, whether to keep report text."""

    lexicon_dir: str | None = None
    prefilter: bool = True
    store_text: bool = False


class WorkerState:
    """The engine of one process, warmed up (pipeline, pre-filter, the first report's lazy parts)."""

    def __init__(self, lexicon_dir: str | None) -> None:
        from reportkit.engine import get_engine

        self.engine = get_engine(lexicon_dir).warm_up()
        self.engine.prefilter.verdict(WARM_UP)
        self.engine.audit(WARM_UP, "warm-up", prefilter=False)
        freeze_start_up_objects()

    @property
    def prefilter(self) -> Prefilter:
        return self.engine.prefilter


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


def _skipped_row(item: ChunkItem, verdict: Verdict, options: WorkOptions) -> tuple | None:
    """The reports row of a report the pre-filter lets skip (None when it triggers), built without models:
    it has no finding, query, recommendation or diagnostic (see :meth:`reportkit.engine.Engine.audit`)."""
    _, rid, report_id, text, source, line, meta = item
    skipped = verdict.skipped
    if skipped is None:
        return None
    return (rid, report_id, source, line, *(meta.get(c) for c in META_COLUMNS), skipped.modality,
            skipped.sections, 0, 0, 0, 0, True, text if options.store_text else None)


def _report_rows(rows: ChunkRows, item: ChunkItem, options: WorkOptions, verdict: Verdict | None) -> None:
    _, rid, report_id, text, source, line, meta = item
    audited = worker_state(options.lexicon_dir).engine.audit(text, report_id, prefilter=options.prefilter,
                                                             verdict=verdict)
    report, diagnostics, skipped = audited.report, audited.diagnostics, audited.prefiltered
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
                f.scope, f.laterality, f.laterality_source, list(f.descriptors), f.size_mm, list(f.dimensions_mm),
                f.modality, f.diagnosis, f.diagnosis_uncertain, f.diagnosis_basis, f.sentence_start,
                f.sentence_end, _json(f.evidence)))
    for i, deposit in enumerate(result.deposits):
        rows["deposits"].append((rid, report_id, deposit.findings[0], i, deposit.findings, deposit.kind,
                                 deposit.negated, deposit.location_category, deposit.site, deposit.scope,
                                 deposit.laterality,
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


def process_chunk(items: list[ChunkItem], options: WorkOptions, seconds: float | None = DEFAULT_TIME_LIMIT
                  ) -> ChunkRows:
    """Rows for every table from one chunk, in the chunk's order; a report that fails, or takes longer than
    ``seconds`` (None: no limit), becomes an error row.

    Two passes: the pre-filter's verdict on every report, then the pipeline on the reports that need it, one
    after another. Back to back, the pipeline's code and data stay in the CPU's caches; with quiet reports
    between them, a report that triggers cost about a third more.
    """
    tables = ("reports", "findings", "deposits", "assessments", "recommendations", "diagnostics", "errors")
    outcomes: list[ChunkRows] = [{} for _ in items]  # each item's rows, by table
    pending: list[tuple[int, ChunkItem, Verdict | None]] = []
    prefilter: Prefilter | None = None  # looked up once a chunk
    clock = ReportClock(seconds)
    with clock.installed():
        for n, item in enumerate(items):
            if item[0] == "error":
                outcomes[n] = {"errors": [item[1:]]}
                continue
            try:
                verdict = None
                if options.prefilter:
                    prefilter = prefilter or worker_state(options.lexicon_dir).prefilter
                    with clock:
                        verdict = prefilter.verdict(item[3])
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
                with clock:
                    _report_rows(partial, item, options, verdict)
            except Exception as exc:  # noqa: BLE001
                partial = {"errors": [_error_row(item, exc)]}  # nothing partial is kept
            outcomes[n] = partial
    rows: ChunkRows = {t: [] for t in tables}
    for outcome in outcomes:
        for table, table_rows in outcome.items():
            rows[table] += table_rows
    return rows


def process_chunk_tables(items: list[ChunkItem], options: WorkOptions, seconds: float | None = DEFAULT_TIME_LIMIT
                         ) -> dict:
    """:func:`process_chunk`'s rows as one Arrow table per table (see :func:`reportkit.audit.store.arrow_tables`):
    built here, in the worker, they cross to the process writing the store as a few buffers, not a tuple per row."""
    from reportkit.audit.store import arrow_tables

    return arrow_tables(process_chunk(items, options, seconds))


def _error_row(item: ChunkItem, exc: Exception) -> tuple:
    from reportkit.engine import failure_message

    return item[1], item[2], item[4], item[5], failure_message(exc)

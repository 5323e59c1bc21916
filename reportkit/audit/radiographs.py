"""Fill the store's ``correlations`` table: each MRI (or unsettled ultrasound) finding against the archive's radiographs.

Runs after the chunks of a run (:func:`reportkit.audit.run.run_audit`), over the whole store, so a
resumed run ends with the same table as an uninterrupted one. Exams come from the ``reports`` table
(the archive's modality, else the one modality the text names); the findings that need a radiograph
are the asserted ones (neither negated nor hypothetical), an ultrasound finding only when its kind
assessment is indeterminate (see :mod:`reportkit.audit.correlation`).
"""

from __future__ import annotations

from reportkit.audit.correlation import Exam, Finding, Window, correlate
from reportkit.audit.store import Store

EXAMS = ("SELECT rid, patient_id, exam_date, coalesce(archive_modality, CASE WHEN len(modality) = 1 "
         "THEN modality[1] END), body_part, side, accession FROM reports")
FINDINGS = ("SELECT f.rid, f.idx, coalesce(a.kind = 'indeterminate', true) FROM findings f "
            "LEFT JOIN assessments a ON a.rid = f.rid AND a.finding_idx = f.idx "
            "WHERE NOT f.is_query AND NOT f.negated AND NOT f.hypothetical ORDER BY f.rid, f.idx")


def store_correlations(store: Store, window: Window = Window()) -> int:
    """Recompute the ``correlations`` table in one transaction; returns its row count."""
    con = store.con
    exams = [Exam(str(rid), patient, date, modality, body_part, side, accession)
             for rid, patient, date, modality, body_part, side, accession in con.execute(EXAMS).fetchall()]
    findings = [Finding(str(rid), idx, unsettled) for rid, idx, unsettled in con.execute(FINDINGS).fetchall()]
    rows = [(int(c.report_id), c.finding_index, c.status,
             int(c.radiograph_report_id) if c.radiograph_report_id is not None else None,
             c.radiograph_accession, c.days_from_exam, c.side_checked, c.reason)
            for c in correlate(exams, findings, window)]
    con.begin()
    try:
        con.execute("DELETE FROM correlations")
        if rows:
            con.executemany("INSERT INTO correlations VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return len(rows)

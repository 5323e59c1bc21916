"""Fill the store's ``correlations`` table: each MRI (or unsettled ultrasound) finding against the archive's radiographs.

Runs after the chunks of a run (:func:`reportkit.audit.run.run_audit`), over the whole store, so a
resumed run ends with the same table as an uninterrupted one. Exams come from the ``reports`` table
(the archive's modality, else the one modality the text names); the findings that need a radiograph
are the asserted ones (neither negated nor hypothetical), an ultrasound finding only when its kind
assessment is indeterminate (see :mod:`reportkit.audit.correlation`).

The matching runs as one SQL statement inside the store, so the run's process never holds the
archive's reports: it gives DuckDB only the vocabulary (the region of each distinct body-part
spelling, the modality lists, which radiograph sides answer which exam side). The statement
gives the verdicts of :func:`reportkit.audit.correlation.correlate`, ties included: on each
(patient, region, side) list of radiographs sorted by (date, report id as text), the candidates
are the ones ``RadiographIndex.nearest`` looks at, the last radiograph before the exam and the
first from its day on (or, when none is on or after the day, the last two before it).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from reportkit.audit.correlation import COMPATIBLE_SIDES, Window
from reportkit.audit.store import Store
from reportkit.audit.vocabulary import Vocabulary, load_vocabulary

_MATCH = """
WITH exam AS NOT MATERIALIZED (  -- read from the table by each of its two uses, not copied into memory first
    SELECT rid, CAST(rid AS VARCHAR) AS rid_text, patient_id, exam_date,
           coalesce(archive_modality, CASE WHEN len(modality) = 1 THEN modality[1] END) AS modality,
           body_part, side, accession
    FROM reports),
finding AS (  -- n keeps each row apart, as the Python loop does (an assessment joined twice gives two rows)
    SELECT row_number() OVER () AS n, f.rid, f.idx, coalesce(a.kind = 'indeterminate', true) AS unsettled
    FROM findings f LEFT JOIN assessments a ON a.rid = f.rid AND a.finding_idx = f.idx
    WHERE NOT f.is_query AND NOT f.negated AND NOT f.hypothetical),
asked AS (
    SELECT fd.n, fd.rid, fd.idx, e.rid IS NULL AS orphan, e.patient_id, e.exam_date, e.modality, e.body_part,
           CASE WHEN e.side IN ('left', 'right', 'bilateral') THEN e.side END AS side_key, g.region,
           concat_ws(', ', CASE WHEN coalesce(e.patient_id, '') = '' THEN 'patient_id' END,
                     CASE WHEN e.exam_date IS NULL THEN 'exam_date' END,
                     CASE WHEN coalesce(e.body_part, '') = '' THEN 'body_part' END) AS missing
    FROM finding fd LEFT JOIN exam e ON e.rid = fd.rid LEFT JOIN _regions g ON g.body_part = e.body_part
    WHERE e.rid IS NULL OR e.modality IS NULL OR list_contains(CAST($always AS VARCHAR[]), e.modality)
          OR (fd.unsettled AND list_contains(CAST($when_unsettled AS VARCHAR[]), e.modality))),
radiograph AS (
    SELECT e.patient_id, g.region, e.side, e.exam_date AS day, e.rid, e.rid_text, e.accession
    FROM exam e JOIN _regions g ON g.body_part = e.body_part
    WHERE list_contains(CAST($radiographs AS VARCHAR[]), e.modality) AND coalesce(e.patient_id, '') <> '' AND e.exam_date IS NOT NULL
          AND g.region IS NOT NULL),
pair AS (  -- each finding that can be matched, with every radiograph in its window on a compatible side
    SELECT q.n, q.exam_date, s.tier, s.radiograph_side, r.day, r.rid AS radiograph_rid, r.rid_text, r.accession
    FROM asked q
    JOIN _sides s ON s.exam_side IS NOT DISTINCT FROM q.side_key
    JOIN radiograph r ON r.patient_id = q.patient_id AND r.region = q.region
         AND r.side IS NOT DISTINCT FROM s.radiograph_side
         AND r.day BETWEEN q.exam_date - CAST($days_before AS INTEGER) AND q.exam_date + CAST($days_after AS INTEGER)
    WHERE NOT q.orphan AND q.modality IS NOT NULL AND q.missing = '' AND q.region IS NOT NULL),
ranked AS (
    SELECT *,
           count(*) FILTER (WHERE day >= exam_date) OVER side_list AS from_day_on,
           row_number() OVER (PARTITION BY n, tier, radiograph_side, day >= exam_date
                              ORDER BY day DESC, rid_text DESC) AS back,
           row_number() OVER (PARTITION BY n, tier, radiograph_side, day >= exam_date
                              ORDER BY day, rid_text) AS forth,
           row_number() OVER (side_list ORDER BY day DESC, rid_text DESC) AS from_end
    FROM pair
    WINDOW side_list AS (PARTITION BY n, tier, radiograph_side)),
chosen AS (
    SELECT n, tier, day, radiograph_rid, accession, day - exam_date AS days_from_exam FROM ranked
    WHERE CASE WHEN from_day_on > 0 THEN (day < exam_date AND back = 1) OR (day >= exam_date AND forth = 1)
               ELSE from_end <= 2 END
    QUALIFY row_number() OVER (PARTITION BY n ORDER BY tier, abs(day - exam_date), day, rid_text) = 1)
SELECT a.rid, a.idx,
       CASE WHEN a.orphan OR a.modality IS NULL OR a.missing <> '' OR a.region IS NULL THEN 'unknown'
            WHEN c.n IS NULL THEN 'not_correlated' ELSE 'correlated' END,
       c.radiograph_rid, c.accession, c.days_from_exam, coalesce(c.tier = 0, false),
       CASE WHEN a.orphan THEN 'report metadata missing'
            WHEN a.modality IS NULL THEN 'modality missing'
            WHEN a.missing <> '' THEN a.missing || ' missing'
            WHEN a.region IS NULL THEN 'body part not recognised'
            WHEN c.n IS NULL THEN 'no ' || a.region || ' radiograph from ' || CAST($days_before AS VARCHAR) || ' days before to '
                                  || CAST($days_after AS VARCHAR) || ' days after'
       END
FROM asked a LEFT JOIN chosen c USING (n)
ORDER BY a.rid, a.idx, a.n
"""


def _sides_table() -> pa.Table:
    """Which radiograph sides answer an exam side: tier 0 confirms the side, tier 1 does not."""
    rows = [(exam_side, radiograph_side, tier) for exam_side, tiers in COMPATIBLE_SIDES.items()
            for tier, sides in enumerate(tiers) for radiograph_side in sides]
    exam_sides, radiograph_sides, tiers = zip(*rows, strict=True)
    return pa.table({"exam_side": pa.array(exam_sides, pa.string()),
                     "radiograph_side": pa.array(radiograph_sides, pa.string()),
                     "tier": pa.array(tiers, pa.int64())})


def store_correlations(store: Store, window: Window = Window(), vocabulary: Vocabulary | None = None) -> int:
    """Recompute the ``correlations`` table in one transaction, matching inside the store; returns its row count."""
    vocabulary = vocabulary or load_vocabulary()
    con = store.con
    # one Python call per distinct body-part spelling, not per report
    parts = [part for (part,) in con.execute(
        "SELECT DISTINCT body_part FROM reports WHERE body_part IS NOT NULL").fetchall()]
    regions = pa.table({"body_part": pa.array(parts, pa.string()),
                        "region": pa.array([vocabulary.region(p) for p in parts], pa.string())})
    rule = vocabulary.needs_radiograph
    parameters = {"always": list(rule.always), "when_unsettled": list(rule.when_kind_unsettled),
                  "radiographs": sorted(vocabulary.radiograph_modalities),
                  "days_before": window.days_before, "days_after": window.days_after}
    con.register("_regions", regions)
    con.register("_sides", _sides_table())
    try:
        try:
            return _replace_correlations(con, parameters)
        except duckdb.OutOfMemoryException:
            # the match needs more than the connection's memory limit (it grows slowly with the findings to
            # correlate): this statement alone runs under DuckDB's default limit, then the limit is restored
            limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
            con.execute("RESET memory_limit")
            try:
                return _replace_correlations(con, parameters)
            finally:
                con.execute(f"SET memory_limit = '{limit}'")
    finally:
        con.unregister("_regions")
        con.unregister("_sides")


def _replace_correlations(con: duckdb.DuckDBPyConnection, parameters: dict) -> int:
    con.begin()
    try:
        con.execute("DELETE FROM correlations")
        con.execute(f"INSERT INTO correlations {_MATCH}", parameters)
        count = con.execute("SELECT count(*) FROM correlations").fetchone()[0]
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return int(count)

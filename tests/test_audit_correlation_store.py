"""The store's radiograph correlation (matched in SQL) gives the verdicts of the Python reference, ties included."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from reportkit.audit.correlation import Exam, Finding, Window, correlate
from reportkit.audit.radiographs import store_correlations
from reportkit.audit.store import TABLES, Store

DAY = dt.date(2024, 6, 1)
BODY_PARTS = ["knee", "KNEE", "Patella", "ankle", "hand", "", None, "toenail clipping"]
SIDES = ["left", "right", "bilateral", None, "both?"]
MODALITIES = ["radiograph", "MRI", "ultrasound", "CT", None]


def _row(table: str, **values) -> tuple:
    return tuple(values.get(column) for column, _ in TABLES[table])


def _random_store(store: Store, rng: random.Random, reports: int) -> tuple[list[Exam], list[Finding]]:
    """Few patients, days and regions, so that radiographs tie on date, side and region; every kind of
    missing metadata; findings negated, hypothetical, queries, with and without (or with two) assessments."""
    rows: dict[str, list[tuple]] = {"reports": [], "findings": [], "assessments": []}
    exams, findings = [], []
    for rid in range(reports):
        patient = rng.choice(["P1", "P2", "P3", "", None])
        day = DAY + dt.timedelta(days=rng.choice([-400, -365, -40, -5, -5, -1, 0, 0, 3, 30, 31]))
        day = None if rng.random() < 0.05 else day
        archive_modality = rng.choice(MODALITIES)
        modality = rng.choice([[], ["MRI"], ["radiograph"], ["MRI", "ultrasound"]])
        body_part, side, accession = rng.choice(BODY_PARTS), rng.choice(SIDES), rng.choice([f"A{rid}", None])
        rows["reports"].append(_row("reports", rid=rid, id=f"r{rid}", patient_id=patient, exam_date=day,
                                    archive_modality=archive_modality, body_part=body_part, side=side,
                                    accession=accession, modality=modality, sections=[]))
        chosen = archive_modality or (modality[0] if len(modality) == 1 else None)
        exams.append(Exam(str(rid), patient, day, chosen, body_part, side, accession))
        for idx in range(rng.choice([0, 0, 1, 2])):
            negated, hypothetical, query = rng.random() < 0.1, rng.random() < 0.1, rng.random() < 0.1
            rows["findings"].append(_row("findings", rid=rid, idx=idx, is_query=query, negated=negated,
                                         hypothetical=hypothetical, named_concepts=[], descriptors=[],
                                         dimensions_mm=[]))
            kinds = rng.choice([[], ["indeterminate"], ["calcification"], ["indeterminate", "calcification"]])
            for kind in kinds:
                rows["assessments"].append(_row("assessments", rid=rid, finding_idx=idx, kind=kind))
            if not (query or negated or hypothetical):
                findings += [Finding(str(rid), idx, kind == "indeterminate") for kind in kinds or ["indeterminate"]]
    # fixed cases: an MRI of a patient with no radiograph (P9); radiographs tied on their day, with one after
    # the exam (P8) and with none after it (P7)
    fixed = [("P9", 0, "MRI"), ("P8", 0, "MRI"), ("P8", -5, "radiograph"), ("P8", -5, "radiograph"),
             ("P8", 7, "radiograph"), ("P7", 0, "MRI"), *[("P7", -5, "radiograph")] * 3]
    for rid, (patient, days, modality) in enumerate(fixed, start=reports):
        day = DAY + dt.timedelta(days=days)
        rows["reports"].append(_row("reports", rid=rid, patient_id=patient, exam_date=day, archive_modality=modality,
                                    body_part="knee", side="left", modality=[], sections=[]))
        exams.append(Exam(str(rid), patient, day, modality, "knee", "left"))
    mris = [rid for rid, (_, _, modality) in enumerate(fixed, start=reports) if modality == "MRI"]
    for rid in (*mris, reports + 70):  # the last: a finding whose report row is missing
        rows["findings"].append(_row("findings", rid=rid, idx=0, is_query=False, negated=False, hypothetical=False))
        findings.append(Finding(str(rid), 0, True))
    store.commit_chunk(0, "random:1", rows)
    return exams, sorted(findings, key=lambda f: (int(f.report_id), f.finding_index))


@pytest.mark.parametrize("seed", range(6))
def test_the_store_matches_as_the_python_reference_does(tmp_path, seed):
    rng = random.Random(seed)
    window = rng.choice([Window(), Window(30, 0), Window(0, 3), Window(400, 40)])
    store = Store(tmp_path)
    try:
        exams, findings = _random_store(store, rng, 800)
        count = store_correlations(store, window)
        stored = store.con.execute("SELECT * FROM correlations").fetchall()
    finally:
        store.close()
    expected = [(int(c.report_id), c.finding_index, c.status,
                 None if c.radiograph_report_id is None else int(c.radiograph_report_id), c.radiograph_accession,
                 c.days_from_exam, c.side_checked, c.reason) for c in correlate(exams, findings, window)]
    assert {row[2] for row in expected} == {"correlated", "not_correlated", "unknown"}  # every branch was taken
    assert count == len(expected)
    assert stored == expected


def test_the_match_runs_in_the_store_and_reads_no_report_into_python(tmp_path, monkeypatch):
    """The run's process fetches only the distinct body-part spellings, never a row per report or finding."""
    import duckdb

    store = Store(tmp_path)
    fetched: list[int] = []
    try:
        _random_store(store, random.Random(1), 300)
        real = store.con

        class Watched:
            def __getattr__(self, name):
                return getattr(real, name)

            def execute(self, *args, **kwargs):
                result = real.execute(*args, **kwargs)
                return Fetched(result)

        class Fetched:
            def __init__(self, result):
                self.result = result

            def __getattr__(self, name):
                return getattr(self.result, name)

            def fetchall(self):
                rows = self.result.fetchall()
                fetched.append(len(rows))
                return rows

            def fetchone(self):
                fetched.append(1)
                return self.result.fetchone()

        store.con = Watched()
        assert store_correlations(store) > 0
        assert isinstance(real, duckdb.DuckDBPyConnection)
    finally:
        store.con = real
        store.close()
    distinct_body_parts = len({p for p in BODY_PARTS if p is not None})
    assert sum(fetched) <= distinct_body_parts + 1  # the spellings, then the row count


def test_a_match_needing_more_than_the_memory_limit_still_completes_and_the_limit_stays(tmp_path):
    """The run keeps DuckDB's memory small; a correlation that needs more gets it for its statement only."""
    rng = random.Random(4)
    store = Store(tmp_path)
    try:
        exams, findings = _random_store(store, rng, 800)
        store.con.execute("SET memory_limit = '6MiB'")
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        count = store_correlations(store)
        stored = store.con.execute("SELECT * FROM correlations").fetchall()
        assert store.con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == limit
    finally:
        store.close()
    expected = list(correlate(exams, findings, Window()))
    assert count == len(expected) == len(stored)
    assert [(row[0], row[1], row[2]) for row in stored] == [(int(c.report_id), c.finding_index, c.status)
                                                             for c in expected]

"""Radiograph correlation: window edges, sides, missing metadata, and the sample archive's scenarios."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from reportkit.audit.correlation import Exam, Finding, Window, correlate
from reportkit.audit.readers import read_archive
from reportkit.audit.records import AuditInput

MRI_DAY = dt.date(2024, 6, 1)


def _mri(side="left", **overrides) -> Exam:
    fields = dict(report_id="mri", patient_id="P1", exam_date=MRI_DAY, modality="MRI", body_part="KNEE", side=side,
                  accession="ACC-MRI")
    fields.update(overrides)
    return Exam(**fields)


def _xr(days: int, side="left", report_id="xr", **overrides) -> Exam:
    fields = dict(report_id=report_id, patient_id="P1", exam_date=MRI_DAY + dt.timedelta(days=days),
                  modality="radiograph", body_part="knee", side=side, accession=f"ACC-{report_id}")
    fields.update(overrides)
    return Exam(**fields)


def _verdict(*exams: Exam, finding=Finding("mri", 0), window=Window()):
    rows = list(correlate(exams, [finding], window))
    return rows[0] if rows else None


@pytest.mark.parametrize(("days", "status"), [(-365, "correlated"), (-366, "not_correlated"), (0, "correlated"),
                                              (30, "correlated"), (31, "not_correlated"), (12, "correlated")])
def test_window_edges(days, status):
    row = _verdict(_mri(), _xr(days))
    assert row.status == status
    if status == "correlated":
        assert (row.radiograph_accession, row.days_from_exam, row.side_checked) == ("ACC-xr", days, True)


def test_configurable_window():
    assert _verdict(_mri(), _xr(-100), window=Window(days_before=90, days_after=0)).status == "not_correlated"
    assert _verdict(_mri(), _xr(5), window=Window(days_before=90, days_after=0)).status == "not_correlated"


def test_side_mismatch_is_not_a_match_but_unknown_or_bilateral_side_is():
    assert _verdict(_mri("left"), _xr(-10, "right")).status == "not_correlated"
    assert _verdict(_mri("left"), _xr(-10, "bilateral")).side_checked is True
    unknown = _verdict(_mri("left"), _xr(-10, None))
    assert (unknown.status, unknown.side_checked) == ("correlated", False)
    assert _verdict(_mri(None), _xr(-10, "right")).side_checked is False


def test_confirmed_side_preferred_over_nearer_unknown_side_then_nearest():
    row = _verdict(_mri(), _xr(-2, None, "near_unknown"), _xr(-200, "left", "far_left"), _xr(-100, "left", "mid_left"))
    assert row.radiograph_report_id == "mid_left"
    tie = _verdict(_mri(), _xr(-5, "left", "before"), _xr(5, "left", "after"))
    assert tie.radiograph_report_id == "before"


def test_other_patient_or_region_does_not_count():
    assert _verdict(_mri(), _xr(-10, patient_id="P2")).status == "not_correlated"
    assert _verdict(_mri(), _xr(-10, body_part="ANKLE")).status == "not_correlated"
    # region words, not spellings, decide: a patella radiograph covers the knee
    assert _verdict(_mri(), _xr(-10, body_part="Patella")).status == "correlated"


def test_missing_metadata_is_unknown():
    assert _verdict(_mri(patient_id=None), _xr(-1)).reason == "patient_id missing"
    assert _verdict(_mri(exam_date=None), _xr(-1)).status == "unknown"
    assert _verdict(_mri(body_part="toenail clipping"), _xr(-1)).reason == "body part not recognised"
    assert _verdict(_mri(modality=None), _xr(-1)).reason == "modality missing"
    assert _verdict(_xr(-1), finding=Finding("nowhere", 0)).reason == "report metadata missing"


def test_which_findings_need_a_radiograph():
    us = _mri(modality="ultrasound")
    assert _verdict(us, _xr(-1), finding=Finding("mri", 0, kind_unsettled=False)) is None
    assert _verdict(us, _xr(-1), finding=Finding("mri", 0, kind_unsettled=True)).status == "correlated"
    assert _verdict(_mri(modality="CT"), _xr(-1)) is None
    radiograph_finding = list(correlate([_xr(0, report_id="x1")], [Finding("x1", 0)]))
    assert radiograph_finding == []


def _generator():
    root = Path(__file__).parent.parent
    spec = importlib.util.spec_from_file_location("make_sample_archive", root / "benchmarks" / "make_sample_archive.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    return generator


def test_sample_archive_scenarios_get_the_expected_verdicts(tmp_path):
    generator = _generator()
    reports = generator.generate(600, seed=2)
    generator.write_jsonl(reports, tmp_path / "a.jsonl")
    inputs = [i for i in read_archive([tmp_path / "a.jsonl"]) if isinstance(i, AuditInput)]
    exams = [Exam(i.id, i.meta.patient_id, i.meta.exam_date, i.meta.modality, i.meta.body_part, i.meta.side,
                  i.meta.accession) for i in inputs]
    scenario = {r["id"]: r["scenario"] for r in reports}
    rows = list(correlate(exams, [Finding(e.report_id, 0, kind_unsettled=True) for e in exams]))
    expected = {"mri_with_prior_xr": "correlated", "mri_xr_after": "correlated", "us_with_prior_xr": "correlated",
                "mri_no_xr": "not_correlated", "mri_xr_other_side": "not_correlated",
                "mri_xr_too_old": "not_correlated", "mri_missing_meta": "unknown", "us_only": "not_correlated"}
    seen = {}
    for row in rows:
        seen.setdefault(scenario[row.report_id], set()).add(row.status)
    assert {name: statuses for name, statuses in seen.items()} == {k: {v} for k, v in expected.items() if k in seen}
    assert {"mri_with_prior_xr", "mri_no_xr", "mri_missing_meta"} <= set(seen)


def _audit_example(run_dir: Path, window: Window) -> dict[str, set[str]]:
    """Run the audit over the bundled archive; scenario -> correlation statuses of its findings."""
    from reportkit.audit.run import audit_runner, run_audit
    from reportkit.audit.store import Store
    from reportkit.audit.work import WorkOptions

    archive = Path(__file__).parent.parent / "examples" / "archive" / "archive.jsonl.gz"
    options = WorkOptions()
    totals = run_audit(run_dir, [str(archive)], read_archive, lambda: audit_runner(1, options), options, window=window)
    assert totals.correlations > 0
    # the bundled archive is `make_sample_archive.py examples/archive -n 40 --seed 2 --finding-rate 0.3 --gzip`
    generated = _generator().generate(40, seed=2, finding_rate=0.3)
    assert [r["text"] for r in generated] == [i.text for i in read_archive([archive])]
    scenario = {r["id"]: r["scenario"] for r in generated}
    store = Store(run_dir, read_only=True)
    try:
        rows = store.con.execute("SELECT r.id, c.status FROM correlations c JOIN reports r USING (rid)").fetchall()
    finally:
        store.close()
    seen: dict[str, set[str]] = {}
    for report_id, status in rows:
        seen.setdefault(scenario[report_id], set()).add(status)
    return seen


def test_audit_run_fills_correlations_on_the_bundled_archive(tmp_path):
    seen = _audit_example(tmp_path / "default", Window())
    assert seen["mri_with_prior_xr"] == {"correlated"} and seen["mri_no_xr"] == {"not_correlated"}
    assert seen.get("mri_xr_after", {"correlated"}) == {"correlated"}
    # the window is the run's option: radiographs 200+ days old no longer count with 100 days
    narrow = _audit_example(tmp_path / "narrow", Window(days_before=100, days_after=0))
    assert narrow["mri_with_prior_xr"] == {"not_correlated"} and "mri_xr_after" not in {
        k for k, v in narrow.items() if "correlated" in v}


def test_summary_reports_the_correlation_figures(tmp_path):
    from reportkit.audit.store import Store
    from reportkit.audit.summary import compute_summary

    _audit_example(tmp_path, Window())
    store = Store(tmp_path, read_only=True)
    try:
        figures = compute_summary(store)
    finally:
        store.close()
    # five MRI reports, each stating its deposit in findings and impression (6 + 4 mentions)
    assert dict(figures.chart("Radiograph correlation of MRI/US reports with a finding").rows()) == {
        "radiograph found": 3, "no radiograph in the window": 2}
    assert figures.drill_down["Reports with a finding without radiograph correlation"][0][:2] == (
        "no radiograph in the window", 2)

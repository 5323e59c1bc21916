"""The engine: one way from text to an analysed report, reasoning made once and handed on."""

from __future__ import annotations

import pytest

from reportkit import api
from reportkit.engine import Engine, Exam, failure_message, get_engine
from reportkit.lexicon import LexiconError
from reportkit.reasoning.differential import DifferentialRanker
from reportkit.timeout import ReportTimeout

SHOULDER = ("MRI RIGHT SHOULDER\nFINDINGS: A 9 mm amorphous calcific deposit in the supraspinatus tendon.\n"
            "IMPRESSION: Calcific tendinitis of the supraspinatus.")


def _counting_rank(monkeypatch) -> list[int]:
    calls: list[int] = []
    rank = DifferentialRanker.rank

    def counted(self, finding, *args, **kwargs):
        calls.append(finding.start)
        return rank(self, finding, *args, **kwargs)

    monkeypatch.setattr(DifferentialRanker, "rank", counted)
    return calls


def test_labelling_and_reasoning_rank_each_distinct_finding_once(monkeypatch):
    calls = _counting_rank(monkeypatch)
    analysis = get_engine().analyse(SHOULDER, "shoulder")
    report = analysis.report
    assert report.assessments and report.assessments[0].differential
    # a finding and the deposit it makes alone are one ranking, shared by the label and the assessment
    distinct = {(f.start, f.end) for f in analysis.result.findings}
    assert len(calls) <= len(distinct) + len(analysis.result.deposits)
    before = len(calls)
    assert analysis.report is report  # reasoned once, kept
    assert len(calls) == before


def test_extraction_alone_does_not_reason_over_the_deposits(monkeypatch):
    analysis = get_engine().extract(SHOULDER, "shoulder")
    calls = _counting_rank(monkeypatch)
    assert analysis.result.findings[0].diagnosis == "HADD"
    assert calls == []  # the report is made only when asked for
    assert analysis.report.assessments
    assert calls


def test_the_public_calls_and_the_engine_agree():
    engine = get_engine()
    assert api.extract(SHOULDER, "s") == engine.extract(SHOULDER, "s").result
    assert api.analyse(SHOULDER, "s") == engine.analyse(SHOULDER, "s").report
    assert engine.reason(engine.extract(SHOULDER, "s").result, SHOULDER) == engine.analyse(SHOULDER, "s").report


def test_exam_metadata_stands_in_only_where_the_text_is_silent():
    engine = get_engine()
    text = "FINDINGS: Calcific deposit in the supraspinatus tendon."
    analysis = engine.analyse(text, "r", exam=Exam(modality="MRI", side="left", patient_age=50))
    finding = analysis.result.findings[0]
    assert (finding.modality, finding.laterality, finding.laterality_source) == ("MRI", "left", "exam")
    assert engine.exam_fields_used(analysis, Exam(modality="MRI", side="left", patient_age=50)) == [
        "modality", "patient_age", "side"]
    stated = engine.analyse("Ultrasound. " + text.replace("supraspinatus", "right supraspinatus"), "r",
                            exam=Exam(modality="MRI", side="left"))
    assert stated.result.findings[0].laterality == "right" and "side" not in stated.exam_used


def test_a_broken_lexicon_folder_is_refused_when_the_engine_is_made(tmp_path):
    with pytest.raises(LexiconError):
        Engine(str(tmp_path))


def test_failures_never_quote_the_report(monkeypatch):
    monkeypatch.delenv("REPORTKIT_DEBUG", raising=False)
    assert failure_message(ValueError("Mrs SECRETNAME")) == "pipeline failed: ValueError"
    assert "time limit" in failure_message(ReportTimeout(2.0))
    monkeypatch.setenv("REPORTKIT_DEBUG", "1")
    assert "SECRETNAME" in failure_message(ValueError("Mrs SECRETNAME"))

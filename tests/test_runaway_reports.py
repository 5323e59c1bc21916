"""Runaway reports: a per-report time limit turns one into an error record, and the batch goes on;
ConText run sentence by sentence builds the same graph as medspaCy's whole-document run."""

from __future__ import annotations

import json
import signal
import time
import warnings

import pytest
from context_graphs import context_graph
from medspacy.context import ConText
from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.pipeline import get_pipeline
from reportkit.timeout import ReportClock, ReportTimeout, time_limit

runner = CliRunner()
CLAUSES = ["small calcification in the left knee", "no calcification in the right hip",
           "possible calcific tendinitis of the supraspinatus tendon measuring 5 mm", "phleboliths in the pelvis"]


def _runaway() -> str:
    return ", ".join(CLAUSES[i % 4] for i in range(12000))  # no sentence break at all


def test_time_limit_turns_a_runaway_report_into_an_error_record(tmp_path):
    reports = tmp_path / "reports.jsonl"
    lines = [{"id": "a", "text": "Phleboliths in the pelvis."}, {"id": "runaway", "text": _runaway()},
             {"id": "b", "text": "Calcific tendinitis of the supraspinatus."}]
    reports.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = runner.invoke(app, ["extract", str(reports), "--time-limit", "0.5"])
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "runaway", "b"]
    assert "0.5 s time limit" in records[1]["error"] and records[0]["findings"] and records[2]["findings"]
    assert "3 inputs: 2 results, 1 errors" in result.stderr and "calcification" not in result.stderr


def test_report_command_applies_the_time_limit(tmp_path):
    (tmp_path / "runaway.txt").write_text(_runaway())
    (tmp_path / "fine.txt").write_text("Phleboliths in the pelvis.")
    result = runner.invoke(app, ["report", str(tmp_path), "--time-limit", "0.5"])
    assert result.exit_code == 1
    assert "runaway.txt: took longer than the 0.5 s time limit" in result.stderr
    assert "Phlebolith" in result.stdout


def test_sentence_context_builds_medspacyscontext_graph():
    text = ("No calcification in the left knee, possible calcific tendinitis, no ossification\n"
            "History of HADD? pseudogout. No evidence of phleboliths or calcification. Calcification is not seen. "
            + ", ".join(CLAUSES * 30))
    nlp = get_pipeline()
    names = [name for name, _ in nlp.pipeline]
    with nlp.select_pipes(disable=names[names.index("medspacy_context"):]):
        ours, theirs = nlp(text), nlp(text)
    context = nlp.get_pipe("medspacy_context")
    context(ours)
    with warnings.catch_warnings():  # medspaCy's own run may warn about an empty token matcher (W036)
        warnings.simplefilter("ignore")
        ConText.__call__(context, theirs)
    assert context_graph(ours) == context_graph(theirs)
    assert any(negated for negated, *_ in context_graph(ours)[2])


def test_a_timeout_dropped_by_the_code_it_lands_in_is_raised_again():
    """C code running a Python callback may print and drop the exception; the alarm must come back."""
    dropped = 0
    start = time.monotonic()
    with pytest.raises(ReportTimeout):
        with time_limit(0.2):
            while time.monotonic() - start < 10:
                try:
                    while time.monotonic() - start < 10:
                        pass
                except ReportTimeout:
                    dropped += 1  # as a finaliser would: the report goes on running
                    if dropped > 1:
                        raise
    assert dropped == 2 and time.monotonic() - start < 2


def _busy(seconds: float) -> None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        pass


def test_a_report_clock_limits_each_report_and_nothing_between_them():
    previous = signal.getsignal(signal.SIGALRM)
    clock = ReportClock(0.2)
    start = time.monotonic()
    with clock.installed():
        with pytest.raises(ReportTimeout), clock:
            _busy(5)
        with clock:  # the next report has its own time
            _busy(0.1)
        _busy(0.4)  # between reports: no limit
        with pytest.raises(ReportTimeout), clock:
            _busy(5)
    assert time.monotonic() - start < 2
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)

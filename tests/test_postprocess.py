"""reportkit.postprocess: fixes keep the draft's offsets, exam metadata fills gaps, CLI == HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.postprocess import Draft, Exam, _apply, _edits, _Segment, postprocess

EXAMPLES = Path(__file__).parent.parent / "examples"
KNEE = EXAMPLES / "draft_knee_postprocess.txt"
NO_MODALITY_NO_AGE = "FINDINGS:\nCalcific tendinitis of the supraspinatus tendon, ill-defined, 12 mm.\n"




def _apply_edits(draft: str, edits) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        draft = draft[: edit.start] + edit.replacement + draft[edit.end :]
    return draft


def test_edits_applied_to_the_draft_give_the_fixed_text():
    draft = KNEE.read_text(encoding="utf-8")
    result = postprocess(draft)
    assert [(e.original, e.replacement, e.rules) for e in result.edits] == [
        ("pseudogout", "chondrocalcinosis", ["RK201"]), ("Calcific tendinitis", "Calcific tendinopathy", ["RK204"])]
    assert all(draft[e.start : e.end] == e.original for e in result.edits)
    assert _apply_edits(draft, result.edits) == result.text
    # diagnostics and findings point into the fixed text
    for d in result.diagnostics:
        line = result.text.splitlines()[d.line - 1]
        assert line[d.column - 1 :].startswith(result.text[d.start : d.end].split("\n")[0])
    assert all(result.text[f.start : f.end] == f.text for f in result.report.result.findings)


def test_crlf_draft_keeps_its_offsets():
    draft = KNEE.read_text(encoding="utf-8").replace("\n", "\r\n")
    result = postprocess(draft)
    assert len(result.edits) == 2 and _apply_edits(draft, result.edits) == result.text
    assert "\r\n" in result.text


def test_edits_of_later_passes_map_back_to_the_draft():
    # a second pass that rewrites inside the first pass's replacement merges into one draft edit
    draft = "one two three"
    segments = _apply(draft, [_Segment(0, len(draft))], 4, 7, "2", "RK1")  # one 2 three
    segments = _apply(draft, segments, 3, 6, " deux ", "RK2")  # one deux three
    (edit,) = _edits(draft, segments)
    assert (edit.start, edit.end, edit.original, edit.replacement, edit.rules) == (3, 8, " two ", " deux ", ["RK1", "RK2"])
    assert _apply_edits(draft, [edit]) == "one deux three"


def test_clean_draft_comes_back_unchanged():
    result = postprocess(NO_MODALITY_NO_AGE)
    assert result.text == NO_MODALITY_NO_AGE and result.edits == []


def test_exam_metadata_stands_in_for_what_the_text_lacks():
    plain = postprocess(NO_MODALITY_NO_AGE)
    assert plain.report.patient_age is None and not plain.block.radiograph_correlation_missing
    with_exam = postprocess(NO_MODALITY_NO_AGE, exam=Exam(modality="MRI", side="left", patient_age=47))
    assert with_exam.exam_used == ["modality", "patient_age", "side"]
    assert with_exam.report.patient_age == 47
    assert with_exam.report.result.modality == ["MRI"]
    assert {f.laterality for f in with_exam.report.result.findings} == {"left"}
    # MRI without a radiograph: the block says correlation is missing, and RK101 fires
    assert with_exam.block.radiograph_correlation_missing
    assert "RK101" in {d.code for d in with_exam.diagnostics}


def test_the_text_wins_over_the_exam():
    draft = "EXAM: RADIOGRAPH RIGHT SHOULDER\nHISTORY: 60 year old.\n" + NO_MODALITY_NO_AGE
    result = postprocess(draft, exam=Exam(modality="MRI", side="left", patient_age=30))
    assert result.exam_used == []
    assert result.report.patient_age == 60 and result.report.result.modality == ["radiograph"]
    assert {f.laterality for f in result.report.result.findings} == {"right"}


def test_cli_text_format_prints_the_fixed_draft_then_the_block():
    out = CliRunner().invoke(app, ["postprocess", str(KNEE), "--format", "text"])
    assert out.exit_code == 0
    fixed = postprocess(KNEE.read_text(encoding="utf-8"))
    assert out.output.startswith(fixed.text)
    assert out.output.rstrip().endswith(fixed.block.text.rstrip())


def test_cli_reads_stdin_and_rejects_bad_exam():
    runner = CliRunner()
    out = runner.invoke(app, ["postprocess", "-", "--exam", '{"patient_age": 47}'], input=NO_MODALITY_NO_AGE)
    assert out.exit_code == 0 and json.loads(out.output)["exam_used"] == ["patient_age"]
    bad = runner.invoke(app, ["postprocess", "-", "--exam", '{"side": "up"}'], input=NO_MODALITY_NO_AGE)
    assert bad.exit_code == 2 and "--exam" in bad.output
    missing = runner.invoke(app, ["postprocess", "no/such/draft.txt"])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_cli_output_equals_the_http_answer(tmp_path):
    httpx = pytest.importorskip("httpx")
    pytest.importorskip("uvicorn")
    from service_server import Server

    exam = {"modality": "MRI", "side": "left", "patient_age": 52}
    out = CliRunner().invoke(app, ["postprocess", str(KNEE), "--id", "knee-1", "--exam", json.dumps(exam)])
    assert out.exit_code == 0
    draft = Draft(text=KNEE.read_text(encoding="utf-8"), id="knee-1", exam=exam)
    server = Server(tmp_path / "server.log")
    try:
        answer = httpx.post(f"{server.url}/v1/postprocess", json=draft.model_dump(), timeout=60)
    finally:
        server.stop()
    assert answer.status_code == 200
    assert json.loads(out.output) == answer.json()


def test_nothing_of_the_draft_stays_in_the_pipeline():
    from reportkit.pipeline import get_pipeline

    postprocess("FINDINGS: Calcification near the Zorblaxian bursa of Mrs Quetzalcoatlus.")
    strings = get_pipeline().vocab.strings
    assert "Zorblaxian" not in strings and "Quetzalcoatlus" not in strings

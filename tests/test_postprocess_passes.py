"""postprocess chooses a draft's safe fixes without reasoning over the text it replaces, and
answers exactly what the plain two-pass algorithm answers.

The plain algorithm (kept here as the reference) analyses and fully lints every text it
passes through. ``postprocess`` asks only the rules registered with ``safe_fix=True`` until
no safe fix is left, then reasons over and lints the final text. The answers must be
byte-identical: checked on the dev set, the corpus and generated drafts full of safe fixes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit.lint import rules

from reportkit.engine import lint_text
from reportkit.postprocess import (
    MAX_FIX_PASSES,
    Exam,
    PostprocessResult,
    _apply,
    _block,
    _diagnostic_record,
    _edits,
    _safe_edits,
    _Segment,
    analyse_draft,
    postprocess,
)
from reportkit.render import to_fhir

LINT_FIXTURES = Path(__file__).parent / "lint_fixtures"
BENCH_REPORT = Path(__file__).parent.parent / "benchmarks" / "msk_report_250.txt"
CORPUS = ["eval/dev.jsonl", "corpus/iu.jsonl", "corpus/mp.jsonl", "corpus/mt.jsonl"]


def two_pass(text: str, id: str = "draft", exam: Exam | None = None, fhir: bool = False) -> PostprocessResult:
    """The reference: analyse and fully lint the draft, apply its safe fixes, analyse and lint again."""
    segments = [_Segment(0, len(text))]
    current = text
    report, used = analyse_draft(current, id, exam)
    diagnostics = lint_text(current, id, None, None, report=report)
    for _ in range(MAX_FIX_PASSES):
        edits = _safe_edits(diagnostics)
        if not edits:
            break
        for start, end, replacement, rule in sorted(edits, key=lambda e: e[0], reverse=True):
            segments = _apply(text, segments, start, end, replacement, rule)
        current = "".join(seg.text(text) for seg in segments)
        report, used = analyse_draft(current, id, exam)
        diagnostics = lint_text(current, id, None, None, report=report)
    return PostprocessResult(id=id, text=current, edits=_edits(text, segments),
                             diagnostics=[_diagnostic_record(d) for d in diagnostics],
                             block=_block(report, current, diagnostics), report=report, exam_used=used,
                             fhir=to_fhir(report) if fhir else None)


def assert_same_as_two_pass(text: str, exam: Exam | None = None, fhir: bool = False) -> PostprocessResult:
    answer = postprocess(text, "draft", exam, fhir=fhir)
    assert answer.model_dump_json() == two_pass(text, "draft", exam, fhir).model_dump_json()
    return answer


def assert_unfixed_draft_needs_no_second_pass(answer: PostprocessResult) -> None:
    """A draft answered without fixes was fully linted as sent; no safe fix there means the
    reference would have stopped there too, with the same answer."""
    if not answer.edits:
        assert not any(d.fix and d.fix.safe for d in answer.diagnostics)


def test_only_registered_rules_offer_safe_fixes():
    assert {r.code for r in rules().values() if r.safe_fix} == {"RK201", "RK204"}


def test_fixture_drafts_and_bench_report_answer_as_two_passes():
    drafts = [p.read_text(encoding="utf-8") for p in sorted(LINT_FIXTURES.glob("*/*/*.txt"))]
    drafts.append(BENCH_REPORT.read_text(encoding="utf-8"))
    fixed = 0
    for text in drafts:
        for exam, fhir in ((None, False), (Exam(modality="MRI", side="left", patient_age=70), True)):
            fixed += bool(assert_same_as_two_pass(text, exam, fhir).edits)
    assert fixed >= 4  # the RK201/RK204 triggers and the bench report


def test_dev_and_corpus_answer_as_two_passes(shared_dir: Path):
    """Every dev and corpus text: one with safe fixes is compared with the reference; one
    without must show no safe fix in its diagnostics (the reference's first pass is then its answer)."""
    for name in CORPUS:
        with (shared_dir / name).open(encoding="utf-8") as lines:
            for line in lines:
                text = json.loads(line)["text"]
                answer = postprocess(text)
                if answer.edits:
                    assert answer.model_dump_json() == two_pass(text).model_dump_json()
                assert_unfixed_draft_needs_no_second_pass(answer)


SENTENCES = [
    "HADD of the supraspinatus tendon.", "Calcific tendinitis of the infraspinatus tendon.",
    "calcific tendinopathy of the rotator cuff", "Hydroxyapatite deposition disease at the greater tuberosity.",
    "Pseudogout of the menisci.", "pseudogout in the wrist", "PSEUDOGOUT OF THE KNEE.", "No pseudogout.",
    "Acute pseudogout attack of the knee.", "Pseudogout.", "CPPD of the lateral meniscus.",
    "Possible chondrocalcinosis of the triangular fibrocartilage.", "No calcific tendinitis.",
    "Calcific bursitis of the subacromial bursa.", "Ill-defined HADD, 12 mm, resorptive phase.",
    "Pseudo-osteoarthritis of the wrist.", "Left shoulder.", "Right knee.", "The patient is 72 years old.",
    "Consider correlation with radiographs.", "calcific tendinitis", "HADD", "",
]
SECTIONS = ["EXAM: MRI RIGHT SHOULDER", "EXAM: RADIOGRAPH LEFT KNEE", "CLINICAL HISTORY: pain.", "FINDINGS:",
            "IMPRESSION:", "1.", "2."]
drafts = st.lists(st.sampled_from(SENTENCES + SECTIONS), min_size=1, max_size=10).flatmap(
    lambda parts: st.lists(st.sampled_from([" ", "\n", "\r\n", "  "]), min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True))))
exams = st.one_of(st.none(), st.builds(Exam, modality=st.sampled_from([None, "MRI", "radiograph"]),
                                       side=st.sampled_from([None, "left", "right"]),
                                       patient_age=st.sampled_from([None, 40, 75])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts, exams)
def test_generated_drafts_answer_as_two_passes(text, exam):
    assert_unfixed_draft_needs_no_second_pass(assert_same_as_two_pass(text, exam))


@pytest.mark.parametrize("count", [1, 2, 5])
def test_repeated_fixes_answer_as_two_passes(count):
    text = "FINDINGS: Calcific tendinitis of the supraspinatus.\n" + "IMPRESSION: HADD of the tendon. " * count
    assert assert_same_as_two_pass(text).edits

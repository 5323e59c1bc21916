"""A procedure planned and not yet done, or an outcome hoped for, is no finding (project labelling rules R8):
its object is a query, never a mention; the object described where it is, in its own sentence, still counts."""

import pytest

from reportkit import extract

BEFORE = "FINDINGS: A 6 mm stone is seen in the left ureter. A retained needle fragment lies in the left thumb. "


@pytest.mark.parametrize("plan", [
    "Hopefully, the stone will pass on its own.",
    "Plan is to remove the stone with a basket next week.",
    "The patient will undergo removal of the foreign body in clinic.",
    "He is scheduled for extraction of the needle fragment.",
    "We plan to retrieve the needle fragment under fluoroscopy.",
])
def test_a_plan_or_a_hope_adds_no_finding(plan: str) -> None:
    before = extract(BEFORE).findings
    result = extract(BEFORE + plan)
    assert len(result.findings) == len(before), [f.text for f in result.findings]
    assert result.queries, "the planned object is kept as a query"


def test_the_described_objects_still_count() -> None:
    assert [f.negated for f in extract(BEFORE).findings] == [False, False]


@pytest.mark.parametrize("text", [
    "Right knee radiographs, two views, for ?chondrocalcinosis. Joint spaces are preserved.",
    "XR LEFT SHOULDER for ? calcific tendinitis. No acute bony abnormality.",
])
def test_a_study_done_for_a_query_adds_no_finding(text: str) -> None:
    result = extract(text)
    assert not result.findings, [f.text for f in result.findings]
    assert result.queries, "the queried finding is kept as a query"


def test_a_question_mark_after_a_finding_still_hedges_it() -> None:
    (finding,) = extract("FINDINGS: Chondrocalcinosis of the lateral meniscus, ? CPPD.").findings
    assert finding.text == "Chondrocalcinosis" and not finding.negated


@pytest.mark.parametrize("text", [
    "Plan: repeat radiographs of both wrists to look for chondrocalcinosis.",
    "Note: ultrasound is insensitive to small calcifications in the rotator cuff.",
    "Her sister had a foreign body removed from the foot last year.",
])
def test_a_search_a_general_statement_or_a_relative_adds_no_finding(text: str) -> None:
    assert not extract(text).findings, [f.text for f in extract(text).findings]


def test_the_patient_after_a_relative_still_counts() -> None:
    text = "His father had gout. Tophus over the right first MTP joint with an adjacent erosion."
    assert [f.text for f in extract(text).findings] == ["Tophus"]

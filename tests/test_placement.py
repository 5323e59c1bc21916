"""Where a deposit is: shape that follows a structure, bursae beside tendons, the external ear and the
nerves, soft-tissue chondromas, and the article's advice when the location stays open. The sentences are
written for these tests, not taken from the article."""

from __future__ import annotations

import pytest

from reportkit.api import analyse
from reportkit.engine import get_engine


def only_deposit(text: str):
    """The one affirmed deposit's first finding and its assessment."""
    report = analyse(text)
    assert len(report.assessments) == 1, [f.text for f in report.result.findings]
    assessment = report.assessments[0]
    return report, report.result.findings[assessment.finding], assessment


def leading(assessment) -> str:
    return assessment.differential[0].id


# ---------------------------------------------------------------- shape that follows the cartilage


@pytest.mark.parametrize("sentence", [
    "Fine calcific line paralleling the subchondral bone of the medial femoral condyle.",
    "Thin calcification outlining the chondral surface of the humeral head.",
    "Delicate linear calcification lying parallel to the subchondral plate of the lateral tibial plateau.",
    "A curvilinear calcific density follows the articular contour of the femoral head.",
])
def test_a_deposit_following_the_articular_surface_is_chondrocalcinosis(sentence):
    _, finding, assessment = only_deposit(f"EXAM: Radiographs.\nAge: 78\nFINDINGS: {sentence}")
    assert finding.location_category == "articular"
    assert leading(assessment) == "cppd"


def test_a_deposit_inside_the_condyle_stays_in_the_bone():
    _, finding, _ = only_deposit("EXAM: Knee radiograph.\nFINDINGS: Calcification within the medial femoral condyle.")
    assert finding.location_category == "other"


# ---------------------------------------------------------------- bursae beside tendons


@pytest.mark.parametrize("age, sentence", [
    (75, "Ill-defined calcification within the subacromial-subdeltoid bursa."),
    (50, "A dense crescent of calcification lies in the subdeltoid bursa over the cuff."),
    (81, "Calcific deposit in the SASD bursa with surrounding fluid."),
    (62, "Amorphous calcification in the greater trochanteric bursa."),
    (45, "Small calcification in the retrocalcaneal bursa."),
])
def test_calcification_in_a_bursa_beside_a_tendon_is_read_as_calcific_tendinopathy(age, sentence):
    _, finding, assessment = only_deposit(f"EXAM: Radiographs.\nAge: {age}\nFINDINGS: {sentence}")
    assert finding.location_category == "tendon"
    assert leading(assessment) == "hadd"
    assert finding.diagnosis == "HADD"


# ---------------------------------------------------------------- the external ear and the nerves


@pytest.mark.parametrize("sentence", [
    "Calcification of the left auricular cartilage.",
    "The pinnae are densely calcified bilaterally.",
    "Calcified helix of the right ear.",
])
def test_external_ear_cartilage_calcification_gets_the_articles_note(sentence):
    _, finding, assessment = only_deposit(f"EXAM: Radiograph.\nAge: 80\nFINDINGS: {sentence}")
    assert finding.location_category == "soft_tissue"
    assert leading(assessment) == "external_ear_chondral_calcification"
    assert any("syphilis" in note for note in assessment.notes)
    assert "cppd" not in {item.id for item in assessment.differential}


@pytest.mark.parametrize("sentence", [
    "Linear calcifications along the ulnar nerve at the elbow.",
    "Calcified median nerve in the carpal tunnel.",
    "Calcification following the course of the common peroneal nerve.",
])
def test_nerve_calcification_gets_the_articles_note(sentence):
    _, finding, assessment = only_deposit(f"EXAM: Radiograph.\nFINDINGS: {sentence}")
    assert finding.location_category == "soft_tissue"
    assert finding.site and "nerve" in finding.site
    assert leading(assessment) == "nerve_calcification"
    assert any("leprosy" in note for note in assessment.notes)


# ---------------------------------------------------------------- soft-tissue chondroma


@pytest.mark.parametrize("sentence", [
    "Extraskeletal chondroma of the fifth finger with chondroid calcifications.",
    "Soft-tissue mass of the fourth toe containing ring-and-arc calcifications.",
    "Punctate ring-like calcifications within an extraosseous chondroma of the thumb.",
])
def test_a_chondroma_outside_the_bone_is_soft_tissue(sentence):
    _, finding, _ = only_deposit(f"EXAM: Radiograph of the hand.\nFINDINGS: {sentence}")
    assert finding.location_category == "soft_tissue"


def test_a_chondroid_matrix_in_a_named_bone_stays_intraosseous():
    _, finding, _ = only_deposit(
        "EXAM: Radiograph of the hand.\nFINDINGS: Enchondroma of the proximal phalanx with chondroid calcifications.")
    assert finding.location_category == "other"


# ---------------------------------------------------------------- an open location: shape, oblique views or CT

LOCATE = "locate_by_shape_or_oblique_views"


@pytest.mark.parametrize("text", [
    "EXAM: Right elbow radiograph.\nFINDINGS: Calcific density about the elbow.",
    "EXAM: Left shoulder, single AP view.\nFINDINGS: Calcification projecting over the humeral head.",
    "EXAM: XR right hip.\nFINDINGS: A few calcifications are present around the hip.",
])
def test_an_ambiguous_location_on_radiographs_gets_the_articles_advice(text):
    report = analyse(text)
    assert LOCATE in {r.id for r in report.recommendations}
    rec = next(r for r in report.recommendations if r.id == LOCATE)
    assert "oblique" in rec.text and "Second step" in rec.source
    messages = [d.message for d in get_engine().lint_text(text) if d.code == "RK302"]
    assert messages and all("oblique views" in m for m in messages)
    assert not [d for d in get_engine().lint_text(text) if d.code == "RK701" and "oblique" in d.message]


@pytest.mark.parametrize("text", [
    "EXAM: Right shoulder radiograph.\nFINDINGS: Calcification in the supraspinatus tendon.",
    "EXAM: Right shoulder radiograph.\nFINDINGS: No calcification about the shoulder.",
    "EXAM: Right shoulder radiograph.\nINDICATION: Rule out calcification about the shoulder.\nFINDINGS: Normal.",
    "EXAM: MRI right shoulder.\nFINDINGS: Calcification in the shoulder.",
    "EXAM: Chest radiograph.\nFINDINGS: Calcific density projecting over the left lung.",
])
def test_no_location_advice_without_an_affirmed_musculoskeletal_deposit_of_open_location(text):
    assert LOCATE not in {r.id for r in analyse(text).recommendations}

"""Reading a deposit that has gone, a place left open, and a sentence that names what was just described.

Every sentence here is written by the team.
"""

from __future__ import annotations

import pytest

from reportkit import analyse, extract
from reportkit.engine import lint_text

LOCATE = "locate_by_shape_or_oblique_views"


def codes(text: str) -> set[str]:
    return {d.code for d in lint_text(text)}


def advice(text: str) -> set[str]:
    return {r.id for r in analyse(text).recommendations}


# ---------------------------------------------------------------- a deposit that has gone is negated

@pytest.mark.parametrize("text", [
    "IMPRESSION: Interval disappearance of the infraspinatus calcification.",
    "IMPRESSION: Complete disappearance of the calcific focus in the teres minor tendon.",
    "FINDINGS: Spontaneous resorption of the supraspinatus calcific deposit since March.",
    "IMPRESSION: Resolved calcific tendinitis of the subscapularis.",
    "IMPRESSION:\n1. Resolved hydroxyapatite deposition in the gluteus minimus tendon.",
    "FINDINGS: The infraspinatus calcification has since disappeared completely.",
    "FINDINGS: The formerly seen teres minor calcific deposit has since disappeared entirely.",
])
def test_a_deposit_reported_gone_is_negated_and_gets_no_advice(text):
    result = extract("EXAM: Radiographs of the right shoulder.\n" + text)
    assert result.findings and all(f.negated for f in result.findings)
    assert all(d.negated for d in result.deposits)
    full = "EXAM: Radiographs of the right shoulder.\n" + text
    assert not advice(full)
    assert not {"RK301", "RK602"} & codes(full)


@pytest.mark.parametrize("text", [
    "FINDINGS: Partial resorption of the supraspinatus calcification, now 4 mm.",
    "FINDINGS: The infraspinatus calcification has not yet disappeared.",
    "FINDINGS: Calcification in the infraspinatus tendon has since enlarged.",
])
def test_a_deposit_only_partly_gone_or_still_there_stays_affirmed(text):
    [finding] = extract("EXAM: Radiographs of the left shoulder.\n" + text).findings
    assert not finding.negated


# ---------------------------------------------------------------- the indication's follow-up is no finding

@pytest.mark.parametrize("history", [
    "CLINICAL HISTORY: Follow-up of calcific tendinitis.",
    "INDICATION: Follow up of calcific tendinopathy of the supraspinatus.",
    "REASON FOR EXAM: f/u of calcific periarthritis, right shoulder",
])
def test_what_the_indication_follows_up_is_a_query_not_a_current_finding(history):
    text = f"EXAM: Radiographs of the right shoulder.\n{history}\nFINDINGS: Normal shoulder. No calcification."
    result = extract(text)
    assert [q.section for q in result.queries] == ["indication"]
    assert not [f for f in result.findings if not f.negated]
    assert not advice(text)
    assert "RK301" not in codes(text)


def test_a_follow_up_named_in_the_findings_stays_a_finding():
    text = ("EXAM: Radiographs of the right shoulder.\n"
            "FINDINGS: Follow-up of the supraspinatus calcification shows it measures 6 mm.")
    [finding] = extract(text).findings
    assert not (finding.negated or finding.hypothetical)


# ---------------------------------------------------------------- a place given as alternatives is unsettled

@pytest.mark.parametrize("sentence", [
    "Faint calcification about the left elbow, uncertain whether tendinous or capsular.",
    "Small calcific focus lateral to the left knee, either in the tendon or in the joint capsule.",
    "Ill-defined calcification at the left wrist, tendon versus joint capsule.",
])
def test_a_location_given_as_alternatives_is_left_open_with_the_oblique_view_advice(sentence):
    text = f"EXAM: Radiographs of the left limb.\nFINDINGS: {sentence}"
    [finding] = extract(text).findings
    assert finding.location_category is None and finding.site is not None
    assert "RK302" in codes(text)
    assert LOCATE in advice(text)


def test_alternatives_within_one_location_category_settle_it():
    text = "EXAM: Radiographs of the right shoulder.\nFINDINGS: Calcification in the supraspinatus or infraspinatus tendon."
    [finding] = extract(text).findings
    assert finding.location_category == "tendon"
    assert LOCATE not in advice(text)


# ---------------------------------------------------------------- a sentence naming what was just described

@pytest.mark.parametrize("text", [
    ("FINDINGS: Thin linear calcification of the triangular fibrocartilage. This chondrocalcinosis is part of "
     "CPPD deposition disease.\nIMPRESSION: Triangular fibrocartilage chondrocalcinosis."),
    ("FINDINGS: Fine linear calcification within the medial meniscus. Because gout does not calcify cartilage, "
     "this is chondrocalcinosis due to CPPD.\nIMPRESSION: Meniscal chondrocalcinosis."),
    ("FINDINGS: Delicate linear calcification of the lateral meniscus. These findings are consistent with "
     "chondrocalcinosis."),
])
def test_a_clause_naming_the_deposit_just_described_folds_into_it(text):
    result = extract("EXAM: Radiographs of the left knee.\n" + text)
    assert len(result.findings) >= 2  # the evaluation still counts every mention
    [deposit] = result.deposits
    assert deposit.location_category == "articular" and deposit.diagnosis == "CPPD"


def test_a_demonstrative_clause_at_another_named_place_is_a_second_deposit():
    text = ("EXAM: Radiographs of the right shoulder.\n"
            "FINDINGS: Calcification in the supraspinatus tendon. This is accompanied by a calcification in the "
            "teres minor tendon.")
    assert len(extract(text).deposits) == 2


@pytest.mark.parametrize(("text", "entity"), [
    ("EXAM: RADIOGRAPH RIGHT HIP\nFINDINGS: Lobulated calcified mass lateral to the hip. Teutschlaender disease "
     "is not considered.", "Teutschlaender disease"),
    ("EXAM: CT LEFT ELBOW\nFINDINGS: Calcified mass over the olecranon. Idiopathic tumoral calcinosis is not "
     "considered likely given the age.", "Idiopathic tumoral calcinosis"),
    ("EXAM: RADIOGRAPH LEFT KNEE\nFINDINGS: Chondrocalcinosis of the lateral meniscus is not favoured; the linear "
     "density is vascular.", "Chondrocalcinosis"),
    ("EXAM: RADIOGRAPH LEFT SHOULDER\nFINDINGS: Calcific tendinitis is not suspected on this study.",
     "Calcific tendinitis"),
])
def test_a_diagnosis_set_aside_after_its_name_is_no_finding(text, entity):
    # the entity the clause sets aside is negated, so it drives no advice
    [named] = [f for f in extract(text).findings if f.text == entity]
    assert named.negated

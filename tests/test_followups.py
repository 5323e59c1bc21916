"""Categories of error found by the independent review (seed 20261127), one test per category.

Every sentence here is written by the team; none is taken from the corpus.
"""

import pytest

from reportkit import extract


def findings(text: str):
    """The findings of ``text``."""
    return extract(text).findings


def sides(text: str) -> list[tuple[str, str | None]]:
    """(finding text, side) for every finding of ``text``."""
    return [(f.text, f.laterality) for f in findings(text)]


# --- 1. wrong side -------------------------------------------------------------------------------

def test_a_technique_line_under_the_exam_header_gives_no_exam_side():
    text = ("EXAM:TECHNIQUE: CT of the heart; contrast was injected in the right arm.\n"
            "FINDINGS: The vessel shows calcific plaque in its proximal part.")
    assert sides(text) == [("calcific plaque", None)]


@pytest.mark.parametrize("text", [
    "EXAM: CT RIGHT ARM\nFINDINGS: Calcified plaque in the LAD.",
    "EXAM: CT RIGHT ARM\nFINDINGS: Ostial calcification of the first diagonal branch.",
    "EXAM: CT RIGHT ARM\nFINDINGS: Calcific plaque in the obtuse marginal branch.",
])
def test_coronary_branches_never_take_a_side(text):
    assert [side for _, side in sides(text)] == [None]


def test_a_side_given_to_a_lesion_does_not_reach_an_unplaced_plaque():
    text = ("FINDINGS: A right neck mass displaces the pharynx. "
            "Incidentally noted are calcified atherosclerotic plaques.")
    assert sides(text) == [("calcified atherosclerotic plaques", None)]


def test_the_side_of_a_coordinated_noun_does_not_reach_the_finding():
    text = "HISTORY: Known nephrolithiasis and left renal cyst."
    assert sides(text) == [("nephrolithiasis", None)]


def test_a_side_naming_a_paired_vessel_is_kept():
    text = ("FINDINGS: Right common carotid artery had a tight lesion which was heavily calcified "
            "and was not treated because of left-to-right flow.")
    assert sides(text) == [("calcified", "right")]


def test_a_side_naming_one_vessel_is_no_side_of_the_neck_region():
    text = ("CT of the neck: the right internal carotid artery is tortuous and bulges into the adjacent soft "
            "tissues. Incidental calcified atherosclerotic plaques are also seen.")
    assert sides(text) == [("calcified atherosclerotic plaques", None)]


# --- 2. location ---------------------------------------------------------------------------------

def locations(text: str) -> list[tuple[str, str | None, str | None]]:
    """(finding text, location category, diagnosis) for every finding of ``text``."""
    return [(f.text, f.location_category, f.diagnosis) for f in findings(text)]


@pytest.mark.parametrize("text", [
    "CORONARY ANGIOGRAPHY: The first diagonal branch shows ostial calcification.",
    "FINDINGS: Mixed calcific plaque within the LM without a high-grade stenosis.",
    "FINDINGS: The obtuse marginal branch has a calcified ostium.",
])
def test_coronary_branches_are_vascular_with_arterial_calcification(text):
    assert [(loc, dx) for _, loc, dx in locations(text)] == [("vascular", "arterial_calcification")]


@pytest.mark.parametrize("text, category", [
    ("FINDINGS: The calcified wall of a sebaceous cyst is noted.", "soft_tissue"),
    ("FINDINGS: The breast implant capsule was extremely calcified and was excised.", "other"),
    ("FINDINGS: The remaining tympanic membrane was calcified and thickened.", "other"),
])
def test_structures_that_only_look_articular_or_visceral(text, category):
    assert [loc for _, loc, _ in locations(text)] == [category]


def test_a_restatement_without_a_location_takes_its_antecedents():
    text = "FINDINGS: Myositis ossificans is present. The ossification measures 5 cm."
    assert [loc for _, loc, _ in locations(text)] == ["soft_tissue", "soft_tissue"]


# --- 3. false positives --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "MEDICAL DECISION MAKING: The differential entertained here includes viral illness and foreign body aspiration.",
    "CHIEF COMPLAINT: Questionable foreign body, left ear.",
    "HISTORY: Concern for a retained foreign body in the hand.",
    "DISCUSSION: In patients who were operated on elsewhere the bullets may have been removed already.",
    "DISCUSSION: The twinkle artifact on ultrasound can help identify small renal calculi that do not shadow.",
    "FAMILY HISTORY: Negative for cancer, kidney stones or other complaints.",
    "FINDINGS: Alignment and bone mineralization of the cervical spine are normal.",
])
def test_considered_general_or_family_statements_are_no_findings(text):
    assert findings(text) == []


# --- 4. negation ---------------------------------------------------------------------------------

def negations(text: str) -> list[tuple[str, bool]]:
    """(finding text, negated) for every finding of ``text``."""
    return [(f.text, f.negated) for f in findings(text)]


@pytest.mark.parametrize("text, expected", [
    # conventions: a stone that has passed is gone, like a resolved finding
    ("HISTORY: He had kidney stones years ago that spontaneously passed.", [("kidney stones", True)]),
    ("FINDINGS: No hydronephrosis; a recently passed ureteral stone is likely.", [("ureteral stone", True)]),
    ("PHYSICAL EXAMINATION: Skin with no erythema, foreign body, or lacerations.", [("foreign body", True)]),
    # seen on one view only: the finding is there, the sentence says where it is not seen
    ("FINDINGS: A calcified lymph node is seen on the lateral view and is not identified on the PA view.",
     [("calcified lymph node", False)]),
])
def test_passed_stones_negated_lists_and_view_specific_statements(text, expected):
    assert negations(text) == expected


# --- 5. diagnosis --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "FINDINGS: Splenic artery aneurysm with some calcification of the wall and mural thrombus.",
    "FINDINGS: There was calcification and possible thrombus in the descending aorta.",
    "FINDINGS: Calcification within a thrombus.",
])
def test_a_thrombus_alone_is_no_venous_context_for_a_phlebolith(text):
    assert [f.diagnosis for f in findings(text)] != ["phlebolith"]


# --- 6. leftovers --------------------------------------------------------------------------------

def test_a_projectile_fragment_is_a_foreign_body():
    text = "FINDINGS: A rounded radiopaque density in the subcutaneous fat represents a projectile fragment."
    assert [(f.kind, f.diagnosis) for f in findings(text)] == [("foreign_body", "foreign_body")]


@pytest.mark.parametrize("text", [
    "HISTORY: Known pseudogout, now knee pain.",
    "CLINICAL HISTORY: History of pseudogout in both knees.",
    "FINDINGS: Effusion. The patient reports an acute pseudogout attack last month.",
])
def test_pseudogout_as_a_clinical_statement_is_no_finding(text):
    assert findings(text) == []


def test_pseudogout_misused_for_a_deposit_is_still_read_as_one():
    assert [f.diagnosis for f in findings("FINDINGS: Pseudogout of the menisci.")] == ["CPPD"]


def test_rk101_names_only_the_modalities_it_checks():
    from reportkit.engine import lint_text

    text = "EXAM: MRI RIGHT SHOULDER.\nFINDINGS: Calcification in the supraspinatus tendon.\n"
    messages = [d.message for d in lint_text(text) if d.code == "RK101"]
    assert messages and all("CT" not in m and "MRI or ultrasound" in m for m in messages)


def test_a_side_in_another_statement_of_the_sentence_is_not_the_findings():
    text = "FINDINGS: There is a 3 cm right adrenal nodule and there are no renal stones."
    assert sides(text) == [("renal stones", None)]


def test_a_side_naming_an_organ_still_places_a_lesion_in_it():
    text = ("FINDINGS: Two cysts with calcified rims lie in the lower pole of the right kidney. "
            "Coarse calcifications are noted within one of the cysts.")
    assert [side for _, side in sides(text)] == ["right", "right"]


def test_a_lobe_of_the_liver_is_no_side():
    # the liver is unpaired: "right hepatic lobe" names a part of it, not a side of the body
    text = ("FINDINGS: Two cysts with calcified rims lie in the posterior right hepatic lobe. "
            "Coarse calcifications are noted within one of the cysts.")
    assert [side for _, side in sides(text)] == [None, None]


def test_a_side_naming_a_heart_wall_is_no_side_of_a_coronary_vessel():
    text = ("FINDINGS: The vessel continues on the left lateral ventricular wall. "
            "There is minimal calcific plaque in the vessel.")
    assert [side for _, side in sides(text)] == [None]

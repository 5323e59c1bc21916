"""Mentions and their assertion in clinical and operative notes: denials and failed searches in lists, exam
technique, luminal stones outside the urinary tract, lists and parenthesised glosses, question marks opening a
list item, options and plans, broken or retained devices, scar markers, terminating words and coronary
calcium scores. Sentences written for these tests (project labelling rules R5-R8, R12, R13 in
tests/gold/CONVENTIONS.md)."""

from __future__ import annotations

import pytest

from reportkit.api import extract


def found(text: str) -> list[tuple[str, bool, bool]]:
    """(lower-cased text, negated, uncertain) of every finding."""
    return [(f.text.lower(), f.negated, f.uncertain) for f in extract(text).findings]


def one(text: str):
    findings = extract(text).findings
    assert len(findings) == 1, [f.text for f in findings]
    return findings[0]


# ----------------------------------------------------------------- denials and failed searches
@pytest.mark.parametrize("text, term", [
    ("ROS: He denies dysuria, hematuria or kidney stones.", "kidney stones"),
    ("She denied any prior renal calculi.", "renal calculi"),
    ("Patient denies: fevers, chills, nephrolithiasis, gout.", "nephrolithiasis"),
    ("The kidneys fail to demonstrate mass, hydronephrosis or calculus.", "calculus"),
    ("Sonography failed to show any gallstones.", "gallstones"),
    ("Choledochoscopy: I was unable to see any stone in the common duct.", "stone"),
    ("There is a lack of calcification within the nodule.", "calcification"),
    ("The mass lacks calcification.", "calcification"),
])
def test_denials_and_failed_searches_negate(text, term):
    assert (term, True, False) in found(text)


@pytest.mark.parametrize("text, term", [
    ("Renal calculi were not appreciated on the scout image.", "renal calculi"),
    ("A foreign body was not found on exploration of the wound.", "foreign body"),
    ("He has never had kidney stones.", "kidney stones"),
])
def test_other_denial_wording_negates(text, term):
    assert (term, True, False) in found(text)


@pytest.mark.parametrize("text", [
    "Left ureteroscopy: after basket extraction the ureter was clear of stones.",
    "Right nephrolithotomy; the kidney was stone-free on the final fluoroscopy.",
])
def test_a_statement_of_absence_after_removal_negates(text):
    assert [negated for _, negated, _ in found(text)] == [True]


def test_removal_alone_does_not_negate():
    text = "Cystoscopy: a 9 mm bladder stone was crushed and removed."
    assert found(text) == [("bladder stone", False, False)]


@pytest.mark.parametrize("text", [
    "Negative for fever.. chills.. kidney stones.",
    "No mass -- renal calculi -- or hydronephrosis.",
    "She denies heartburn, bloody stools, renal calculi, cholelithiasis, wheezing or snoring.",
])
def test_every_item_of_a_negated_list_is_negated(text):
    results = found(text)
    assert results and all(negated for _, negated, _ in results)


def test_a_denial_list_keeps_its_findings_apart():
    assert [t for t, _, _ in found("He denies bleeding ulcers, renal calculi, cholelithiasis or asthma.")] == [
        "renal calculi", "cholelithiasis"]


def test_exam_technique_negates_nothing():
    finding = one("Head CT without contrast: calcified 2 cm mass in the left temporal lobe.")
    assert (finding.negated, finding.laterality) == (False, "left")


def test_without_iv_contrast_negates_nothing():
    assert found("Abdomen CT without IV contrast: a 6 mm stone in the right kidney.")[0][1] is False


def test_plain_without_still_negates():
    assert found("Pelvis radiograph: hips without calcification.")[0][1] is True


# ----------------------------------------------------------------- luminal stones outside the urinary tract
@pytest.mark.parametrize("text, term", [
    ("POSTOPERATIVE DIAGNOSIS: Acute cholecystitis with cholelithiasis.", "cholelithiasis"),
    ("Ultrasound shows gallstones layering in the gallbladder.", "gallstones"),
    ("Impression: choledocholithiasis.", "choledocholithiasis"),
    ("Tonsillar hypertrophy with a tonsillolith on the left.", "tonsillolith"),
    ("A 4 mm sialolith lies in the submandibular duct.", "sialolith"),
])
def test_luminal_stones_are_findings(text, term):
    finding = one(text)
    assert (finding.text.lower(), finding.kind, finding.location_category, finding.diagnosis) == (
        term, "calcification", "other", "other")


def test_bare_stones_in_a_biliary_operative_note_are_restatements():
    text = ("PROCEDURE: Open cholecystectomy and common duct exploration.\nThe gallbladder was opened and two "
            "large stones were taken out. The cholangiogram showed a filling defect in the common duct. A 1 cm "
            "stone was then delivered through the choledochotomy. No further stones were found.")
    assert found(text) == [("stones", False, False), ("stone", False, False), ("stones", True, False)]


def test_an_instrument_named_after_stones_is_not_a_finding():
    text = "Cholangiogram of the common bile duct. The stone was grasped with stone forceps and removed."
    assert [t for t, _, _ in found(text)] == ["stone"]


@pytest.mark.parametrize("text", [
    "Dental exam: heavy calculus on the lower incisors.",
    "Cholecystectomy was uneventful.",
])
def test_tartar_and_bare_procedures_are_not_findings(text):
    assert found(text) == []


def test_two_listed_stones_of_one_kind_are_two_findings():
    text = "POSTOPERATIVE DIAGNOSES: Cholecystitis, cholelithiasis, choledocholithiasis, and obesity."
    assert [t for t, _, _ in found(text)] == ["cholelithiasis", "choledocholithiasis"]


# ----------------------------------------------------------------- a parenthesised gloss is the same finding
@pytest.mark.parametrize("text, site", [
    ("A retained foreign body (FB) in the left thigh.", "soft_tissue"),
    ("Heterotopic ossification (HO) around the right hip.", "soft_tissue"),
])
def test_a_parenthesised_abbreviation_is_not_a_second_finding(text, site):
    assert one(text).location_category == site


def test_parentheses_around_a_site_keep_two_findings():
    assert len(extract("Calcified granulomas (right upper lobe) and a phlebolith (pelvis).").findings) == 2


# ----------------------------------------------------------------- question marks, options and plans
def test_a_question_mark_opening_a_list_item_questions_only_that_item():
    assert found("ASSESSMENT: Choledocholithiasis, ? pancreatitis.") == [("choledocholithiasis", False, False)]


def test_a_trailing_question_mark_still_questions_its_finding():
    assert found("Findings: small calcification?")[0][2] is True


@pytest.mark.parametrize("text", [
    "Options such as observation, passing the stone on its own, or ureteroscopy were discussed.",
    "He elected to proceed with lithotripsy to break up the stone.",
    "A CT is advised for assessment of possible calcifications.",
    "Renal shock wave lithotripsy was planned in order to fragment the stone.",
])
def test_options_plans_and_purposes_are_not_findings(text):
    assert found(text) == []


def test_a_performed_step_on_the_stone_is_a_finding():
    text = "Left ureteroscopy. The stone was seen in the mid ureter and fragmented with the laser."
    assert [t for t, _, _ in found(text)] == ["stone"]


# ----------------------------------------------------------------- hedges and where they stop
def test_a_later_hedge_after_but_leaves_the_plaque_certain():
    text = "There is dense calcific plaque limiting evaluation of the lumen, but a stenosis cannot be excluded."
    assert found(text) == [("calcific plaque", False, False)]


def test_a_hedge_after_although_leaves_the_plaque_certain():
    text = "Mixed calcific plaque in the LAD, and although there is no stenosis, a lesion can not be excluded."
    assert found(text)[0][2] is False


def test_a_hedge_with_no_terminating_word_still_reaches_back():
    assert found("A tiny calcification in the left breast cannot be excluded.")[0][2] is True


@pytest.mark.parametrize("text", [
    "The dark focus raises the possibility of a calcification.",
    "There is the possibility of a small renal calculus.",
])
def test_possibility_wording_hedges(text):
    assert found(text)[0][1:] == (False, True)


# ----------------------------------------------------------------- devices and markers
@pytest.mark.parametrize("text", [
    "PREOPERATIVE DIAGNOSIS: Fractured and retained epidural catheter.",
    "A migrated pleural drain lies in the right chest wall.",
    "Retained guidewire fragment in the inferior vena cava.",
    "Cystoscopy: a retained surgical staple was removed from the bladder wall.",
    "The sinus tract was explored and a retained braided suture was excised.",
])
def test_broken_retained_or_migrated_devices_are_foreign_bodies(text):
    finding = one(text)
    assert (finding.kind, finding.diagnosis) == ("foreign_body", "foreign_body")


@pytest.mark.parametrize("text", [
    "The epidural catheter was placed at L3-L4 without difficulty.",
    "A right internal jugular catheter terminates in the superior vena cava.",
    "The skin was closed with staples and the fascia with interrupted sutures.",
])
def test_devices_in_their_intended_use_are_not_findings(text):
    assert found(text) == []


def test_a_scar_marker_is_an_external_marker():
    finding = one("Mammogram: a scar marker overlies the right breast.")
    assert (finding.kind, finding.location_category, finding.diagnosis) == ("foreign_body", "other", "other")


# ----------------------------------------------------------------- coronary calcium scores
@pytest.mark.parametrize("text", [
    "The total coronary calcium score is 212.",
    "Coronary artery calcium (CAC) score of 48, in the 70th percentile.",
    "Agatston score: 7.",
])
def test_a_stated_calcium_score_is_coronary_calcification(text):
    finding = one(text)
    assert (finding.negated, finding.location_category, finding.diagnosis) == (
        False, "vascular", "arterial_calcification")


def test_a_calcium_score_of_zero_is_negated():
    assert one("The Agatston calcium score is 0.").negated is True


@pytest.mark.parametrize("text", [
    "CALCIUM SCORING: performed on the scanner workstation.",
    "Some men of his age would have a higher calcium score.",
])
def test_a_calcium_score_without_a_value_is_not_a_finding(text):
    assert found(text) == []


# ----------------------------------------------------------------- a foreign body named again by a bare noun
@pytest.mark.parametrize("text, restated", [
    ("PROCEDURE: Removal of a retained glass foreign body, left thumb. A 4 mm glass shard lay beside the tendon "
     "sheath. The fragment was grasped with forceps and removed intact.", "fragment"),
    ("ED NOTE: Gunshot wound to the thigh. Bullet fragments in the vastus medialis. Two larger pieces were removed "
     "at the bedside.", "pieces"),
])
def test_a_foreign_body_named_again_by_a_bare_noun_is_a_mention(text, restated):
    findings = extract(text).findings
    assert [f.kind for f in findings if f.text.lower() == restated] == ["foreign_body"]


@pytest.mark.parametrize("text", [
    # a fracture's fragment, tissue, and stone pieces in a note that also names a foreign body
    "ORIF of the radius. No foreign body. The distal fragment was reduced and held with a plate.",
    "Laceration explored for glass; none found. Small pieces of tissue were sent for culture.",
    "Ureteroscopy for a distal ureteral stone; no foreign body. The pieces were basketed.",
])
def test_a_bare_noun_of_bone_tissue_or_stone_is_no_foreign_body(text):
    assert all(f.kind != "foreign_body" or f.negated for f in extract(text).findings)


def test_a_bare_deposit_restating_a_calcification_is_a_mention_but_not_another_kind_of_deposit():
    from reportkit import extract

    note = ("SHOULDER CLINIC\nBilateral calcific tendinopathy. R: 11 mm supraspinatus deposit, painful; L: small "
            "infraspinatus deposit.")
    found = [(f.text, f.site, f.laterality) for f in extract(note).findings]
    assert ("deposit", "supraspinatus", "right") in found and ("deposit", "infraspinatus", "left") in found
    # no calcium named, or another substance's deposit: no mention
    assert not extract("MRI RIGHT SHOULDER\nSmall deposit in the supraspinatus tendon.").findings
    chest = extract("CT CHEST\nCoronary artery calcification. Pleural deposits in keeping with metastases.").findings
    assert [f.text for f in chest] == ["calcification"]

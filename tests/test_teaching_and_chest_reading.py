"""Teaching-case prose and chest-radiograph wording: generic discussion statements, negation and hedge scope,
stones outside the urinary tract, worn jewellery. Every sentence is written for these tests."""

from __future__ import annotations

import pytest

from reportkit.api import extract


def findings(text: str) -> list[tuple[str, bool, bool]]:
    """(text, negated, uncertain) of every finding, lower-cased."""
    return [(f.text.lower(), f.negated, f.uncertain) for f in extract(text).findings]


def only(text: str):
    result = extract(text).findings
    assert len(result) == 1, [f.text for f in result]
    return result[0]


# ----------------------------------------------------------------- generic teaching statements
@pytest.mark.parametrize("text", [
    "Findings: Enhancing mass in the cerebellum.\nDiscussion: Such tumours are often cystic, and calcifications"
    " are frequently seen on CT.",
    "Findings: Lytic lesion of the skull.\nDiscussion: Uptake on bone scan may reflect a fracture, calcification"
    " within a plasmacytoma or amyloid.",
    "Findings: A renal mass.\nDiscussion: Gallstones can migrate into the common duct and cause pancreatitis.",
    "Findings: Parotid swelling.\n\nDiscussion: Most salivary stones form in the submandibular duct, where the"
    " saliva is thicker.",
])
def test_generic_discussion_sentence_is_no_finding(text):
    assert findings(text) == []


@pytest.mark.parametrize("text, expected", [
    ("Findings: Adrenal mass.\nDiscussion: In this patient the mass holds coarse calcification.",
     [("coarse calcification", False, False)]),
    ("Findings: Renal mass.\nDiscussion: The calcifications we saw here favour a benign lesion.",
     [("calcifications", False, False)]),
    ("Findings: Renal mass.\nDiscussion: The patient's CT showed a calcified rim around the cyst.",
     [("calcified", False, False)]),
    # a stated absence stays the case's own
    ("Findings: Fatty renal mass.\nDiscussion: Also reassuring is the absence of calcification.",
     [("calcification", True, False)]),
])
def test_discussion_sentence_about_the_case_keeps_its_finding(text, expected):
    assert findings(text) == expected


def test_verbless_summary_line_in_a_discussion_is_a_finding():
    text = "DISCUSSION: Old inferior infarct, with calcified plaque in the proximal left anterior descending artery."
    assert [f[0] for f in findings(text)] == ["calcified plaque"]


def test_generic_statements_outside_a_discussion_are_still_read():
    assert findings("Findings: Calcifications are seen in the right renal mass.")[0][1:] == (False, False)


# ----------------------------------------------------------------- negation scope
@pytest.mark.parametrize("text", [
    "The renal lesion contains fat. Reassuring is the lack of calcification.",
    "The adrenal mass lacks calcification.",
    "A cyst lacking any calcification in the left kidney.",
    "Findings:\n-no areas of calcification\n-no haemorrhage",
    "A 7 mm nodule in the right upper lobe, not clearly calcified.",
])
def test_absence_wordings_negate(text):
    assert findings(text)[0][1:] == (True, False)


@pytest.mark.parametrize("text", [
    "No pneumothorax, no definite effusion seen, right hilar calcifications from old granulomatous disease.",
    "Clear lungs without consolidation or effusion.. Bilateral calcified hilar lymph nodes.",
    "No fracture identified, calcific density in the supraspinatus tendon.",
])
def test_denial_ends_before_a_new_finding(text):
    assert findings(text)[0][1] is False


def test_not_all_is_a_generalisation_not_a_denial():
    assert findings("Not all of the calcifications in the left breast are new.")[0][1] is False


def test_a_denied_finding_is_not_hedged_by_its_sentence():
    text = "Meningioma is possible, as every feature is present except for calcification."
    assert findings(text) == [("calcification", True, False)]


# ----------------------------------------------------------------- hedges
@pytest.mark.parametrize("text", [
    "There is a dense nodule in the left lower lobe which is most XXXX calcified.",
    "Scattered small nodules in both lungs most XXXX represent calcified granulomas.",
    "Degenerative change of the thoracic spine, possibly consistent with DISH.",
    "Bridging changes in the thoracic spine, probably compatible with DISH.",
])
def test_hedges_that_reach_the_finding(text):
    assert findings(text)[-1][2] is True


# ----------------------------------------------------------------- stones in other lumens
@pytest.mark.parametrize("text", [
    "Ultrasound: distended gallbladder with several gallstones and a thickened wall.",
    "MRCP: a 6 mm filling defect in the distal common bile duct is a stone.",
    "CT neck: the left submandibular gland is swollen, with a calculus in its duct.",
    "Impression: cholelithiasis.",
    "Sialolithiasis of the right parotid duct.",
    "Dilated bile ducts in the left lobe of the liver, containing several calculi.",
])
def test_stones_in_a_lumen_are_other_calcifications(text):
    finding = extract(text).findings[-1]
    assert (finding.kind, finding.location_category, finding.diagnosis, finding.negated) == (
        "calcification", "other", "other", False)


@pytest.mark.parametrize("text", [
    "Enlarged left parotid gland with stranding. No stones.",
    "The gallbladder is normal without stones or wall thickening.",
    "Mildly dilated bile ducts; no stones seen.",
])
def test_denied_luminal_stones_are_negated_other(text):
    finding = only(text)
    assert (finding.negated, finding.diagnosis) == (True, "other")


@pytest.mark.parametrize("text", [
    "Panoramic radiograph: calculus on the lower incisors, the parotid glands unremarkable.",
    "Gallbladder: the differential is a polyp versus a stone.",
    "The parotid glands are normal. Weight is 12 stone.",
])
def test_stone_look_alikes_are_not_findings(text):
    assert findings(text) == []


# ----------------------------------------------------------------- worn jewellery, implicit vascular calcification
@pytest.mark.parametrize("text", [
    "Heart size normal. Left nipple ring noted.",
    "The lungs are clear. Bilateral nipple piercings project over the lower chest.",
    "Frontal view of the chest: a navel ring overlies the upper abdomen.",
])
def test_worn_jewellery_is_an_external_foreign_body(text):
    finding = only(text)
    assert (finding.kind, finding.location_category, finding.diagnosis) == ("foreign_body", "other", "other")


def test_a_piercing_procedure_is_no_object():
    assert findings("PROCEDURE: Navel piercing with insertion of a navel ring.") == []


@pytest.mark.parametrize("text", [
    "Lungs appear to be clear. Heart is not enlarged. Atherosclerotic change of the aortic arch is seen.",
    "The lung is hyperinflated. The aorta is atherosclerotic.",
    "No acute cardiopulmonary disease. Aortic atherosclerosis.",
])
def test_atherosclerosis_on_a_chest_radiograph_is_arterial_calcification(text):
    finding = only(text)
    assert (finding.location_category, finding.diagnosis) == ("vascular", "arterial_calcification")


def test_atherosclerosis_in_an_echo_report_is_not_calcification():
    assert findings("Transesophageal echocardiogram: the lungs are clear of shunt; mild aortic atherosclerosis.") == []


# ----------------------------------------------------------------- location
@pytest.mark.parametrize("text", [
    "Calcifications projecting over the left midlung, unchanged.",
    "A calcification projects over the right lower lobe.",
    "Brain MRI: multiple parenchymal calcifications.",
    "Punctate intraparenchymal calcification in the right frontal region.",
    "Renal mass with fat and enhancing soft tissue components. No calcification.",
])
def test_calcification_in_an_organ_is_other(text):
    assert only(text).location_category == "other"


def test_a_foreign_body_projected_over_an_organ_has_no_location():
    assert only("A metallic fragment projects over the left lower lobe.").location_category is None


# ----------------------------------------------------------------- a hedge between two places
@pytest.mark.parametrize("text", [
    "Calcified left paraesophageal versus intrapulmonary lymph node.",
    "A densely calcified hilar vs mediastinal lymph node on the right.",
])
def test_a_hedge_between_two_sites_leaves_the_calcification_certain(text):
    assert only(text).uncertain is False


def test_a_hedge_between_two_readings_still_hedges():
    assert findings("Calcified granuloma versus scar in the left lung.")[0][2] is True


# ----------------------------------------------------------------- distinct structures in one sentence
@pytest.mark.parametrize("text", [
    "There is a calcified granuloma at the left lower lung and calcified left hilar lymph nodes.",
    "Calcified granuloma in the left upper lobe and calcified mediastinal lymph nodes.",
    "A calcified nodule in the lingula, and calcified aortopulmonary window lymph nodes.",
])
def test_coordinated_deposits_in_distinct_structures_are_two_findings(text):
    assert len(extract(text).findings) == 2


@pytest.mark.parametrize(("text", "side"), [
    ("No evidence for calcified renal or ureteral stones.", None),
    ("Calcified left and right renal stones are present.", "bilateral"),
])
def test_a_deposit_word_before_coordinated_places_and_its_noun_is_one_finding(text, side):
    """"calcified" and the noun it qualifies, with coordinated places between them, name one finding."""
    (finding,) = extract(text).findings
    assert (finding.text.split()[0].lower(), finding.text.split()[-1], finding.laterality) == ("calcified", "stones",
                                                                                              side)


def test_a_deposit_word_after_coordinated_places_opens_a_finding_of_its_own():
    text = "Calcified left lower lobe lung granuloma and calcified left hilar lymph nodes."
    assert len(extract(text).findings) == 2


def test_a_with_phrase_in_the_same_structure_stays_one_finding():
    assert len(extract("Calcific tendinitis of the supraspinatus with calcification in the supraspinatus"
                       " tendon.").findings) == 1


@pytest.mark.parametrize("text", [
    "Findings: Left renal mass.\nDiscussion: Follow-up CT demonstrated coarse calcification at the margin of the"
    " mass.",
    "Findings: Neck swelling.\nDiscussion: Ultrasound showed a shadowing stone in the submandibular duct.",
])
def test_a_past_tense_report_in_a_discussion_tells_of_the_case(text):
    assert len(extract(text).findings) == 1


def test_a_risk_discussed_in_a_discussion_is_no_finding():
    text = ("Findings: Morbid obesity.\nDiscussion: The risks of surgery were reviewed. Gallstone formation during"
            " rapid weight loss was also discussed.")
    assert findings(text) == []


# ----------------------------------------------------------------- a density read as a foreign body
@pytest.mark.parametrize("text, uncertain", [
    ("Small radiopaque density in the subcutaneous fat of the back XXXX represents a projectile fragment.", True),
    ("Radiopaque density in the thigh soft tissues, possibly a retained bullet fragment.", True),
    ("Radiopaque density in the gluteal soft tissues representing a metallic fragment.", False),
])
def test_a_density_read_as_a_fragment_is_one_foreign_body_as_certain_as_the_reading(text, uncertain):
    finding = only(text)
    assert (finding.kind, finding.diagnosis, finding.uncertain) == ("foreign_body", "foreign_body", uncertain)
    assert finding.text.lower().endswith("density")


def test_a_hedged_reading_of_a_calcified_density_hedges_only_its_type():
    finding = only("A calcific density in the right midlung XXXX represents old granulomatous disease.")
    assert (finding.kind, finding.uncertain) == ("calcification", False)


@pytest.mark.parametrize("text", [
    "1 cm nodule in the right middle lobe. No definite calcification, consider CT of the chest to characterise it.",
    "Nodular opacity in the left upper lobe. It is not calcified; recommend CT of the chest.",
    "Nodule in the lingula. Faint calcification, recommend chest CT in 3 months.",
])
def test_the_region_of_a_recommended_study_is_no_site_of_the_finding(text):
    assert only(text).location_category == "other"


# ----------------------------------------------------------------- lists of different stones
@pytest.mark.parametrize("text, count", [
    ("Past history: renal calculi, cholelithiasis, asthma and gout.", 2),
    ("CT: nephrolithiasis, gallstones and an appendicolith.", 3),
    ("Tonsil hypertrophy and a tonsillolith on the left.", 1),
])
def test_stones_of_different_organs_in_a_list_are_separate_findings(text, count):
    result = extract(text).findings
    assert len(result) == count
    assert all(f.location_category == "other" for f in result)


def test_an_organ_disease_named_for_its_calcifications_interprets_them():
    """"calcific pancreatitis" names the pancreas's calcifications: the reading of the deposit, not a second one."""
    text = ("CT ABDOMEN: Coarse calcifications throughout the pancreas, consistent with chronic calcific pancreatitis. "
            "Calcified plaque in the abdominal aorta.")
    findings = extract(text).findings
    assert [(f.text, f.location_category) for f in findings] == [("Coarse calcifications", "other"),
                                                                 ("Calcified plaque", "vascular")]


@pytest.mark.parametrize("text", [
    "PREOPERATIVE NOTE: Consent obtained for right total hip arthroplasty. Risks discussed including infection, "
    "dislocation, heterotopic ossification, nerve injury and retained foreign material.",
    "The risks and benefits, including heterotopic ossification, were explained.",
    "Risks discussed incl. infection, bleeding, retained foreign body and need for further surgery.",
])
def test_risks_listed_in_consent_language_are_no_findings(text):
    assert extract(text).findings == []


def test_a_complication_that_happened_is_a_finding():
    assert [f.text for f in extract("Postoperative course complicated by heterotopic ossification.").findings] == [
        "heterotopic ossification"]


@pytest.mark.parametrize(("text", "count"), [
    # a calcification placed only in a region, read as an organ's deposit of that body system: one finding
    ("Curvilinear calcification in the right upper quadrant, possibly a porcelain gallbladder versus a calcified "
     "renal cyst.", 1),
    # an organ of another body system than the region's is another finding
    ("Calcification in the right shoulder, gallstones in the gallbladder.", 2),
])
def test_a_reading_of_a_deposit_in_a_region_may_name_an_organ_of_that_region(text, count):
    assert len(extract(text).findings) == count


def test_a_word_whose_sense_the_report_established_keeps_it_in_later_sentences():
    """"coin" is a swallowed object where its sentence speaks of swallowing or the oesophagus; once a sentence has
    shown that, "the coin" later in the report is the same object."""
    text = ("Radiographs of the chest and abdomen: round metallic density consistent with a coin in the proximal "
            "oesophagus. The coin was removed endoscopically the same day.")
    assert [f.text for f in extract(text).findings] == ["metallic density", "coin"]
    assert extract("Chest CT: a coin lesion in the right upper lobe. The coin lesion is unchanged.").findings == []

"""Side only with a basis, and location from a stated site: sentences written by the team."""

import pytest

from reportkit import extract


def sides(text: str) -> list[tuple[str, str | None, str | None]]:
    """(finding text, side, side basis) for every finding of ``text``."""
    return [(f.text, f.laterality, f.laterality_source) for f in extract(text).findings]


def locations(text: str) -> list[tuple[str, str | None]]:
    """(finding text, location category) for every finding of ``text``."""
    return [(f.text, f.location_category) for f in extract(text).findings]


@pytest.mark.parametrize("text", [
    "FINDINGS: Dense calcified plaque in the left main coronary artery.",
    "FINDINGS: Calcification of the right coronary artery.",
    "FINDINGS: Calcified plaque in the left anterior descending artery.",
    "LEFT CIRCUMFLEX ARTERY: Mild calcified plaque.",
    "FINDINGS: The left atrial appendage is clear. Calcification of the aortic valve leaflets.",
])
def test_vessel_and_heart_names_are_not_sides(text):
    assert [side for _, side, _ in sides(text)] == [None]


def test_a_main_bronchus_still_has_a_side_beside_a_masked_vessel_name():
    text = "Calcified plaque in the left main coronary artery. A metallic foreign body in the left main bronchus."
    assert [side for _, side, _ in sides(text)] == [None, "left"]


@pytest.mark.parametrize("text", [
    "INDICATION: Right hip pain.\nFINDINGS: Atherosclerotic calcification of the abdominal aorta.",
    "FINDINGS: Right lower lobe opacity and calcification of the aortic arch.",
    "FINDINGS: Bilateral pleural effusions. Calcification of the sternum.",
    "INDICATION: Left flank pain.\nFINDINGS: Calcification in the bladder wall.",
])
def test_midline_structures_have_no_side(text):
    assert [side for _, side, _ in sides(text)] == [None]


@pytest.mark.parametrize("text", [
    "The bag was drawn out towards the left shoulder. This was opened, a gallstone was seen within the gallbladder.",
    "A cyst lies in the left kidney. That was drained, and calcification was noted in the pancreas.",
    "FINDINGS: Left lower lobe atelectasis. This is unchanged; a calcified focus in the gastric wall.",
])
def test_a_single_organ_takes_no_side_from_an_earlier_sentence(text):
    assert [side for _, side, _ in sides(text)] == [None]


def test_a_side_naming_the_midline_structure_itself_is_kept():
    text = "INDICATION: Right hip pain.\nFINDINGS: Several left pelvic phleboliths. Calcification of the aorta."
    assert [side for _, side, _ in sides(text)] == ["left", None]


def test_exam_title_side_for_a_finding_in_the_examined_region():
    text = "EXAM: MRI RIGHT SHOULDER\nFINDINGS: Calcific deposit in the supraspinatus tendon."
    assert sides(text) == [("Calcific deposit", "right", "exam")]


def test_exam_title_side_not_for_a_finding_outside_the_examined_region():
    text = "EXAM: RADIOGRAPH RIGHT HIP\nFINDINGS: Calcified plaque of the aorta. Calcified granuloma in the lung."
    assert [side for _, side, _ in sides(text)] == [None, None]


def test_exam_title_side_not_for_a_structure_of_another_region():
    text = "EXAM: RADIOGRAPH RIGHT KNEE\nFINDINGS: Calcification of the supraspinatus tendon."
    assert [side for _, side, _ in sides(text)] == [None]


def test_no_side_from_an_unrelated_earlier_sentence():
    text = "FINDINGS: Healed fracture of the left clavicle. Renal calculi are noted."
    assert [side for _, side, _ in sides(text)] == [None]


def test_region_side_from_history_for_a_structure_of_that_region():
    text = "HISTORY: Left knee pain.\nFINDINGS: Chondrocalcinosis of the medial meniscus."
    assert sides(text) == [("Chondrocalcinosis", "left", "region")]


def test_an_unsided_region_named_later_ends_the_earlier_side():
    text = "Left elbow films: normal.\nPelvis films: vascular calcification."
    assert [side for _, side, _ in sides(text)] == [None]


def test_one_clause_side_does_not_go_to_the_next_finding():
    text = "Calcification in the left knee and ossification in the right hip."
    assert [(side, source) for _, side, source in sides(text)] == [("left", "mention"), ("right", "mention")]


def test_clause_break_stops_the_side():
    text = "Right shoulder effusion; calcification of the aortic knob."
    assert [side for _, side, _ in sides(text)] == [None]


@pytest.mark.parametrize("words", ["left greater than right", "right more than left"])
def test_both_sides_named_together_are_bilateral(words):
    text = f"Chondrocalcinosis of the menisci, {words}."
    assert [side for _, side, _ in sides(text)] == ["bilateral"]


@pytest.mark.parametrize("text", [
    "Calcified cyst wall of soft-tissue density.",
    "Renal mass of soft-tissue density with central calcification.",
    "Calcified retroperitoneal mass.",
    "Calcification in the sellar region.",
    "Calcification in the right eye.",
    "Calcification in the external auditory canal.",
    "Stone in the submandibular salivary duct with calcification.",
    "Large calcified pelvic mass.",
])
def test_calcification_inside_an_organ_or_lesion_is_other(text):
    assert [loc for _, loc in locations(text)][:1] == ["other"]


def test_a_mass_is_other_unless_placed_beside_a_bone():
    text = "Large calcified pelvic mass. Calcified mass posterior to the femur."
    assert [loc for _, loc in locations(text)] == ["other", "soft_tissue"]


@pytest.mark.parametrize("text, expected", [
    ("A foreign body is noted.", [None]),
    ("Metallic fragment projecting over the costophrenic angle.", [None]),
    ("A foreign body is noted. Metallic fragment in the subcutaneous tissues overlying the patella.",
     [None, "soft_tissue"]),
])
def test_foreign_body_location_only_when_its_compartment_is_stated(text, expected):
    assert [loc for _, loc in locations(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the side opens a noun phrase coordinated with the finding's and names that phrase's thing
    ("Calcific tendinitis of the supraspinatus, and a left knee effusion.", [None]),
    ("Calcified granuloma, and right hilar adenopathy.", [None]),
    ("Phleboliths in the pelvis and a left ovarian cyst.", [None]),  # a lesion is a thing of its own
    ("Calcification at the greater trochanter, and a moderate left knee joint effusion.", [None]),
    ("A calcified granuloma in the LLL and right hilar adenopathy.", ["left"]),
    # ... or another finding, even beside a midline structure
    ("The aorta is calcified, and left renal stones are present.", [None, "left"]),
    ("Aortic calcification and right renal stone.", [None, "right"]),
    # a side among the places of the finding's own phrase, or in its own predicate, stays the finding's
    ("Calcified mediastinal and right hilar nodes.", ["right"]),
    ("Dense calcification of mediastinal and right hilar nodes.", ["right"]),  # a structure's head noun
    ("Densely calcified mediastinal and right hilar lymph XXXX.", ["right"]),  # its placeholder
    ("Heterotopic ossification with cortex and trabeculae lateral to the left hip arthroplasty.", ["left"]),
    ("Calcifications in the shoulder and the left hip.", ["left"]),
])
def test_a_side_opening_a_coordinated_noun_phrase_is_that_phrases(text, expected):
    assert [side for _, side, _ in sides(text)] == expected


@pytest.mark.parametrize(("text", "site"), [
    ("Phleboliths in the pelvis and a left ovarian cyst.", "pelvis"),
    ("Calcific tendinitis of the supraspinatus, and a right knee effusion.", "supraspinatus"),
    ("Calcified mediastinal and right hilar nodes.", "mediastinal"),
])
def test_a_site_in_a_coordinated_phrase_naming_another_thing_is_not_the_findings(text, site):
    (finding,) = extract(text).findings
    assert finding.site == site


def test_a_finding_of_a_broad_concept_at_another_site_takes_no_side_from_an_earlier_one():
    """The same concept ("other" calcification: a lung granuloma, a costal cartilage) at another structure is not
    the object named before; at the same structure it may be."""
    text = ("EXAM: Chest radiograph.\nFINDINGS: Calcified granuloma in the right upper lobe. Costal cartilage "
            "calcification.\nA foreign body in the right main stem bronchus. Bronchoscopy and foreign body removal.")
    assert [side for _, side, _ in sides(text)] == ["right", None, "right", "right"]


def test_coordinated_findings_each_keep_their_own_site():
    text = "Calcification in the gluteus medius tendon and ossification in the vastus lateralis muscle."
    assert locations(text) == [("Calcification", "tendon"), ("ossification", "soft_tissue")]


@pytest.mark.parametrize(("text", "site", "category", "scope"), [
    ("Calcific tendinitis of the left and right gluteus medius tendons.", "gluteus medius tendons", "tendon", "msk"),
    ("Calcification along both sacroiliac joints.", "sacroiliac joints", "articular", "msk"),
    # "lobes" alone reads as the lungs'; the brain's, named in the plural, are no chest finding
    ("Punctate calcifications in both frontal lobes.", "frontal lobes", "other", "neuro_head_neck"),
])
def test_a_structure_named_in_the_plural_is_that_structure_on_both_sides(text, site, category, scope):
    (finding,) = extract(text).findings
    assert (finding.site, finding.location_category, finding.laterality, finding.scope) == (
        site, category, "bilateral", scope)


@pytest.mark.parametrize(("text", "category"), [
    ("IMPRESSION: Calcific tendinitis of the gluteus medius.", "tendon"),  # a tendon disease: the muscle's tendon
    ("FINDINGS: Calcification within the gluteus medius.", "soft_tissue"),  # a deposit in the muscle
])
def test_a_tendon_disease_named_at_a_muscle_is_at_its_tendon(text, category):
    assert [loc for _, loc in locations(text)] == [category]


@pytest.mark.parametrize(("text", "category"), [
    # sites named one after another: the head, of another category, is where the object is
    ("Embolized catheter fragment in the right lower lobe pulmonary artery.", "vascular"),
    ("Calcification in the left shoulder rotator cuff.", "tendon"),
])
def test_the_head_of_a_run_of_site_words_places_the_finding(text, category):
    assert [loc for _, loc in locations(text)] == [category]


def test_a_place_named_with_a_region_and_its_side_is_of_that_region():
    """"Right foot puncture wound": the wound is a place of the right foot, so a foreign body in the soft tissues
    of the foot study takes the foot's side."""
    text = ("FOOT RADIOGRAPHS\nINDICATION: Right foot puncture wound.\nFINDINGS: A linear metallic foreign body in the "
            "plantar soft tissues beneath the third metatarsal head.")
    assert sides(text) == [("metallic foreign body", "right", "region")]


@pytest.mark.parametrize(("text", "expected"), [
    # a place named as the other one takes the opposite of the side given to its region
    ("EXAM: RADIOGRAPH RIGHT HIP\nFINDINGS: Heterotopic ossification in the contralateral hip soft tissues.",
     [("Heterotopic ossification", "left", "exam")]),
    ("EXAM: RADIOGRAPH RIGHT SHOULDER\nFINDINGS: Calcific tendinitis of the supraspinatus without contralateral "
     "findings.", [("Calcific tendinitis", "right", "exam")]),
    # a label's side gives way to the side the finding's own phrase states
    ("XR BOTH KNEES: Chondrocalcinosis of the right lateral meniscus.", [("Chondrocalcinosis", "right", "mention")]),
    ("Left knee: chondrocalcinosis of the medial meniscus.", [("chondrocalcinosis", "left", "mention")]),
])
def test_sides_of_the_other_place_and_of_a_label(text, expected):
    assert sides(text) == expected


def test_a_side_before_a_place_qualified_by_position_words_stays_a_place():
    """"the right lateral chest wall" is a place: its side is one of the finding's two (left and right, each
    named for a place of the one finding: bilateral, as the labelling conventions read "names each side"), not
    another thing's (which would leave "left")."""
    text = "Calcified pleural plaques along the left hemidiaphragm and the right lateral chest wall."
    (finding,) = extract(text).findings
    assert finding.laterality == "bilateral"
    assert sorted(e.text for e in finding.evidence if e.role == "laterality") == ["left", "right"]


@pytest.mark.parametrize(("text", "expected"), [
    # with no exam header, a label opening the report that names a study is its title
    ("SHOULDER ULTRASOUND, RIGHT: Calcific tendinopathy of the supraspinatus.", ["right"]),
    # a report of several studies, each under its own label, has no one title
    ("Left elbow films: vascular calcification in the soft tissues.\nPelvis films: vascular calcification noted.",
     ["left", None]),
])
def test_a_leading_study_label_is_the_exam_title(text, expected):
    assert [side for _, side, _ in sides(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a title's side for one of the two regions it names: a finding of the other, or of either, takes none
    ("EXAM: AP PELVIS AND LEFT KNEE RADIOGRAPHS\nFINDINGS: Calcification adjacent to the greater trochanter.", [None]),
    ("EXAM: AP PELVIS AND LEFT KNEE RADIOGRAPHS\nFINDINGS: Chondrocalcinosis of the medial meniscus.", ["left"]),
    ("EXAM: RADIOGRAPH RIGHT HIP\nFINDINGS: Calcification in the soft tissues.", ["right"]),
])
def test_a_title_side_is_for_the_regions_it_names(text, expected):
    assert [side for _, side, _ in sides(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a region the report gave both sides: a later finding there takes neither
    ("HISTORY: Right knee pain. Left knee replaced in 2010.\nFINDINGS: Chondrocalcinosis of the menisci.", [None]),
    # unless the side is given in the finding's own sentence
    ("LEFT KNEE: Normal.\nRIGHT KNEE: Chondrocalcinosis of the menisci.", ["right"]),
    ("HISTORY: Left knee pain.\nFINDINGS: Chondrocalcinosis of the medial meniscus.", ["left"]),
])
def test_a_region_given_both_sides_gives_a_later_finding_neither(text, expected):
    assert [side for _, side, _ in sides(text)] == expected


@pytest.mark.parametrize("text", [
    "XR right foot: gouty tophus at the 1st MTP with an overhanging edge erosion.",
    "Small tophi over the 2nd and 3rd DIP joints.",
])
def test_a_tophus_at_a_joint_lies_in_the_soft_tissue_about_it(text):
    assert {f.location_category for f in extract(text).findings} == {"soft_tissue"}

"""A note about one side: a finding whose clause names the same paired organ again, with no side of its own,
takes the side the note gave that organ (a basis: the same structure named); a removed object's "no further
stones" takes the side of the stone named before. Never from a note giving two sides, never to a history, a
plain survey negation, a plural organ, or from a side that belonged to another lesion of the organ."""

import pytest

from reportkit import extract

URETEROSCOPY = (
    "PREOPERATIVE DIAGNOSIS: Left proximal ureteral calculus.\n"
    "PROCEDURE: Cystoscopy, left ureteroscopy and laser lithotripsy.\n"
    "DESCRIPTION: The scope was advanced under fluoroscopic guidance. {sentence} The fragments were "
    "basket-extracted. {after}\n"
)


def sides(text: str) -> list[tuple[str, bool, str | None]]:
    return [(f.text, f.negated, f.laterality) for f in extract(text).findings]


@pytest.mark.parametrize("sentence", [
    "A calculus was seen in the upper ureter.",
    "A 6 mm stone was impacted at the mid ureter.",
    "Fluoroscopy confirmed a single stone within the ureter.",
])
def test_the_organ_named_again_takes_the_notes_side(sentence: str) -> None:
    found = sides(URETEROSCOPY.format(sentence=sentence, after=""))
    assert found[-1][2] == "left", found


@pytest.mark.parametrize("after", [
    "There were no further stones.",
    "No residual calculi were identified.",
    "No remaining stone fragments were seen on the final look.",
])
def test_no_further_stones_speaks_of_the_stone_named_before(after: str) -> None:
    found = sides(URETEROSCOPY.format(sentence="", after=after))
    assert found[-1][1] and found[-1][2] == "left", found


@pytest.mark.parametrize("text", [
    # the note gives two sides
    "PROCEDURE: Right ureteroscopy. The left kidney was not examined. A stone was seen in the mid ureter.",
    # a plain survey negation
    "Left ureteral stent exchange. Findings: no kidney stones.",
    # a history
    "Left ureteral stent placement. History of ureteral stone years ago.",
    # a plural organ
    "Left renal colic. CT: the kidneys contain several stones.",
    # the side was given to a cyst of the organ, not to the organ
    "History: known left renal cyst. Impression: renal cyst and renal calculi.",
])
def test_no_side_without_a_basis(text: str) -> None:
    found = [f for f in sides(text) if f[0].lower() not in ("left", "right")]
    assert found, text
    assert all(side is None for _, _, side in found), found


@pytest.mark.parametrize("text", [
    "RENAL ULTRASOUND\nThe right kidney measures 10 cm and is normal.\nThe left kidney shows mild hydronephrosis. "
    "No stone or solid mass is seen.",
    "CT neck: enlargement and enhancement of the left submandibular gland with stranding. No stones.",
    "The left parotid gland is enlarged and heterogeneous. A 3 mm calculus is present.",
])
def test_a_sentence_continuing_the_organ_before_takes_its_side(text: str) -> None:
    found = sides(text)
    assert found and found[-1][2] == "left", found


@pytest.mark.parametrize("text", [
    # the sentence before does not open with the organ, and the report names both sides
    "The right breast is smaller than the left. There is coarsening of the right breast parenchyma. "
    "A few benign-appearing microcalcifications are present.",
    # a paragraph break between
    "The left kidney is normal.\n\nNo stones are seen.",
    # the finding's own sentence names the organs
    "The left kidney is normal. No stones in either kidney.",
])
def test_no_side_from_the_sentence_before_without_a_basis(text: str) -> None:
    found = sides(text)
    assert found and found[-1][2] is None, found


@pytest.mark.parametrize("text", [
    "PREOPERATIVE DIAGNOSIS: Foreign body, right naris.\nPROCEDURE: Removal under sedation. "
    "On inspection a foreign body was noted and grasped with forceps.",
    "POSTOPERATIVE DIAGNOSIS: Right lower pole renal stone.\nHISTORY: Imaging showed a lower pole stone "
    "with a stent in place.",
    "Indication: retained glass, right palm. Findings: retained glass is seen near the thenar crease.",
])
def test_the_same_object_named_again_takes_the_notes_one_side(text: str) -> None:
    found = sides(text)
    assert len(found) >= 2 and found[-1][2] == "right", found


@pytest.mark.parametrize("text", [
    # two sides in the report
    "Right renal stone. Left renal cyst. The bladder is normal. A stone is also seen.",
    # more objects than the one named
    "Left distal ureteral stone. The patient had stones twice before.",
    # a survey negation
    "Left ureteral stone. No stones elsewhere.",
    # "left" as a verb is no side
    "The bladder stone was fragmented; some stone was still left at the end. The stone fragments were irrigated.",
])
def test_no_restated_side_without_a_basis(text: str) -> None:
    found = sides(text)
    assert found and found[-1][2] is None, found


@pytest.mark.parametrize("text", [
    "PAST MEDICAL HISTORY: Hypertension, obstruction of the left ureteropelvic junction, cholelithiasis, gout.",
    "History of right hip fracture, nephrolithiasis and gout.",
    "PMH: left knee replacement, asthma, kidney stones.",
])
def test_a_side_in_an_earlier_item_of_a_list_is_not_the_findings(text: str) -> None:
    assert [side for _, _, side in sides(text)] == [None]


@pytest.mark.parametrize("text, side", [
    ("Right renal and ureteral stones.", "right"),  # coordinated places of one noun
    ("Bilaterally, numerous calcified pleural plaques.", "bilateral"),  # a side standing alone before the list
    ("CT shows left kidney atrophy without hydronephrosis or stones.", "left"),  # a phrase hanging on the organ
    ("Left knee: joint effusion, chondrocalcinosis and a Baker cyst.", "left"),  # the list's label
    ("Right apical and left basal 5 mm calcified granulomas.", None),  # two sides, neither alone
])
def test_a_side_that_governs_the_list_still_counts(text: str, side: str | None) -> None:
    assert [s for _, _, s in sides(text)] == [side]


@pytest.mark.parametrize(("text", "survey"), [
    ("ED NOTE. CT KUB: 4 mm calculus in the left distal ureter. No other stones.", "stones"),
    ("PAEDS ED. Foreign body removed from the right nostril. Left nostril and both ears clear, no other FB.",
     "FB"),
    ("CLINIC LETTER. A 1.5 cm subcutaneous calcinosis nodule over the left olecranon. No calcinosis elsewhere.",
     "calcinosis"),
])
def test_a_negated_survey_of_everything_else_takes_no_side_from_what_was_named(text: str, survey: str) -> None:
    found = sides(text)
    assert [(t, side) for t, negated, side in found if negated] == [(survey, None)], found
    assert any(side in ("left", "right") for _, negated, side in found if not negated)


def test_no_further_stones_still_take_the_side_of_the_stone_removed() -> None:
    found = sides(URETEROSCOPY.format(sentence="A calculus was seen in the upper ureter.",
                                      after="There were no further stones."))
    assert found[-1] == ("stones", True, "left"), found



@pytest.mark.parametrize(("text", "finding"), [
    # the next list item's place is another statement's
    ("PSH: lap chole 2010 for gallstones; removal of FB L eye 1998.", "gallstones"),
    # a survey after a semicolon takes no side from the stone named before it
    ("CT KUB: 4 mm L proximal ureteric calculus with mild hydronephrosis; no other stones.", "stones"),
])
def test_a_semicolon_ends_the_statement_a_site_and_its_side_are_read_from(text: str, finding: str) -> None:
    assert [(t, side) for t, _, side in sides(text) if t == finding] == [(finding, None)]


def test_a_statement_after_a_semicolon_that_refers_back_keeps_the_place_before_it() -> None:
    found = extract("MRI RIGHT ELBOW\nFocal low-signal nodule at the common extensor origin; on the radiograph this "
                    "is a 6 mm calcific deposit.").findings
    assert [(f.site, f.location_category) for f in found] == [("common extensor origin", "tendon")]


def test_both_before_a_structure_one_limb_has_two_of_is_no_second_side() -> None:
    assert [(t, side) for t, _, side in sides("XR LEFT KNEE: dense linear calcification in both menisci.")] == [
        ("calcification", "left")]
    assert [side for _, _, side in sides("CT: small calcifications in both kidneys.")] == ["bilateral"]

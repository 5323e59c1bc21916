"""Sides of abdominal quadrants, of a side letter closing its phrase, of places joined for one finding, and the
participle "left" that states no side.

Every sentence is written by the team. A wrong side is worse than none, so each case that gains a side is paired
with a near one that must not.
"""

import pytest
from test_laterality_stated import sides

from reportkit import extract


# ------------------------------------------------------------------ the abdomen's quadrants (R1: body halves)

@pytest.mark.parametrize(("text", "side"), [
    ("FINDINGS: A round metallic density projects over the left upper quadrant, in keeping with a swallowed coin "
     "within the stomach.", "left"),
    ("FINDINGS: Round metallic density 2 cm overlying the LUQ, consistent with a coin in the stomach.", "left"),
    ("FINDINGS: Two linear metallic foreign bodies projected over the right lower quadrant.", "right"),
    ("FINDINGS: Round metallic density overlying the stomach.", None),
])
def test_a_quadrant_named_with_its_side_gives_the_object_its_side(text, side):
    [(_, found)] = sides(text)
    assert found == side


def test_a_quadrant_decides_no_location_category_of_its_own():
    [finding] = extract("FINDINGS: Metallic foreign body projected over the left lower quadrant.").findings
    assert finding.laterality == "left" and finding.location_category is None


# ------------------------------------------------------------------ "on the L." closes a sentence and a place

def test_a_side_letter_closing_its_phrase_is_the_side_and_ends_the_sentence():
    text = ("Fine calcification of the lateral femoral condyle cartilage on the L. Patellofemoral narrowing R>L, "
            "with osteophytes.")
    assert sides(text) == [("calcification", "left")]
    assert sides("Linear calcification of the lateral femoral condyle cartilage on the R") == [
        ("calcification", "right")]


def test_a_capital_after_a_name_is_no_side():
    assert sides("Reported by Dr R. Smith: calcification of the medial meniscus.") == [("calcification", None)]


# ------------------------------------------------------------------ "left" as a participle

@pytest.mark.parametrize("text", [
    "Procedure: removal of wooden splinter from the finger. Splinter removed intact, no fragments left on "
    "inspection. Wound left partly open.",
    "The glass fragment was removed; no fragment was left.",
    "Foreign body removed. Sutures left to dissolve.",
])
def test_left_as_a_participle_gives_no_side(text):
    assert all(side is None for _, side in sides(text)), sides(text)


@pytest.mark.parametrize(("text", "side"), [
    ("Calcific tendinitis left shoulder.", "left"),
    ("Shoulder calcification, left.", "left"),
    ("Tendon calcification left side.", "left"),
    ("Splinter in the finger, left hand.", "left"),
])
def test_left_as_a_side_stays_one(text, side):
    assert [s for _, s in sides(text)] == [side]


# ------------------------------------------------------------------ places joined for one finding (R3)

@pytest.mark.parametrize(("text", "side"), [
    ("Calcinosis at the tips of the right index finger and the left thumb.", "bilateral"),
    ("Calcified pleural plaques over both hemidiaphragms, more extensive on the left.", "bilateral"),
    ("Calcified atheroma in both cavernous carotids.", "bilateral"),
    ("Firm subcutaneous calcinosis nodules over both olecranons.", "bilateral"),
    # a lesion after the coordinating word is another thing, whose side is its own
    ("Calcified granuloma in the right upper lobe and a nodule in the left lower lobe.", "right"),
])
def test_places_joined_for_one_finding_give_each_side(text, side):
    assert sides(text)[0][1] == side


# ------------------------------------------------------------------ a long bone's title names its limb region

@pytest.mark.parametrize(("title", "side"), [
    ("XR LEFT FEMUR AP/LAT", "left"),
    ("XR RIGHT HUMERUS", "right"),
    ("XR FEMUR", None),
])
def test_a_long_bone_title_gives_a_muscle_deposit_its_side(title, side):
    text = f"{title}\nFindings: faint mineralisation in the vastus intermedius, 3 weeks after a kick."
    assert sides(text) == [("faint mineralisation", side)]

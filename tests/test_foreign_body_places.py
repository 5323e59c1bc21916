"""Foreign bodies in operative and clinical notes: swallowed or aspirated objects are foreign bodies, and an
object retained in a wound or under a nail is in the soft tissues (project labelling rules R13 and R18)."""

import pytest

from reportkit import extract


def foreign_bodies(text: str):
    return [f for f in extract(text).findings if f.kind == "foreign_body"]


@pytest.mark.parametrize("text, term", [
    ("The child was intubated and a fishbone was retrieved from the hypopharynx.", "fishbone"),
    ("Endoscopy showed an impacted chicken bone in the upper oesophagus.", "chicken bone"),
    ("Radiograph: a swallowed coin projects over the proximal esophagus.", "swallowed coin"),
    ("A button battery is lodged at the level of the cricopharyngeus.", "button battery"),
])
def test_swallowed_objects_are_foreign_bodies(text: str, term: str) -> None:
    found = foreign_bodies(text)
    assert [f.text.lower() for f in found] == [term], found
    assert not found[0].negated
    assert found[0].location_category in (None, "other")


def test_a_denied_aspiration_is_negated() -> None:
    found = foreign_bodies("Chest radiograph: no aspirated foreign body is identified.")
    assert len(found) == 1 and found[0].negated


@pytest.mark.parametrize("text, side", [
    ("A retained foreign body was removed from the wound.", None),
    ("Exploration of the puncture wound of the left sole revealed a foreign body.", "left"),
    ("A wooden splinter is lodged beneath the nail plate of the right thumb.", "right"),
    ("No further foreign body was seen beneath the fingernail.", None),
    ("Laceration of the left palm with retained glass.", "left"),
])
def test_objects_in_a_wound_or_under_a_nail_are_in_the_soft_tissues(text: str, side: str | None) -> None:
    found = foreign_bodies(text)
    assert len(found) == 1, found
    assert found[0].location_category == "soft_tissue", (found[0].site, found[0].location_category)
    assert found[0].laterality == side


def test_a_list_item_beside_the_object_is_not_its_place() -> None:
    found = foreign_bodies("Eyes: conjunctivae with no erythema, foreign body, or lacerations.")
    assert len(found) == 1 and found[0].negated
    assert found[0].location_category != "soft_tissue"


@pytest.mark.parametrize("text, side", [
    ("PROCEDURE: Rigid bronchoscopy with foreign body removal.", None),
    ("PROCEDURE: Upper endoscopy with foreign body removal.", None),
    ("FINDINGS: A plastic foreign body was seen in the right main stem.", "right"),
    ("Penny in the proximal esophagus.", None),
])
def test_an_object_in_the_airway_or_gut_is_other(text: str, side: str | None) -> None:
    found = foreign_bodies(text)
    assert len(found) == 1, found
    assert (found[0].location_category, found[0].laterality) == ("other", side)


@pytest.mark.parametrize("text", [
    "Chest CT: a coin lesion in the right upper lobe.",
    "The incision was marked with a skin marker and the skin was prepped.",
])
def test_a_coin_lesion_and_a_marking_pen_are_no_foreign_bodies(text: str) -> None:
    assert foreign_bodies(text) == []


def test_the_coronary_left_main_stem_keeps_no_side_and_no_airway() -> None:
    found = extract("Calcification of the left main stem and LAD.").findings
    assert [(f.location_category, f.laterality) for f in found] == [("vascular", None)]


@pytest.mark.parametrize("text, site, side", [
    ("A foreign body in the right nose was removed.", "nose", "right"),
    ("Slit lamp: a metallic foreign body in the left conjunctiva.", "conjunctiva", "left"),
])
def test_objects_in_the_nose_or_eye_lie_in_a_head_and_neck_organ(text: str, site: str, side: str) -> None:
    found = foreign_bodies(text)
    assert [(f.site, f.location_category, f.laterality) for f in found] == [(site, "other", side)]


def test_two_names_of_one_paired_organ_are_one_place_for_a_restated_object() -> None:
    # "nose" and "naris" name one organ: the assessment restates the object the examination found
    result = extract("EXAMINATION: A foreign body is seen in the right nose and removed.\n"
                     "ASSESSMENT: Foreign body, right naris.")
    bodies = [d for d in result.deposits if d.kind == "foreign_body"]
    assert len(bodies) == 1 and len(bodies[0].findings) == 2, bodies


@pytest.mark.parametrize("text", [
    "Nails: no clubbing, petechiae or splinter hemorrhages.",
    "Several splinter-type hemorrhages are seen beneath two nails of the right hand.",
    "Spitting up after feeds, not projectile in nature, nonbilious.",
])
def test_signs_named_after_objects_are_no_foreign_bodies(text: str) -> None:
    assert foreign_bodies(text) == []


@pytest.mark.parametrize("text", [
    "PREOPERATIVE DIAGNOSIS: Oropharyngeal foreign body.",
    "Laryngoscopy showed a 1 cm white foreign body in the left vallecula.",
])
def test_objects_in_the_throat_lie_in_a_viscus(text: str) -> None:
    assert [f.location_category for f in foreign_bodies(text)] == ["other"]



@pytest.mark.parametrize("text", [
    "A fish bone is embedded in the left index finger.",
    "Retained fish bone in the palm of the right hand.",
])
def test_a_fish_bone_in_a_limb_is_in_the_soft_tissues(text: str) -> None:
    found = foreign_bodies(text)
    assert [f.location_category for f in found] == ["soft_tissue"], found


def test_a_salivary_stone_named_at_sialendoscopy_is_found_with_its_side():
    from reportkit import extract

    text = ("OPERATIVE NOTE: Left sialendoscopy. Findings: a 4 mm calculus in the L Wharton duct near the papilla, "
            "removed with a basket.")
    (stone,) = extract(text).findings
    assert (stone.text, stone.laterality, stone.location_category) == ("calculus", "left", "other")

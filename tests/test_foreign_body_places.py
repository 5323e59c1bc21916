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

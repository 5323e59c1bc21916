"""The diagnosis label keeps to the finding's body system when the report makes it known: an entity of the
article is no cause of a deposit in another system, whatever site word the two share."""

import pytest

from reportkit import extract


def labels(text: str) -> list[tuple[str, str | None, str | None]]:
    return [(f.text, f.scope, f.diagnosis) for f in extract(text).findings]


@pytest.mark.parametrize("text", [
    "Echocardiogram: the aortic valve shows annular calcification with reduced leaflet excursion.",
    "Mitral and tricuspid valve leaflets are thin; there is mild annular calcification.",
    "The pulmonic valve is normal. Annular calcification of the aortic valve is moderate.",
])
def test_valve_annulus_is_no_intradiscal_cppd(text: str) -> None:
    found = labels(text)
    assert found, text
    assert all(dx != "CPPD" for _, _, dx in found), found


@pytest.mark.parametrize("text", [
    "CT chest: a centrally calcified soft tissue anterior mediastinal mass abuts the aortic arch.",
    "A partly calcified soft tissue mass is seen in the posterior mediastinum.",
])
def test_mediastinal_mass_is_not_given_a_joint_disease(text: str) -> None:
    found = labels(text)
    assert found, text
    assert all(dx not in ("gout", "CPPD", "HADD", "tumoral_calcinosis") for _, _, dx in found), found


@pytest.mark.parametrize("text", [
    "Lumbar spine radiograph: thin vertical annular calcification at the L3-L4 disc.",
    "Knee radiograph: linear calcification of the lateral meniscus.",
])
def test_msk_labels_are_kept(text: str) -> None:
    assert any(dx == "CPPD" for _, _, dx in labels(text)), labels(text)


@pytest.mark.parametrize("text", [
    "Attention was turned to the breast and the old incision was opened. Dissection reached the capsule. "
    "It was densely calcified.",
    "Mammography: the capsule around the left breast implant is calcified.",
    "Dissection was carried to the implant capsule, which was heavily calcified.",
])
def test_a_generic_joint_word_of_another_organ_is_no_joint(text: str) -> None:
    found = [f for f in extract(text).findings if not f.negated]
    assert found, text
    for f in found:
        assert f.location_category not in ("articular", "tendon", "soft_tissue"), (f.site, f.location_category)
        assert f.diagnosis not in ("CPPD", "HADD", "gout"), (f.site, f.diagnosis)


@pytest.mark.parametrize("text", [
    "Right shoulder radiograph: calcification of the joint capsule.",
    "Knee: the posterior capsule is calcified.",
])
def test_a_joint_capsule_stays_articular(text: str) -> None:
    assert any(f.location_category == "articular" for f in extract(text).findings), text

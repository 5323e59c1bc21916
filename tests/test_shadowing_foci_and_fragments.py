"""An ultrasound's shadowing echogenic focus, read as what the text says it is; a foreign body's fragment in the soft
tissues it lies in (self-written sentences)."""

from __future__ import annotations

import pytest

from reportkit.api import analyse


def _findings(text: str) -> list[tuple]:
    return [(f.text, f.kind, f.uncertain, f.location_category, f.diagnosis)
            for f in analyse(text).result.findings]


def test_a_shadowing_echogenic_focus_is_a_calcification_with_its_size_and_tendon():
    report = analyse("Ultrasound right shoulder.\nA 9 mm hyperechoic, shadowing focus lies in the infraspinatus "
                     "tendon.")
    [finding] = report.result.findings
    assert (finding.kind, finding.location_category, finding.size_mm) == ("calcification", "tendon", 9.0)


@pytest.mark.parametrize("text", [
    "Liver: a 5 mm echogenic focus without shadowing, likely a haemangioma.",
    "Testes: innumerable tiny non-shadowing echogenic foci.",
])
def test_an_echogenic_focus_without_a_shadow_is_no_mention(text):
    assert _findings(text) == []


@pytest.mark.parametrize("text, expected", [
    # its reading names its kind, and a hedged reading hedges it
    ("US neck. 4 mm echogenic shadowing focus in the left submandibular duct, likely a calculus.",
     ("echogenic shadowing focus", "calcification", True)),
    ("US foot. A 6 mm linear hyperechoic focus with posterior acoustic shadowing lies in the subcutaneous fat, "
     "surrounded by a hypoechoic halo, in keeping with a wooden splinter.",
     ("hyperechoic focus with posterior acoustic shadowing", "foreign_body", False)),
    ("US foot. An 8 mm linear echogenic focus with posterior shadowing and a hypoechoic halo - possible wooden "
     "splinter.", ("echogenic focus with posterior shadowing", "foreign_body", True)),
    # a generic reading restates it: one mention, not two
    ("US left shoulder. 9 x 4 mm hyperechoic focus with posterior acoustic shadowing within the supraspinatus "
     "tendon, consistent with a calcific deposit.", ("hyperechoic focus with posterior acoustic shadowing",
                                                    "calcification", False)),
])
def test_a_shadowing_focus_is_what_its_reading_says(text, expected):
    assert [f[:3] for f in _findings(text)] == [expected]


def test_phleboliths_a_shadowing_focus_corresponds_to_are_one_mention():
    text = ("Ultrasound of the left forearm: venous malformation within the flexor muscles, containing echogenic "
            "shadowing foci that correspond on the radiograph to round calcifications, i.e. phleboliths.")
    assert [(f[0], f[4]) for f in _findings(text)] == [("echogenic shadowing foci", "phlebolith")]


def test_a_fragment_in_the_soft_tissues_is_the_foreign_body_a_fragment_of_tissue_is_not():
    text = ("XR right foot. Stood on broken glass.\nA 6 mm angular radio-opaque fragment lies in the plantar soft "
            "tissues beneath the third metatarsal head, consistent with glass.")
    assert [(f[0], f[1], f[3]) for f in _findings(text)] == [("fragment", "foreign_body", "soft_tissue")]
    histology = ("Operative note. Glass foreign body removed from the palm. Fragments of tissue sent for histology.")
    assert [f[1] for f in _findings(histology)] == ["foreign_body"]  # the glass; no second object


def test_a_possible_second_object_after_a_semicolon_is_a_mention_of_its_own():
    text = ("IMPRESSION: Retained glass fragment plantar to the third metatarsal head; possible second fragment "
            "medially.")
    assert [(f[1], f[2]) for f in _findings(text)] == [("foreign_body", False), ("foreign_body", True)]


def test_testicular_microlithiasis_is_a_calcification_of_the_organ_and_its_non_shadowing_foci_no_second():
    text = ("US scrotum. Innumerable tiny non-shadowing echogenic foci throughout the left testis, in keeping with "
            "testicular microlithiasis.")
    [finding] = analyse(text).result.findings
    assert (finding.text, finding.kind, finding.location_category, finding.scope) == (
        "testicular microlithiasis", "calcification", "other", "abdominal_pelvic")

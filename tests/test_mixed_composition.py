"""A deposit described by both a term and its "non-" form ("mixed calcific and non-calcific plaque") is one
mention, asserted as its first term is; "non-calcific" alone is the negated wording of the conventions."""

import pytest

from reportkit import extract


def mentions(text: str) -> list[tuple[bool, str | None, str | None]]:
    return [(f.negated, f.location_category, f.diagnosis) for f in extract(text).findings]


@pytest.mark.parametrize("text, negated", [
    ("Coronary CTA: proximal LAD with mixed calcific and non-calcific plaque, mild narrowing.", False),
    ("The RCA shows calcified and noncalcified plaque without stenosis.", False),
    ("Circumflex artery: patent origin and no calcific or non-calcific plaque.", True),
])
def test_mixed_plaque_is_one_arterial_calcification(text: str, negated: bool) -> None:
    assert mentions(text) == [(negated, "vascular", "arterial_calcification")]


def test_non_calcific_alone_is_negated() -> None:
    found = extract("There is non-calcific plaque in the mid LAD.").findings
    assert [f.negated for f in found] == [True]


def test_a_term_and_its_non_form_on_one_noun_are_one_mention() -> None:
    found = extract("Calcified and non-calcified pulmonary nodules are present.").findings
    assert [f.negated for f in found] == [False]


def test_a_site_in_a_coordinated_phrase_after_a_term_is_not_that_terms_site() -> None:
    # "with calcification at the origin" describes the plaque of one vessel; the lesion after "and" is another
    # noun phrase, so it does not make the calcification a second finding elsewhere
    found = extract("Circumflex: heavy calcific plaque in its middle segment with calcification at the origin "
                    "and a possible significant distal lesion.").findings
    assert len(found) == 1, found
    assert found[0].location_category == "vascular"


def test_a_term_whose_own_phrase_names_another_place_stays_a_finding_of_its_own() -> None:
    found = extract("Calcified plaque in the aorta and calcification within the mass.").findings
    assert [(f.location_category, f.site) for f in found] == [("vascular", "aorta"), ("other", "mass")]

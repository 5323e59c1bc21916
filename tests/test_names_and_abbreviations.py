"""Names that are no findings: a capitalised term that is part of a person's name (after a title, with or without a
given name or an initial between, or before a degree); and a parenthesised abbreviation of a finding, which is
the same mention. The same words as findings still count."""

import pytest

from reportkit import extract


def terms(text: str) -> list[str]:
    return [f.text for f in extract(text).findings]


@pytest.mark.parametrize("text, kept", [
    ("Left ureteral stone. Seen by Dr. Stone in clinic.", ["ureteral stone"]),
    ("Renal stone. Referred by Dr Peter Stone for lithotripsy.", ["Renal stone"]),
    ("Renal calculi. cc: John Stone, MD", ["Renal calculi"]),
    ("Renal calculi. Dictated by J. Stone, M.D.", ["Renal calculi"]),
    ("Foreign body in the left palm. Discussed with Mrs. Glass at the bedside.", ["Foreign body"]),
])
def test_names_of_people_are_not_findings(text: str, kept: list[str]) -> None:
    assert terms(text) == kept


@pytest.mark.parametrize("text, kept", [
    ("Stone in the left ureter.", ["Stone"]),
    ("Kidney Stones: two, both in the lower pole of the right kidney.", ["Kidney Stones"]),
    ("Dr. Smith reviewed the images: renal Stone in the left kidney.", ["renal Stone"]),
])
def test_the_same_words_as_findings_still_count(text: str, kept: list[str]) -> None:
    assert terms(text) == kept


@pytest.mark.parametrize("text", [
    "Calcium pyrophosphate dihydrate deposition disease (CPPD) of the left knee.",
    "Heterotopic ossification (HO) about the right hip.",
    "Diffuse idiopathic skeletal hyperostosis (DISH) of the thoracic spine.",
])
def test_a_parenthesised_abbreviation_is_the_same_mention(text: str) -> None:
    assert len(terms(text)) == 1, terms(text)

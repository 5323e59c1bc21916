"""A capitalised term that is part of a person's name names no finding: after a title (with or without a given
name or an initial between) or before a degree. The same word as a finding, in any case, still counts."""

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

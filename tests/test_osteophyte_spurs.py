"""A bare "spur" is an enthesophyte only where a tendon inserts; at a joint's margins, or in a sentence about
a joint narrowed by osteoarthritis, it is an osteophyte, which is not labelled (eval conventions)."""

import pytest

from reportkit import extract


@pytest.mark.parametrize("text", [
    "Knee radiographs show narrowing of the medial compartment with spurs on the margins of the joint and "
    "spurs on the patella.",
    "Osteoarthritis of the left knee: joint space narrowing and a small spur at the patella.",
    "There are spurs at the joint margins of the patellofemoral compartment.",
])
def test_osteoarthritic_spurs_are_not_findings(text: str) -> None:
    assert [f.text for f in extract(text).findings] == []


@pytest.mark.parametrize("text", [
    "Lateral view: small spur at the quadriceps tendon insertion on the patella.",
    "Plantar calcaneal spur.",
    "Osteoarthritis of the knee with a traction spur at the patellar tendon insertion.",
])
def test_enthesis_spurs_stay_enthesophytes(text: str) -> None:
    assert [f.diagnosis for f in extract(text).findings] == ["enthesophyte"]

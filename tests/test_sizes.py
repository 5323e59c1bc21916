"""Sizes are read right or not at all: thousands separators, decimal commas, exponents and absurd values.

A wrong size misleads more than a missing one, so a number that is only part of a longer one
("1,500", "1e400", "1 500") gives no size rather than the digits that happen to stand before the unit.
"""

from __future__ import annotations

import pytest

from reportkit import extract


def _size(stated: str) -> float | None:
    (finding,) = extract(f"FINDINGS: A {stated} calcification in the soft tissues of the thigh.").findings
    return finding.size_mm


@pytest.mark.parametrize("stated, millimetres", [
    ("12 mm", 12.0),
    ("1.5 cm", 15.0),
    ("1,5 cm", 15.0),       # a decimal comma
    ("1,25 cm", 12.5),
    ("0.4 mm", 0.4),
    ("2 x 3 cm", 30.0),     # the largest dimension
    ("100 cm", 1000.0),
])
def test_sizes_as_written_are_read_in_millimetres(stated, millimetres):
    assert _size(stated) == millimetres


@pytest.mark.parametrize("stated", [
    "1,500 cm",      # a thousands separator: never the 500 after it
    "12,345 mm",
    "1 500 mm",      # SI's space between digit groups
    "1\u202f500 mm",
    "1'500 mm",
    "1.500,5 mm",    # European thousands and decimal
    ".5 cm",         # never 5 cm
    "1e400 mm",      # scientific notation: never the exponent
    "1E5 mm",
    "1e-5 mm",
    "2.5e3 mm",
    "10^3 mm",
    "0 mm",          # absurd: no deposit measures nothing, or more than a metre
    "1500 mm",
    "101 cm",
    "2 x 3000 mm",
])
def test_numbers_that_are_part_of_a_longer_number_or_absurd_give_no_size(stated):
    assert _size(stated) is None


"""The pre-filter's case-fold classes, built quickly at start-up, are those of their plain definition."""

from __future__ import annotations

import re

from reportkit.prefilter import _fold_classes
from reportkit.text import lower_form


def test_fold_classes_are_every_char_whose_lower_form_is_the_class_char():
    classes: dict[str, set[str]] = {}
    for code in range(0x110000):  # the definition, over every code point
        char = chr(code)
        lower = lower_form(char)
        if lower != char and len(lower) == 1:
            classes.setdefault(lower, {lower}).add(char)
    expected = {c: "[" + "".join(re.escape(x) for x in sorted(chars)) + "]" for c, chars in classes.items()}
    assert _fold_classes.__wrapped__() == expected

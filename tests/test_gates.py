"""The gates component: citation lines, the citation regex's first test (its top-level alternatives), and
abbreviations a report defines for a term.

That the keyed search of every regex finds what ``re`` finds is checked with whole results in
``tests/test_fast_vs_plain.py``.
"""

from __future__ import annotations

import re

import pytest

from reportkit.api import extract
from reportkit.lexicon import load_lexicon
from reportkit.pipeline.fast.line_alternatives import line_alternatives, top_level_alternatives


@pytest.mark.parametrize(("source", "expected"), [
    ("(?:a|(b|c))", ["a", "(b|c)"]),
    ("(?:a)|(b)", ["(?:a)", "(b)"]),
    ("[|]a|b", ["[|]a", "b"]),
    ("[]|]x|y", ["[]|]x", "y"]),
    ("[^]|]x|\\|y", ["[^]|]x", "\\|y"]),
    ("(a|b)(c|d)", ["(a|b)(c|d)"]),
])
def test_top_level_alternatives(source, expected):
    assert top_level_alternatives(source) == expected


def test_the_citation_signal_is_the_lexicon_line_regex_s_alternatives():
    line = re.compile(load_lexicon().concepts.citation_line, re.MULTILINE)
    signals = line_alternatives(line)
    assert signals is not None and len(signals) > 1
    inner = re.compile(line.pattern[3:-3], line.flags)
    for text in ["Smith AB, Jones CD. Calcific tendinitis.", "See Journal of Bone 2002;72:410.", "Normal."]:
        assert any(s.search(text) for s in signals) == (inner.search(text) is not None)
    assert line_alternatives(re.compile("et al")) is None  # not a whole-line regex


def test_a_term_on_a_citation_line_is_dropped_and_kept_elsewhere():
    # written for this test
    text = "FINDINGS: Calcific tendinitis of the supraspinatus.\nSmith AB, Jones CD. Calcific tendinitis. 2002;72:410"
    findings = extract(text).findings
    assert [f.start for f in findings] == [text.index("Calcific")]


def test_a_sentence_about_the_patient_on_a_citation_line_keeps_its_terms():
    """A citation shares the report's one paragraph line with what the report says of its patient: the sentence
    that speaks of the patient is kept; the citation's own, and a reference's title, are not."""
    # written for this test
    text = ("Per Calcagno et al., calcific tendinitis is common. In this patient, calcific tendinitis of the "
            "supraspinatus is seen. Smith AB, Jones CD. Calcific tendinitis of the shoulder. 2002;72:410")
    findings = extract(text).findings
    assert [f.start for f in findings] == [text.index("calcific tendinitis of the supraspinatus")]


@pytest.mark.parametrize(("text", "later"), [
    ("Heterotopic ossification (HO) about the right hip. No HO about the left hip.", [("HO", True, "left")]),
    ("Myositis ossificans (MO) of the left vastus lateralis. Follow-up to confirm maturation of the MO.",
     [("MO", False, "left")]),
    # letters not spelled from the term are no abbreviation of it
    ("Calcified granuloma (RUL). Clear LUL and RUL.", []),
])
def test_an_abbreviation_defined_after_a_term_is_that_term_later(text, later):
    # written for this test
    (first, *rest) = extract(text).findings
    assert first.start == 0
    assert [(f.text, f.negated, f.laterality) for f in rest] == later

"""The concept gates search every regex in one keyed pass: citation lines, document gates and typo gates find
what their plain regex search finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit.api import extract
from reportkit.lexicon import load_lexicon
from reportkit.pipeline import get_pipeline
from reportkit.pipeline.gates import _alternatives, _line_signals

# written for these tests: reference-list and author lines, dates, page numbers and plain report words
PIECES = ["Smith AB, Jones CD.", "et al", "et al.", "Journal of Radiology", "journal of", "2002;72:410",
          "1999 ; 12 (3) : 45", "pp. 12", "p.3", "2019", "calcification", "calcific tendinitis", "atherosclerotic",
          "the aorta is atherosclerotic", "CT", "autopsy", "kidney stone", "stone", "bile duct", "FINDINGS:",
          "calcificaton", "osifcation", "Dr. Lee", "20", "19", ";", ":", "(", ")"]
GLUES = [" ", "\n", "", ", ", ". ", "\n\n", "  "]


@pytest.mark.parametrize(("source", "expected"), [
    ("(?:a|(b|c))", ["a", "(b|c)"]),
    ("(?:a)|(b)", ["(?:a)", "(b)"]),
    ("[|]a|b", ["[|]a", "b"]),
    ("[]|]x|y", ["[]|]x", "y"]),
    ("[^]|]x|\\|y", ["[^]|]x", "\\|y"]),
    ("(a|b)(c|d)", ["(a|b)(c|d)"]),
])
def test_top_level_alternatives(source, expected):
    assert _alternatives(source) == expected


def test_the_citation_signal_is_the_lexicon_line_regex_s_alternatives():
    line = re.compile(load_lexicon().concepts.citation_line, re.MULTILINE)
    signals = _line_signals(line)
    assert signals is not None and len(signals) > 1
    inner = re.compile(line.pattern[3:-3], line.flags)
    for text in ["Smith AB, Jones CD. Calcific tendinitis.", "See Journal of Bone 2002;72:410.", "Normal."]:
        assert any(s.search(text) for s in signals) == (inner.search(text) is not None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(GLUES)), min_size=1, max_size=20))
def test_property_keyed_gates_equal_plain_regex_search(pieces):
    text = "".join(piece + glue for piece, glue in pieces)
    gates = get_pipeline().get_pipe("reportkit_gates")
    found = gates._scan.starts(text)
    for i, pattern in enumerate(gates._scan.patterns):
        assert [m.span() for m in gates._scan.finditer(i, text, found)] == [m.span() for m in pattern.finditer(text)]
        assert (gates._scan.search(i, text, found) is None) == (pattern.search(text) is None)
    inner = re.compile(gates._citation.pattern[3:-3], gates._citation.flags)
    assert any(gates._scan.search(i, text, found) for i in gates._signals) == (inner.search(text) is not None)


def test_a_term_on_a_citation_line_is_dropped_and_kept_elsewhere():
    # written for this test
    text = "FINDINGS: Calcific tendinitis of the supraspinatus.\nSmith AB, Jones CD. Calcific tendinitis. 2002;72:410"
    findings = extract(text).findings
    assert [f.start for f in findings] == [text.index("Calcific")]

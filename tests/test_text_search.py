"""The whole-word search's shortcuts give exactly what a plain regex scan gives.

``reportkit.text`` skips the regex when a cheap substring test shows no phrase can match, and
``reportkit.assertion.AffirmedText`` keeps each scan's matches for the next finding that asks.
Both are for speed only: these properties compare them with the scan they replace.
"""

from __future__ import annotations

import re
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from reportkit.assertion import AffirmedText
from reportkit.text import FOLDS_TO_ASCII, find_all_words, find_words, fold, fold_char, words_pattern

# words that cue lists use, with the characters that make case folding and boundaries tricky
PIECES = ["gout", "Gout", "GOUT", "pseudo-gout", "pseudogout", "tophus", "renal failure", "renal  failure",
          "renal\nfailure", "soft tissue", "HADD", "hadd", "calcific tendinitis", "K", "k", "\u212a", "s",
          "\u017f", "i", "\u0131", "\u0130", "-", " ", ".", "\n", "x", "e\u0301", "caf\u00e9", ""]
PHRASES = ["gout", "pseudogout", "pseudo-gout", "renal failure", "soft tissue", "HADD", "calcific tendinitis",
           "k", "s", "i", "caf\u00e9", "Gout", "x-ray", "\u212a"]

texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join) | st.text(max_size=40)
phrase_lists = st.lists(st.sampled_from(PHRASES), min_size=1, max_size=4, unique=True)


def _plain(phrases: list[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in words_pattern(phrases).finditer(text)]


@settings(max_examples=600, deadline=None)
@given(phrase_lists, texts)
def test_find_all_words_equals_the_plain_scan(phrases, text):
    assert [(m.start(), m.end(), m.group(0)) for m in find_all_words(phrases, text)] == _plain(phrases, text)
    first = find_words(phrases, text)
    expected = _plain(phrases, text)[:1]
    assert ([(first.start(), first.end(), first.group(0))] if first else []) == expected


@settings(max_examples=300, deadline=None)
@given(phrase_lists, texts, st.integers(0, 45), st.one_of(st.none(), st.integers(0, 45)))
def test_cached_matches_equal_a_fresh_scan_of_the_slice(phrases, text, start, end):
    words = AffirmedText(text)
    stop = len(text) if end is None else end
    expected = [(start + a, start + b, t) for a, b, t in _plain(phrases, text[start:stop])]
    for _ in range(2):  # the second answer comes from the cache
        assert [(h.start, h.end, h.text) for h in words.find_all(phrases, start, end)] == expected


def test_every_non_ascii_char_that_matches_an_ascii_one_ignoring_case_is_listed():
    ascii_char = re.compile(r"[\x00-\x7f]", re.IGNORECASE)
    folding = {chr(c) for c in range(128, sys.maxunicode + 1) if ascii_char.fullmatch(chr(c))}
    assert folding == {c for c in map(chr, range(sys.maxunicode + 1)) if FOLDS_TO_ASCII.fullmatch(c)}


def test_a_report_with_typographic_quotes_is_searched_like_an_ascii_one():
    text = "IMPRESSION: \u201cCalcific tendinitis\u201d \u2013 no pseudo-gout."
    assert find_words(["calcific tendinitis"], text).group(0) == "Calcific tendinitis"
    assert find_words(["pseudogout"], text) is None
    assert find_words(["k"], "x \u212a y").group(0) == "\u212a"  # the Kelvin sign is a k, ignoring case


# chars that fold (accents, dashes, apostrophes), chars that do not, and combining marks, among plain letters
_FOLDING_CHARS = st.sampled_from(list("aeiouMKs -'") + ["é", "Ö", "ß", "–", "—", "\u2019", "\u02bc", "°", "µ",
                                                         "İ", "\u0301", "\u212a", "ﬁ", "Å", "ǅ", "\u2011"])


@settings(max_examples=300, deadline=None)
@given(st.text(_FOLDING_CHARS | st.characters(), max_size=40))
def test_fold_is_fold_char_on_every_char(text):
    assert fold(text) == "".join(map(fold_char, text))

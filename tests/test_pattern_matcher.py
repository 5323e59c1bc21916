"""The token prefilter (word-list patterns as phrases, the rest run only when their words are in the text)
finds exactly what one spaCy Matcher of the same patterns finds, in the same order.

Whole results of the fast and the plain pipeline, on the corpus too, are compared in
``tests/test_fast_vs_plain.py``.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher

from reportkit.lexicon import load_lexicon
from reportkit.pipeline import get_pipeline
from reportkit.pipeline.fast.token_prefilter import PrefilteredMatcher, pattern_phrases, text_trigger
from reportkit.regex_syntax import regex_words

GLUES = [" ", " ", "\n", "", "-", "/", ". ", ", ", "("]


def _lexicon_patterns() -> list[tuple[str, list[dict]]]:
    lexicon = load_lexicon()
    out = [(f"concept|{c.id}", p) for c in lexicon.concepts.concepts for p in c.patterns]
    out += [(f"context|{r.literal}", r.pattern) for r in lexicon.context.rules if isinstance(r.pattern, list)]
    out += [(f"mod|{m.id}", p) for m in lexicon.modalities.modalities for p in m.patterns]
    out += [(f"site|{s.id}", p) for s in lexicon.anatomy.sites for p in s.patterns]
    return out


def _words(patterns: list[tuple[str, list[dict]]]) -> list[str]:
    """Every literal word of the patterns, in its case and upper-cased, and a few that are not in them."""
    words = {"the", "left", "is", "seen", "no", "T1", "t1", "T2", "x", "3", "L4", "C12", "S1", "l4", "C13", "T9"}
    for _, pattern in patterns:
        for spec in pattern:
            for value in spec.values():
                values = value.get("IN", []) if isinstance(value, dict) else [value]
                words |= {v for v in values if isinstance(v, str)} | {v.upper() for v in values if isinstance(v, str)}
    return sorted(words)


@pytest.fixture(scope="module")
def matchers() -> tuple[Matcher, PrefilteredMatcher]:
    nlp = get_pipeline()
    plain, prefiltered = Matcher(nlp.vocab), PrefilteredMatcher(nlp.vocab)
    for key, pattern in _lexicon_patterns():
        plain.add(key, [pattern])
        prefiltered.add(key, [pattern])
    return plain, prefiltered


def _same(matchers, text: str) -> None:
    plain, prefiltered = matchers
    doc = get_pipeline().make_doc(text)
    assert prefiltered(doc) == plain(doc), text


PATTERNS = _lexicon_patterns()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_words(PATTERNS)), st.sampled_from(GLUES)), min_size=1, max_size=30))
def test_prefiltered_matcher_equals_spacy_matcher_on_generated_text(matchers, pieces) -> None:
    _same(matchers, "".join(w + g for w, g in pieces))


def test_word_list_patterns_become_phrases_and_others_do_not() -> None:
    attribute, phrases = pattern_phrases([{"LOWER": {"IN": ["no", "not"]}}, {"LOWER": "seen"},
                                          {"LOWER": "the", "OP": "?"}])
    assert (attribute, sorted(words for words, _ in phrases)) == (
        "LOWER", [("no", "seen"), ("no", "seen", "the"), ("not", "seen"), ("not", "seen", "the")])
    assert pattern_phrases([{"ORTH": "HO"}]) == ("ORTH", [(("HO",), ())])
    # ORTH inside a LOWER pattern: a lower-case phrase whose ORTH token is checked after the match
    assert pattern_phrases([{"ORTH": "T1"}, {"LOWER": "weighted"}]) == ("LOWER", [(("t1", "weighted"), ((0, "T1"),))])
    # a finite REGEX is its list of words
    assert pattern_phrases([{"TEXT": {"REGEX": "^[CL][1-2]$"}}]) == (
        "ORTH", [(("C1",), ()), (("C2",), ()), (("L1",), ()), (("L2",), ())])
    assert regex_words("^(?:ab|c)d?$") == ["ab", "abd", "c", "cd"]
    assert regex_words("^a.b$") is None and regex_words("(?i)^ab$") is None and regex_words("ab") is None
    assert pattern_phrases([{"LOWER": "a"}, {"IS_ALPHA": True, "OP": "?"}]) is None  # not a word list
    assert pattern_phrases([{"LOWER": "a", "OP": "*"}]) is None
    assert pattern_phrases([{"LOWER": "MRI"}]) is None  # never matches as a token pattern


def test_the_typo_patterns_text_trigger_matches_inside_every_token_they_match() -> None:
    patterns = [[{"LOWER": {"REGEX": "^os[a-z]{0,2}f[a-z]{0,4}tion$", "NOT_IN": ["ossification"]}}],
                [{"TEXT": {"REGEX": "^X[0-9]$"}}, {"LOWER": "mm"}]]
    trigger = text_trigger(patterns)
    assert [m.group() for m in trigger.finditer("An OSIFCATION, X3 mm, x4 mm, ossify.")] == ["OSIFCATION", "X3"]
    assert text_trigger([[{"LOWER": "a", "OP": "?"}, {"LOWER": {"REGEX": "^b$"}}]]) is None  # an optional first token
    assert text_trigger([[{"LOWER": {"IN": ["a", "b"]}}]]) is None  # no REGEX to run as text
    assert text_trigger([[{"LOWER": {"REGEX": "^(?:a|^b)$"}}]]) is None  # an inner anchor: a token's edge


def test_an_empty_linking_phrase_is_refused_not_found_everywhere() -> None:
    from reportkit.pipeline.linking.phrases import Phrases

    nlp = get_pipeline()

    def words(text: str) -> list[int]:
        return [t.lower for t in nlp.make_doc(text)]

    phrases = Phrases(nlp, ["and", "as well as"])
    assert phrases.first_in(words("calcific AND ossific")) == 1 and phrases.found_in(words("as well as"))
    assert not phrases.found_in(words("calcific ossific")) and not phrases.starts_at(words("and"), 1)
    with pytest.raises(ValueError, match="empty"):
        Phrases(nlp, ["and", ""])

"""The pipeline's token-pattern matcher (word-list patterns as phrases, the rest gated by their first word)
finds exactly what one spaCy Matcher of the same patterns finds, in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher

from reportkit.lexicon import load_lexicon
from reportkit.pipeline import get_pipeline
from reportkit.pipeline.patterns import LiteralGatedMatcher, pattern_phrases, regex_words

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
def matchers() -> tuple[Matcher, LiteralGatedMatcher]:
    nlp = get_pipeline()
    plain, gated = Matcher(nlp.vocab), LiteralGatedMatcher(nlp.vocab)
    for key, pattern in _lexicon_patterns():
        plain.add(key, [pattern])
        gated.add(key, [pattern])
    return plain, gated


def _same(matchers, text: str) -> None:
    plain, gated = matchers
    doc = get_pipeline().make_doc(text)
    assert gated(doc) == plain(doc), text


PATTERNS = _lexicon_patterns()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_words(PATTERNS)), st.sampled_from(GLUES)), min_size=1, max_size=30))
def test_gated_matcher_equals_spacy_matcher_on_generated_text(matchers, pieces) -> None:
    _same(matchers, "".join(w + g for w, g in pieces))


def test_gated_matcher_equals_spacy_matcher_on_corpus(matchers, shared_dir: Path) -> None:
    corpus = sorted((shared_dir / "corpus").glob("*.jsonl"))
    if not corpus:
        pytest.skip("no corpus beside the clone")
    for path in corpus:
        for line in path.read_text(encoding="utf-8").splitlines()[:400]:
            _same(matchers, json.loads(line)["text"])


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


TYPO_WORDS = ["calcification", "calcifcation", "Calcificaton", "calcified", "calcifications", "ossifcation",
              "Ossification", "ossificaton", "classification", "clarified", "fibrocalcific", "tendon", "the",
              "no", "left", "3", "mm"]


def _gated_mentions_whole_document(doc) -> list[tuple[int, int, str]]:
    """The gates component's typo step as it was: every gated matcher over the whole document."""
    from reportkit.pipeline.extensions import MENTION_GROUP

    gates = get_pipeline().get_pipe("reportkit_gates")
    spans = list(doc.spans[MENTION_GROUP])  # (the lexicon's gates drop none of these words)
    taken = {i for s in spans for i in range(s.start, s.end)}
    text = doc.text
    for slot, matcher, _ in gates._gated:
        if gates._scan.patterns[slot].search(text):  # the gate regex, searched in full
            for span in matcher(doc, as_spans=True):
                if not taken.intersection(range(span.start, span.end)):
                    spans.append(span)
                    taken.update(range(span.start, span.end))
    return sorted((s.start, s.end, s.label_) for s in spans)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TYPO_WORDS), st.sampled_from(GLUES)), min_size=1, max_size=25))
def test_typo_patterns_run_around_gate_words_find_what_a_whole_document_run_finds(pieces) -> None:
    from reportkit.pipeline.extensions import MENTION_GROUP

    nlp = get_pipeline()
    doc = nlp.make_doc("".join(w + g for w, g in pieces))
    for name, component in nlp.pipeline:
        if name == "reportkit_gates":
            break
        doc = component(doc)
    expected = _gated_mentions_whole_document(doc)
    found = sorted((s.start, s.end, s.label_) for s in nlp.get_pipe("reportkit_gates")(doc).spans[MENTION_GROUP])
    assert found == expected


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

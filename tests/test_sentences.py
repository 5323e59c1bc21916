"""Sentence starts: the fast sectionizer runs spaCy's rule sentencizer on token arrays, with spaCy's own result."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.attrs import IS_PUNCT, ORTH
from spacy.pipeline import Sentencizer

from reportkit.pipeline import get_pipeline
from reportkit.pipeline.fast.sentences import ArraySentenceRule
from reportkit.pipeline.sections import SENTENCE_ENDS

WORDS = ["calcification", "tendon", "FINDINGS:", "IMPRESSION:", ".", "!", "?", "...", ":", ";", ",", "(", ")",
         "\"", "'", "-", "e.g.", "Dr.", "3.5", "mm.", "no", "Left", "x"]
GLUES = [" ", " ", "", "\n", "\n\n", "\n\n\n", "  ", ". ", "! ", "?\n"]
NLP = spacy.blank("en")
SENTENCIZER = Sentencizer(punct_chars=list(SENTENCE_ENDS))
ARRAY_RULE = ArraySentenceRule(SENTENCE_ENDS)


def _ours(doc) -> list[bool]:
    columns = doc.to_array([ORTH, IS_PUNCT]).T
    starts = {0, *ARRAY_RULE.starts(columns[0], columns[1].tolist())}
    return [i in starts for i in range(len(doc))]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GLUES)), min_size=1, max_size=40))
def test_property_the_sentencizer_rule_on_arrays_equals_spacy_s(pieces):
    doc = NLP.make_doc("".join(word + glue for word, glue in pieces))
    assert _ours(doc) == SENTENCIZER.predict([doc])[0], doc.text


def test_the_rule_over_the_shared_corpus_when_present(corpus_records):
    for report_id, text in corpus_records:
        doc = NLP.make_doc(text)
        if len(doc):
            assert _ours(doc) == SENTENCIZER.predict([doc])[0], report_id


def test_layout_starts_win_over_the_rule_and_the_rule_fills_the_rest():
    # written for this test: a header starts a sentence with no period before it; a run-on line does not
    doc = get_pipeline()("EXAM: MRI RIGHT SHOULDER\nFINDINGS: Dense calcification! Mild\nbursitis. ? HADD")
    assert [s.text for s in doc.sents] == ["EXAM: MRI RIGHT SHOULDER\n", "FINDINGS: Dense calcification!",
                                           "Mild\nbursitis.", "? HADD"]


@pytest.mark.parametrize("plain", [False, True])
def test_an_abbreviation_s_full_stop_ends_no_sentence_before_a_lower_case_word_or_a_number(plain):
    # written for this test: "incl." and "approx." go on; a capital after an abbreviation, or a stop after a word
    # that is no abbreviation, still ends the sentence
    doc = get_pipeline(plain=plain)(
        "Risks discussed incl. infection and bleeding. Pt. has approx. 5 mm calcification. Seen post. Calcific "
        "density noted at the hip. calcification again."
    )
    assert [s.text for s in doc.sents] == ["Risks discussed incl. infection and bleeding.",
                                           "Pt. has approx. 5 mm calcification.", "Seen post.",
                                           "Calcific density noted at the hip.", "calcification again."]


@pytest.mark.parametrize("plain", [False, True])
def test_a_stop_the_tokenizer_keeps_in_a_word_with_a_number_ends_the_sentence_before_a_capital(plain):
    # written for this test: spaCy keeps "4B." as one token, so the rule sentencizer never sees its stop
    doc = get_pipeline(plain=plain)("L breast: calcifications, BI-RADS 4B. R breast: benign calcifications.")
    assert [s.text for s in doc.sents] == ["L breast: calcifications, BI-RADS 4B.", "R breast: benign calcifications."]
    assert [f.laterality for f in doc._.rk_findings] == ["left", "right"]

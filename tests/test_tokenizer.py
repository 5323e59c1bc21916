"""The fast pipeline's tokenizer gives spaCy's own tokens while it fills spaCy's cache chunk by chunk."""

from __future__ import annotations

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.fast import tokenizer as tokenizer_module
from reportkit.pipeline.fast.tokenizer import TextKeepingTokenizer

# special cases ("Dr.", "e.g.", "can't", ":)") stop spaCy caching the rest of a document; the others are
# split by prefix, suffix and infix rules, or not at all
WORDS = ["Dr.", "e.g.", "can't", "cannot", ":)", "'s", "a.m.", "U.S.", "vs.", "mm.", "(", ")", "x3", "3.5cm",
         "T2-weighted", "non-calcified", "R/O", "calcification", "Calcific", "tendinitis", "supraspinatus",
         "2.1", "x", "1.2", "cm", "[", "]", "\"", "...", "--", "left/right", "FINDINGS:", "IMPRESSION:",
         "http://example.org/a.b", "hello@example.org", "10/12/2019", "#3", "O'Brien", "it's", "we're"]
GLUES = [" ", " ", " ", "", "\n", "  ", "\n\n", "\t", ", ", ". "]
OURS = TextKeepingTokenizer(spacy.blank("en").tokenizer)  # one across all examples, so its cache fills


@pytest.fixture(scope="module")
def spacy_tokenizer():
    return spacy.blank("en").tokenizer


def _tokens(doc) -> list[tuple[str, str]]:
    return [(t.text, t.whitespace_) for t in doc]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(GLUES)), min_size=1, max_size=30))
def test_property_tokens_equal_spacy_while_the_cache_fills(spacy_tokenizer, pieces):
    # later texts meet chunks that earlier ones had tokenised on their own
    text = "".join(word + glue for word, glue in pieces)
    doc = OURS(text)
    assert _tokens(doc) == _tokens(spacy_tokenizer(text)), text
    assert doc_text(doc) == text


def test_warming_stops_at_its_bound_and_tokens_stay_spacy_s(monkeypatch, spacy_tokenizer):
    monkeypatch.setattr(tokenizer_module, "MAX_WARM_CHUNKS", 5)
    ours = TextKeepingTokenizer(spacy.blank("en").tokenizer)
    text = "Dr. Smith: calcific tendinitis of the left supraspinatus, 3.5cm (e.g. HADD)."
    assert _tokens(ours(text)) == _tokens(spacy_tokenizer(text))  # more than five distinct chunks: warming stops
    again = text + " New words here."
    assert _tokens(ours(again)) == _tokens(spacy_tokenizer(again))


def test_a_long_chunk_is_tokenised_as_spacy_does_each_time(spacy_tokenizer):
    ours = TextKeepingTokenizer(spacy.blank("en").tokenizer)
    long_chunk = "x" * (tokenizer_module.MAX_CHUNK_CHARS + 10) + "."
    text = "calcification " + long_chunk
    for _ in range(2):  # the second time both chunks have been seen
        assert _tokens(ours(text)) == _tokens(spacy_tokenizer(text))


def test_tokens_equal_spacy_over_the_shared_corpus_when_present(spacy_tokenizer, corpus_records):
    ours = TextKeepingTokenizer(spacy.blank("en").tokenizer)
    for report_id, text in corpus_records:
        assert _tokens(ours(text)) == _tokens(spacy_tokenizer(text)), report_id

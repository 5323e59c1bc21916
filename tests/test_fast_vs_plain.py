"""The fast pipeline gives exactly what the plain one gives.

``build_pipeline(plain=True)`` is the same components from the same lexicons with spaCy's and medspaCy's own
code (tokenizer, Sentencizer, Matcher, TargetMatcher, ConText, ``re``). Every fast path (the token
prefilter, the keyed regex search, ConText sentence by sentence, the typo patterns' text triggers, the warm
tokenizer cache) is checked here, as whole extraction results, on generated text and on every report of the
dev set and the corpus (skipped when ``shared/`` is absent).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit import regex_syntax
from reportkit.lexicon import load_lexicon
from reportkit.pipeline import build_pipeline, get_pipeline, to_result
from reportkit.pipeline.fast import medspacy_components


def _families() -> list[list[str]]:
    """Lexicon words the pipeline reacts to, by family: concept terms, cue words (sites, sides, descriptors,
    modalities), ConText cues, section titles."""
    lexicon = load_lexicon()
    concepts = {t for c in lexicon.concepts.concepts for t in c.terms}
    cues = {t for s in lexicon.anatomy.sites for t in s.terms} | {t for ts in lexicon.anatomy.laterality.values()
                                                                 for t in ts}
    cues |= {t for d in lexicon.descriptors.descriptors for t in d.terms}
    cues |= {t for m in lexicon.modalities.modalities for t in m.terms}
    context = {r.literal for r in lexicon.context.rules}
    for rule in lexicon.context.rules:  # the words of token-pattern cues
        for spec in rule.pattern if isinstance(rule.pattern, list) else []:
            for value in spec.values():
                context |= {v for v in (value.get("IN", []) if isinstance(value, dict) else [value])
                            if isinstance(v, str)}
    titles = {t for s in lexicon.sections.sections for t in s.titles}
    headers = {f"{t.upper()}:" for t in titles} | {f"{t}:" for t in titles}
    return [sorted(family) for family in (concepts, cues, context, headers)]


# written for this test: typing slips, sizes, citation lines, words the document gates look for, plain words
OWN_WORDS = ["calcificaton", "Calcifcations", "clacificaton", "calficication", "ossifcation", "Ossificaton",
             "classification", "clarified", "5 mm", "2.1 x 1.3 cm", "T2", "L4-5", "?", "HADD", "x-ray", "CT",
             "autopsy", "kidney stone", "bile duct", "atherosclerotic", "Smith AB, Jones CD.", "et al.",
             "Journal of Radiology", "2002;72:410", "pp. 12", "the", "is", "seen", "and", "with", "of"]
GLUES = [" ", " ", " ", "\n", "\n\n", ". ", ", ", "; ", ": ", "-", "/", "(", ") ", "? ", "", "\t"]
# each family as likely as the others, so a few hundred reports meet every kind of word
WORD = st.one_of(*(st.sampled_from(family) for family in [*_families(), OWN_WORDS]))


def _same(text: str, report_id: str = "generated") -> None:
    fast, plain = get_pipeline(), get_pipeline(plain=True)
    expected = to_result(plain(text), report_id).model_dump()
    assert to_result(fast(text), report_id).model_dump() == expected, report_id


def test_the_two_builds_have_the_same_components_and_differ_in_their_code():
    fast, plain = get_pipeline(), get_pipeline(plain=True)
    assert fast.pipe_names == plain.pipe_names
    assert type(fast.tokenizer) is not type(plain.tokenizer)
    assert type(plain.get_pipe("medspacy_context")).__module__.startswith("medspacy.")
    assert type(plain.get_pipe("medspacy_target_matcher")).__module__.startswith("medspacy.")
    assert type(fast.get_pipe("medspacy_context")).__module__.startswith("reportkit.pipeline.fast.")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.tuples(WORD, st.sampled_from(GLUES)), min_size=1, max_size=40))
def test_fast_equals_plain_on_generated_reports(pieces):
    _same("".join(word + glue for word, glue in pieces))


@pytest.mark.parametrize("text", [
    "",
    "\n\n",
    "FINDINGS: No calcificaton of the left knee. IMPRESSION: ? calcific tendinitis, 5 mm.",
    "Smith AB, Jones CD. Calcific tendinitis. 2002;72:410\nFINDINGS: Calcific tendinitis of the supraspinatus.",
    "EXAM: CT ABDOMEN\nFINDINGS: Nonobstructing stone in the left kidney. Atherosclerotic calcification.",
    "Calcification. " * 400,  # many sentences, one mention each
    "calcification, no calcification, possible calcification " * 200,  # one long sentence
])
def test_fast_equals_plain_on_edge_reports(text):
    _same(text)


def _shared_records(shared_dir: Path) -> list[tuple[str, str]]:
    files = [shared_dir / "eval" / "dev.jsonl", *sorted((shared_dir / "corpus").glob("*.jsonl"))]
    return [(record["id"], record["text"]) for path in files if path.is_file()
            for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())]


def test_fast_equals_plain_on_the_dev_set_and_the_corpus(shared_dir):
    records = _shared_records(shared_dir)
    texts = [text for _, text in records]
    plain = [to_result(doc, report_id).model_dump()
             for (report_id, _), doc in zip(records, get_pipeline(plain=True).pipe(texts), strict=True)]
    fast = [to_result(doc, report_id).model_dump()
            for (report_id, _), doc in zip(records, get_pipeline().pipe(texts), strict=True)]
    assert [report_id for (report_id, _), a, b in zip(records, fast, plain, strict=True) if a != b] == []


EDGE_REPORTS = ["FINDINGS: No calcificaton of the left knee. IMPRESSION: ? calcific tendinitis, 5 mm.",
                "EXAM: XR RIGHT SHOULDER\nFINDINGS: Calcification T2 hyperintense, not seen on the lateral view."]


def test_without_medspacy_s_private_matchers_the_fast_build_runs_medspacy_s_own_code(monkeypatch):
    # as after a medspaCy upgrade that keeps its matchers under other names
    monkeypatch.setattr(medspacy_components, "MedspacyMatcher", type("KeptElsewhere", (), {}))
    nlp = build_pipeline()
    assert not nlp.get_pipe("medspacy_target_matcher").prefiltered
    assert not nlp.get_pipe("medspacy_context").prefiltered
    plain = get_pipeline(plain=True)
    for text in EDGE_REPORTS:
        assert to_result(nlp(text), "x") == to_result(plain(text), "x")


def test_without_the_regex_parser_the_fast_build_searches_by_regex(monkeypatch):
    monkeypatch.setattr(regex_syntax, "sre_parser", None)
    assert regex_syntax.literal_keys(re.compile("calcif")) is None and regex_syntax.regex_words("^[ab]$") is None
    nlp = build_pipeline()
    plain = get_pipeline(plain=True)
    for text in EDGE_REPORTS:
        assert to_result(nlp(text), "x") == to_result(plain(text), "x")

"""The pre-filter is exact: a report it lets skip the pipeline gets the pipeline's own result."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit.api import extract
from reportkit.prefilter import Prefilter, rule_declarations
from reportkit.lexicon import load_lexicon
from reportkit.engine import lint_text
from reportkit.pipeline import get_pipeline
from reportkit.engine import get_engine
from reportkit.pipeline.triggers import modality_cues

reason = get_engine().reason

LEXICON = load_lexicon()


def _lexicon_strings(value) -> set[str]:
    """Every short string anywhere in the lexicons (terms, titles, cue words, pattern values, ids), regexes left out."""
    if isinstance(value, dict):
        return set().union(*map(_lexicon_strings, value.values()))
    if isinstance(value, list):
        return set().union(*map(_lexicon_strings, value))
    if isinstance(value, str) and len(value) <= 40 and not set(value) & set("\\()[]^$*+?{}|"):
        return {value}
    return set()


def _declared_words() -> list[str]:
    """Every word a rule declares it reacts to (:func:`reportkit.prefilter.rule_declarations`)."""
    return sorted({word for _, reads in rule_declarations(LEXICON) if reads is not None
                   for trigger in reads.triggers for word in trigger.words(LEXICON) or ()})


def _spec_words(spec: dict, term_words: list[str]) -> list[str]:
    """Words a token spec accepts: its literal values, or for a regex the term words it matches."""
    value = next((v for k, v in spec.items() if k in ("LOWER", "ORTH", "TEXT")), None)
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and "IN" in value:
        return list(value["IN"])
    if isinstance(value, dict) and "REGEX" in value:
        return [w for w in term_words if re.search(value["REGEX"], w, re.IGNORECASE)][:20] or ["x"]
    return ["mild", "dense", "the"]  # IS_ALPHA and other tests: plain words


def _modality_words() -> list[str]:
    """Every modality cue term and every word a cue pattern's tokens accept (reportkit.pipeline.triggers)."""
    words = {term for cue in modality_cues(LEXICON) for term in cue.terms}
    return sorted(words | {word for cue in modality_cues(LEXICON) for pattern in cue.patterns for spec in pattern
                           for word in _spec_words(spec, LEXICON_WORDS)})


LEXICON_WORDS = sorted(_lexicon_strings(LEXICON.model_dump()))
MODALITY_WORDS = _modality_words()
DECLARED_WORDS = _declared_words()
HEADERS = sorted({f"{title.upper()}:" for s in LEXICON.sections.sections for title in s.titles})
# random text: words, numbers, punctuation and abbreviations that may be no word of any lexicon
PLAIN = st.from_regex(r"[A-Za-z]{1,10}|[A-Z]{2,4}|[0-9]{1,3}(\.[0-9])?|[().,:;/?'-]|[A-Za-z]{1,4}\.", fullmatch=True)
GLUES = [" ", " ", " ", "\n", "  ", "\n\n", "\t", "", "-", "/"]


@pytest.fixture(scope="module")
def prefilter() -> Prefilter:
    return Prefilter(load_lexicon(), get_pipeline())


def _texts(*families: list[str]) -> st.SearchStrategy[str]:
    """Texts of up to 25 words, each from one of ``families`` or random, with the glues between words spaCy sees."""
    token = st.one_of(*(st.sampled_from(words) for words in families), PLAIN)
    cased = st.tuples(token, st.sampled_from([str, str.lower, str.upper, str.title])).map(lambda tc: tc[1](tc[0]))
    pieces = st.lists(st.tuples(cased, st.sampled_from(GLUES)), min_size=1, max_size=25)
    return pieces.map(lambda ps: "".join(w + g for w, g in ps))


def _assert_skipped_equals_full(prefilter: Prefilter, text: str, report_id: str) -> None:
    """Everything the audit store holds of a skipped report equals the full pipeline, reasoning and lint."""
    full = extract(text, report_id)
    skipped = prefilter.skipped_report(text, report_id)
    # no mention and no rule word: the ConText scopes feed nothing downstream, so they are not computed
    assert skipped.result == full.model_copy(update={"assertion_scopes": []}), report_id
    report = reason(full, text)
    assert (skipped.assessments, skipped.recommendations) == (report.assessments, report.recommendations), report_id
    assert lint_text(text, report_id, report=report) == [], report_id


def _assert_exact(prefilter: Prefilter, text: str) -> None:
    assert prefilter.modality(text) == extract(text, "r").modality  # char-level modality equals the linker's
    if not prefilter.triggers(text):
        _assert_skipped_equals_full(prefilter, text, "r")


def test_the_filter_has_a_character_level_test_for_every_pattern(prefilter):
    assert prefilter.exact


def test_an_exclusion_phrase_does_not_hide_the_term_it_removes(prefilter):
    text = "FINDINGS: Bone mineralization is within normal limits."
    assert prefilter.triggers(text)
    _assert_exact(prefilter, text)


def test_a_typo_caught_by_a_token_regex_triggers(prefilter):
    assert prefilter.triggers("FINDINGS: dense calcificaton at the tuberosity.")
    assert not prefilter.triggers("EXAM: MRI RIGHT SHOULDER\nFINDINGS: The tendon is intact.")


def test_rule_words_trigger_without_a_mention(prefilter):
    # a report-scope follow-up rule fires on these words alone; lint scans raw text for the others
    text = "EXAM: MRI KNEE\nFINDINGS: Low signal line through the posterior horn, a tear."
    assert not prefilter.may_mention(text) and prefilter.triggers(text)
    assert reason(extract(text), text).recommendations
    for text in ("IMPRESSION: Pseudo-OA of the wrist.", "IMPRESSION: Normal. [reportkit: ignore RK-501]"):
        assert prefilter.triggers(text) and lint_text(text, "r")


def test_a_skipped_report_keeps_its_sections_and_modality(prefilter):
    text = "EXAM: MRI RIGHT SHOULDER\nTECHNIQUE: T2 weighted images.\nFINDINGS: The tendon is intact.\n"
    skipped = prefilter.skipped_result(text, "r")
    assert skipped.modality == ["MRI"]
    assert [s.category for s in skipped.sections][:2] == ["exam", "technique"]
    _assert_exact(prefilter, text)


def test_a_modality_inside_a_longer_modality_term_is_not_counted(prefilter):
    text = "EXAM: PET-CT of the pelvis.\nFINDINGS: Unremarkable."
    _assert_exact(prefilter, text)
    assert prefilter.modality(text) == extract(text).modality


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.sampled_from(HEADERS), body=_texts(DECLARED_WORDS, LEXICON_WORDS, MODALITY_WORDS))
def test_property_skipped_reports_equal_the_pipeline(prefilter, header, body):
    _assert_exact(prefilter, f"{header} {body}")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_texts(MODALITY_WORDS, HEADERS))
def test_property_modality_without_mentions_equals_the_pipeline(prefilter, body):
    _assert_exact(prefilter, body)


def _text_triggers() -> list[tuple[str, st.SearchStrategy[str]]]:
    """(rule, texts that hold every raw-text trigger it declares) of every rule that reads raw text."""
    out = []
    for name, reads in rule_declarations(LEXICON):
        if reads is None or reads.what != "text":
            continue
        found = [st.sampled_from(t.words(LEXICON)) if t.words(LEXICON) is not None
                 else st.from_regex(t.regex(LEXICON), fullmatch=True) for t in reads.triggers]
        out.append((name, st.tuples(*found).map(". ".join)))
    return out


TEXT_TRIGGERS = _text_triggers()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.sampled_from(HEADERS), rule=st.sampled_from(TEXT_TRIGGERS), data=st.data())
def test_property_every_declared_trigger_sends_a_report_through_the_pipeline(prefilter, header, rule, data):
    # the pre-filter is built from the declarations: whatever a rule says may make it speak, makes a report run
    name, texts = rule
    text = f"{header} {data.draw(texts)}"
    assert prefilter.has_rule_words(text) and prefilter.verdict(text).skipped is None, name


def test_each_declared_and_lexicon_word_alone_equals_the_pipeline(prefilter):
    # every word any rule declares or any lexicon lists, in a report of its own: skipped only where exact
    for i, word in enumerate(sorted(set(DECLARED_WORDS) | set(LEXICON_WORDS))):
        text = f"FINDINGS: {word}."
        if not prefilter.triggers(text):
            _assert_skipped_equals_full(prefilter, text, f"w{i}")


def _pattern_runs() -> list[list[tuple[list[str], bool]]]:
    """Every concept pattern (exclusions too) as, per token, the words it accepts and whether it may be left out."""
    concepts = load_lexicon().concepts.concepts
    term_words = sorted({w for c in concepts for t in c.terms for w in t.split()})
    return [[(_spec_words(spec, term_words), spec.get("OP") in ("?", "*")) for spec in pattern]
            for c in concepts for pattern in c.patterns]


PATTERN_RUNS = _pattern_runs()
# words the concepts' document gates look for (implicit atherosclerosis needs an imaging report and an autopsy
# vetoes it; bare stones need a report about the urinary tract, the bile ducts or the salivary glands)
GATE_WORDS = ["CT", "radiograph", "chest x-ray", "lungs are clear", "kidney", "ureteral", "bladder", "autopsy",
              "echocardiogram", "common bile duct", "parotid", "risk", "stenosis", "gallbladder"]


@st.composite
def _near_pattern(draw) -> str:
    """A run of one pattern's words with some tokens dropped, repeated or re-cased: matches and near misses."""
    words = []
    for choices, optional in draw(st.sampled_from(PATTERN_RUNS)):
        for _ in range(draw(st.sampled_from([0, 1, 0, 2] if optional else [1, 1, 1, 1, 0, 2]))):
            word = draw(st.sampled_from(choices))
            words.append(draw(st.sampled_from([word, word.lower(), word.upper(), word.title()])))
    glues = draw(st.lists(st.sampled_from([" ", " ", " ", "", "\n", "  ", ","]), min_size=len(words),
                          max_size=len(words)))
    return "".join(w + g for w, g in zip(words, glues, strict=True))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.sampled_from(HEADERS), runs=st.lists(_near_pattern(), min_size=1, max_size=3),
       gate=st.lists(st.sampled_from(GATE_WORDS), max_size=2), plain=st.lists(PLAIN, max_size=6))
def test_property_pattern_runs_and_document_gates_equal_the_pipeline(prefilter, header, runs, gate, plain):
    # the filter tests a pattern's whole run of tokens and a concept's document gates: near misses must not
    # hide a match, whatever the report around them
    _assert_exact(prefilter, f"{header} {' '.join(gate)} {' '.join(plain[:3])} {'. '.join(runs)} {' '.join(plain[3:])}")


def test_a_pattern_is_tested_as_its_run_of_tokens_and_its_document_gates(prefilter):
    # written for this test: the first word of a pattern alone no longer sends a report through the pipeline
    assert not prefilter.triggers("FINDINGS: The pulmonary vasculature is normal. The aorta is unremarkable.")
    assert not prefilter.triggers("FINDINGS: Serum calcium was normal.")
    imaging = "EXAM: CT CHEST\nFINDINGS: The aorta is tortuous and atherosclerotic."
    assert prefilter.triggers(imaging) and extract(imaging).findings
    autopsy = "AUTOPSY NOTE: The aorta is tortuous and atherosclerotic."
    assert not prefilter.triggers(autopsy)
    _assert_exact(prefilter, autopsy)


def test_over_the_shared_corpus_when_present(prefilter, corpus_records):
    skipped = 0
    for report_id, text in corpus_records:
        assert prefilter.modality(text) == extract(text, report_id).modality, report_id
        if not prefilter.triggers(text):
            _assert_skipped_equals_full(prefilter, text, report_id)
            skipped += 1
    assert skipped  # the corpus has reports without mentions


def _assert_lean_extract_equals_full(text: str, report_id: str = "r") -> None:
    """The audit's extraction (ConText left out without a mention or rule word) loses nothing the store holds."""
    engine = get_engine()
    lean = engine.extract(text, report_id, context=lambda: engine.prefilter.has_rule_words(text)).result
    full = extract(text, report_id)
    if lean.assertion_scopes != full.assertion_scopes:
        assert not lean.assertion_scopes and not (full.findings or full.queries), report_id
    assert lean.model_copy(update={"assertion_scopes": []}) == full.model_copy(update={"assertion_scopes": []})
    lean_report, full_report = reason(lean, text), reason(full, text)
    assert lean_report == full_report.model_copy(update={"result": lean, "patient_age": lean_report.patient_age})
    assert lint_text(text, report_id, report=lean_report) == lint_text(text, report_id, report=full_report)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.sampled_from(HEADERS), body=_texts(DECLARED_WORDS, LEXICON_WORDS, MODALITY_WORDS))
def test_property_audit_extraction_without_context_loses_nothing(header, body):
    _assert_lean_extract_equals_full(f"{header} {body}")


def test_audit_extraction_over_the_shared_corpus_when_present(corpus_records):
    for report_id, text in corpus_records:
        _assert_lean_extract_equals_full(text, report_id)

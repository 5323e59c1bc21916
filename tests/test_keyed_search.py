"""The keyed search (``reportkit.text.KeyScan``) finds exactly what ``re`` finds.

Each fast path is checked against the regex it replaces, on texts built to hit the edges: keys glued
inside longer words, a letter or a digit just before a key, upper and mixed case, "#" headers, headers
run together ("EXAM:TECHNIQUE:"), and non-ASCII chars that ``re`` folds onto ASCII letters (the Kelvin
sign is a "k", the long s an "s", "İ" an "i") or onto nothing ("é", "°", a no-break space).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit.lexicon import load_lexicon
from reportkit.lint.suppressions import SUPPRESS
from reportkit.models import Section
from reportkit.pipeline import get_pipeline
from reportkit.regex_syntax import literal_keys
from reportkit.text import KeyScan

MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ODD_CHARS = ["\u212a", "\u017f", "\u0130", "\u0131", "é", "°", "\xa0", "ß", "\u2028", "\x00"]
INERT_CHARS = ["°", "\xa0", "\u2028", "–", "µ"]  # re folds them onto no ASCII char; no pattern here names them
GLUES = [" ", "", "\n", "  ", "\t", ":", "-", "/", ".", ",", "#", "# ", "\r\n", "3", "_", "(", "'"]
AFFIXES = ["", "", "", "s", "un", "x", "ed", "1", "-", "a"]

# regexes with the constructs keys must respect: lookbehinds, word boundaries, scoped case folding,
# optional and repeated parts, classes, alternations, and chars that fold onto ASCII only in `re`
PATTERNS = [
    r"(?<![^\W\d_])[Kk\u212a]nee(?![^\W\d_])",
    r"(?i)\bos[a-z]{0,2}f[a-z]{0,5}(?:tion|ton)s?\b",
    r"(?i)\b(?:cal|cla|cac)[a-z]{0,3}f",
    r"(?i)(?<![\w-])(?:low\s+signal|tear|pseudo\-oa)(?![\w-])",
    SUPPRESS.pattern,
    r"(?im)(?:^|(?<=\s)|(?<=:))(?:#+[ \t]*)?(?P<title>exam|exam\s+type|technique|findings?)[ \t]*(?::|\r?$)",
    r"x?y", r"(?<=a)x", r"(?<![a-z])ab", r"(?i)(?<![a-z])ab", r"(?i)\u212a", r"é", r"(?i)\u017ft", r"(?i)stra\xdfe",
    r"\u0130", r"(?i)\u0130", r"(?i:M)RI\b", r"T[12](?![^\W\d_])", r".a", r"a*b", r"(?<=\d)mm",
    # a key that no letter may follow: a lookahead, a class of non-letters, an end of line
    r"(?i)(?<![^\W\d_])pa(?![^\W\d_])", r"(?i)\bx\s*ray", r"(?m)ab$", r"us\d", r"(?i)(?=\W)ab|mm(?=[^a-z])",
]
PATTERN_WORDS = ["knee", "KNEE", "Knee", "os", "osif", "ossification", "OSSIFICATIONS", "calcif", "clacif",
                 "low signal", "low  signal", "tear", "TEAR", "pseudo-OA", "[reportkit: off]", "[REPORTKIT:ignore",
                 "exam", "EXAM", "exam type", "technique", "findings", "finding", "xy", "y", "ax", "ab", "Ab", "aB",
                 "MRI", "mRI", "T1", "T2", "t1", "mm", "strasse", "stra\xdfe", "st", "ba", "pa", "PA", "pain", "us2",
                 "x ray", "x-ray", "xray", "us"]


def _texts(words: list[str], min_size: int = 0) -> st.SearchStrategy[str]:
    """Texts of words, each maybe upper, title or lower case, maybe glued to an affix: most ASCII (the keyed
    path), some with chars re folds onto nothing (still keyed), some with any odd char (maybe searched by re)."""
    word = st.tuples(st.sampled_from(AFFIXES), st.sampled_from(words), st.sampled_from(AFFIXES),
                     st.sampled_from(["", "upper", "title", "lower", "swapcase"]))
    shaped = word.map(lambda w: w[0] + (getattr(w[1], w[3])() if w[3] else w[1]) + w[2])

    def text(odd: list[str]) -> st.SearchStrategy[str]:
        piece = st.tuples(st.one_of(shaped, st.sampled_from(odd)) if odd else shaped, st.sampled_from(GLUES))
        return st.lists(piece, min_size=min_size, max_size=30).map(lambda ps: "".join(w + g for w, g in ps))

    return st.one_of(text([]), text([]), text(INERT_CHARS), text(ODD_CHARS))


@pytest.fixture(scope="module")
def scan() -> KeyScan:
    return KeyScan([re.compile(p) for p in PATTERNS])


def _same_as_re(scan: KeyScan, text: str) -> None:
    found = scan.starts(text)
    for i, pattern in enumerate(scan.patterns):
        expected = [(m.span(), m.groups()) for m in pattern.finditer(text)]
        assert [(m.span(), m.groups()) for m in scan.finditer(i, text, found)] == expected, (pattern.pattern, text)
        first = pattern.search(text)
        got = scan.search(i, text, found)
        assert (got and got.span()) == (first and first.span()), (pattern.pattern, text)


def test_keys_hold_what_every_match_starts_with():
    # after "\\s*": the verb's first letter, or (spaces first) a mark that no letter follows
    assert literal_keys(SUPPRESS) == {("[reportkit:i", False), ("[reportkit:o", False), ("[reportkit:\x01", False)}
    assert literal_keys(re.compile(r"(?i)\b(?:cal|cla)[a-z]")) == {("cal", True), ("cla", True)}
    assert literal_keys(re.compile(r"x?y")) == {("x", False), ("y", False)}
    assert literal_keys(re.compile(r"(?<=a)x")) == {("x", False)}  # a letter before: not a word start
    assert literal_keys(re.compile(r"(?<![a-z])ab")) == {("ab", False)}  # "Xab" matches: "A" is not in [a-z]
    assert literal_keys(re.compile(r"(?i)(?<![a-z])ab")) == {("ab", True)}
    assert literal_keys(re.compile(r"(?i)\u212a")) == {("k", False)}  # the Kelvin sign matches "k" and "K"
    assert literal_keys(re.compile(r"é")) == frozenset()  # nothing to match in an ASCII text
    assert literal_keys(re.compile(r"a*b")) == {("a", False), ("b", False)}
    assert literal_keys(re.compile(r".a")) is None and literal_keys(re.compile(r"\d*a")) is None  # may start anywhere
    # a key that no letter may follow ends in a mark (sought before each non-letter, and before the text's end)
    assert literal_keys(re.compile(r"(?i)\bpa(?![^\W\d_])")) == {("pa\x01", True)}
    assert literal_keys(re.compile(r"low\s+signal")) == {("low\x01", False)}
    assert literal_keys(re.compile(r"(?m)ab$")) == {("ab\x01", False)}
    assert literal_keys(re.compile(r"ab(?=[a-z])")) == {("ab", False)}  # a letter may follow: no mark


def test_a_char_that_re_folds_onto_a_key_sends_the_text_to_re(scan):
    text = "left \u212anee"  # the Kelvin sign: "K" to re's case folding
    assert scan.starts(text) is None
    _same_as_re(scan, text)
    assert scan.starts("left knee, 5° flexion\xa0") is not None  # "°" and a no-break space are no key's chars
    _same_as_re(scan, "left knee, 5° flexion\xa0")
    assert scan.starts("café") is None  # one pattern seeks "é"


@pytest.mark.parametrize("text", ["EXAM:TECHNIQUE: x", "## Findings:\nabc", "#\t#exam type:\n", "mm 3mm a3mm",
                                  "finding:findings:", "xy\u0130 \u0131ab", "ba tear-x [reportkit:on]"])
def test_edges(scan, text):
    _same_as_re(scan, text)


@MANY
@given(text=_texts(PATTERN_WORDS))
def test_property_keyed_search_equals_re(scan, text):
    _same_as_re(scan, text)


# --- the sectionizer's headers ---


@pytest.fixture(scope="module")
def sectionizer():
    return get_pipeline().get_pipe("reportkit_sections")


CATEGORY_OF = {t: s.category for s in load_lexicon().sections.sections for t in s.titles}
TITLES = sorted(CATEGORY_OF)
HEADER_WORDS = TITLES + [f"{t}:" for t in TITLES] + ["#", "##", "EXAM:TECHNIQUE:", "the", "normal", "3 mm"]


def reference_find_sections(sectionizer, text: str) -> list[Section]:
    """The sectionizer's sections as it found them before: the header regex's finditer, models built and ended."""
    sections: list[Section] = []
    for m in sectionizer.header.finditer(text):
        title = m.group("title")
        category = CATEGORY_OF[re.sub(r"\s+", " ", title.lower())]
        sections.append(Section(category=category, title=title, start=m.start("title"), end=len(text)))
    if not sections or sections[0].start > 0 and text[: sections[0].start].strip():
        sections.insert(0, Section(category="unheaded", title=None, start=0, end=len(text)))
    for current, following in zip(sections, sections[1:], strict=False):
        current.end = following.start
    return sections


@MANY
@given(text=_texts(HEADER_WORDS))
def test_property_sections_equal_the_header_regex(sectionizer, text):
    # headers found where a title starts equal the header regex's finditer, sections and all
    expected = reference_find_sections(sectionizer, text)
    assert sectionizer.find_sections(text) == expected
    assert [(s.category, s.title, s.start) for s in expected] == sectionizer.section_heads(text)


# --- the audit pre-filter and the sectionizer: fast paths against their regex reference ---


@pytest.fixture(scope="module")
def prefilter():
    from reportkit.prefilter import Prefilter

    return Prefilter(load_lexicon(), get_pipeline())


def _lexicon_words() -> list[str]:
    """Words that move the pre-filter: its triggers, the words rules declare, modality cues and section titles."""
    from reportkit.prefilter import rule_declarations

    lexicon = load_lexicon()
    words = {t for c in lexicon.concepts.concepts for t in c.terms}
    words |= {w for _, reads in rule_declarations(lexicon) if reads is not None for trigger in reads.triggers
              for w in trigger.words(lexicon) or ()}
    words |= {t for m in lexicon.modalities.modalities for t in m.terms}
    words |= {t for s in lexicon.sections.sections for t in s.titles}
    words |= {f"{t}:" for s in lexicon.sections.sections for t in s.titles}
    return sorted(words) + ["XR", "CR", "HU", "US", "PET", "T1", "T2 weighted", "MR", "the", "normal", "3 mm",
                            "[reportkit: off]", "EXAM:TECHNIQUE:", "\n# FINDINGS", "calcificaton", "osifcation"]


LEXICON_WORDS = _lexicon_words()
PLAIN = ["the", "joint", "is", "normal", "no", "left", "right", "shoulder", "tendon", "effusion", "of", "with",
         "3", "mm", "x", "(", ")", ".", ",", ":", "?", "Dr.", "'s", "EXAM:", "FINDINGS:", "IMPRESSION:"]


def reference_has_rule_words(text: str) -> bool:
    """The pre-filter's rule-word test as the rules declare it, one regex search per declared trigger."""
    from reportkit.prefilter import rule_declarations

    lexicon = load_lexicon()
    declared = [reads for _, reads in rule_declarations(lexicon)]
    if None in declared:
        return True
    return any(all((regex := trigger.regex(lexicon)) is not None and regex.search(text) for trigger in reads.triggers)
               for reads in declared if reads.what == "text")


def reference_may_mention(prefilter, text: str) -> bool:
    """The pre-filter's mention test without keys: the trigger regexes, typo gates and document gates searched in full."""
    def found(pattern) -> bool:
        return pattern.search(text) is not None

    return (not prefilter.exact or found(prefilter._trigger) or any(map(found, prefilter._gates))
            or any(found(trigger) and (requires is None or found(requires)) and (veto is None or not found(veto))
                   for trigger, requires, veto in prefilter._gated_triggers))


def _assert_prefilter_exact(prefilter, text: str) -> None:
    """Every fast path equals its reference: may_mention, has_rule_words, triggers, headers, windows, modality."""
    sectionizer = get_pipeline().get_pipe("reportkit_sections")
    mention, rule_words = reference_may_mention(prefilter, text), reference_has_rule_words(text)
    assert prefilter.may_mention(text) == mention, text
    assert prefilter.has_rule_words(text) == rule_words, text
    assert prefilter.triggers(text) == (mention or rule_words), text
    found = prefilter._scan.starts(text)
    headers = [(m.span(), m.group("title")) for m in sectionizer.header.finditer(text)]
    assert [(m.span(), m.group("title")) for m in prefilter._headers(text, found)] == headers, text
    assert sectionizer.find_sections(text) == reference_find_sections(sectionizer, text)
    assert prefilter._windows(text, found) == prefilter._windows(text, None), text  # None: the regex finditer
    assert prefilter.modality(text) == prefilter._modality(text, None), text
    skipped = prefilter.skip(text)
    assert (skipped is None) == (mention or rule_words), text
    if skipped is not None:
        result = prefilter.skipped_result(text, "r")
        assert skipped == (result.modality, [s.category for s in result.sections])


@MANY
@given(text=_texts(LEXICON_WORDS + PLAIN * 3, min_size=1))
def test_property_prefilter_fast_paths_equal_the_regexes(prefilter, text):
    _assert_prefilter_exact(prefilter, text)


@MANY
@given(text=_texts(PLAIN * 4 + [w for w in LEXICON_WORDS if w.endswith(":")] + ["MRI", "views", "XR", "x-ray"]))
def test_property_quiet_texts_equal_the_regexes(prefilter, text):
    # mostly texts without a trigger: the skipped path, its sections and modality
    _assert_prefilter_exact(prefilter, text)


def test_prefilter_fast_paths_over_the_shared_corpus(prefilter, corpus_records):
    for report_id, text in corpus_records:
        _assert_prefilter_exact(prefilter, text)
        # the same with upper and lower case swapped: other keys, other case folds
        _assert_prefilter_exact(prefilter, text.swapcase())


def test_skipped_store_rows_equal_the_models_over_the_shared_corpus(monkeypatch, corpus_records):
    """A skipped report's row, built without models, equals the row built from its skipped StructuredReport."""
    from reportkit.audit import work

    items = [("report", n, report_id, text, "corpus", n + 1, {"modality": "MR"})
             for n, (report_id, text) in enumerate(corpus_records)]
    options = work.WorkOptions()
    state = work.worker_state(None)
    quiet = [item for item in items if not state.prefilter.triggers(item[3])]
    assert quiet
    fast = work.process_chunk(quiet, options)
    monkeypatch.setattr(work, "_skipped_row", lambda *args: None)  # every report through the engine
    assert work.process_chunk(quiet, options) == fast

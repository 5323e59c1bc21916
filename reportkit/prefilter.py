"""A character-level pre-filter: reports that cannot hold a mention skip the spaCy pipeline.

Built from what the pipeline's components and the rules declare they react to
(:mod:`reportkit.pipeline.triggers`, :mod:`reportkit.triggers`), never from a list of its own.
``triggers(text)`` is true whenever the target matcher could match a concept that survives its
document gates (a superset test: every term, and every token pattern's run of tokens up to its
first token with no character-level test, case-folded as the matcher does; a concept with
``document_requires``/``document_vetoed_by`` only where they pass, as the gates component drops its
terms elsewhere). A report without a trigger has no findings and no queries;
:meth:`Prefilter.skipped_result` then gives exactly what the pipeline would:

- sections from the sectionizer's own character-level header search;
- modality from the linker's modality cues, run on small windows of the text around
  character-level candidates (spaCy splits text on whitespace before anything else, so a
  window that starts and ends at whitespace tokenises as it does inside the whole text).

A report also triggers when a rule may speak about it without a mention: every registered lint
rule and every follow-up rule declares what it reads (:func:`rule_declarations`), and the raw-text
triggers a rule declares (words searched exactly as reasoning and lint search them, or the rule's
own regex) are searched here. A rule that declares nothing may speak about any report, so then
every report triggers. So a skipped report's assessments, recommendations and diagnostics are
provably empty, and its ConText scopes feed nothing: :meth:`Prefilter.skipped_report` builds it
without reasoning or lint.

When a pattern cannot be turned into a character-level test, every report triggers (or, for
modality, the whole text is tokenised): unsure means run the real thing.

All these regexes (and the sectionizer's headers) are searched in one keyed pass
(:class:`reportkit.text.KeyScan`): each is tried with ``match`` only where one of its literal keys
starts, which finds exactly what its ``search`` or ``finditer`` would.

Compiling the term regexes (every letter a class of the chars whose LOWER it is) and deriving their keys is
most of the filter's build; both are kept in reportkit's cache folder, under each regex's own source
(:class:`reportkit.regex_syntax.KeptRegexes`), so the next process with the same regexes reads them instead.
The case-fold table the regexes are written with is kept in the same file.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import unicodedata
from typing import NamedTuple

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Span
from spacy.util import filter_spans

from reportkit.lexicon import Lexicon
from reportkit.lexicon.loader import kept_regexes_file
from reportkit.lint import rules
from reportkit.models import ReportResult, StructuredReport
from reportkit.pipeline.fast.token_prefilter import split_patterns, text_trigger
from reportkit.pipeline.triggers import mention_triggers, modality_cues
from reportkit.reasoning.followup import reads
from reportkit.regex_syntax import KeptRegexes
from reportkit.text import KeyScan, fold, fold_char, lower_form, trie_pattern, words_pattern
from reportkit.triggers import Reads

TEXT_KEYS = {"ORTH": False, "TEXT": False, "LOWER": True}  # attribute -> compared case-insensitively
OPTIONAL = {"?", "*"}
WINDOW_CACHE = 4096  # modality windows remembered per process
REPEATS = {None: "{0}", "?": "(?:{0})?", "*": "(?:{0})*", "+": "{0}(?:{0})*"}  # a token's test, by its OP


LETTER_BEFORE, LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"


Item = tuple[str, ...]  # a character-level test as a sequence of regex atoms (one char, a gap, a boundary)


@functools.cache
def _fold_classes() -> dict[str, str]:
    """For each char LOWER can give, a regex class of every char whose LOWER it is (lower-cased and folded:
    :func:`reportkit.text.lower_form`)."""
    classes: dict[str, set[str]] = {}
    fold_one = fold_char.__wrapped__  # uncached: a million distinct chars would only churn the cache
    for code in range(0x110000):
        char = chr(code)
        category = unicodedata.category(char)
        # a start-up cost: skip the chars that are their own LOWER, unassigned, private, surrogate, or uncased
        # letters with no decomposition, so only about a fifth of the code points go through lower_form
        if category in ("Cn", "Co", "Cs") or (category == "Lo" and not unicodedata.decomposition(char)):
            continue
        lowered = char.lower()  # lower_form(char), the fold uncached
        lower = lowered if lowered.isascii() else "".join(map(fold_one, lowered))
        if lower != char and len(lower) == 1:
            classes.setdefault(lower, {lower}).add(char)
    return {c: "[" + "".join(re.escape(x) for x in sorted(chars)) + "]" for c, chars in classes.items()}


def _fold_classes_name() -> str:
    """What the case-fold table depends on besides the Python build: Unicode's version and the code folding."""
    code = inspect.getsource(fold_char) + inspect.getsource(_fold_classes)
    return f"fold classes {unicodedata.unidata_version} {hashlib.sha256(code.encode('utf-8')).hexdigest()}"


class _Tokens:
    """Character-level tests for token specs, knowing where spaCy can split between two letters.

    spaCy splits text between two letters only through its special cases ("cannot" -> "can",
    "not"); any other token that starts (ends) with a letter has no letter before (after) it.
    The case-fold table (a pass over every code point, most of the build once the regexes are kept) is kept
    with the regexes.
    """

    def __init__(self, nlp: Language, regexes: KeptRegexes) -> None:
        self.special = {t[ORTH].lower() for tokens in nlp.tokenizer.rules.values() for t in tokens}
        self.folds = regexes.table(_fold_classes_name(), _fold_classes)

    def literal(self, value: str, fold: bool) -> Item:
        """A test for a token whose text is ``value`` (case-folded when ``fold``)."""
        chars = lower_form(value) if fold else value
        atoms = tuple(self.folds.get(c, re.escape(c)) if fold else re.escape(c) for c in chars)
        if value.lower() not in self.special:
            atoms = (LETTER_BEFORE,) * value[:1].isalpha() + atoms + (LETTER_AFTER,) * value[-1:].isalpha()
        return atoms

    def value(self, value, fold: bool) -> list[Item] | None:
        """Tests matching (at least) every token text the attribute value accepts; None when unknown."""
        if isinstance(value, str):
            return [self.literal(value, fold)]
        if isinstance(value, dict) and set(value) == {"IN"}:
            return [self.literal(v, fold) for v in value["IN"]]
        if isinstance(value, dict) and set(value) == {"REGEX"}:
            # anchors refer to the token's edges; without them the regex accepts more, never less
            body = value["REGEX"].removeprefix("^").removesuffix("$")
            if "^" in body or "$" in body:
                return None
            regex = re.compile(body, re.IGNORECASE if fold else 0)
            if value["REGEX"].startswith("^") and body[:1].isalpha() and not any(map(regex.search, self.special)):
                body = LETTER_BEFORE + body
            return [(f"(?i:{body})" if fold else f"(?:{body})",)]
        return None

    def token(self, spec: dict) -> list[Item] | None:
        keys = [k for k in spec if k in TEXT_KEYS]
        if len(keys) != 1 or set(spec) - {keys[0], "OP"}:
            return None
        return self.value(spec[keys[0]], TEXT_KEYS[keys[0]])

    def starts(self, pattern: list[dict]) -> list[Item] | None:
        """Tests for every token a match of ``pattern`` can start with; None when unknown."""
        out: list[Item] = []
        for spec in pattern:
            items = self.token(spec)
            if items is None:
                return None
            out += items
            if spec.get("OP") not in OPTIONAL:
                return out
        return None  # every token optional: a match may start anywhere

    def sequence(self, pattern: list[dict]) -> list[Item] | None:
        """Tests for a match of ``pattern`` as the run of its tokens up to the first one with no character-level
        test (every match holds at least that run); None when unknown.

        Two tokens in a row are joined by nothing or one space (spaCy makes a token of any other whitespace), so
        ``\\s*`` between them accepts at least that. A regex token may match inside its token (``\\S*`` before
        it: spaCy's tokens hold no whitespace), so the run ends with it.
        """
        if not pattern or pattern[0].get("OP") is not None:
            return self.starts(pattern)  # an optional or repeated first token: test the tokens it may start with
        first = self.token(pattern[0])
        if first is None:
            return None
        rest = ""
        for spec in pattern[1:]:
            items, op = self.token(spec), spec.get("OP")
            if items is None or op not in REPEATS:
                break
            regex = _is_regex(spec)
            one = r"\s*" + r"\S*" * regex + "(?:" + "|".join("".join(item) for item in items) + ")"
            rest += REPEATS[op].format(one)
            if regex:
                break
        return [item + (rest,) if rest else item for item in first]

    def phrase(self, nlp: Language, term: str) -> Item:
        """A term as the LOWER phrase matcher sees it: its tokens, any whitespace between."""
        atoms: Item = ()
        for i, token in enumerate(nlp.make_doc(term)):
            atoms += ((r"\s*",) if i else ()) + self.literal(token.text, True)
        return atoms


def _is_regex(spec: dict) -> bool:
    return any(isinstance(spec[k], dict) and "REGEX" in spec[k] for k in spec if k in TEXT_KEYS)


def rule_declarations(lexicon: Lexicon) -> list[tuple[str, Reads | None]]:
    """(rule, what it declares it reads) of every registered lint rule and every follow-up rule of ``lexicon``."""
    return ([(f"lint {r.code}", r.reads) for r in rules().values()]
            + [(f"followup {r.id}", reads(r)) for r in lexicon.followup.rules])


def _rule_triggers(lexicon: Lexicon) -> list[tuple[re.Pattern[str], ...]] | None:
    """Per rule that reads raw text, the regexes that must all be found for it to speak; None when a rule
    declares nothing (it may speak about any report).

    A rule that reads mentions adds nothing: a report with a mention triggers anyway. Neither does one that
    reads recommendations: they come only from follow-up rules, whose own declarations are here.
    """
    out, single_words = [], {}
    for _, declared in rule_declarations(lexicon):
        if declared is None:
            return None
        if declared.what != "text":
            continue
        (trigger, *more) = declared.triggers
        if not more and (words := trigger.words(lexicon)) is not None:  # one search for every rule's lone words
            single_words.update(dict.fromkeys(words))
            continue
        regexes = tuple(trigger.regex(lexicon) for trigger in declared.triggers)
        if all(regex is not None for regex in regexes):  # a trigger that lists nothing is never found
            out.append(regexes)
    return out + [(words_pattern(single_words),)] * bool(single_words)


def _compile(items: list[Item], regexes: KeptRegexes) -> re.Pattern[str] | None:
    """One regex for all items, as a trie so each position fails on its first character."""
    if not items:
        return None
    return regexes.compile(trie_pattern(set(items)))


class Prefilter:
    """Decide which reports need the pipeline, and give the exact result of those that do not."""

    def __init__(self, lexicon: Lexicon, nlp: Language) -> None:
        sectionizer = nlp.get_pipe("reportkit_sections")
        self._find_sections, self._section_heads = sectionizer.find_sections, sectionizer.section_heads
        self._tokenizer = nlp.tokenizer
        regexes = KeptRegexes(kept_regexes_file(lexicon, "prefilter"))
        tokens = _Tokens(nlp, regexes)
        # concept -> its tests; a concept with document gates counts only where they pass (as the gates component
        # drops its terms elsewhere), so its tests stay apart from the others'
        mentions = mention_triggers(lexicon)
        tests: dict[str, list[Item]] | None = {}
        for concept in mentions:
            items = [tokens.phrase(nlp, t) for t in concept.terms]
            for pattern in concept.patterns:
                run = tokens.sequence(pattern)
                if run is None:
                    tests = None
                    break
                items += run
            if tests is None:
                break
            gated = concept.document_requires or concept.document_vetoed_by
            tests.setdefault(concept.id if gated else "", []).extend(items)
        self.exact = tests is not None
        tests = tests or {}
        self._trigger = _compile(tests.get("", []), regexes)
        self._gated_triggers = []  # (trigger, requires, veto) of each concept with document gates
        for concept in mentions:
            if tests.get(concept.id):
                requires, veto = (re.compile(r) if r else None
                                  for r in (concept.document_requires, concept.document_vetoed_by))
                self._gated_triggers.append((_compile(tests[concept.id], regexes), requires, veto))
        # costly typo patterns run only around their text trigger (derived from them; none: the empty regex)
        self._gates = [text_trigger(c.gated_patterns) or re.compile("") for c in mentions if c.gated_patterns]
        self._rule_triggers = _rule_triggers(lexicon)
        cues = modality_cues(lexicon)
        self._modality_order = [cue.modality for cue in cues]
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._patterns = Matcher(nlp.vocab)
        candidates: list[Item] | None = []
        self._span_tokens = 1  # most tokens a modality match can span
        for mod in cues:
            if mod.terms:
                docs = [nlp.make_doc(t) for t in mod.terms]
                self._phrases.add(mod.modality, docs)
                self._span_tokens = max(self._span_tokens, *(len(d) for d in docs))
                candidates = None if candidates is None else candidates + [tokens.phrase(nlp, t) for t in mod.terms]
            if mod.patterns:
                self._patterns.add(mod.modality, split_patterns(list(mod.patterns)))  # as the linker's cue finder does
                for pattern in mod.patterns:
                    starts = tokens.starts(pattern)
                    bounded = all(spec.get("OP") in (None, "?") for spec in pattern)
                    candidates = None if candidates is None or starts is None or not bounded else candidates + starts
                    self._span_tokens = max(self._span_tokens, len(pattern))
        self._modality_candidates = _compile(candidates, regexes) if candidates is not None else None
        self._modality_exact = candidates is not None
        self._chunks_after = re.compile(rf"(?:\S*\s*){{{self._span_tokens}}}")  # the rest of a chunk, then more
        self._window_modalities = functools.lru_cache(maxsize=WINDOW_CACHE)(self._modalities_in)
        self._keyed(sectionizer.header, regexes)
        regexes.save()

    def _keyed(self, header: re.Pattern[str], regexes: KeptRegexes) -> None:
        """One keyed search (:class:`reportkit.text.KeyScan`) for every regex a report is tested with.

        A quiet report then costs one pass over its text plus a ``match`` where a key is found, instead of a
        ``search`` per regex trying every position. Each regex's slot in the scan is kept by name.
        """
        patterns: list[re.Pattern[str]] = []

        def slot(pattern: re.Pattern[str] | None) -> int | None:
            if pattern is None:
                return None
            patterns.append(pattern)
            return len(patterns) - 1

        self._at_trigger = slot(self._trigger)
        self._at_gated = [(slot(trigger), slot(requires), slot(veto))
                          for trigger, requires, veto in self._gated_triggers]
        self._at_gates = [slot(gate) for gate in self._gates]
        at_regex = {regex: slot(regex) for needed in self._rule_triggers or () for regex in needed}
        self._rule_slots = (None if self._rule_triggers is None
                            else [tuple(at_regex[regex] for regex in needed) for needed in self._rule_triggers])
        self._at_header = slot(header)
        self._at_modality = slot(self._modality_candidates)
        self._scan = KeyScan(patterns, derive=regexes.derive_keys)

    def triggers(self, text: str) -> bool:
        """True when ``text`` may hold a mention or a rule word (always, when the filter is unsure)."""
        found = self._scan.starts(text)
        return self._may_mention(text, found) or self._has_rule_words(text, found)

    def may_mention(self, text: str) -> bool:
        """True when the pipeline might find a mention in ``text`` (always, when the filter is unsure)."""
        return self._may_mention(text, self._scan.starts(text))

    def has_rule_words(self, text: str) -> bool:
        """True when a rule might speak about ``text`` without any mention (always, when one declares nothing)."""
        return self._has_rule_words(text, self._scan.starts(text))

    def verdict(self, text: str) -> Verdict:
        """Both tests on ``text`` in one keyed pass, and what the store keeps of it when neither holds."""
        found = self._scan.starts(text)
        rule_words = self._has_rule_words(text, found)
        if rule_words or self._may_mention(text, found):
            return Verdict(rule_words, None)
        heads = self._section_heads(text, self._headers(text, found))
        return Verdict(False, Skipped(self._modality(text, found), [category for category, _, _ in heads]))

    def skip(self, text: str) -> Skipped | None:
        """What the store keeps of a report without a trigger (modality, section categories); None if it triggers."""
        return self.verdict(text).skipped

    def skipped_report(self, text: str, report_id: str) -> StructuredReport:
        """The analysis of a report without a trigger: its skipped result, no assessment or recommendation."""
        return StructuredReport(id=report_id, result=self.skipped_result(text, report_id))

    def skipped_result(self, text: str, report_id: str) -> ReportResult:
        """The pipeline's result for a report without a trigger: no mentions, its sections and modality."""
        found = self._scan.starts(text)
        return ReportResult(id=report_id, modality=self._modality(text, found),
                            sections=self._find_sections(text, self._headers(text, found)))

    # The checks below take ``found``, the keyed search's candidate starts (None: search each regex in full).

    def _may_mention(self, text: str, found: dict[int, list[int]] | None) -> bool:
        if not self.exact:
            return True
        if (folded := fold(text)) is not text and self._may_mention_as_written(folded, self._scan.starts(folded)):
            return True  # a token's LOWER is its plain spelling form: a regex test may match only there
        return self._may_mention_as_written(text, found)

    def _may_mention_as_written(self, text: str, found: dict[int, list[int]] | None) -> bool:
        search = self._scan.search
        return (self._at_trigger is not None and search(self._at_trigger, text, found) is not None
                or any(search(gate, text, found) is not None for gate in self._at_gates)
                or any(search(trigger, text, found) is not None
                       and (requires is None or search(requires, text, found) is not None)
                       and (veto is None or search(veto, text, found) is None)
                       for trigger, requires, veto in self._at_gated))

    def _has_rule_words(self, text: str, found: dict[int, list[int]] | None) -> bool:
        """A rule may speak when each of its declared raw-text triggers is found."""
        if self._rule_slots is None:
            return True
        search, may_match = self._scan.search, self._scan.may_match
        return any(all(may_match(slot, found) for slot in slots)  # a cheap look at the keys first
                   and all(search(slot, text, found) is not None for slot in slots) for slots in self._rule_slots)

    def _headers(self, text: str, found: dict[int, list[int]] | None):
        """The sectionizer's header matches in ``text`` (its ``header.finditer``)."""
        return self._scan.finditer(self._at_header, text, found)

    def modality(self, text: str) -> list[str]:
        """The modalities the linker's cues find in ``text``, in lexicon order."""
        return self._modality(text, self._scan.starts(text))

    def _modality(self, text: str, found: dict[int, list[int]] | None) -> list[str]:
        present: set[str] = set()
        for start, end in self._windows(text, found):
            present |= self._window_modalities(text[start:end])
        return [m for m in self._modality_order if m in present]

    def _modalities_in(self, window: str) -> frozenset[str]:
        """The modalities the cues find in a window (its text alone decides: windows like "MRI" recur, and are
        looked up in :attr:`_window_modalities`, this method behind a bounded cache)."""
        doc = self._tokenizer(window)
        matches = list(self._phrases(doc)) + list(self._patterns(doc))
        if len({match_id for match_id, _, _ in matches}) > 1:  # overlapping cues: the longest counts
            spans = [Span(doc, s, e, label=match_id) for match_id, s, e in matches]
            return frozenset(s.label_ for s in filter_spans(spans))
        if matches:  # one modality: filter_spans keeps at least one of its spans
            return frozenset([doc.vocab.strings[matches[0][0]]])
        return frozenset()

    def _windows(self, text: str, found: dict[int, list[int]] | None) -> list[tuple[int, int]]:
        """Whitespace-bounded stretches of ``text`` that hold every possible modality match."""
        if not self._modality_exact:
            return [(0, len(text))]
        windows: list[tuple[int, int]] = []
        for m in self._scan.finditer(self._at_modality, text, found):
            start = m.start()
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            # a match starting inside spans at most this many whitespace-delimited chunks
            end = self._chunks_after.match(text, max(m.end(), start + 1)).end()
            while end > start and text[end - 1].isspace():
                end -= 1
            if windows and start <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
            else:
                windows.append((start, end))
        return windows


class Skipped(NamedTuple):
    """What the store keeps of a report the pre-filter lets skip the pipeline."""

    modality: list[str]
    sections: list[str]  # section categories, in order


class Verdict(NamedTuple):
    """The pre-filter's tests on one report."""

    rule_words: bool  # a rule may speak without a mention (its declared raw-text triggers are found)
    skipped: Skipped | None  # what the store keeps when no test holds (the report skips the pipeline)

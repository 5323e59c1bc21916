"""The ``reportkit_gates`` component: what the whole report says about its matched concept terms.

Runs between medspaCy's TargetMatcher and ConText. It

* adds the matches of a concept's ``gated_patterns`` (typo families) that overlap no matched term;
* adds, as terms of its concept, the later uses of an abbreviation the report defines in parentheses right
  after a term ("myositis ossificans (MO) ... maturation of the MO");
* applies the concepts' document gates: drops terms of a concept whose ``document_requires`` regex the
  report does not match, or whose ``document_vetoed_by`` regex it does (implicit atherosclerosis counts
  only in imaging reports);
* drops every term on a line that reads as a literature citation (``citation_line``), except in a sentence
  of it that speaks of the patient (linking.yaml ``patient_anchors``: "Per Smith et al., ... In this patient,
  the ligament is ossified"), and every capitalised term that is part of a person's name (``person_titles``,
  ``person_suffixes``).

Fast (the default): every regex is searched in one keyed pass (:class:`reportkit.text.KeyScan`); the typo
patterns run only on the tokens around the words their text trigger (derived from the patterns,
:func:`~.fast.token_prefilter.text_trigger`) finds outside matched terms; citation lines are sought only in
reports where one of the citation regex's alternatives matches. Plain: ``re`` searches, typo patterns over the
whole report.
"""

import heapq
import re
from bisect import bisect_right
from itertools import pairwise

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from reportkit.lexicon import load_lexicon
from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.extensions import MENTION_GROUP
from reportkit.pipeline.fast.line_alternatives import line_alternatives
from reportkit.pipeline.fast.token_prefilter import text_trigger, trigger_windows
from reportkit.pipeline.linking.phrases import Phrases
from reportkit.pipeline.sections import sentence_starts
from reportkit.pipeline.steps import PipelineStep
from reportkit.text import KeyScan, RegexSearch, fold


def make_gates(nlp: Language, name: str, lexicon_dir: str | None, fast: bool) -> "DocumentGates":
    """spaCy factory for :class:`DocumentGates` configured by lexicons/concepts.yaml."""
    return DocumentGates(nlp, lexicon_dir, fast)


class DocumentGates(PipelineStep):
    """Adds typo-pattern matches and removes concept terms that fail a document gate or sit on a citation line."""

    def __init__(self, nlp: Language, lexicon_dir: str | None, fast: bool = True) -> None:
        self.nlp = nlp
        lexicon = load_lexicon(lexicon_dir)
        concepts = lexicon.concepts
        self._patient_anchors = Phrases(nlp, lexicon.linking.patient_anchors)
        requires = {c.id: re.compile(c.document_requires) for c in concepts.concepts if c.document_requires}
        vetoes = {c.id: re.compile(c.document_vetoed_by) for c in concepts.concepts if c.document_vetoed_by}
        self._citation = re.compile(concepts.citation_line, re.MULTILINE) if concepts.citation_line else None
        self._titles, self._degrees = set(concepts.person_titles), set(concepts.person_suffixes)
        signals = line_alternatives(self._citation) if fast else None
        typos: list[tuple[re.Pattern[str] | None, Matcher, int]] = []  # text trigger, matcher, longest pattern
        for concept in concepts.concepts:
            if concept.gated_patterns:
                matcher = Matcher(nlp.vocab)
                matcher.add(concept.id, concept.gated_patterns)
                reach = max(len(p) for p in concept.gated_patterns)
                typos.append((text_trigger(concept.gated_patterns) if fast else None, matcher, reach))
        triggers = [trigger for trigger, _, _ in typos if trigger is not None]
        searched = triggers + list(requires.values()) + list(vetoes.values()) + (signals or [])
        # fast: every regex in one keyed pass (reportkit.text.KeyScan), each tried only where one of its literal
        # keys starts instead of at every position (a "\b" before an alternation leaves re no literal prefix to
        # skip ahead by: ~25-100 us a report each)
        self._scan = KeyScan(searched) if fast else RegexSearch(searched)
        slots = iter(range(len(searched)))
        self._typos = [(None if trigger is None else next(slots), matcher, reach) for trigger, matcher, reach in typos]
        self._requires = {concept: next(slots) for concept in requires}
        self._vetoes = {concept: next(slots) for concept in vetoes}
        self._signals = None if signals is None else [next(slots) for _ in signals]

    def __call__(self, doc: Doc) -> Doc:
        self.check_order()
        text = doc_text(doc)
        found = self._scan.starts(text)
        spans = list(doc.spans[MENTION_GROUP])
        original = len(spans)
        taken = {i for s in spans for i in range(s.start, s.end)}
        for trigger, matcher, reach in self._typos:
            if trigger is None:  # no trigger (plain, or none derived): the whole report
                spans += _new_matches(matcher(doc, as_spans=True), taken)
                continue
            triggered = self._scan.finditer(trigger, text, found)
            if (folded := fold(text)) is not text:  # a LOWER token sees the plain spelling form; the same offsets
                triggered = heapq.merge(triggered, self._scan.finditer(trigger, folded, self._scan.starts(folded)),
                                        key=lambda m: m.start())
            for low, high in trigger_windows(doc, triggered, reach, taken):
                spans += _new_matches(matcher(doc[low:high], as_spans=True), taken)
        spans += _defined_abbreviations(doc, spans, taken)
        citations = []
        if self._citation and spans and (
                self._signals is None or any(self._scan.search(i, text, found) for i in self._signals)):
            citations = [(m.start(), m.end()) for m in self._citation.finditer(text)]
        cited = self._cited(doc, spans, citations) if citations else set()
        passes: dict[str, bool] = {}  # concept -> does the report pass its document gates (searched once)
        kept = [s for s in spans if self._passes(text, found, s.label_, passes) and s.start not in cited
                and not self._names_a_person(s)]
        if len(spans) != original or len(kept) != original or any(a.start > b.start for a, b in pairwise(kept)):
            doc.spans[MENTION_GROUP] = sorted(kept, key=lambda s: s.start)  # else the group already is this
        return doc

    def _cited(self, doc: Doc, spans: list[Span], citations: list[tuple[int, int]]) -> set[int]:
        """The start tokens of the terms on a citation line, but for those in a sentence about the patient."""
        on_line = [s for s in spans if any(start <= s.start_char < end for start, end in citations)]
        if not on_line:
            return set()
        starts, lower = sentence_starts(doc), doc.to_array(LOWER).tolist()
        cited = set()
        for span in on_line:
            i = bisect_right(starts, span.start) - 1
            end = starts[i + 1] if i + 1 < len(starts) else len(doc)
            if not self._patient_anchors.found_in(lower[starts[i] : end]):
                cited.add(span.start)
        return cited

    def _names_a_person(self, span: Span) -> bool:
        """Is a capitalised term part of a person's name: after a title, with at most a given name or an initial
        between ("Dr. Stone", "Dr Peter Stone"), or before a degree ("John Stone, MD")?"""
        first = span[0]
        if not first.is_title:
            return False
        doc, i = span.doc, span.start - 1
        for _ in range(3):  # a title's dot, then a given name or an initial and its dot
            if i < 0 or not (doc[i].text == "." or (doc[i].is_title and _plain(doc[i]) not in self._titles)):
                break
            i -= 1
        if i >= 0 and _plain(doc[i]) in self._titles:
            return True
        j = span.end + (span.end < len(doc) and doc[span.end].text == ",")
        return j < len(doc) and _plain(doc[j]) in self._degrees

    def _passes(self, text: str, found, concept: str, known: dict[str, bool]) -> bool:
        if concept not in known:
            required, veto = self._requires.get(concept), self._vetoes.get(concept)
            known[concept] = ((required is None or self._scan.search(required, text, found) is not None)
                              and (veto is None or self._scan.search(veto, text, found) is None))
        return known[concept]


def _defined_abbreviations(doc: Doc, spans: list[Span], taken: set[int]) -> list[Span]:
    """Later uses of an abbreviation defined for a term ("heterotopic ossification (HO)": two to six capital
    letters in parentheses right after it, spelled from the term, :func:`_abbreviates`), each a one-token term
    of the same concept."""
    defined: dict[str, tuple[str, int]] = {}  # abbreviation -> (concept, first token after its definition)
    for span in spans:
        end = span.end
        if end + 2 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")":
            abbreviation = doc[end + 1].text
            if 2 <= len(abbreviation) <= 6 and abbreviation.isalpha() and abbreviation.isupper() and _abbreviates(
                    abbreviation, span.text):
                defined.setdefault(abbreviation, (span.label_, end + 3))
    if not defined:
        return []
    uses = []
    for token in doc:
        concept, after = defined.get(token.text, ("", len(doc)))
        if token.i >= after and token.i not in taken:
            uses.append(Span(doc, token.i, token.i + 1, label=concept))
            taken.add(token.i)
    return uses


def _abbreviates(short: str, long: str) -> bool:
    """Is ``short`` spelled from ``long``: its first letter the first word's, the others in order after it
    (Schwartz and Hearst's test, simplified: "HO" for "heterotopic ossification", "OPLL" for "ossification of
    the posterior longitudinal ligament"; not "RUL" for "calcified granuloma")?"""
    short, long = short.lower(), long.lower()
    if not long or short[0] != long[0]:
        return False
    position = 1
    for letter in short[1:]:
        position = long.find(letter, position) + 1
        if position == 0:
            return False
    return True


def _new_matches(matches: list[Span], taken: set[int]) -> list[Span]:
    """The matches, in order, that overlap no taken token (each taking its own)."""
    new = []
    for span in matches:
        if not taken.intersection(range(span.start, span.end)):
            new.append(span)
            taken.update(range(span.start, span.end))
    return new


def _plain(token) -> str:
    """A token lower-cased without dots ("Dr." -> "dr", "M.D." -> "md")."""
    return token.lower_.replace(".", "")

"""The ``reportkit_gates`` component: report-level gates on matched concept terms.

Runs between medspaCy's TargetMatcher and ConText. It

* adds the matches of costly ``gated_patterns`` (typo families), run only on the tokens around
  the places where the concept's ``pattern_gate`` regex matches a word no term has matched yet
  (the gate matches inside every gated match: lexicons/concepts.yaml);
* drops terms of a concept whose ``document_requires`` regex the report does not match, or whose
  ``document_vetoed_by`` regex it does (implicit atherosclerosis counts only in imaging reports);
* drops every term on a line that reads as a literature citation (``citation_line``).
"""

import re
from bisect import bisect_right
from itertools import pairwise

from spacy.attrs import IDX
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from reportkit.lexicon import load_lexicon
from reportkit.pipeline.extensions import MENTION_GROUP
from reportkit.pipeline.tokenizer import doc_text
from reportkit.text import KeyScan


@Language.factory("reportkit_gates", default_config={"lexicon_dir": None})
def make_gates(nlp: Language, name: str, lexicon_dir: str | None) -> "ConceptGates":
    """spaCy factory for :class:`ConceptGates` configured by lexicons/concepts.yaml."""
    return ConceptGates(nlp, lexicon_dir)


class ConceptGates:
    """Adds gated pattern matches and removes concept terms that fail a report-level gate."""

    def __init__(self, nlp: Language, lexicon_dir: str | None) -> None:
        concepts = load_lexicon(lexicon_dir).concepts
        requires = {c.id: re.compile(c.document_requires) for c in concepts.concepts if c.document_requires}
        vetoes = {c.id: re.compile(c.document_vetoed_by) for c in concepts.concepts if c.document_vetoed_by}
        self._citation = re.compile(concepts.citation_line, re.MULTILINE) if concepts.citation_line else None
        signals = _line_signals(self._citation)
        gated: list[tuple[re.Pattern[str], Matcher, int]] = []  # gate, matcher, longest pattern
        for concept in concepts.concepts:
            if concept.gated_patterns:
                matcher = Matcher(nlp.vocab)
                matcher.add(concept.id, concept.gated_patterns)
                reach = max(len(p) for p in concept.gated_patterns)
                gated.append((re.compile(concept.pattern_gate), matcher, reach))
        # every regex a report is searched with, in one keyed pass (reportkit.text.KeyScan): each is tried only
        # where one of its literal keys starts, instead of at every position (a "\b" before an alternation
        # leaves re no literal prefix to skip ahead by: ~25-100 us a report each)
        searched = [gate for gate, _, _ in gated] + list(requires.values()) + list(vetoes.values()) + (signals or [])
        self._scan = KeyScan(searched)
        slots = iter(range(len(searched)))
        self._gated = [(next(slots), matcher, reach) for _, matcher, reach in gated]
        self._requires = {concept: next(slots) for concept in requires}
        self._vetoes = {concept: next(slots) for concept in vetoes}
        self._signals = None if signals is None else [next(slots) for _ in signals]

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        found = self._scan.starts(text)
        spans = list(doc.spans[MENTION_GROUP])
        taken = {i for s in spans for i in range(s.start, s.end)}
        starts: list[int] | None = None
        for gate, matcher, reach in self._gated:
            windows: list[list[int]] = []
            for m in self._scan.finditer(gate, text, found):
                starts = starts if starts is not None else doc.to_array(IDX).tolist()
                first, last = bisect_right(starts, m.start()) - 1, bisect_right(starts, m.end() - 1)
                if taken.issuperset(range(first, last)):
                    continue  # every match around it would overlap a matched term and be dropped
                low, high = max(first - reach + 1, 0), min(last + reach - 1, len(doc))
                if windows and low <= windows[-1][1]:
                    windows[-1][1] = max(high, windows[-1][1])
                else:
                    windows.append([low, high])
            for low, high in windows:
                for span in matcher(doc[low:high], as_spans=True):
                    if not taken.intersection(range(span.start, span.end)):
                        spans.append(span)
                        taken.update(range(span.start, span.end))
        citations = []
        if self._citation and spans and (
                self._signals is None or any(self._scan.search(i, text, found) for i in self._signals)):
            citations = [(m.start(), m.end()) for m in self._citation.finditer(text)]
        passes: dict[str, bool] = {}  # concept -> does the report pass its document gates (searched once)
        kept = [s for s in spans if self._passes(text, found, s.label_, passes) and not _cited(s, citations)]
        doc.spans[MENTION_GROUP] = sorted(kept, key=lambda s: s.start)
        return doc

    def _passes(self, text: str, found, concept: str, known: dict[str, bool]) -> bool:
        if concept not in known:
            required, veto = self._requires.get(concept), self._vetoes.get(concept)
            known[concept] = ((required is None or self._scan.search(required, text, found) is not None)
                              and (veto is None or self._scan.search(veto, text, found) is None))
        return known[concept]


def _cited(span: Span, citations: list[tuple[int, int]]) -> bool:
    return any(start <= span.start_char < end for start, end in citations)


def _line_signals(line: re.Pattern[str] | None) -> list[re.Pattern[str]] | None:
    """For a whole-line regex ``^.*(?:X).*$``, X's top-level alternatives: a report where none matches has no
    such line. The line form backtracks through every line; its alternatives alone are a cheap first test.
    None when not of that form."""
    if line is None or not (line.pattern.startswith("^.*") and line.pattern.endswith(".*$")):
        return None
    return [re.compile(branch, line.flags) for branch in _alternatives(line.pattern[3:-3])]


def _alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regex's source, a group around the whole unwrapped: "(?:a|(b|c))" gives
    "a" and "(b|c)". Their union matches what the source matches."""
    cuts, depth, in_class, escaped, whole_group = [], 0, False, False, source.startswith("(?:")
    for i, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]" or source[i - 1] == "[" or source[i - 2:i] == "[^"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            whole_group = whole_group and (depth > 0 or i == len(source) - 1)
        elif char == "|" and depth == 0:
            cuts.append(i)
    if whole_group and not cuts:
        return _alternatives(source[3:-1])
    bounds = [-1, *cuts, len(source)]
    return [source[a + 1:b] for a, b in pairwise(bounds)]

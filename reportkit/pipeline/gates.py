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

from spacy.attrs import IDX
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from reportkit.lexicon import load_lexicon
from reportkit.pipeline.extensions import MENTION_GROUP
from reportkit.pipeline.tokenizer import doc_text


@Language.factory("reportkit_gates", default_config={"lexicon_dir": None})
def make_gates(nlp: Language, name: str, lexicon_dir: str | None) -> "ConceptGates":
    """spaCy factory for :class:`ConceptGates` configured by lexicons/concepts.yaml."""
    return ConceptGates(nlp, lexicon_dir)


class ConceptGates:
    """Adds gated pattern matches and removes concept terms that fail a report-level gate."""

    def __init__(self, nlp: Language, lexicon_dir: str | None) -> None:
        concepts = load_lexicon(lexicon_dir).concepts
        self._requires = {c.id: re.compile(c.document_requires) for c in concepts.concepts if c.document_requires}
        self._vetoes = {c.id: re.compile(c.document_vetoed_by) for c in concepts.concepts if c.document_vetoed_by}
        self._citation = re.compile(concepts.citation_line, re.MULTILINE) if concepts.citation_line else None
        self._citation_signal = _line_signal(self._citation)
        self._gated: list[tuple[re.Pattern[str], Matcher, int]] = []  # gate, matcher, longest pattern
        for concept in concepts.concepts:
            if concept.gated_patterns:
                matcher = Matcher(nlp.vocab)
                matcher.add(concept.id, concept.gated_patterns)
                reach = max(len(p) for p in concept.gated_patterns)
                self._gated.append((re.compile(concept.pattern_gate), matcher, reach))

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans = list(doc.spans[MENTION_GROUP])
        taken = {i for s in spans for i in range(s.start, s.end)}
        starts: list[int] | None = None
        for gate, matcher, reach in self._gated:
            windows: list[list[int]] = []
            for m in gate.finditer(text):
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
        if self._citation and spans and (self._citation_signal is None or self._citation_signal.search(text)):
            citations = [(m.start(), m.end()) for m in self._citation.finditer(text)]
        passes: dict[str, bool] = {}  # concept -> does the report pass its document gates (searched once)
        kept = [s for s in spans if self._passes(text, s.label_, passes) and not _cited(s, citations)]
        doc.spans[MENTION_GROUP] = sorted(kept, key=lambda s: s.start)
        return doc

    def _passes(self, text: str, concept: str, known: dict[str, bool]) -> bool:
        if concept not in known:
            required, veto = self._requires.get(concept), self._vetoes.get(concept)
            known[concept] = ((required is None or required.search(text) is not None)
                              and (veto is None or veto.search(text) is None))
        return known[concept]


def _cited(span: Span, citations: list[tuple[int, int]]) -> bool:
    return any(start <= span.start_char < end for start, end in citations)


def _line_signal(line: re.Pattern[str] | None) -> re.Pattern[str] | None:
    """For a whole-line regex ``^.*(?:X).*$``, X alone: a report where X matches nowhere has no such line.

    The line form backtracks through every line; X alone is a cheap first test. None when not of that form.
    """
    if line is None or not (line.pattern.startswith("^.*") and line.pattern.endswith(".*$")):
        return None
    return re.compile(line.pattern[3:-3], line.flags)

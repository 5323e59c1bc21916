"""The ``reportkit_gates`` component: report-level gates on matched concept terms.

Runs between medspaCy's TargetMatcher and ConText. It

* adds the matches of costly ``gated_patterns`` (typo families), run only on reports whose text
  matches the concept's ``pattern_gate`` regex;
* drops terms of a concept whose ``document_requires`` regex the report does not match, or whose
  ``document_vetoed_by`` regex it does (implicit atherosclerosis counts only in imaging reports);
* drops every term on a line that reads as a literature citation (``citation_line``).
"""

import re

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from reportkit.lexicon import load_lexicon
from reportkit.pipeline.extensions import MENTION_GROUP
from reportkit.pipeline.sections import doc_text


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
        self._gated: list[tuple[re.Pattern[str], Matcher]] = []
        for concept in concepts.concepts:
            if concept.gated_patterns:
                matcher = Matcher(nlp.vocab)
                matcher.add(concept.id, concept.gated_patterns)
                self._gated.append((re.compile(concept.pattern_gate), matcher))

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans = list(doc.spans[MENTION_GROUP])
        taken = {i for s in spans for i in range(s.start, s.end)}
        for gate, matcher in self._gated:
            if not gate.search(text):
                continue
            for span in matcher(doc, as_spans=True):
                if not taken.intersection(range(span.start, span.end)):
                    spans.append(span)
                    taken.update(range(span.start, span.end))
        citations = [(m.start(), m.end()) for m in self._citation.finditer(text)] if self._citation and spans else []
        doc.spans[MENTION_GROUP] = sorted((s for s in spans if self._keep(text, s, citations)), key=lambda s: s.start)
        return doc

    def _keep(self, text: str, span: Span, citations: list[tuple[int, int]]) -> bool:
        required = self._requires.get(span.label_)
        if required is not None and not required.search(text):
            return False
        veto = self._vetoes.get(span.label_)
        if veto is not None and veto.search(text):
            return False
        return not any(start <= span.start_char < end for start, end in citations)

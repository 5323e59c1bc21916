"""Assertion: ConText flags on a finding's terms -> negated / uncertain / historical / hypothetical, with triggers."""

from dataclasses import dataclass

from reportkit.lexicon import Lexicon
from reportkit.models import Evidence, Section
from reportkit.pipeline.extensions import CONTEXT_CATEGORIES
from reportkit.pipeline.linking.context import Group, cite


@dataclass
class Assertion:
    """How a finding is asserted, and the trigger words that say so."""

    negated: bool
    uncertain: bool
    historical: bool
    hypothetical: bool
    evidence: list[Evidence]


class AssertionReader:
    """Reads the ConText modifiers of a group's terms; a question in a question section (indication) is hypothetical."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._negated_concepts = {c.id for c in lexicon.concepts.concepts if c.negated}
        self._question_sections = {s.category for s in lexicon.sections.sections if s.questions}

    def __call__(self, group: Group, section: Section) -> Assertion:
        flags = {meaning.role: False for meaning in CONTEXT_CATEGORIES.values()}
        evidence: list[Evidence] = []
        for span in group.spans:
            # ConText sets a span's flag for each modifier it links to the span: read the modifiers once
            for modifier in span._.modifiers:
                meaning = CONTEXT_CATEGORIES.get(modifier.category)
                if meaning:
                    flags[meaning.role] = True
                    m_start, m_end = modifier.modifier_span
                    evidence.append(cite(span.doc[m_start:m_end], meaning.role))
        question = flags["question"]
        hypothetical = flags["hypothetical"] or (question and section.category in self._question_sections)
        return Assertion(
            negated=flags["negation"] or any(s.label_ in self._negated_concepts for s in group.spans),
            uncertain=flags["uncertainty"] or (question and not hypothetical),
            historical=flags["historical"],
            hypothetical=hypothetical,
            evidence=evidence,
        )

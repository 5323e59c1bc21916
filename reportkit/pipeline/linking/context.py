"""What the linking steps share: a finding under construction and the context it is read in."""

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from reportkit.lexicon import Concept
from reportkit.models import Evidence, Section
from reportkit.pipeline.linking.cues import Cues
from reportkit.pipeline.linking.index import DocIndex
from reportkit.pipeline.doc_text import doc_text


@dataclass
class Group:
    """One finding under construction: its term spans and any folded interpretations or descriptions."""

    spans: list[Span]
    concept: Concept
    kind: str
    interpretations: list[tuple[Span, Concept]] = field(default_factory=list)
    descriptions: list[Span] = field(default_factory=list)
    folded_end: int = -1  # token offset after the last interpretation or description (kept by the adders)

    def __post_init__(self) -> None:
        self.folded_end = max([self.folded_end] + [s.end for s, _ in self.interpretations]
                              + [s.end for s in self.descriptions])

    def add_term(self, span: Span) -> None:
        """Add a term of the same noun phrase."""
        self.spans.append(span)

    def add_interpretation(self, span: Span, concept: Concept) -> None:
        """Fold a term that restates this finding."""
        self.interpretations.append((span, concept))
        self.folded_end = max(self.folded_end, span.end)

    def add_description(self, span: Span) -> None:
        """Fold a generic term that describes this finding."""
        self.descriptions.append(span)
        self.folded_end = max(self.folded_end, span.end)

    @property
    def last_end(self) -> int:
        """Token offset after the last term, interpretation or description."""
        return max(self.spans[-1].end, self.folded_end)

    @property
    def start(self) -> int:
        """Token offset of the first term."""
        return self.spans[0].start

    @property
    def end(self) -> int:
        """Token offset after the last merged term."""
        return self.spans[-1].end

    @property
    def effective_concept(self) -> Concept:
        """The concept that says what the finding is: a folded interpretation if the term is generic."""
        if self.interpretations and (self.concept.role == "generic" or self.concept.diagnosis is None):
            return self.interpretations[0][1]
        return self.concept


@dataclass
class FindingContext:
    """One finding's group read in its document: its sentence, section, the other groups and every cue."""

    doc: Doc
    group: Group
    groups: list[Group]
    cues: Cues
    sections: list[Section]
    section: Section
    sent: Span
    window_end: int  # token offset where the finding's own phrase ends
    index: DocIndex


def span_text(span: Span) -> str:
    """``span.text``, sliced from the report text instead of joined token by token."""
    return doc_text(span.doc)[span.start_char : span.end_char]


def cite(span: Span, role: str, value: str | None = None) -> Evidence:
    """Evidence of ``role`` pointing at ``span``."""
    return Evidence(role=role, text=span_text(span), start=span.start_char, end=span.end_char, value=value)

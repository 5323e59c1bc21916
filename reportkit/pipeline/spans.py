"""The ``reportkit_findings`` component: the mentions as labelled spans, where medspaCy and displaCy look.

``doc.spans["reportkit_findings"]`` holds one span per mention (findings and queries: hypothetical mentions),
in text order, labelled with the concept id the output records (``Finding.concept``). With ``ents`` set they are
``doc.ents`` too (a span overlapping another entity: the longer is kept, as spaCy's ``filter_spans`` does). Each
span's medspaCy flags (``is_negated``, ``is_uncertain``, ``is_historical``, ``is_hypothetical``) are the mention's
as the linker decided them, and the span extensions of :mod:`reportkit.pipeline.extensions` (``rk_site``,
``rk_side``, ``rk_size_mm``, ``rk_assertion``, ``rk_assertion_scopes``, ``rk_diagnosis``, ``rk_evidence``,
``rk_finding``) give what the pipeline records for it.
"""

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from reportkit.models import Finding
from reportkit.pipeline.extensions import CONTEXT_CATEGORIES, FINDINGS_KEY, register_extensions
from reportkit.pipeline.steps import PipelineStep

# the medspaCy flags a span gets from its mention (rk_is_question has no Finding field)
FLAGS = {meaning.attribute: meaning.attribute.removeprefix("is_")
         for meaning in CONTEXT_CATEGORIES.values() if meaning.attribute.startswith("is_")}


def make_finding_spans(nlp: Language, name: str, ents: bool) -> "FindingSpans":
    """spaCy factory for :class:`FindingSpans` (``ents``: put the mentions in ``doc.ents`` too)."""
    register_extensions()
    return FindingSpans(nlp, ents)


class FindingSpans(PipelineStep):
    """Sets ``doc.spans["reportkit_findings"]`` (and, with ``ents``, ``doc.ents``) from the linker's mentions."""

    def __init__(self, nlp: Language, ents: bool = False) -> None:
        self.nlp = nlp
        self.ents = ents

    def __call__(self, doc: Doc) -> Doc:
        self.check_order()
        findings: list[Finding] = sorted((doc._.rk_findings or []) + (doc._.rk_queries or []), key=_place)
        spans = []
        for finding in findings:
            span = doc.char_span(finding.start, finding.end, label=finding.concept, alignment_mode="expand")
            if span is None:
                continue
            for flag, field in FLAGS.items():
                span._.set(flag, getattr(finding, field))
            spans.append(span)
        doc.spans[FINDINGS_KEY] = spans
        if self.ents:
            doc.ents = filter_spans([*doc.ents, *spans])
        return doc


def _place(finding: Finding) -> tuple[int, int]:
    return finding.start, finding.end


__all__ = ["FINDINGS_KEY", "FindingSpans", "make_finding_spans"]

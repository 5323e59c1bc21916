"""The one table of ConText categories, and the one place that registers every Doc/Span extension.

Each ConText category we act on sets one Span flag (medspaCy's own ``is_*`` names; QUESTION is ours)
and, when the linker cites the trigger words, one evidence role.
"""

from dataclasses import dataclass
from typing import get_args

from spacy.tokens import Doc, Span

from reportkit.models import AssertionScope
from reportkit.pipeline.doc_text import doc_text

MENTION_GROUP = "reportkit_mentions"


@dataclass(frozen=True)
class ContextCategory:
    """What one ConText category means here: the Span flag it sets and the evidence role of its trigger."""

    attribute: str
    role: str


CONTEXT_CATEGORIES: dict[str, ContextCategory] = {
    "NEGATED_EXISTENCE": ContextCategory("is_negated", "negation"),
    "POSSIBLE_EXISTENCE": ContextCategory("is_uncertain", "uncertainty"),
    "HISTORICAL": ContextCategory("is_historical", "historical"),
    "HYPOTHETICAL": ContextCategory("is_hypothetical", "hypothetical"),
    "QUESTION": ContextCategory("rk_is_question", "question"),
}

# Doc extensions: sections (reportkit_sections), findings, queries and study modalities (reportkit_linker),
# deposits (reportkit_deposits)
DOC_EXTENSIONS = ("rk_sections", "rk_findings", "rk_queries", "rk_modality", "rk_deposits")


# Categories whose scopes the output records: every one that makes a statement non-affirmed.
# HISTORICAL is left out: a past fact ("history of trauma") is still evidence.
SCOPED_CATEGORIES = frozenset(get_args(AssertionScope.model_fields["category"].annotation))


def assertion_scopes(doc: Doc) -> list[AssertionScope]:
    """Every non-empty ConText scope of a non-affirming category, as character ranges, in text order."""
    graph = doc._.context_graph
    text = doc_text(doc)
    scopes = []
    for modifier in graph.modifiers if graph is not None else []:
        start, end = modifier.scope_span
        category = modifier.category
        if category not in SCOPED_CATEGORIES or start >= end:
            continue
        trigger_start, trigger_end = modifier.modifier_span
        scopes.append(AssertionScope(start=doc[start].idx, end=_end_char(doc, end), category=category,
                                     trigger=text[doc[trigger_start].idx : _end_char(doc, trigger_end)]))
    return sorted(scopes, key=lambda s: (s.start, s.end))


def _end_char(doc: Doc, end: int) -> int:
    """Character offset where the token before ``end`` ends."""
    last = doc[end - 1]
    return last.idx + len(last)


def context_span_attrs() -> dict[str, dict[str, bool]]:
    """medspaCy ConText's ``span_attrs`` config: category -> {Span flag: True}."""
    return {category: {meaning.attribute: True} for category, meaning in CONTEXT_CATEGORIES.items()}


def register_extensions() -> None:
    """Register every Doc/Span extension the pipeline sets; safe to call more than once."""
    for meaning in CONTEXT_CATEGORIES.values():
        if not Span.has_extension(meaning.attribute):
            Span.set_extension(meaning.attribute, default=False)
    for name in DOC_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)

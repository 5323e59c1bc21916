"""The one table of ConText categories, and the one place that registers every Doc/Span extension.

Each ConText category we act on sets one Span flag (medspaCy's own ``is_*`` names; QUESTION is ours)
and, when the linker cites the trigger words, one evidence role.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from spacy.tokens import Doc, Span

from reportkit.models import AssertionScope, Finding
from reportkit.pipeline.doc_text import doc_text

MENTION_GROUP = "reportkit_mentions"  # the concept terms matched (the target matcher's span group), not yet findings
FINDINGS_KEY = "reportkit_findings"  # the mentions as the output records them, labelled (reportkit_findings)
MENTIONS_KEY = "reportkit_mention_spans"  # (start, end) -> the mention, for the span extensions
SCOPES_KEY = "reportkit_assertion_scopes"  # the Doc's assertion scopes, for the span extensions


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


def mention_of(span: Span) -> Finding | None:
    """The mention ``span`` covers exactly, as the pipeline records it (the engine's reasoning then adds the body
    system and a diagnosis the text does not name); None when the span is no mention."""
    doc = span.doc
    mentions = doc.user_data.get(MENTIONS_KEY)
    if mentions is None:
        found = (doc._.rk_findings or []) + (doc._.rk_queries or [])
        mentions = doc.user_data[MENTIONS_KEY] = {(f.start, f.end): f for f in found}
    return mentions.get((span.start_char, span.end_char))


def scopes_around(span: Span) -> list[AssertionScope]:
    """The ConText scopes of a non-affirming category (:func:`assertion_scopes`) that hold the whole span."""
    doc = span.doc
    scopes = doc.user_data.get(SCOPES_KEY)
    if scopes is None:
        scopes = doc.user_data[SCOPES_KEY] = assertion_scopes(doc)
    return [s for s in scopes if s.start <= span.start_char and span.end_char <= s.end]


def _assertion(finding: Finding) -> str:
    """One word for the mention's assertion: the first of negated, hypothetical, uncertain, historical that holds,
    else "affirmed"."""
    for flag in ("negated", "hypothetical", "uncertain", "historical"):
        if getattr(finding, flag):
            return flag
    return "affirmed"


def _of_mention(read: Callable[[Finding], Any]) -> Callable[[Span], Any]:
    def getter(span: Span) -> Any:
        finding = mention_of(span)
        return None if finding is None else read(finding)
    return getter


# Span extensions over the mention a span covers (None on any other span); reportkit_findings makes the spans
SPAN_GETTERS: dict[str, Callable[[Span], Any]] = {
    "rk_finding": mention_of,
    "rk_site": _of_mention(lambda f: f.site),
    "rk_side": _of_mention(lambda f: f.laterality),
    "rk_size_mm": _of_mention(lambda f: f.size_mm),
    "rk_assertion": _of_mention(_assertion),
    "rk_assertion_scopes": scopes_around,
    "rk_diagnosis": _of_mention(lambda f: f.diagnosis),
    "rk_evidence": _of_mention(lambda f: f.evidence),
}


def register_extensions() -> None:
    """Register every Doc/Span extension the pipeline sets; safe to call more than once."""
    for meaning in CONTEXT_CATEGORIES.values():
        if not Span.has_extension(meaning.attribute):
            Span.set_extension(meaning.attribute, default=False)
    for name, getter in SPAN_GETTERS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, getter=getter)
    for name in DOC_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)

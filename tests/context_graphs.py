"""What medspaCy's ConText decided for a document, as plain values two builds can be compared on."""

from reportkit.pipeline import MENTION_GROUP


def context_graph(doc):
    """The modifiers with their scopes, the edges, and each mention's assertion flags."""
    graph = doc._.context_graph
    return ([(m.modifier_span, m.scope_span, m.category) for m in graph.modifiers],
            [((t.start, t.end), m.modifier_span) for t, m in graph.edges],
            [(t._.is_negated, t._.is_uncertain, t._.is_historical, t._.is_hypothetical)
             for t in doc.spans[MENTION_GROUP]])

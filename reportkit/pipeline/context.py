"""medspaCy's ConText, run sentence by sentence, with its per-document W036 warning kept to the call that raises it.

medspaCy compares every modifier with every other and every target with every modifier in the
whole document, so its time grows with the square of the report. A modifier's scope never leaves
its sentence, so modifiers and targets of different sentences never meet: comparing them only
within each sentence gives the same graph (same modifiers, scopes and edges, in the same order)
in time that grows with the report.
"""

import warnings
from bisect import bisect_left, bisect_right
from collections import defaultdict

from medspacy.context import ConText, ConTextGraph, ConTextModifier
from spacy.language import Language
from spacy.tokens import Doc, Span

from reportkit.pipeline.sections import sentence_starts


@Language.factory("reportkit_context")
class SentenceConText(ConText):
    """medspaCy's ConText, comparing modifiers and targets only within a sentence, silent about spaCy W036."""

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)
            if targets or self.input_span_type != "group" or self.max_scope or self.prune_on_target_overlap:
                return super().__call__(doc, targets)  # configurations whose scopes may cross sentences
            return self._by_sentence(doc)

    def _by_sentence(self, doc: Doc) -> Doc:
        """ConText's own steps (update scopes, apply modifiers, link, set attributes), sentence by sentence."""
        graph = ConTextGraph(prune_on_modifier_overlap=False)
        graph.targets = doc.spans[self.span_group_name]
        matcher = self._ConText__matcher
        starts = sentence_starts(doc)
        bounds = list(zip(starts, starts[1:] + [len(doc)]))

        def sentence_of(token: int) -> int:
            return bisect_right(starts, token) - 1

        graph.modifiers = []
        for match_id, start, end in matcher(doc):
            rule = matcher.rule_map[self.nlp.vocab.strings[match_id]]  # no Lexeme per match
            # the scope medspaCy would find by walking the tokens to the sentence's edges
            scope = _sentence_scope(rule, start, end, *bounds[sentence_of(start)])
            graph.modifiers.append(ConTextModifier(rule, start, end, doc, *scope))
        modifiers_in: dict[int, list[ConTextModifier]] = defaultdict(list)
        for modifier in graph.modifiers:
            start, end = modifier.modifier_span
            home = sentence_of(start)
            first, last = bounds[home]
            if not (end <= last and all(first <= edge <= last for edge in modifier.scope_span)):
                return super().__call__(doc)  # a modifier reaching into another sentence: the whole document
            modifiers_in[home].append(modifier)
        targets_in: dict[int, list[Span]] = defaultdict(list)
        for target in graph.targets:
            for sentence in range(sentence_of(target.start), sentence_of(target.end - 1) + 1):
                targets_in[sentence].append(target)
        for sentence, modifiers in modifiers_in.items():
            _update_scopes(modifiers)  # every sentence: the output records each modifier's scope
            if sentence in targets_in:
                _apply(modifiers, targets_in[sentence])
        edges = []
        for modifier in graph.modifiers:
            modifier.reduce_targets()
            edges.extend((target, modifier) for target in modifier._targets)
        graph.edges = edges
        for target, modifier in edges:
            target._.modifiers += (modifier,)
        if self.context_attributes_mapping:
            self.set_context_attributes(edges)
        doc._.context_graph = graph
        return doc


def _sentence_scope(rule, start: int, end: int, sent_start: int, sent_end: int) -> tuple[int, int]:
    """ConTextModifier's own scope (medspaCy's ``__set_scope`` without a window): the sentence on the rule's
    side of the trigger, cut to the rule's ``max_scope`` tokens."""
    direction, limit = rule.direction.lower(), rule.max_scope
    if direction == "forward":
        low, high = end, sent_end
        if limit is not None and high - low > limit:
            high = end + limit
    elif direction == "backward":
        low, high = sent_start, start
        if limit is not None and high - low > limit:
            low = start - limit
    else:  # bidirectional, and the terminate/pseudo rules, which medspaCy scopes the same way
        low, high = sent_start, sent_end
        if limit is not None and start - low > limit:
            low = start - limit
        if limit is not None and high - end > limit:
            high = end + limit
    return low, high


def _update_scopes(modifiers: list[ConTextModifier]) -> None:
    """ConTextGraph.update_scopes over one sentence's modifiers, pairs in the same order."""
    for i, first in enumerate(modifiers):
        for second in modifiers[i + 1 :]:
            first.limit_scope(second)
            second.limit_scope(first)


def _apply(modifiers: list[ConTextModifier], targets: list[Span]) -> None:
    """ConTextGraph.apply_modifiers over one sentence, testing each modifier only on targets its scope touches.

    ``modifies`` needs a target's start in ``[scope start, scope end)`` or its end in ``(scope start, scope
    end]``; every other target is refused anyway. Each modifier still gets its targets in list order.
    """
    by_start = sorted(range(len(targets)), key=lambda i: targets[i].start)
    by_end = sorted(range(len(targets)), key=lambda i: targets[i].end)
    starts = [targets[i].start for i in by_start]
    ends = [targets[i].end for i in by_end]
    for modifier in modifiers:
        low, high = modifier.scope_span
        if low >= high:
            continue  # an empty (or reversed) scope touches no target
        near = set(by_start[bisect_left(starts, low) : bisect_left(starts, high)])
        near.update(by_end[bisect_right(ends, low) : bisect_right(ends, high)])
        for i in sorted(near):
            if modifier.modifies(targets[i]):
                modifier.modify(targets[i])

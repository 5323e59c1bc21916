"""medspaCy's TargetMatcher and ConText with the fast paths: the only module that reaches medspaCy's private
attributes (medspaCy is pinned in pyproject.toml).

* Both keep their token patterns in a :class:`~.token_prefilter.PrefilteredMatcher` instead of spaCy's
  ``Matcher`` (medspaCy keeps that Matcher in ``MedspacyMatcher.__matcher``).
* ConText compares modifiers and targets only within a sentence. medspaCy compares every modifier with every
  other and every target with every modifier in the whole document, so its time grows with the square of the
  report. A modifier's scope never leaves its sentence, so modifiers and targets of different sentences never
  meet: comparing them within each sentence gives the same graph (same modifiers, scopes and edges, in the
  same order) in time that grows with the report.

  Why that holds, for every modifier, also one whose words run into the next sentence: medspaCy scopes a
  modifier by the sentence of its first token (its "home"), so its scope ``(low, high)`` starts with
  ``home start <= low`` and ``high <= home end``; ``limit_scope`` only raises ``low`` and lowers ``high``, so
  that stays true (``low`` may pass ``high``: a reversed scope). Two scopes meet only if ``a.low < b.high`` and
  ``b.low < a.high``, which two modifiers of different homes never satisfy, so ``limit_scope`` between them
  changes nothing, whatever the order of the pairs. A target a modifier's scope meets has a token in its home.

When an attribute is not where this module expects it (another medspaCy version), the component runs as
medspaCy's own: slower, never different. The plain pipeline (``build_pipeline(plain=True)``) uses medspaCy's
components as they are; ``tests/test_fast_vs_plain.py`` compares the two.
"""

import warnings
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from medspacy.common.medspacy_matcher import MedspacyMatcher
from medspacy.context import ConText, ConTextGraph, ConTextModifier
from medspacy.context import context_modifier as _context_modifier
from medspacy.target_matcher import TargetMatcher
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from reportkit.lexicon import load_lexicon
from reportkit.pipeline.extensions import register_extensions
from reportkit.pipeline.fast.token_prefilter import PrefilteredMatcher
from reportkit.pipeline.rules import context_rules, fold_spelling, target_rules
from reportkit.pipeline.sections import sentence_starts
from reportkit.pipeline.steps import PipelineStep


def _scopes_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Do two token ranges share a token? medspaCy's own test misses a range that lies inside the other, so once
    one terminating word had narrowed a scope ("there is ... calcific plaque ..., but a lesion cannot be
    excluded"), no later one ("but") could narrow it again. Both builds use this test."""
    return a[0] < b[1] and b[0] < a[1]


_context_modifier.tuple_overlaps = _scopes_overlap


def _medspacy_matcher(component: object, attribute: str) -> MedspacyMatcher | None:
    """The component's private MedspacyMatcher, None when it has none under that name."""
    matcher = getattr(component, attribute, None)
    return matcher if isinstance(matcher, MedspacyMatcher) else None


def _install_token_prefilter(matcher: MedspacyMatcher | None, vocab) -> bool:
    """Give a medspaCy matcher (before its rules are added) a PrefilteredMatcher for its token patterns; False
    (and the matcher left as it is) when it keeps no spaCy Matcher where expected."""
    if matcher is None or not isinstance(getattr(matcher, "_MedspacyMatcher__matcher", None), Matcher):
        return False
    matcher._MedspacyMatcher__matcher = PrefilteredMatcher(vocab)
    return True


@contextmanager
def _phrases_from(matcher: MedspacyMatcher | None, nlp: Language) -> Iterator[None]:
    """While rules are added, the matcher makes its phrase Docs with ``nlp.make_doc`` instead of the tokenizer it
    kept: the same tokens, and while the pipeline is built one Doc per distinct phrase, shared with the other
    components (:func:`reportkit.pipeline.build.build_pipeline`)."""
    if matcher is None or not callable(getattr(matcher, "nlp", None)):
        yield
        return
    tokenizer = matcher.nlp
    matcher.nlp = nlp.make_doc
    try:
        yield
    finally:
        matcher.nlp = tokenizer


class PrefilteredTargetMatcher(PipelineStep, TargetMatcher):
    """medspaCy's TargetMatcher whose token patterns run through the token prefilter, holding the lexicon's
    concept terms (``lexicon_dir``; default: the shipped lexicons) from the start."""

    def __init__(self, nlp: Language, name: str, result_type: str, span_group_name: str,
                 lexicon_dir: str | None = None) -> None:
        super().__init__(nlp, name=name, result_type=result_type, span_group_name=span_group_name)
        matcher = _medspacy_matcher(self, "_TargetMatcher__matcher")
        self.prefiltered = _install_token_prefilter(matcher, nlp.vocab)
        fold_spelling(nlp)  # before the phrases are made: they match on the plain spelling form
        with _phrases_from(matcher, nlp):
            self.add(target_rules(load_lexicon(lexicon_dir)))

    def __call__(self, doc: Doc) -> Doc:
        self.check_order()
        return super().__call__(doc)


class SentenceConText(PipelineStep, ConText):
    """medspaCy's ConText with the lexicon's modifier rules (``lexicon_dir``; default: the shipped lexicons),
    comparing modifiers and targets only within a sentence, its token patterns behind the token prefilter, silent
    about spaCy's W036 (a Matcher without patterns)."""

    def __init__(self, nlp: Language, name: str, input_span_type: str, span_group_name: str,
                 span_attrs: dict | None, lexicon_dir: str | None = None) -> None:
        register_extensions()  # the span flags span_attrs names
        super().__init__(nlp, name=name, rules=None, input_span_type=input_span_type,
                         span_group_name=span_group_name, span_attrs=span_attrs)
        self._matcher = _medspacy_matcher(self, "_ConText__matcher")
        self.prefiltered = _install_token_prefilter(self._matcher, nlp.vocab)
        fold_spelling(nlp)
        with _phrases_from(self._matcher, nlp):
            self.add(context_rules(load_lexicon(lexicon_dir)))

    def __call__(self, doc: Doc, targets: str | None = None) -> Doc:
        self.check_order()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)
            if (self._matcher is None or targets or self.input_span_type != "group" or self.max_scope
                    or self.prune_on_target_overlap):
                return super().__call__(doc, targets)  # configurations whose scopes may cross sentences
            return self._by_sentence(doc, self._matcher)

    def _by_sentence(self, doc: Doc, matcher: MedspacyMatcher) -> Doc:
        """ConText's own steps (update scopes, apply modifiers, link, set attributes), sentence by sentence."""
        graph = ConTextGraph(prune_on_modifier_overlap=False)
        graph.targets = doc.spans[self.span_group_name]
        starts = sentence_starts(doc)
        bounds = list(zip(starts, starts[1:] + [len(doc)], strict=True))

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
            # a modifier running into the next sentence ("FAMILY HISTORY:" when the title "HISTORY:" starts one)
            # is scoped by the sentence it starts in, as medspaCy scopes it: it belongs there
            modifiers_in[sentence_of(modifier.modifier_span[0])].append(modifier)
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
    """ConTextGraph.update_scopes over one sentence's modifiers, pairs in the same order, leaving out the pairs whose
    scopes do not meet at the start. ``limit_scope`` changes nothing for a pair whose scopes do not meet, and scopes
    only narrow (it raises a start, lowers an end), so such a pair never meets later either. A scope that meets
    ``(low, high)`` starts before ``high`` and, being at most ``longest`` long (or empty or reversed, starting at
    or after its end), after ``low - longest``: the pairs looked at grow with the modifiers near each other, not
    with the square of the sentence's."""
    scopes = [m.scope_span for m in modifiers]
    by_low = sorted(range(len(modifiers)), key=lambda k: scopes[k][0])
    lows = [scopes[k][0] for k in by_low]
    longest = max([high - low for low, high in scopes] + [0])
    for i, first in enumerate(modifiers):
        low, high = scopes[i]
        near = by_low[bisect_right(lows, low - longest) : bisect_left(lows, high)]
        for k in sorted(k for k in near if k > i and _scopes_overlap(scopes[k], scopes[i])):
            second = modifiers[k]
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

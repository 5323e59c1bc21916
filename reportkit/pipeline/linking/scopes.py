"""ConText scopes cut to the clause and to the predicate's argument, read without a parser.

medspaCy's ConText gives a trigger the sentence on its side (or a fixed window). Two kinds of
trigger speak of less than that:

* a predicate after its subject (``scope: subject`` in context.yaml: "has resolved", "is not
  seen"): it reaches back to its clause's start, however long the subject, but only to the
  subject's own noun phrases. "The previously seen calcific deposit within the distal
  supraspinatus tendon has completely resolved" negates the deposit; "the swelling around the
  deposit has resolved" does not, nor does "the calcification is unchanged and the bursitis has
  resolved";
* a verbal negation ("Gout does not calcify cartilage") negates its own predicate: the subject of
  a later clause's verb ("..., so CPPD is the likely explanation") is out of its reach. A generic
  statement's word in a negated predicate ("Hydroxyapatite does not typically involve the menisci")
  reaches no further than the negation does.

The clause words are lexicon data (linking.yaml: ``finite_verbs``, ``clause_openers``,
``prepositions``, ``coordinators``). Both builds of the pipeline run this on ConText's graph,
so they agree.
"""

from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc, Span

from reportkit.lexicon import Lexicon
from reportkit.pipeline.extensions import CONTEXT_CATEGORIES
from reportkit.pipeline.linking.phrases import Phrases, predicate_adverb
from reportkit.pipeline.sections import sentence_starts

NEGATION = "NEGATED_EXISTENCE"
GENERIC = "HYPOTHETICAL"  # a general statement's words ("typically", "tend to") set this category
HEDGE = "POSSIBLE_EXISTENCE"
DASHES = ("-", "\u2013", "\u2014")
NEGATED_GENERIC_GAP = 2  # tokens from a negation to a general statement's word it forms one predicate with
SUBJECT = "subject"
PREDICATE_SPAN = 3  # tokens before a trigger that can hold its own auxiliary and adverbs ("has since been")
ASIDE = 40  # tokens from a trigger to the parenthesis that opens or closes the aside it stands in
PARENS = ("(", ")")


class ClauseWords:
    """The linking lexicon's clause words, as lower-cased word ids (:class:`.phrases.Phrases`)."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        linking = lexicon.linking
        self.finite_verbs = Phrases(nlp, linking.finite_verbs)
        self.subject_negations = Phrases(nlp, linking.subject_negations)
        self.clause_openers = Phrases(nlp, linking.clause_openers)
        self.relative_pronouns = Phrases(nlp, linking.relative_pronouns)
        self.subject_pronouns = Phrases(nlp, linking.subject_pronouns)
        self.prepositions = Phrases(nlp, linking.prepositions)
        self.coordinators = Phrases(nlp, linking.coordinators)
        self.predicate_adverbs = frozenset(linking.predicate_adverbs)
        # a subject's clause starts after one of these: an opener that is no coordinator of the subject itself
        self.clause_starts = Phrases(nlp, [w for w in linking.clause_openers
                                           if w not in set(linking.coordinators) | {":", "("}])


    def adverb(self, word: str) -> bool:
        """Whether a word before a predicate reads as its adverb ("completely", "since", "now")."""
        return predicate_adverb(word, self.predicate_adverbs)


class ScopeNarrower:
    """Cuts the scopes of ConText's modifiers as the module says and drops the edges they no longer cover."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self._words = ClauseWords(nlp, lexicon)

    def __call__(self, doc: Doc, words: list[int]) -> None:
        """Narrow ``doc``'s ConText graph in place (``words``: each token's lower-cased word id)."""
        graph = doc._.context_graph
        if graph is None or not graph.modifiers:
            return
        heads: dict[int, list[tuple[int, int]]] = {}  # id(modifier) -> the subject's head phrases
        negation_ends = {m.modifier_span[1] for m in graph.modifiers if m.category == NEGATION}
        hedge_starts = sorted(m.modifier_span[0] for m in graph.modifiers if m.category == HEDGE)
        changed = False
        for modifier in graph.modifiers:
            low, high = modifier.scope_span
            if low >= high:
                continue
            if (modifier.rule.metadata or {}).get("scope") == SUBJECT:
                low, phrases = self._subject(doc, words, modifier, low)
                heads[id(modifier)] = phrases
            elif modifier.category == NEGATION and modifier.direction.upper() == "FORWARD":
                high = self._clause_end(words, modifier, high, 0 if self._opens_subject(doc, words, modifier) else 1)
                high = _hedged_clause_start(doc, modifier, high, hedge_starts)
            elif (modifier.category == GENERIC and modifier.direction.upper() == "BIDIRECTIONAL"
                  and any(modifier.modifier_span[0] - g in negation_ends for g in range(NEGATED_GENERIC_GAP + 1))):
                high = self._clause_end(words, modifier, high, 1)
            low, high = _within_parentheses(doc, modifier.modifier_span, low, high)
            if (low, high) != modifier.scope_span:
                modifier.update_scope(doc[low:high])
                changed = True
        if not changed and not heads:
            return
        edges = [(target, modifier) for target, modifier in graph.edges
                 if _covers(modifier, target) and _in_heads(heads.get(id(modifier)), target)]
        if len(edges) != len(graph.edges):
            _relink(graph, edges)

    def _subject(self, doc: Doc, words: list[int], modifier, low: int) -> tuple[int, list[tuple[int, int]]]:
        """Where the subject of a predicate trigger starts (not before ``low``) and its head phrases."""
        w = self._words
        start = modifier.modifier_span[0]
        i = start - 1
        # the predicate's own auxiliary and adverbs ("has since been", "is now") belong to it
        # (an opener right after the auxiliary is its adverb: "has since disappeared")
        while i >= low and start - i <= PREDICATE_SPAN and (
                w.finite_verbs.starts_at(words, i)
                or w.adverb(doc[i].lower_) and (not w.clause_openers.starts_at(words, i)
                                               or i > low and w.finite_verbs.starts_at(words, i - 1))):
            i -= 1
        predicate_start = i + 1
        while i >= low and not w.clause_starts.starts_at(words, i):
            if w.finite_verbs.starts_at(words, i):
                if not self._relative(words, i):
                    break
                i -= 1  # past the relative pronoun: the clause describes the subject
            i -= 1
        subject_start = i + 1
        return subject_start, self._head_phrases(words, subject_start, predicate_start)

    def _head_phrases(self, words: list[int], start: int, end: int) -> list[tuple[int, int]]:
        """The noun phrases of ``words[start:end]`` that head it: the first and each after a coordinator, each
        ending where a prepositional phrase starts ("the calcification in the tendon" -> "the calcification")."""
        w = self._words
        phrases: list[tuple[int, int]] = []
        head_start: int | None = start
        for i in range(start, end):
            if w.coordinators.starts_at(words, i) or w.clause_openers.starts_at(words, i):
                if head_start is not None and head_start < i:
                    phrases.append((head_start, i))
                head_start = i + 1
            elif w.prepositions.starts_at(words, i) and head_start is not None:
                if head_start < i:
                    phrases.append((head_start, i))
                head_start = None
        if head_start is not None and head_start < end:
            phrases.append((head_start, end))
        return phrases

    def _relative(self, words: list[int], verb: int) -> bool:
        """Whether the finite verb at ``verb`` is a relative clause's ("that was seen before")."""
        return verb > 0 and self._words.relative_pronouns.starts_at(words, verb - 1)

    def _opens_subject(self, doc: Doc, words: list[int], modifier) -> bool:
        """Whether a negation opens its clause's subject ("No calcification ... is seen"): a subject negation
        at the start of a sentence or after a clause opener."""
        w = self._words
        start = modifier.modifier_span[0]
        before = start - 1
        while before >= 0 and doc[before].is_space:
            before -= 1
        return w.subject_negations.starts_at(words, start) and (
            before < 0 or any(doc[i].is_sent_start for i in range(before + 1, start + 1))
            or doc[before].is_punct or w.clause_openers.starts_at(words, before))

    def _clause_end(self, words: list[int], modifier, high: int, verbs_seen: int) -> int:
        """Where a trigger's clause ends, looking forward: before the subject of a later clause's verb.

        ``verbs_seen``: the finite verbs of the trigger's clause already given before it. A negation that opens
        its clause's subject ("no calcification ... is seen") takes the first verb after it as its own; one
        inside a verb group ("does not show") or a phrase ("in the absence of") has its clause's verb given or
        implied, so the next verb belongs to a new clause.
        """
        w = self._words
        end = modifier.modifier_span[1]
        for i in range(end, high):
            if not w.finite_verbs.starts_at(words, i) or self._relative(words, i):
                continue
            verbs_seen += 1
            if verbs_seen < 2:
                continue
            if i - 1 >= end and w.subject_pronouns.starts_at(words, i - 1):
                return i - 1  # "..., it is": the pronoun is the new clause's whole subject
            j = i - 1
            while j >= end and not w.clause_openers.starts_at(words, j):
                j -= 1
            if end <= j < i - 1:  # a subject of its own between the opener and the verb
                return j
        return high


def _hedged_clause_start(doc: Doc, modifier, high: int, hedge_starts: list[int]) -> int:
    """Where a denial's scope ends at a new, hedged clause: a comma right before a hedge ("not visible at 1 week,
    suggestive of early myositis ossificans"), or a dash standing between words before a hedge later in the scope
    ("no periosteal reaction - early myositis ossificans likely"). What follows is hedged, not denied."""
    end = modifier.modifier_span[1]
    dash = next((i for i in range(end, high) if doc[i].text in DASHES and doc[i].whitespace_
                 and doc[i - 1].whitespace_ and doc[i - 1].is_alpha), None)
    for hedge in hedge_starts[bisect_right(hedge_starts, end):]:
        if hedge >= high:
            break
        if doc[hedge - 1].text == ",":
            return hedge - 1
        if dash is not None and dash < hedge:
            return dash
    return high


def _covers(modifier, target: Span) -> bool:
    """ConText's own test: does the (narrowed) scope still overlap the target?"""
    low, high = modifier.scope_span
    return low < target.end and target.start < high


def _in_heads(phrases: list[tuple[int, int]] | None, target: Span) -> bool:
    """Whether a target lies in one of a subject's head phrases (any target when the rule has none)."""
    return phrases is None or any(lo <= target.start < hi for lo, hi in phrases)


def _relink(graph, edges: list) -> None:
    """Keep only ``edges``: each target's modifiers and ConText flags made again from them."""
    graph.edges = edges
    kept: dict[tuple[int, int, str], list] = {}
    for target, modifier in edges:
        kept.setdefault((target.start, target.end, target.label_), []).append(modifier)
    for target in graph.targets:
        modifiers = kept.get((target.start, target.end, target.label_), [])
        target._.modifiers = tuple(modifiers)
        categories = {m.category for m in modifiers}
        for category, meaning in CONTEXT_CATEGORIES.items():
            setattr(target._, meaning.attribute, category in categories)


def _within_parentheses(doc: Doc, trigger: tuple[int, int], low: int, high: int) -> tuple[int, int]:
    """A trigger inside parentheses speaks forward only to the aside's end ("After consent (risks incl.
    infection, tendon rupture), a 12 mm calcification was localized" leaves the calcification). Backward it may
    still reach what the aside comments on ("calcific tendinitis (resolved 2020)")."""
    start, end = trigger
    starts = sentence_starts(doc)  # by bisect: Span.sent walks a long sentence token by token
    k = bisect_right(starts, start)
    first, last = starts[k - 1], starts[k] if k < len(starts) else len(doc)
    # an aside is short: look a few words each way, not across a whole run-on sentence
    opening = next((i for i in range(start - 1, max(first, start - ASIDE) - 1, -1) if doc[i].text in PARENS), None)
    if opening is None or doc[opening].text != "(":
        return low, high
    closing = next((i for i in range(end, min(last, end + ASIDE)) if doc[i].text in PARENS), None)
    if closing is None or doc[closing].text != ")":
        return low, high
    return low, min(high, closing)

"""Interpretations: the finding an interpreting phrase refers to, whose site (and side) it takes.

In "a low-signal focus in the supraspinatus with bursal fluid; this likely represents a calcific deposit"
the deposit is the focus, at the supraspinatus, not at the bursa named last. An interpretation is a
mention with no site of its own, opened by

- a pronoun and an interpretation link ("this likely represents", "it may be", "which is consistent
  with"): it interprets the clause before the pronoun, or the sentence before when the pronoun opens
  its sentence;
- punctuation and words holding a link or a hedge (", possibly a ...", "; findings are consistent with a
  ..."): it interprets the clause before the punctuation;
- such words opening a sentence ("Appearances suggest a calcific deposit."): it interprets the sentence
  before.

The words come from linking.yaml (`interpretation_anaphors`, `interpretation_links`,
`interpretation_hedges`); at most `interpretation_reach` tokens lie between the pronoun or
punctuation and the interpretation.
"""

from spacy.language import Language

from reportkit.lexicon import Linking
from reportkit.pipeline.linking.context import FindingContext
from reportkit.pipeline.linking.phrases import Clauses, Phrases


class Interpretations:
    """Finds the clause holding the finding an interpretation refers to."""

    def __init__(self, nlp: Language, linking: Linking, clauses: Clauses) -> None:
        self._anaphors = Phrases(nlp, linking.interpretation_anaphors)
        self._links = Phrases(nlp, linking.interpretation_links)
        self._hedges = Phrases(nlp, linking.interpretation_hedges)
        self._reach = linking.interpretation_reach
        self._clauses = clauses

    def _interprets(self, words: list[int]) -> bool:
        return self._links.found_in(words) or self._hedges.found_in(words)

    def _opens_an_interpretation(self, words: list[int]) -> bool:
        """Do a sentence's words before its finding interpret the sentence before: a link, or a hedge after a
        subject ("Appearances suggest"), not a hedge that opens the sentence as the finding's own adjective?"""
        hedge = self._hedges.first_in(words)
        return self._links.found_in(words) or (hedge is not None and hedge > 0)

    def antecedent(self, ctx: FindingContext) -> tuple[int, int] | None:
        """Token range ``(start, end)`` of the clause holding the finding ``ctx``'s finding interprets, else None."""
        group, index = ctx.group, ctx.index
        lower, punct = index.lower, index.punct
        lo = max(ctx.sent.start, group.start - self._reach)
        previous_end = index.last_end_between(ctx.sent.start, group.start)
        if previous_end is not None:  # another finding in between: the words before it are not this one's lead
            lo = max(lo, previous_end)
        doc = ctx.doc
        for i in range(group.start - 1, lo - 1, -1):
            if punct[i] and not (i > 0 and not doc[i - 1].whitespace_ and not doc[i].whitespace_):  # "well-defined"
                if not self._interprets(lower[i + 1 : group.start]):
                    return None
                if all(punct[k] for k in range(ctx.sent.start, i)):  # "- Likely a calcific deposit."
                    return self._sentence_before(ctx) if self._links.found_in(lower[i + 1 : group.start]) else None
                return self._clause_before(ctx, i)
            if self._anaphors.starts_at(lower, i):  # the nearest pronoun decides ("this calcification" is no lead)
                if not self._interprets(lower[i : group.start]):
                    return None
                if all(punct[k] for k in range(ctx.sent.start, i)):  # the pronoun opens its sentence
                    return self._sentence_before(ctx)
                return self._clause_before(ctx, i)
        # "Appearances suggest a calcific deposit." interprets the sentence before; a hedge alone opening a
        # sentence ("Possible chondrocalcinosis.") names a finding of its own
        if lo == ctx.sent.start and previous_end is None and self._opens_an_interpretation(lower[lo : group.start]):
            return self._sentence_before(ctx)
        return None

    def _clause_before(self, ctx: FindingContext, end: int) -> tuple[int, int] | None:
        """The clause ending at token ``end`` (exclusive), back to the previous clause break in the sentence."""
        index, start = ctx.index, ctx.sent.start
        while end > start and index.punct[end - 1]:  # "...; this": the clause ends before its punctuation
            end -= 1
        found = self._clauses.breaks.last_start(index.lower, start, end)
        if found is not None:
            start = found + 1
        return (start, end) if start < end else None

    def _sentence_before(self, ctx: FindingContext) -> tuple[int, int] | None:
        """The sentence before the finding's, when it lies in the same section."""
        sentences, doc, end = ctx.index.sentences, ctx.doc, ctx.sent.start
        while end > 0:
            start = sentences.start_of(end - 1)
            if doc[start].idx < ctx.section.start:
                return None
            if not all(t.is_space or t.is_punct for t in doc[start:end]):  # a line break is no sentence
                return start, end
            end = start
        return None

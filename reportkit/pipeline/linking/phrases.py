"""Lexicon phrases matched on lower-cased tokens, and where a finding's own clause ends.

Words are spaCy's LOWER ids (a token's ``lower``, the hash of its ``lower_``): a document's are read from
its token array once (:class:`.index.DocIndex`), so a search slices a list instead of walking tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from spacy.language import Language
from spacy.tokens import Span

from reportkit.lexicon import Linking

if TYPE_CHECKING:
    from reportkit.pipeline.linking.index import DocIndex


class Phrases:
    """Lexicon phrases as sequences of lower-cased word ids, looked for in lists of such ids."""

    def __init__(self, nlp: Language, phrases: list[str]) -> None:
        self._phrases = [tuple(t.lower for t in nlp.make_doc(p)) for p in phrases]
        if not all(self._phrases):
            raise ValueError(f"a lexicon phrase is empty: {[p for p in phrases if not nlp.make_doc(p)]!r}")
        # by first word: each position is checked only against the phrases that can start there
        self._by_first: dict[int, list[tuple[int, ...]]] = {}
        for phrase in self._phrases:
            self._by_first.setdefault(phrase[0], []).append(phrase)

    def __bool__(self) -> bool:
        return bool(self._phrases)

    @property
    def first_words(self) -> frozenset[int]:
        """The word ids a phrase can start with."""
        return frozenset(self._by_first)

    def found_in(self, words: list[int]) -> bool:
        """Does any phrase occur in ``words``?"""
        return self.first_in(words) is not None

    def starts_at(self, words: list[int], i: int) -> bool:
        """Does a phrase occur in ``words`` starting at index ``i``?"""
        candidates = self._by_first.get(words[i]) if 0 <= i < len(words) else None
        return bool(candidates) and any(tuple(words[i : i + len(p)]) == p for p in candidates)

    def ends_at(self, words: list[int], end: int) -> bool:
        """Does a phrase occur in ``words`` ending just before index ``end``?"""
        return any(tuple(words[end - len(p) : end]) == p for p in self._phrases if len(p) <= end)

    def spans_in(self, words: list[int]) -> list[tuple[int, int]]:
        """``(start, end)`` in ``words`` of each phrase occurrence, the longest at each start, none overlapping."""
        spans: list[tuple[int, int]] = []
        if self._by_first.keys().isdisjoint(words):  # most documents hold none of the first words: one C-level pass
            return spans
        i = 0
        while i < len(words):
            lengths = [len(p) for p in self._by_first.get(words[i], ()) if tuple(words[i : i + len(p)]) == p]
            if lengths:
                spans.append((i, i + max(lengths)))
                i += max(lengths)
            else:
                i += 1
        return spans

    def last_start(self, words: list[int], lo: int, hi: int) -> int | None:
        """The greatest index in ``[lo, hi)`` where a phrase lying wholly in ``words[lo:hi]`` starts, else None:
        what a backward search of the slice finds, without copying a long sentence to find a near phrase."""
        for i in range(hi - 1, lo - 1, -1):
            candidates = self._by_first.get(words[i])
            if candidates and any(i + len(p) <= hi and tuple(words[i : i + len(p)]) == p for p in candidates):
                return i
        return None

    def first_in(self, words: list[int]) -> int | None:
        """The index in ``words`` where the first phrase occurrence starts, else None."""
        for i, word in enumerate(words):
            candidates = self._by_first.get(word)
            if candidates and any(tuple(words[i : i + len(p)]) == p for p in candidates):
                return i
        return None


class Clauses:
    """Where a finding's own phrase ends: a clause break, the next finding, or the search window."""

    def __init__(self, nlp: Language, linking: Linking, structure_heads: Iterable[str] = ()) -> None:
        self.breaks = Phrases(nlp, linking.clause_breaks)
        self.before = linking.window_before
        self.after = linking.window_after
        self.coordinators = Phrases(nlp, linking.coordinators)
        vocab = nlp.vocab.strings
        self.determiners = {vocab.add(w) for w in linking.determiners if " " not in w}
        # words that may follow a place's name inside the phrase of a place ("left hip in ...", "right knee is")
        self._continuations = {vocab.add(w) for w in (*linking.finite_verbs, *linking.prepositions,
                                                       *linking.noun_links, *linking.relative_pronouns) if " " not in w}
        # head nouns of structures ("nodes", "tendons"): a phrase ending in one names a place, not another thing
        self._structure_heads = {vocab.add(w) for w in structure_heads}
        self._placeholder = re.compile(linking.placeholder_pattern)

    def _site_after_modifiers(self, index: DocIndex, i: int, end: int) -> int | None:
        """Where a site starts within the next two words with only modifiers before it ("right lateral chest
        wall"): those words stand in the place's name."""
        for k in range(i, min(i + 2, end)):
            if not index.doc[k].is_alpha or index.lower[k] in self._continuations:
                return None
            site = index.sites.containing(k + 1, k + 2)
            if site is not None and site.start == k + 1:
                return site.start
        return None

    def after_last_coordinator(self, index: DocIndex, start: int, end: int) -> int | None:
        """The token after the last coordinating word ("and", not a comma) in tokens ``start:end``, else None."""
        words = index.lower[start:end]
        return next((start + i + 1 for i in range(len(words) - 1, -1, -1)
                     if self.coordinators.starts_at(words, i) and index.doc[start + i].is_alpha), None)

    def opens_noun_phrase(self, index: DocIndex, start: int, end: int) -> bool:
        """Could tokens ``start:end`` open a noun phrase (determiners, adjectives: "a moderate"), holding no
        punctuation, verb, preposition or relative pronoun?"""
        return all(index.doc[i].is_alpha and index.lower[i] not in self._continuations for i in range(start, end))

    def modifiers_only(self, index: DocIndex, start: int, end: int) -> bool:
        """Do tokens ``start:end`` hold only site and side words and the words (not commas) coordinating them,
        opening with a place word? Such a run stands inside one noun phrase, before its head ("calcified renal
        or ureteral stones", "calcified mediastinal and right hilar nodes")."""
        if start >= end or not index.place_word(start):
            return False
        return all(index.place_word(i)
                   or (not index.punct[i] and self.coordinators.starts_at(index.lower[i : i + 1], 0))
                   for i in range(start, end))

    def heads_another_thing(self, index: DocIndex, start: int, end: int, any_noun: bool = True) -> bool:
        """Does the noun phrase opening at ``start`` with place words (a side, sites) name a thing of its own: a
        finding ("left renal stones"), a lesion ("a left ovarian cyst") or a noun that is no place ("a left knee
        effusion", "right hilar adenopathy")? Not when it names a place ("the left hip.", "left hip joint in ...",
        "right hilar nodes"). ``end``: the sentence's end. ``any_noun`` False: only a finding or a lesion count (a
        noun the lexicon does not know may be a part of the place: "the third and fourth metacarpal heads")."""
        i, last_site = start, None
        while i < end:
            site = index.sites.containing(i, i + 1)
            cue = site or index.sides.containing(i, i + 1)
            if cue is not None:
                last_site = site or last_site
                i = cue.end
                continue
            ahead = self._site_after_modifiers(index, i, end) if last_site is None else None
            if ahead is None:
                break
            i = ahead
        if index.next_group_start(i) == i or (last_site is not None and last_site.category == "lesion"):
            return True
        if i == start or i >= end or not any_noun:
            return False
        word, token = index.lower[i], index.doc[i]
        # a de-identification placeholder may stand for the structure's own head ("right hilar lymph XXXX")
        return (token.is_alpha and word not in self._continuations and word not in self._structure_heads
                and not self._placeholder.match(token.text) and not self.coordinators.starts_at(index.lower, i))

    def clause_end(self, words: list[int], start: int, limit: int) -> int:
        """The token offset of the first clause break in ``words[start:limit]`` (a document's words), else ``limit``."""
        found = self.breaks.first_in(words[start:limit])
        return limit if found is None else start + found

    def window_end(self, words: list[int], last_end: int, next_start: int | None, sent: Span) -> int:
        """Token offset where a phrase ending at ``last_end`` stops, given where the next finding starts."""
        limit = min(sent.end, last_end + self.after)
        if next_start is not None:
            limit = min(limit, next_start)
        return self.clause_end(words, last_end, limit)


def predicate_adverb(word: str, adverbs: frozenset[str]) -> bool:
    """Whether a lower-cased word before a predicate reads as its adverb ("completely", "since", "now"): any word in
    -ly, and linking.yaml's ``predicate_adverbs``."""
    return word.endswith("ly") or word in adverbs

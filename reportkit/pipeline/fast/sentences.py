"""spaCy's rule sentencizer on token arrays: its per-token Python loop cost as much as a Matcher pass."""

import numpy
from spacy.strings import get_string_id


class ArraySentenceRule:
    """Where spaCy's ``Sentencizer(punct_chars=ends)`` starts sentences, read from token arrays."""

    def __init__(self, ends: tuple[str, ...]) -> None:
        self._ends = numpy.array([get_string_id(end) for end in ends], dtype=numpy.uint64)

    def starts(self, orth: numpy.ndarray, is_punct: list[int]) -> list[int]:
        """Sentence starts after the first token: after a sentence end, at the first token that is neither
        punctuation nor such an end."""
        hit = orth == self._ends[0]
        for end in self._ends[1:]:  # a few comparisons cost less than numpy.isin's sort
            hit |= orth == end
        ends = numpy.flatnonzero(hit).tolist()
        is_end, found, n = set(ends), [], len(orth)
        for k in ends:
            k += 1
            while k < n and (is_punct[k] or k in is_end):
                k += 1
            if k < n and (not found or found[-1] != k):
                found.append(k)
        return found

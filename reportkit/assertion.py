"""Words that count as evidence: those outside negated, hypothetical and questioned statements.

The pipeline records every ConText scope that makes a statement non-affirmed
(``ReportResult.assertion_scopes``). Reasoning and lint look cue words up through
:class:`AffirmedText`, so "No chondrocalcinosis", "no history of trauma" or "without bone
erosion" never count as chondrocalcinosis, trauma or erosion. Hedged statements
(POSSIBLE_EXISTENCE) still count: a suspected cause is what a differential weighs.

A scope that also covers the finding being reasoned about does not hide words from it: that
statement's status is already the finding's own (negated, hedged or a query).

Nothing here imports the lexicon models or spaCy, so lint rules may use it when only listed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from reportkit.text import find_all_words

NOT_EVIDENCE = frozenset({"NEGATED_EXISTENCE", "HYPOTHETICAL", "QUESTION"})
HEDGED = "POSSIBLE_EXISTENCE"  # affirmed, but not stated outright ("likely pseudogout")

Span = tuple[int, int]


class ScopeLike(Protocol):
    """What :class:`AffirmedText` reads of a scope (``reportkit.models.AssertionScope``)."""

    start: int
    end: int
    category: str


@dataclass(frozen=True)
class Hit:
    """A whole-word match in the report: its characters [start, end) and its text."""

    start: int
    end: int
    text: str


class AffirmedText:
    """A report's text and the ranges whose words are not evidence."""

    def __init__(self, text: str, scopes: Iterable[ScopeLike] = (),
                 not_evidence: frozenset[str] = NOT_EVIDENCE) -> None:
        self.text = text
        self.blocked: list[Span] = sorted((s.start, s.end) for s in scopes if s.category in not_evidence)
        self._matches: dict[tuple[tuple[str, ...], int, int], tuple[Hit, ...]] = {}

    def affirmed(self, start: int, end: int, exempt: Span | None = None) -> bool:
        """Whether [start, end) lies outside every non-affirmed scope (scopes covering ``exempt`` aside)."""
        for lo, hi in self.blocked:
            if lo >= end:
                break
            if hi <= start:
                continue
            if exempt is not None and lo < exempt[1] and exempt[0] < hi:
                continue
            return False
        return True

    def find_all(self, phrases: Sequence[str], start: int = 0, end: int | None = None,
                 exempt: Span | None = None) -> Iterator[Hit]:
        """Every affirmed whole-word match of ``phrases`` in the text's [start, end)."""
        for hit in self.matches(phrases, start, end):
            if self.affirmed(hit.start, hit.end, exempt):
                yield hit

    def matches(self, phrases: Sequence[str], start: int = 0, end: int | None = None) -> tuple[Hit, ...]:
        """Every whole-word match of ``phrases`` in the text's [start, end), affirmed or not.

        Cached per (phrases, range): reasoning asks the same cue of the same text once per finding
        and only the exempt span differs, so the text is scanned once per cue instead of per finding.
        The scan is of the slice, as before, so words at its edges match exactly as they always did.
        """
        end = len(self.text) if end is None else end
        key = (tuple(phrases), start, end)
        found = self._matches.get(key)
        if found is None:
            found = tuple(Hit(start + m.start(), start + m.end(), m.group(0))
                          for m in find_all_words(key[0], self.text[start:end]))
            self._matches[key] = found
        return found

    def find(self, phrases: Sequence[str], start: int = 0, end: int | None = None,
             exempt: Span | None = None) -> Hit | None:
        """The first affirmed whole-word match of ``phrases`` in the text's [start, end), else None."""
        return next(self.find_all(phrases, start, end, exempt), None)

"""Lexicon phrases matched on lower-cased tokens, and where a finding's own clause ends."""

from spacy.language import Language
from spacy.tokens import Doc, Span

from reportkit.lexicon import Linking


class Phrases:
    """Lexicon phrases as lower-cased token sequences, looked for in lists of lower-cased words."""

    def __init__(self, nlp: Language, phrases: list[str]) -> None:
        self._phrases = [tuple(t.lower_ for t in nlp.make_doc(p)) for p in phrases]

    def __bool__(self) -> bool:
        return bool(self._phrases)

    def found_in(self, words: list[str]) -> bool:
        """Does any phrase occur in ``words``?"""
        for phrase in self._phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == phrase:
                    return True
        return False

    def starts_at(self, words: list[str], i: int) -> bool:
        """Does a phrase occur in ``words`` starting at index ``i``?"""
        return any(tuple(words[i : i + len(p)]) == p for p in self._phrases)

    def first_in(self, words: list[str]) -> int | None:
        """The index in ``words`` where the first phrase occurrence starts, else None."""
        for i in range(len(words)):
            if any(tuple(words[i : i + len(p)]) == p for p in self._phrases):
                return i
        return None


def lower_words(span: Span) -> list[str]:
    """The lower-cased token texts of ``span``."""
    return [t.lower_ for t in span]


class Clauses:
    """Where a finding's own phrase ends: a clause break, the next finding, or the search window."""

    def __init__(self, nlp: Language, linking: Linking) -> None:
        self.breaks = Phrases(nlp, linking.clause_breaks)
        self.before = linking.window_before
        self.after = linking.window_after

    def clause_end(self, doc: Doc, start: int, limit: int) -> int:
        """The token offset of the first clause break in ``doc[start:limit]``, else ``limit``."""
        found = self.breaks.first_in(lower_words(doc[start:limit]))
        return limit if found is None else start + found

    def window_end(self, doc: Doc, last_end: int, next_start: int | None, sent: Span) -> int:
        """Token offset where a phrase ending at ``last_end`` stops, given where the next finding starts."""
        limit = min(sent.end, last_end + self.after)
        if next_start is not None:
            limit = min(limit, next_start)
        return self.clause_end(doc, last_end, limit)

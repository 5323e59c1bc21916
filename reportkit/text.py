"""Text utilities shared by every layer: whole-word phrase search and section lookup.

Nothing here knows about spaCy, so lint rules and reasoning use it without importing the pipeline.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: lint rules use this module without the lexicon models
    from reportkit.models import Section


@functools.cache
def _words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern for any of ``phrases``."""
    alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


@functools.cache
def _needles(phrases: tuple[str, ...]) -> tuple[str, ...] | None:
    """For each phrase, a lower-case run of it that any match must contain literally; None if any phrase is non-ASCII.

    A phrase's spaces become ``\\s+`` in its pattern; every other character is matched as itself,
    ignoring case. So in an ASCII text, a match of the phrase contains each space-free run of it,
    lower-cased, in the lower-cased text. Non-ASCII phrases are left to the regex: Unicode case
    folding ("K" for Kelvin, dotless i) is not what ``str.lower`` gives.
    """
    if not all(p.isascii() for p in phrases):
        return None
    return tuple(max(p.lower().split(" "), key=len) for p in phrases)


def _may_match(phrases: tuple[str, ...], text: str) -> bool:
    """False only when no phrase can match in ``text``: a substring test that spares a regex scan.

    Most cue lists match nowhere in a report, and ``in`` is many times faster than a
    case-insensitive regex with word-boundary look-arounds at every position.
    """
    needles = _needles(phrases)
    if needles is None or not text.isascii():
        return True
    lowered = text.lower()
    return any(n in lowered for n in needles)


def find_words(phrases: Iterable[str], text: str) -> re.Match[str] | None:
    """The first whole-word, case-insensitive match of any of ``phrases`` in ``text``, else None."""
    phrases = tuple(phrases)
    return _words(phrases).search(text) if phrases and _may_match(phrases, text) else None


def find_all_words(phrases: Iterable[str], text: str) -> Iterator[re.Match[str]]:
    """Every whole-word, case-insensitive match of any of ``phrases`` in ``text``."""
    phrases = tuple(phrases)
    return _words(phrases).finditer(text) if phrases and _may_match(phrases, text) else iter(())


def section_at(sections: list[Section], char: int) -> Section:
    """The section containing character offset ``char``."""
    starts = [s.start for s in sections]
    return sections[max(bisect.bisect_right(starts, char) - 1, 0)]


def trie_pattern(words: Iterable[Sequence[str]]) -> str:
    """One regex (as a string) matching any of ``words``, each a sequence of regex atoms, built as a trie so
    each position fails on its first character instead of trying every alternative."""
    root: dict = {}
    for atoms in words:
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [atom + emit(child) for atom, child in sorted(node.items()) if atom]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)

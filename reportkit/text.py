"""Text utilities shared by every layer: whole-word phrase search and section lookup.

Nothing here knows about spaCy, so lint rules and reasoning use it without importing the pipeline.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator

from reportkit.models import Section


@functools.cache
def _words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern for any of ``phrases``."""
    alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def find_words(phrases: Iterable[str], text: str) -> re.Match[str] | None:
    phrases = tuple(phrases)
    return _words(phrases).search(text) if phrases else None


def find_all_words(phrases: Iterable[str], text: str) -> Iterator[re.Match[str]]:
    phrases = tuple(phrases)
    return _words(phrases).finditer(text) if phrases else iter(())


def section_at(sections: list[Section], char: int) -> Section:
    """The section containing character offset ``char``."""
    starts = [s.start for s in sections]
    return sections[max(bisect.bisect_right(starts, char) - 1, 0)]

"""What a rule reads, declared on the rule: the audit's pre-filter is built from these declarations.

Every lint rule (:func:`reportkit.lint.registry.rule`) and every follow-up rule
(:func:`reportkit.reasoning.followup.reads`) declares one :class:`Reads`:

- :data:`MENTIONS`: it speaks only about a report in which extraction found a mention (a finding
  or a query);
- :data:`RECOMMENDATIONS`: it speaks only about a report for which a follow-up rule recommends
  something, so the follow-up rules' own declarations cover it;
- :func:`text`: it may speak about a report with no mention, but only when each of its triggers
  is found in the raw text: words listed in the lexicon (:class:`LexiconWords`, :class:`Words`)
  or a regex (:class:`Regex`).

A rule that declares nothing (``None``) may speak about any report: the pre-filter then sends every
report through the full path. Slower, never silently skipped.

Nothing here loads the lexicon or spaCy, so listing rules stays cheap: words are read from a
lexicon only when the pre-filter is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:  # annotations only: declaring a rule must not load the lexicon models
    from reportkit.lexicon import Lexicon


class Trigger(Protocol):
    """Something found in a report's raw text that may make a rule speak."""

    def regex(self, lexicon: Lexicon) -> re.Pattern[str] | None:
        """The regex that finds it (None: it lists nothing, so it is never found)."""

    def words(self, lexicon: Lexicon) -> tuple[str, ...] | None:
        """The words it is found by, as whole words in any case; None when it is no word list."""


@dataclass(frozen=True)
class LexiconWords:
    """The words listed at a field of the lexicon, found as reasoning and lint find words: whole words, in any
    case (:func:`reportkit.text.find_words`)."""

    field: str  # a dotted path from reportkit.lexicon.Lexicon, lists walked: "terminology.terms.deprecated"

    def words(self, lexicon: Lexicon) -> tuple[str, ...]:
        values: list = [lexicon]
        for name in self.field.split("."):
            values = [getattr(value, name) for value in values]
            values = [item for value in values for item in (value if isinstance(value, list) else [value])]
        if not all(isinstance(value, str) for value in values):
            raise TypeError(f"lexicon field {self.field} does not list words")
        return tuple(dict.fromkeys(values))

    def regex(self, lexicon: Lexicon) -> re.Pattern[str] | None:
        from reportkit.text import words_pattern

        return words_pattern(self.words(lexicon))

    def __str__(self) -> str:
        return f"words of lexicon {self.field}"


@dataclass(frozen=True)
class Words:
    """Words listed with the rule itself (a follow-up rule's ``document_any``), found as :class:`LexiconWords` are."""

    listed: tuple[str, ...]
    field: str  # where they are listed, for display

    def words(self, lexicon: Lexicon) -> tuple[str, ...]:
        return self.listed

    def regex(self, lexicon: Lexicon) -> re.Pattern[str] | None:
        from reportkit.text import words_pattern

        return words_pattern(self.listed)

    def __str__(self) -> str:
        return f"words of {self.field}"


@dataclass(frozen=True)
class Regex:
    """A regex the rule itself searches the raw text with (the inline suppression marker)."""

    pattern: re.Pattern[str]
    name: str  # what it finds, for display

    def regex(self, lexicon: Lexicon) -> re.Pattern[str] | None:
        return self.pattern

    def words(self, lexicon: Lexicon) -> tuple[str, ...] | None:
        return None

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Reads:
    """What a rule reads (see the module's documentation)."""

    what: Literal["mentions", "recommendations", "text"]
    triggers: tuple[Trigger, ...] = ()  # for "text": found together, they may make the rule speak

    def __str__(self) -> str:
        if self.what == "mentions":
            return "mentions (speaks only about a report with a finding or a query)"
        if self.what == "recommendations":
            return "recommendations (speaks only when a follow-up rule recommends something)"
        return "raw text, when it holds " + " and ".join(str(t) for t in self.triggers)


MENTIONS = Reads("mentions")
RECOMMENDATIONS = Reads("recommendations")


def text(*triggers: Trigger) -> Reads:
    """A rule that may speak about a report with no mention when its raw text holds every one of ``triggers``."""
    if not triggers:
        raise ValueError("a rule that reads raw text declares what it reacts to; declare nothing to run it always")
    return Reads("text", triggers)


def describe(reads: Reads | None) -> str:
    """A declaration as ``reportkit rule CODE`` prints it."""
    return str(reads) if reads is not None else "undeclared (runs on every report: the audit never skips one)"

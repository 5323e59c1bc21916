"""Token patterns rewritten for spaCy's Matcher to stay in C: one pattern per value of a first-token ``IN``.

spaCy checks every pattern's first token at every token of a document; a plain attribute value is
compared in C, an ``IN`` (or ``REGEX``) predicate calls Python each time. Splitting a first-token
``IN`` into one pattern per value matches exactly the same token sequences; a pattern whose first
token is a ``REGEX`` runs only on documents whose text the unanchored regex matches (a token's text is
part of the document's, so no match is lost).
"""

from __future__ import annotations

import re

from spacy.matcher import Matcher

TokenSpec = dict
Pattern = list[TokenSpec]


def split_first_in(pattern: Pattern) -> list[Pattern]:
    """``pattern`` as one pattern per value of its first token's ``LOWER``/``ORTH`` ``IN`` list (else as is)."""
    first = pattern[0] if pattern else {}
    if len(first) != 1 or not set(first) <= {"LOWER", "ORTH"}:
        return [pattern]  # an operator or a second attribute on the first token: left alone
    ((attribute, value),) = first.items()
    if not (isinstance(value, dict) and set(value) == {"IN"} and value["IN"]):
        return [pattern]
    return [[{attribute: item}, *pattern[1:]] for item in dict.fromkeys(value["IN"])]


def split_patterns(patterns: list[Pattern]) -> list[Pattern]:
    """Every pattern of ``patterns`` split by :func:`split_first_in`, in order."""
    return [split for pattern in patterns for split in split_first_in(pattern)]


def document_gate(pattern: Pattern) -> re.Pattern[str] | None:
    """A text-level regex that every document with a match of ``pattern`` matches, when its first token is a REGEX."""
    first = pattern[0] if pattern else {}
    if len(first) != 1 or not set(first) <= {"TEXT", "ORTH", "LOWER"}:
        return None
    ((attribute, value),) = first.items()
    if not (isinstance(value, dict) and set(value) == {"REGEX"}):
        return None
    body = value["REGEX"].removeprefix("^").removesuffix("$")
    if "^" in body or "$" in body:
        return None  # anchors elsewhere refer to the token's edges: no safe text-level form
    return re.compile(body, re.IGNORECASE if attribute == "LOWER" else 0)


def literal_gate(pattern: Pattern) -> tuple[str, bool] | None:
    """(value, case-folded?) when the pattern's first token must be exactly ``value``; else None.

    A token whose ``ORTH``/``TEXT`` is ``value`` puts ``value`` in the document's text; one whose ``LOWER``
    is an ASCII ``value`` puts it in the lower-cased text (only ASCII, where lowering is one char to one).
    """
    first = pattern[0] if pattern else {}
    if len(first) != 1 or first.get("OP", None) is not None:
        return None
    ((attribute, value),) = first.items()
    if not isinstance(value, str) or not value:
        return None
    if attribute in {"ORTH", "TEXT"}:
        return value, False
    if attribute == "LOWER" and value.isascii():
        return value, True
    return None


class LiteralGatedMatcher:
    """spaCy's ``Matcher`` over only the patterns a document can match: a pattern whose first token is a
    plain word takes part only when the document's text holds that word.

    spaCy tries every pattern's first token at every token of a document, so a few dozen patterns cost
    more than the tokenizer. Each document gets one Matcher holding the ungated patterns and those whose
    word it holds, in the order they were added (so matches come out as one Matcher of all patterns gives
    them); Matchers are built per set of words present and kept (most reports share a few sets).
    """

    MAX_CACHED = 512

    def __init__(self, vocab) -> None:
        self._vocab = vocab
        self._patterns: list[tuple[str, Pattern, int | None]] = []  # key, pattern, index of its gate
        self._gates: list[tuple[str, bool]] = []
        self._cache: dict[tuple[int, ...], Matcher] = {}

    def add(self, key: str, patterns: list[Pattern], on_match=None) -> None:
        """Add ``patterns`` under ``key`` (a first-token ``IN`` split into one pattern per value)."""
        if on_match is not None:
            raise ValueError("LiteralGatedMatcher does not run on_match callbacks")
        for pattern in split_patterns(patterns):
            gate = literal_gate(pattern)
            if gate is not None and gate not in self._gates:
                self._gates.append(gate)
            self._patterns.append((key, pattern, None if gate is None else self._gates.index(gate)))
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._patterns)

    def __call__(self, doc) -> list[tuple[int, int, int]]:
        from reportkit.pipeline.sections import doc_text

        text = doc_text(doc)
        lower = text.lower()
        present = tuple(i for i, (value, folded) in enumerate(self._gates) if value in (lower if folded else text))
        matcher = self._cache.get(present)
        if matcher is None:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            matcher = self._cache[present] = Matcher(self._vocab)
            wanted = set(present)
            for key, pattern, gate in self._patterns:
                if gate is None or gate in wanted:
                    matcher.add(key, [pattern])
        return list(matcher(doc)) if len(matcher) else []  # an empty Matcher warns (W036) on every call


def gate_token_patterns(medspacy_matcher, vocab) -> None:
    """Give a medspaCy matcher (before its rules are added) a :class:`LiteralGatedMatcher` for its token
    patterns. medspaCy keeps the spaCy Matcher in a private attribute; medspaCy is pinned (pyproject.toml)."""
    medspacy_matcher._MedspacyMatcher__matcher = LiteralGatedMatcher(vocab)

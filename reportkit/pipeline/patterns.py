"""Token patterns rewritten for spaCy's Matcher to stay in C: one pattern per value of a first-token ``IN``.

spaCy checks every pattern's first token at every token of a document; a plain attribute value is
compared in C, an ``IN`` (or ``REGEX``) predicate calls Python each time. Splitting a first-token
``IN`` into one pattern per value matches exactly the same token sequences; a pattern whose first
token is a ``REGEX`` runs only on documents whose text the unanchored regex matches (a token's text is
part of the document's, so no match is lost).
"""

from __future__ import annotations

import re

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

"""Token patterns rewritten for spaCy's Matcher to stay in C: one pattern per value of a first-token ``IN``.

spaCy checks every pattern's first token at every token of a document; a plain attribute value is
compared in C, an ``IN`` (or ``REGEX``) predicate calls Python each time. Splitting a first-token
``IN`` into one pattern per value matches exactly the same token sequences; a pattern whose first
token is a ``REGEX`` runs only on documents whose text the unanchored regex matches (a token's text is
part of the document's, so no match is lost).
"""

from __future__ import annotations

import re

from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

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


MAX_PHRASES = 5000  # most word sequences a pattern may expand to before it stays a token pattern
PHRASE_ATTRS = {"ORTH": "ORTH", "TEXT": "ORTH", "LOWER": "LOWER"}


def pattern_phrases(pattern: Pattern) -> tuple[str, list[tuple[str, ...]]] | None:
    """(attribute, every word sequence the pattern matches) when it is a finite list of words, else None.

    Holds for patterns of one text attribute whose tokens are a value or an ``IN`` list, each once or
    optional (``?``): spaCy's PhraseMatcher then finds exactly its matches, at a hash lookup per token.
    """
    sequences: list[tuple[str, ...]] = [()]
    attribute = None
    for spec in pattern:
        keys = set(spec) - {"OP"}
        if len(keys) != 1 or spec.get("OP") not in (None, "?"):
            return None
        (key,) = keys
        if PHRASE_ATTRS.get(key) is None or attribute not in (None, PHRASE_ATTRS[key]):
            return None
        attribute = PHRASE_ATTRS[key]
        value = spec[key]
        values = [value] if isinstance(value, str) else value.get("IN") if isinstance(value, dict) and set(value) == {"IN"} else None
        if not values or not all(isinstance(v, str) and v for v in values):
            return None
        if attribute == "LOWER" and any(v != v.lower() for v in values):
            return None  # never matches as a token pattern; lower-casing it would
        sequences = [s + (v,) for s in sequences for v in dict.fromkeys(values)] + (sequences if spec.get("OP") else [])
        if len(sequences) > MAX_PHRASES:
            return None
    sequences = [s for s in dict.fromkeys(sequences) if s]
    return (attribute, sequences) if attribute and sequences else None


class LiteralGatedMatcher:
    """spaCy's ``Matcher`` over only the patterns a document can match, and no Matcher at all for patterns
    that are word lists.

    spaCy tries every pattern's first token at every token of a document, and even one pattern costs
    about a quarter of a tokenisation. So a pattern that is a finite list of word sequences goes to a
    PhraseMatcher; of the rest, a pattern whose first token is a plain word takes part only when the
    document's text holds that word. Each document gets one Matcher holding the ungated patterns and those
    whose word it holds, in the order they were added; Matchers are built per set of words present and
    kept (most reports share a few sets). Matches come back sorted by (start, end), as spaCy's are.
    """

    MAX_CACHED = 512

    def __init__(self, vocab) -> None:
        self._vocab = vocab
        self._patterns: list[tuple[str, Pattern, int | None]] = []  # key, pattern, index of its gate
        self._gates: list[tuple[str, bool]] = []
        self._cache: dict[tuple[int, ...], Matcher] = {}
        self._phrases = {attr: PhraseMatcher(vocab, attr=attr) for attr in ("ORTH", "LOWER")}

    def add(self, key: str, patterns: list[Pattern], on_match=None) -> None:
        """Add ``patterns`` under ``key`` (a first-token ``IN`` split into one pattern per value)."""
        if on_match is not None:
            raise ValueError("LiteralGatedMatcher does not run on_match callbacks")
        for pattern in split_patterns(patterns):
            phrases = pattern_phrases(pattern)
            if phrases is not None:
                attribute, sequences = phrases
                self._phrases[attribute].add(key, [Doc(self._vocab, words=list(words)) for words in sequences])
                continue
            gate = literal_gate(pattern)
            if gate is not None and gate not in self._gates:
                self._gates.append(gate)
            self._patterns.append((key, pattern, None if gate is None else self._gates.index(gate)))
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._patterns) + sum(len(p) for p in self._phrases.values())

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
        matches = list(matcher(doc)) if len(matcher) else []  # an empty Matcher warns (W036) on every call
        for phrases in self._phrases.values():
            if len(phrases):
                matches += phrases(doc)
        matches.sort(key=lambda m: (m[1], m[2]))
        return matches


def gate_token_patterns(medspacy_matcher, vocab) -> None:
    """Give a medspaCy matcher (before its rules are added) a :class:`LiteralGatedMatcher` for its token
    patterns. medspaCy keeps the spaCy Matcher in a private attribute; medspaCy is pinned (pyproject.toml)."""
    medspacy_matcher._MedspacyMatcher__matcher = LiteralGatedMatcher(vocab)

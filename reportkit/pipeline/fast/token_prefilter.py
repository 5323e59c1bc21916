"""The token prefilter: spaCy's ``Matcher`` run only with the patterns a document can match.

spaCy tries every pattern's first token at every token of a document, and even one pattern costs about a
quarter of a tokenisation; an ``IN`` or ``REGEX`` predicate calls Python each time. So, with exactly the
matches of one ``Matcher`` holding the same patterns:

* a first-token ``IN`` is split into one pattern per value (the same token sequences);
* a pattern that is a finite list of word sequences is looked up by a ``PhraseMatcher``;
* of the rest, a pattern whose first token is a plain word takes part only when the document's text holds
  that word (its *required first word*) and one word of each later required word list;
* :func:`text_prefilter` gives a pattern whose first token is a ``REGEX`` a text-level regex, so it runs only
  on documents whose text that regex matches (a token's text is part of the document's, so no match is lost).
* :func:`text_trigger` and :func:`trigger_windows`: costly patterns (the typo families of ``reportkit_gates``)
  run only on the tokens around the words a regex derived from them finds.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable

from spacy.attrs import IDX
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from reportkit.pipeline.doc_text import doc_text
from reportkit.regex_syntax import MAX_PHRASES, regex_words
from reportkit.text import lower_form

TokenSpec = dict
Pattern = list[TokenSpec]


def split_first_in(pattern: Pattern) -> list[Pattern]:
    """``pattern`` as one pattern per value of its first token's ``LOWER``/``ORTH`` ``IN`` list (else as is)."""
    first = pattern[0] if pattern else {}
    words = [k for k in first if k in {"LOWER", "ORTH"}]
    if len(words) != 1 or "OP" in first:
        return [pattern]  # an operator on the first token, or no word attribute: left alone
    (attribute,) = words
    value = first[attribute]
    if not (isinstance(value, dict) and set(value) == {"IN"} and value["IN"]):
        return [pattern]
    # other predicates on the token ("IS_SENT_START") only narrow its matches: each split keeps them
    others = {k: v for k, v in first.items() if k != attribute}
    return [[{attribute: item, **others}, *pattern[1:]] for item in dict.fromkeys(value["IN"])]


def split_patterns(patterns: list[Pattern]) -> list[Pattern]:
    """Every pattern of ``patterns`` split by :func:`split_first_in`, in order."""
    return [split for pattern in patterns for split in split_first_in(pattern)]


def text_prefilter(pattern: Pattern) -> re.Pattern[str] | None:
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



def text_trigger(patterns: list[Pattern]) -> re.Pattern[str] | None:
    """A text-level regex that matches inside the text of every match of ``patterns``, else None.

    Built from each pattern's first token when it is required and has a ``REGEX`` (other predicates on it only
    narrow its matches): unanchored, the regex matches inside that token's text. So a match of the patterns
    can only lie around a match of the trigger. None when some pattern has no such first token.
    """
    parts = []
    for pattern in patterns:
        first = pattern[0] if pattern else {}
        if first.get("OP") not in (None, "+"):
            return None
        regexes = [(attribute, value["REGEX"]) for attribute, value in first.items()
                   if attribute in {"TEXT", "ORTH", "LOWER"} and isinstance(value, dict) and "REGEX" in value]
        if not regexes:
            return None
        attribute, regex = regexes[0]
        body = regex.removeprefix("^").removesuffix("$")
        if "^" in body or "$" in body:
            return None  # anchors elsewhere refer to the token's edges: no safe text-level form
        parts.append(f"(?{'i' if attribute == 'LOWER' else ''}:{body})")
    try:
        return re.compile("|".join(parts)) if parts else None
    except re.error:
        return None



def trigger_windows(doc: Doc, triggers: Iterable[re.Match[str]], reach: int, taken: set[int]) -> list[tuple[int, int]]:
    """The token ranges, in order and apart, where a match of at most ``reach`` tokens around a trigger match lies,
    leaving out triggers on taken tokens only (every match there would overlap a taken token)."""
    starts: list[int] | None = None
    windows: list[list[int]] = []
    for m in triggers:
        starts = starts if starts is not None else doc.to_array(IDX).tolist()
        first, last = bisect_right(starts, m.start()) - 1, bisect_right(starts, m.end() - 1)
        if taken.issuperset(range(first, last)):
            continue
        low, high = max(first - reach + 1, 0), min(last + reach - 1, len(doc))
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(high, windows[-1][1])
        else:
            windows.append([low, high])
    return [(low, high) for low, high in windows]


Word = tuple[str, bool]  # (value, case-folded?): in the text, or in the lower-cased text


def required_first_word(pattern: Pattern) -> Word | None:
    """(value, case-folded?) when the pattern's first token must be exactly ``value``; else None.

    A token whose ``ORTH``/``TEXT`` is ``value`` puts ``value`` in the document's text; one whose ``LOWER``
    is an ASCII ``value`` puts it in the lower-cased text (only ASCII, where lowering is one char to one).
    """
    first = pattern[0] if pattern else {}
    if first.get("OP", None) is not None:
        return None
    # other predicates on the token ("IS_SENT_START") only narrow its matches: the word is still required
    word_specs = {k: v for k, v in first.items() if k in {"LOWER", "ORTH", "TEXT"}}
    words = _token_words(word_specs) if len(word_specs) == 1 else None
    return words[0] if words and len(words) == 1 else None


def required_later_words(pattern: Pattern) -> tuple[tuple[Word, ...], ...]:
    """For each required token after the first that is a word or a word list, the words one of which a
    document with a match holds (as for :func:`required_first_word`)."""
    out = []
    for spec in pattern[1:]:
        if spec.get("OP") in (None, "+") and (words := _token_words({k: v for k, v in spec.items() if k != "OP"})):
            out.append(tuple(words))
    return tuple(out)


def _token_words(spec: TokenSpec) -> list[Word] | None:
    if len(spec) != 1:
        return None
    ((attribute, value),) = spec.items()
    values = [value] if isinstance(value, str) else value["IN"] if isinstance(value, dict) and set(value) == {
        "IN"} else None
    if not values or not all(isinstance(v, str) and v for v in values):
        return None
    if attribute in {"ORTH", "TEXT"}:
        return [(v, False) for v in values]
    if attribute == "LOWER" and all(v.isascii() for v in values):
        return [(v, True) for v in values]
    return None


PHRASE_ATTRS = {"ORTH": "ORTH", "TEXT": "ORTH", "LOWER": "LOWER"}
Checks = tuple[tuple[int, str], ...]  # (position, exact token text) a LOWER phrase match must also have


def _spec_values(spec: TokenSpec) -> tuple[str, list[str]] | None:
    """(attribute, the token texts the spec accepts) for a plain value, an ``IN`` list or a finite REGEX."""
    keys = set(spec) - {"OP"}
    if len(keys) != 1 or spec.get("OP") not in (None, "?"):
        return None
    (key,) = keys
    attribute, value = PHRASE_ATTRS.get(key), spec[key]
    if attribute is None:
        return None
    if isinstance(value, str):
        values = [value]
    elif isinstance(value, dict) and set(value) == {"IN"}:
        values = value["IN"]
    elif isinstance(value, dict) and set(value) == {"REGEX"}:
        values = regex_words(value["REGEX"])
    else:
        return None
    if not values or not all(isinstance(v, str) and v for v in values):
        return None
    if attribute == "LOWER":
        values = [v for v in values if v == v.lower()]  # a token's LOWER never has a capital: the rest never match
    return (attribute, list(dict.fromkeys(values))) if values else None


def pattern_phrases(pattern: Pattern) -> tuple[str, list[tuple[tuple[str, ...], Checks]]] | None:
    """(attribute, every word sequence the pattern matches, each with its checks) when it is a finite list
    of words, else None.

    Holds for patterns whose tokens are a text value, an ``IN`` list or a finite ``REGEX``, each once or
    optional (``?``): spaCy's PhraseMatcher then finds exactly its matches at a hash lookup per token. A
    pattern mixing ``ORTH`` and ``LOWER`` becomes lower-case phrases whose ``ORTH`` tokens are checked
    against the text after the match (a token's LOWER is its text lower-cased, so nothing is lost).
    """
    specs = [_spec_values(spec) for spec in pattern]
    if not specs or any(s is None for s in specs):
        return None
    attributes = {attribute for attribute, _ in specs}
    attribute = attributes.pop() if len(attributes) == 1 else "LOWER"
    sequences: list[tuple[tuple[str, ...], Checks]] = [((), ())]
    for spec, (own, values) in zip(pattern, specs, strict=True):
        checked = own != attribute  # an ORTH token inside a LOWER phrase
        grown = [(words + (v.lower() if checked else v,), checks + (((len(words), v),) if checked else ()))
                 for words, checks in sequences for v in values]
        sequences = grown + (sequences if spec.get("OP") else [])
        if len(sequences) > MAX_PHRASES:
            return None
    sequences = [s for s in dict.fromkeys(sequences) if s[0]]
    return (attribute, sequences) if sequences else None


class PrefilteredMatcher:
    """spaCy's ``Matcher`` over only the patterns a document can match, and no Matcher at all for patterns
    that are word lists.

    spaCy tries every pattern's first token at every token of a document, and even one pattern costs
    about a quarter of a tokenisation. So a pattern that is a finite list of word sequences goes to a
    PhraseMatcher; of the rest, a pattern whose first token is a plain word takes part only when the
    document's text holds that word and, for each later required token that is a word or a word list, one
    of its words. Each document gets one Matcher holding the patterns without a required first word and those
    whose words it holds, in the order they were added; Matchers are built per set of such patterns and kept
    (most reports share a few sets). Matches come back sorted by (start, end), as spaCy's are.
    """

    MAX_CACHED = 512

    def __init__(self, vocab) -> None:
        self._vocab = vocab
        # key, pattern, its first word, later words, and a text regex for a first token that is a REGEX
        self._patterns: list[tuple[str, Pattern, int | None, tuple, re.Pattern[str] | None]] = []
        self._first_words: list[tuple[str, bool]] = []
        self._needs_lower = False  # any word sought in the lower-cased text: lower it once per document
        self._cache: dict[tuple[int, ...], Matcher] = {}
        self._phrases = {attr: PhraseMatcher(vocab, attr=attr) for attr in ("ORTH", "LOWER")}
        self._checked = PhraseMatcher(vocab, attr="LOWER")  # phrases with ORTH checks, one internal key each
        self._checks: dict[int, tuple[int, Checks]] = {}  # internal key -> (the pattern's key, its checks)

    def add(self, key: str, patterns: list[Pattern], on_match=None) -> None:
        """Add ``patterns`` under ``key`` (a first-token ``IN`` split into one pattern per value)."""
        if on_match is not None:
            raise ValueError("PrefilteredMatcher does not run on_match callbacks")
        for pattern in split_patterns(patterns):
            phrases = pattern_phrases(pattern)
            if phrases is not None:
                attribute, sequences = phrases
                plain = [Doc(self._vocab, words=list(words)) for words, checks in sequences if not checks]
                if plain:
                    self._phrases[attribute].add(key, plain)
                for words, checks in sequences:
                    if checks:
                        internal = f"{key}\x1fchecked{len(self._checks)}"
                        self._checked.add(internal, [Doc(self._vocab, words=list(words))])
                        self._checks[self._vocab.strings[internal]] = (self._vocab.strings.add(key), checks)
                continue
            first = required_first_word(pattern)
            if first is not None and first not in self._first_words:
                self._first_words.append(first)
                self._needs_lower = self._needs_lower or first[1]
            later = required_later_words(pattern)
            self._needs_lower = self._needs_lower or any(folded for words in later for _, folded in words)
            self._patterns.append((key, pattern, None if first is None else self._first_words.index(first), later,
                                   text_prefilter(pattern) if first is None else None))
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._patterns) + sum(len(p) for p in self._phrases.values()) + len(self._checks)

    def __call__(self, doc) -> list[tuple[int, int, int]]:
        text = doc_text(doc)
        lower = lower_form(text) if self._needs_lower else text
        present = {i for i, (value, folded) in enumerate(self._first_words) if value in (lower if folded else text)}
        # the patterns this document may match: its required first word is present (or, with none, its first
        # token's regex, if any, matches the text), and one word of each later required word list
        wanted = tuple(n for n, (_, _, first, later, regex) in enumerate(self._patterns)
                       if (first in present if first is not None else regex is None or regex.search(text))
                       and all(any(value in (lower if folded else text) for value, folded in words) for words in later))
        matcher = self._cache.get(wanted)
        if matcher is None:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            matcher = self._cache[wanted] = Matcher(self._vocab)
            for n in wanted:
                key, pattern, _, _, _ = self._patterns[n]
                matcher.add(key, [pattern])
        matches = list(matcher(doc)) if len(matcher) else []  # an empty Matcher warns (W036) on every call
        for phrases in self._phrases.values():
            if len(phrases):
                matches += phrases(doc)
        if self._checks:
            for internal, start, end in self._checked(doc):
                key, checks = self._checks[internal]
                if all(doc[start + i].text == text for i, text in checks):
                    matches.append((key, start, end))
        matches.sort(key=lambda m: (m[1], m[2]))
        return list(dict.fromkeys(matches))  # one match per key and span, as one Matcher gives

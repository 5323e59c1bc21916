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


def words_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """The regex :func:`find_words` searches for ``phrases`` (None for none), for callers that search it themselves."""
    phrases = tuple(phrases)
    return _words(phrases) if phrases else None


@functools.cache
def _needles(phrases: tuple[str, ...]) -> tuple[str, ...] | None:
    """For each phrase, a lower-case run of it that any match must contain literally; None if any phrase is non-ASCII.

    A phrase's spaces become ``\\s+`` in its pattern; every other character is matched as itself,
    ignoring case. So in a text whose chars that match an ASCII letter are ASCII (see :func:`_ascii_lower`), a
    match of the phrase contains each space-free run of it, lower-cased, in the lower-cased text. Non-ASCII
    phrases are left to the regex: Unicode case folding ("K" for Kelvin, dotless i) is not what ``str.lower`` gives.
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
    if needles is None or (lowered := _ascii_lower(text)) is None:
        return True
    return any(n in lowered for n in needles)


# the non-ASCII chars that match an ASCII letter ignoring case: İ, dotless i, long s, Kelvin sign
FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


@functools.lru_cache(maxsize=32)
def _ascii_lower(text: str) -> str | None:
    """``text`` lower-cased, None when it holds a char of :data:`FOLDS_TO_ASCII` (``str.lower`` does not make it
    the ASCII letter it matches); kept, since every cue list of a report asks of its text."""
    return text.lower() if text.isascii() or not FOLDS_TO_ASCII.search(text) else None


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


# --- keyed search: where regexes may match, found by one Aho-Corasick pass and checked by re ---

_MAX_KEY = 12  # longer keys only thin out hits a little and grow the automaton
_MAX_FOLDS = 3  # a class folding to more lower-case chars than this ends the key (as "\s" or "[a-z]" do)
_MAX_KEYS = 20000  # a pattern branching into more keys than this is searched by regex
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_WORD = _LETTERS | frozenset("0123456789_")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_STAND_IN = "\x00"  # for a non-ASCII char no key char can be: no letter, in no key
_END = "\x01"  # ends a key whose next char is no letter (sought before each byte a non-letter reads as)


@functools.cache
def _ascii_folds(source: str, flags: int) -> frozenset[str]:
    """The lower-cased ASCII chars a one-char regex matches (asked of ``re`` itself, so its case rules hold)."""
    one = re.compile(source, flags)
    return frozenset(chr(c).lower() for c in range(128) if one.fullmatch(chr(c)))


def _char_source(op, av) -> str | None:
    """A one-char node of a parsed regex, back as regex source; None for anything else."""
    from re import _constants as c

    categories = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_NOT_DIGIT: r"\D", c.CATEGORY_SPACE: r"\s",
                  c.CATEGORY_NOT_SPACE: r"\S", c.CATEGORY_WORD: r"\w", c.CATEGORY_NOT_WORD: r"\W"}
    if op is c.LITERAL:
        return re.escape(chr(av))
    if op is c.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op is not c.IN:
        return None
    parts = []
    for item_op, item in av:
        if item_op is c.NEGATE:
            parts.append("^")
        elif item_op is c.LITERAL:
            parts.append(re.escape(chr(item)))
        elif item_op is c.RANGE:
            parts.append(f"{re.escape(chr(item[0]))}-{re.escape(chr(item[1]))}")
        elif item_op is c.CATEGORY and item in categories:
            parts.append(categories[item])
        else:
            return None
    return "[" + "".join(parts) + "]"


def _folds(node, flags: int) -> frozenset[str] | None:
    """The lower-cased ASCII chars a one-char node matches; None when the node is not one char."""
    source = _char_source(*node)
    return _ascii_folds(source, flags & (re.IGNORECASE | re.ASCII)) if source else None


def _after_non_letter(node, flags: int) -> bool | None:
    """Whether a zero-width node before a match's first char says the char before is no ASCII letter (or there
    is none): True, False, or None for a word boundary (it says so when the first char is a word char)."""
    from re import _constants as c

    op, av = node
    if op is c.AT:
        return True if av in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING) else (
            None if av is c.AT_BOUNDARY else False)
    direction, body = av
    source = _char_source(*body[0]) if direction == -1 and len(body) == 1 else None
    if source is None:
        return False
    one = re.compile(source, flags & (re.IGNORECASE | re.ASCII))
    letters = [one.fullmatch(chr(b)) is not None for b in range(128) if chr(b).lower() in _LETTERS]
    return all(letters) if op is c.ASSERT_NOT else not any(letters)


def _before_non_letter(node, flags: int) -> bool:
    """Whether a zero-width node after a key's last char says the next char is no ASCII letter (or there is none)."""
    from re import _constants as c

    op, av = node
    if op is c.AT:
        return av in (c.AT_END, c.AT_END_LINE, c.AT_END_STRING)
    direction, body = av
    source = _char_source(*body[0]) if direction == 1 and len(body) == 1 else None
    if source is None:
        return False
    one = re.compile(source, flags & (re.IGNORECASE | re.ASCII))
    letters = [one.fullmatch(chr(b)) is not None for b in range(128) if chr(b).lower() in _LETTERS]
    return all(letters) if op is c.ASSERT_NOT else not any(letters)


class _Derived:
    """What :func:`_keys` finds: the keys, and the one-char nodes that make up (or rule out) their chars."""

    def __init__(self) -> None:
        self.keys: set[tuple[str, bool]] = set()
        self.chars: set[tuple[str, int]] = set()  # (regex source, flags)


def _keys(nodes: list, prefix: str, start: bool | None, out: _Derived) -> None:
    """Add to ``out`` the (key, after a non-letter) pairs a match of ``nodes`` (``(node, flags)`` pairs) can start
    with, each key extending ``prefix``; ``start`` is what zero-width nodes said of the char before the match
    (True: no letter; None: a word boundary, no letter if the first char is a word char; False: nothing).
    Sound, not tight: a key may end early (a shorter key only means more candidates)."""
    from re import _constants as c

    if len(out.keys) > _MAX_KEYS:
        return
    for i, ((op, av), flags) in enumerate(nodes):
        rest = nodes[i + 1:]
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            if not prefix:  # zero-width: what it says of the char before the match
                said = _after_non_letter((op, av), flags)
                start = True if said or start is True else None if said is None or start is None else False
            elif _before_non_letter((op, av), flags):  # what it says of the char after the key
                out.keys.add((prefix + _END, start is True))
                return
            continue
        if op in (c.LITERAL, c.NOT_LITERAL, c.IN):
            chars = _folds((op, av), flags) if len(prefix) < _MAX_KEY else None
            anchored = start is True or (start is None and not prefix and chars is not None and chars <= _WORD)
            if chars is not None and prefix and len(chars) > _MAX_FOLDS and not chars & _LETTERS:
                out.keys.add((prefix + _END, start is True))  # many chars, none a letter ("\\s", "\\d")
            elif chars is None or len(chars) > _MAX_FOLDS or _END in chars:
                out.keys.add((prefix, anchored))
            else:  # no ASCII char at all: no match in an ASCII text, no key
                out.chars.add((_char_source(op, av), flags & (re.IGNORECASE | re.ASCII)))
                for char in sorted(chars):
                    _keys(rest, prefix + char, anchored, out)
            return
        if op is c.SUBPATTERN or op is c.ATOMIC_GROUP:
            group = av if op is c.ATOMIC_GROUP else av[3]
            inner = flags if op is c.ATOMIC_GROUP else (flags | av[1]) & ~av[2]
            _keys([(n, inner) for n in group] + rest, prefix, start, out)
            return
        if op is c.BRANCH:
            for branch in av[1]:
                _keys([(n, flags) for n in branch] + rest, prefix, start, out)
            return
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, body = av
            if low == 0:
                _keys(rest, prefix, start, out)  # repeated no times
            # at least once: the key may run through one repetition, then it ends
            _keys([(n, flags) for n in body] + [((c.FAILURE, None), flags)], prefix, start, out)
            return
        out.keys.add((prefix, start is True))  # anything else (a back-reference, a conditional, the stop above)
        return
    out.keys.add((prefix, start is True))


def literal_keys(pattern: re.Pattern[str]) -> frozenset[tuple[str, bool]] | None:
    """Where ``pattern`` can match in an ASCII text: ``pattern.match(text, p)`` succeeds only where
    ``text.lower()`` holds one of these keys at ``p`` and, for a key paired with True, ``text[p - 1]`` is no
    letter (or ``p`` is 0). None when some match may start without a key (then search the whole text).
    Keys that extend a key as bound or less bound are dropped."""
    return _derive(pattern)[0]


def _derive(pattern: re.Pattern[str]) -> tuple[frozenset[tuple[str, bool]] | None, set[tuple[str, int]]]:
    """:func:`literal_keys`, and the one-char regexes (source, flags) whose matches can be a key's chars."""
    from re import _parser

    parsed = _parser.parse(pattern.pattern, pattern.flags)
    found = _Derived()
    _keys([(node, parsed.state.flags) for node in parsed], "", False, found)
    if any(not key for key, _ in found.keys) or len(found.keys) > _MAX_KEYS:
        return None, found.chars
    kept: set[tuple[str, bool]] = set()
    for key, anchored in sorted(found.keys, key=lambda k: len(k[0])):
        shorter = (key[:n] for n in range(1, len(key) + 1))
        if not any((k, False) in kept or (k, anchored) in kept for k in shorter):
            kept.add((key, anchored))
    return frozenset(kept), found.chars


class KeyScan:
    """Where each of several regexes may match in a text, from one Aho-Corasick pass.

    A regex matches only where one of its :func:`literal_keys` starts, so its exact matches are found by
    ``pattern.match(text, start)`` at those starts alone, instead of trying every position.

    The pass reads the text as bytes, at the same offsets: ASCII letters lower-cased, the non-letters that
    begin a key ("#", "[") kept, every other char one separator byte. Keys are read the same way; a key that
    follows no letter is sought after each byte a non-letter can become (so "us" is not sought inside "thus").
    A non-ASCII char that no key char can be ("é", "°") reads as a separator; a text with one that can
    ("K", the Kelvin sign, is a "k") is searched by regex.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        import ahocorasick_rs

        self.patterns = tuple(patterns)
        derived = [_derive(p) for p in self.patterns]
        self._unkeyed = {i for i, (keys, _) in enumerate(derived) if keys is None}
        keys = {key for pattern_keys, _ in derived for key, _ in pattern_keys or ()}
        kept = {key[0] for key in keys if key[0] not in _LETTERS}
        separator = next(chr(b) for b in range(128) if chr(b) not in kept and chr(b).lower() not in _LETTERS)
        self._table = bytes((b | 0x20) if chr(b).lower() in _LETTERS else b if chr(b) in kept else ord(separator)
                            for b in range(256))
        self._separator = separator.encode("ascii")
        before_word = sorted({separator, *kept})  # what the char before a word reads as
        by_key: dict[tuple[bytes, int], dict[int, None]] = {}  # (key as sought, its start in it) -> patterns
        non_letters = [c.encode("ascii") for c in before_word]
        for i, (pattern_keys, _) in enumerate(derived):
            for key, after_non_letter in pattern_keys or ():
                body = key.removesuffix(_END).encode("ascii").translate(self._table)
                reads = [body + c for c in non_letters] if key.endswith(_END) else [body]
                for read in reads:
                    for sought in [(c + read, 1) for c in non_letters] if after_non_letter else [(read, 0)]:
                        by_key.setdefault(sought, {})[i] = None
        # the pass reads one separator first: a key starts at its offset in the pass, less one, plus its own start
        self._sought = [(start - 1, tuple(ids)) for (_, start), ids in by_key.items()]
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [key for key, _ in by_key], implementation=ahocorasick_rs.Implementation.DFA
        ) if by_key else None
        self._key_chars = [re.compile(source, flags) for source, flags in set().union(*(c for _, c in derived))]
        self._stand_in = None if _STAND_IN in kept else _STAND_IN
        self._inert: dict[str, bool] = {}  # non-ASCII char -> no key char can be it

    def _read(self, text: str) -> bytes | None:
        """``text`` as the pass reads it, after one separator (as if a non-letter came before it); None when a
        non-ASCII char in it can be a key char."""
        if not text.isascii():
            if self._stand_in is None:
                return None
            for char in set(_NON_ASCII.findall(text)):
                if (inert := self._inert.get(char)) is None:
                    inert = self._inert[char] = not any(test.fullmatch(char) for test in self._key_chars)
                if not inert:
                    return None
            text = _NON_ASCII.sub(self._stand_in, text)
        return self._separator + text.encode("ascii").translate(self._table) + self._separator

    def starts(self, text: str) -> dict[int, list[int]] | None:
        """Pattern index -> ascending candidate starts, for the patterns with any; None: search ``text`` by regex."""
        if (read := self._read(text)) is None:
            return None
        found: dict[int, list[int]] = {}
        if self._automaton is None:
            return found
        sought, known = self._sought, found.get
        for k, start, _ in self._automaton.find_matches_as_indexes(read, overlapping=True):
            shift, ids = sought[k]
            for i in ids:
                if (starts := known(i)) is None:
                    found[i] = [start + shift]
                else:
                    starts.append(start + shift)
        for i, starts in found.items():
            if len(starts) > 1:  # keys read alike ("t1", "t2") or read as prefixes of others find a start twice
                found[i] = sorted(set(starts))
        return found

    def may_match(self, i: int, found: dict[int, list[int]] | None) -> bool:
        """False only when ``patterns[i]`` cannot match: it is keyed and :meth:`starts` found none of its keys."""
        return found is None or i in found or i in self._unkeyed

    def search(self, i: int, text: str, found: dict[int, list[int]] | None) -> re.Match[str] | None:
        """``patterns[i].search(text)``, trying only the candidate starts in ``found`` (from :meth:`starts`)."""
        pattern = self.patterns[i]
        if found is None or i in self._unkeyed:
            return pattern.search(text)
        for start in found.get(i, ()):
            if m := pattern.match(text, start):
                return m
        return None

    def finditer(self, i: int, text: str, found: dict[int, list[int]] | None) -> Iterator[re.Match[str]]:
        """``patterns[i].finditer(text)``, trying only candidate starts: each search resumes where a match ended."""
        pattern = self.patterns[i]
        if found is None or i in self._unkeyed:
            yield from pattern.finditer(text)
            return
        resume = 0
        for start in found.get(i, ()):
            if start >= resume and (m := pattern.match(text, start)):
                resume = m.end()  # keyed matches are never empty: each holds its key
                yield m


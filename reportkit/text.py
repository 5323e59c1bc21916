"""Text utilities shared by every layer: whole-word phrase search and section lookup.

Nothing here knows about spaCy, so lint rules and reasoning use it without importing the pipeline.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from reportkit.regex_syntax import KEY_END, LETTERS, NON_ASCII, STAND_IN, derive_keys

if TYPE_CHECKING:  # annotations only: lint rules use this module without the lexicon models
    from reportkit.models import Section


@functools.lru_cache(maxsize=65536)
def fold_char(char: str) -> str:
    """One char in its plain spelling form: a letter without its diacritics ("ö" -> "o", "é" -> "e"), any dash
    as a hyphen, a typographic apostrophe as "'"; every other char as it is (one char for one, so offsets hold)."""
    if char.isascii():
        return char
    if unicodedata.category(char) == "Pd":
        return "-"
    if char in "\u2018\u2019\u02bc":
        return "'"
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base if len(base) == 1 else char


def fold(text: str) -> str:
    """``text`` in its plain spelling form, char by char (:func:`fold_char`): "Mönckeberg" -> "Monckeberg",
    "Ehlers–Danlos" -> "Ehlers-Danlos". The same length as ``text``; ``text`` itself when no char of it folds.

    A report holds few distinct non-ASCII chars ("°", "é"): each is replaced throughout, instead of every char
    going through :func:`fold_char`. A char folding to another that folds again is left to the char-by-char
    pass, which folds each char once.
    """
    if text.isascii():
        return text
    folds = {char: folded for char in set(NON_ASCII.findall(text)) if (folded := fold_char(char)) != char}
    if any(folded in folds for folded in folds.values()):
        return "".join(map(fold_char, text))
    for char, folded in folds.items():
        text = text.replace(char, folded)
    return text


# German umlauts written without the diacritic are transliterated by adding "e" ("Teutschlaender" for
# "Teutschländer"); the plain spelling form drops the diacritic instead, so a name needs both spellings.
_TRANSLITERATED = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def spellings(term: str) -> list[str]:
    """``term`` and, when it has a German umlaut, its transliterated spelling ("teutschländer" ->
    "teutschlaender"); :func:`fold` gives the spelling without the diacritic at match time."""
    transliterated = "".join(_TRANSLITERATED.get(c, c) for c in term)
    return [term] if transliterated == term else [term, transliterated]


def lower_form(text: str) -> str:
    """What term matching compares: ``text`` lower-cased and folded (spaCy's LOWER in the pipeline)."""
    return fold(text.lower())


@functools.cache
def _words(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A case-insensitive whole-word pattern for any of ``phrases``."""
    alternation = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?!\w|-(?!{_ATTRIBUTING}\b))", re.IGNORECASE)


# a word hyphenated to one of these still names what it names ("scleroderma-related calcinosis"); to any other
# ("gout-like", "non-calcified") it is part of another word
_ATTRIBUTING = "(?:related|associated|induced)"


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


class RegexSearch:
    """Several regexes searched in a text by ``re`` itself: the plain form of :class:`KeyScan`, same calls."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.patterns = tuple(patterns)

    def starts(self, text: str) -> dict[int, list[int]] | None:
        """None: every pattern is searched in the whole text."""
        return None

    def search(self, i: int, text: str, found: dict[int, list[int]] | None) -> re.Match[str] | None:
        """``patterns[i].search(text)``."""
        return self.patterns[i].search(text)

    def finditer(self, i: int, text: str, found: dict[int, list[int]] | None) -> Iterator[re.Match[str]]:
        """``patterns[i].finditer(text)``."""
        return self.patterns[i].finditer(text)


class KeyScan:
    """Where each of several regexes may match in a text, from one Aho-Corasick pass.

    A regex matches only where one of its literal keys (:func:`reportkit.regex_syntax.literal_keys`) starts, so
    its exact matches are found by ``pattern.match(text, start)`` at those starts alone, instead of trying every
    position.

    The pass reads the text as bytes, at the same offsets: ASCII letters lower-cased, the non-letters that
    begin a key ("#", "[") kept, every other char one separator byte. Keys are read the same way; a key that
    follows no letter is sought after each byte a non-letter can become (so "us" is not sought inside "thus").
    A non-ASCII char that no key char can be ("é", "°") reads as a separator; a text with one that can
    ("K", the Kelvin sign, is a "k") is searched by regex.
    """

    def __init__(self, patterns: Sequence[re.Pattern[str]], derive=derive_keys) -> None:
        """``derive``: :func:`reportkit.regex_syntax.derive_keys`, or what gives the same (kept keys)."""
        import ahocorasick_rs

        self.patterns = tuple(patterns)
        derived = [derive(p) for p in self.patterns]
        self._unkeyed = {i for i, (keys, _) in enumerate(derived) if keys is None}
        keys = {key for pattern_keys, _ in derived for key, _ in pattern_keys or ()}
        kept = {key[0] for key in keys if key[0] not in LETTERS}
        separator = next(chr(b) for b in range(128) if chr(b) not in kept and chr(b).lower() not in LETTERS)
        self._table = bytes((b | 0x20) if chr(b).lower() in LETTERS else b if chr(b) in kept else ord(separator)
                            for b in range(256))
        self._separator = separator.encode("ascii")
        before_word = sorted({separator, *kept})  # what the char before a word reads as
        by_key: dict[tuple[bytes, int], dict[int, None]] = {}  # (key as sought, its start in it) -> patterns
        non_letters = [c.encode("ascii") for c in before_word]
        for i, (pattern_keys, _) in enumerate(derived):
            for key, after_non_letter in pattern_keys or ():
                body = key.removesuffix(KEY_END).encode("ascii").translate(self._table)
                reads = [body + c for c in non_letters] if key.endswith(KEY_END) else [body]
                for read in reads:
                    for sought in [(c + read, 1) for c in non_letters] if after_non_letter else [(read, 0)]:
                        by_key.setdefault(sought, {})[i] = None
        # the pass reads one separator first: a key starts at its offset in the pass, less one, plus its own start
        self._sought = [(start - 1, tuple(ids)) for (_, start), ids in by_key.items()]
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [key for key, _ in by_key], implementation=ahocorasick_rs.Implementation.DFA
        ) if by_key else None
        self._key_chars = [re.compile(source, flags) for source, flags in set().union(*(c for _, c in derived))]
        self._stand_in = None if STAND_IN in kept else STAND_IN
        self._inert: dict[str, bool] = {}  # non-ASCII char -> no key char can be it

    def _read(self, text: str) -> bytes | None:
        """``text`` as the pass reads it, after one separator (as if a non-letter came before it); None when a
        non-ASCII char in it can be a key char."""
        if not text.isascii():
            if self._stand_in is None:
                return None
            for char in set(NON_ASCII.findall(text)):
                if (inert := self._inert.get(char)) is None:
                    inert = self._inert[char] = not any(test.fullmatch(char) for test in self._key_chars)
                if not inert:
                    return None
            text = NON_ASCII.sub(self._stand_in, text)
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


"""The one place that reads the standard library's regex internals (``re._parser``, ``re._compiler``), for three
speed paths.

* :func:`literal_keys`: the literal keys every match of a regex starts with, so the keyed search
  (:class:`reportkit.text.KeyScan`) tries a regex only where a key starts;
* :func:`regex_words`: every string a small, finite token ``REGEX`` accepts, so the token prefilter
  (:mod:`reportkit.pipeline.fast.token_prefilter`) can look such a pattern up as phrases;
* :class:`KeptRegexes`: large regexes compiled once and kept, with their keys, in reportkit's cache folder, so
  that a new process (an audit worker) does not compile them again.

``re._parser`` is private (stable in Python 3.11-3.13). Without it every path answers "unknown" (None): every
regex is then searched by ``re`` itself, every token ``REGEX`` stays a token pattern and every regex is compiled
by ``re.compile``, which is slower, never different.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path

try:
    import _sre
    from re import _compiler as sre_compiler
    from re import _constants as c
    from re import _parser as sre_parser
except ImportError:  # a Python without the private parser: the plain paths
    c = sre_parser = sre_compiler = _sre = None  # type: ignore[assignment]

MAX_PHRASES = 5000  # most word sequences a pattern may expand to before it stays a token pattern
MAX_REPEAT = 4  # most repeats of a regex item expanded into words


def regex_words(regex: str) -> list[str] | None:
    """Every string a token ``REGEX`` accepts, when it is anchored at both ends and a small finite set.

    spaCy searches the regex in the token's text, so ``^...$`` accepts exactly these strings (``$`` also
    before a final newline, which no token other than whitespace holds). None for anything else.
    """
    if sre_parser is None:
        return None
    try:
        tree = sre_parser.parse(regex)
    except re.error:
        return None
    items = list(tree)
    if (tree.state.flags & ~re.UNICODE or len(items) < 2 or items[0] != (c.AT, c.AT_BEGINNING)
            or items[-1] != (c.AT, c.AT_END)):
        return None
    return _expand(items[1:-1])


def _expand(items: list) -> list[str] | None:
    """The strings a parsed regex fragment (literals, classes, groups, alternatives, bounded repeats) accepts."""
    out = [""]
    for op, arg in items:
        if op is c.LITERAL:
            alternatives = [chr(arg)]
        elif op is c.IN:
            alternatives = []
            for kind, value in arg:
                if kind is c.LITERAL:
                    alternatives.append(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < 64:
                    alternatives += [chr(code) for code in range(value[0], value[1] + 1)]
                else:
                    return None  # negated sets, categories (\d, \w): not worth listing
        elif op is c.SUBPATTERN:
            _, added, removed, sub = arg
            alternatives = None if added or removed else _expand(list(sub))
        elif op is c.BRANCH:
            branches = [_expand(list(branch)) for branch in arg[1]]
            alternatives = None if any(b is None for b in branches) else [w for b in branches for w in b]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[1] <= MAX_REPEAT:
            once = _expand(list(arg[2]))
            alternatives = None if once is None else _repeats(once, arg[0], arg[1])
        else:
            return None
        if alternatives is None:
            return None
        out = [a + b for a in out for b in dict.fromkeys(alternatives)]
        if len(out) > MAX_PHRASES:
            return None
    return list(dict.fromkeys(out))


def _repeats(once: list[str], low: int, high: int) -> list[str] | None:
    words: list[str] = []
    for n in range(low, high + 1):
        run = [""]
        for _ in range(n):
            run = [a + b for a in run for b in once]
            if len(run) > MAX_PHRASES:
                return None
        words += run
    return words


_MAX_KEY = 12  # longer keys only thin out hits a little and grow the automaton
_MAX_FOLDS = 3  # a class folding to more lower-case chars than this ends the key (as "\s" or "[a-z]" do)
_MAX_KEYS = 20000  # a pattern branching into more keys than this is searched by regex
LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_WORD = LETTERS | frozenset("0123456789_")
NON_ASCII = re.compile(r"[^\x00-\x7f]")
STAND_IN = "\x00"  # for a non-ASCII char no key char can be: no letter, in no key
KEY_END = "\x01"  # ends a key whose next char is no letter (sought before each byte a non-letter reads as)


@functools.cache
def _ascii_folds(source: str, flags: int) -> frozenset[str]:
    """The lower-cased ASCII chars a one-char regex matches (asked of ``re`` itself, so its case rules hold)."""
    one = re.compile(source, flags)
    return frozenset(chr(code).lower() for code in range(128) if one.fullmatch(chr(code)))


def _char_source(op, av) -> str | None:
    """A one-char node of a parsed regex, back as regex source; None for anything else."""
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
    op, av = node
    if op is c.AT:
        return True if av in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING) else (
            None if av is c.AT_BOUNDARY else False)
    direction, body = av
    source = _char_source(*body[0]) if direction == -1 and len(body) == 1 else None
    if source is None:
        return False
    one = re.compile(source, flags & (re.IGNORECASE | re.ASCII))
    letters = [one.fullmatch(chr(b)) is not None for b in range(128) if chr(b).lower() in LETTERS]
    return all(letters) if op is c.ASSERT_NOT else not any(letters)


def _before_non_letter(node, flags: int) -> bool:
    """Whether a zero-width node after a key's last char says the next char is no ASCII letter (or there is none)."""
    op, av = node
    if op is c.AT:
        return av in (c.AT_END, c.AT_END_LINE, c.AT_END_STRING)
    direction, body = av
    source = _char_source(*body[0]) if direction == 1 and len(body) == 1 else None
    if source is None:
        return False
    one = re.compile(source, flags & (re.IGNORECASE | re.ASCII))
    letters = [one.fullmatch(chr(b)) is not None for b in range(128) if chr(b).lower() in LETTERS]
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
    if len(out.keys) > _MAX_KEYS:
        return
    for i, ((op, av), flags) in enumerate(nodes):
        rest = nodes[i + 1:]
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            if not prefix:  # zero-width: what it says of the char before the match
                said = _after_non_letter((op, av), flags)
                start = True if said or start is True else None if said is None or start is None else False
            elif _before_non_letter((op, av), flags):  # what it says of the char after the key
                out.keys.add((prefix + KEY_END, start is True))
                return
            continue
        if op in (c.LITERAL, c.NOT_LITERAL, c.IN):
            chars = _folds((op, av), flags) if len(prefix) < _MAX_KEY else None
            anchored = start is True or (start is None and not prefix and chars is not None and chars <= _WORD)
            if chars is not None and prefix and len(chars) > _MAX_FOLDS and not chars & LETTERS:
                out.keys.add((prefix + KEY_END, start is True))  # many chars, none a letter ("\\s", "\\d")
            elif chars is None or len(chars) > _MAX_FOLDS or KEY_END in chars:
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
    return derive_keys(pattern)[0]


def derive_keys(pattern: re.Pattern[str]) -> tuple[frozenset[tuple[str, bool]] | None, set[tuple[str, int]]]:
    """:func:`literal_keys`, and the one-char regexes (source, flags) whose matches can be a key's chars."""
    if sre_parser is None:
        return None, set()
    parsed = sre_parser.parse(pattern.pattern, pattern.flags)
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


# --- compiled regexes kept between processes ----------------------------------------------------------------------
# ``re.compile`` parses a pattern and turns it into the program its matcher runs (a list of ints); ``_sre.compile``
# makes the pattern object from that program, which it checks before use. A program kept in a file is valid only
# for the Python that made it: the key below names the Python, its regex engine and this module (which derives the
# keys kept beside it). Each regex is kept under the digest of its own source and flags, so a kept program is never
# that of another regex, whatever changed in the lexicons or the code that wrote the regex.

KEPT_FORMAT = 1  # raise when the file's layout changes


@functools.cache
def _runtime() -> str | None:
    """What a kept program depends on besides its regex; None when programs cannot be kept here."""
    if _sre is None or array("I").itemsize != _sre.CODESIZE:
        return None
    try:
        code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    except OSError:  # no source to go by (a frozen or zipped install): nothing is kept
        return None
    return f"{KEPT_FORMAT} {sys.version} {_sre.MAGIC} {_sre.CODESIZE} {sys.byteorder} {code}"


def _digest(source: str, flags: int) -> str:
    return hashlib.sha256(f"{flags}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()


def _program(source: str, flags: int) -> dict:
    """What ``re.compile(source, flags)`` hands ``_sre.compile``, as ``re._compiler.compile`` builds it."""
    tree = sre_parser.parse(source, flags)
    indexgroup = [None] * tree.state.groups
    for name, i in tree.state.groupdict.items():
        indexgroup[i] = name
    return {"flags": flags | tree.state.flags, "code": sre_compiler._code(tree, flags),
            "groups": tree.state.groups - 1, "groupindex": dict(tree.state.groupdict), "indexgroup": indexgroup}


def _from_program(source: str, program: dict) -> re.Pattern[str]:
    return _sre.compile(source, program["flags"], program["code"], program["groups"], program["groupindex"],
                        tuple(program["indexgroup"]))


def _stored_program(program: dict) -> dict:
    packed = zlib.compress(array("I", program["code"]).tobytes(), 1)
    return {**program, "code": base64.b64encode(packed).decode("ascii")}


def _loaded_program(stored: dict) -> dict:
    code = array("I")
    code.frombytes(zlib.decompress(base64.b64decode(stored["code"])))
    return {**stored, "code": code.tolist()}


class KeptRegexes:
    """Regexes compiled (and their keys derived, :func:`derive_keys`) once, and kept in the file ``path``.

    ``compile`` and ``derive_keys`` give what ``re.compile`` and :func:`derive_keys` give; what they find in the
    file is used, what they do not is made and, on :meth:`save`, written with the rest of what this build used
    (the file is replaced whole: it never holds more than one build's regexes). A file that is missing, unreadable,
    damaged, or made by another Python or another version of this module is ignored and written again; with
    ``path`` None (no cache folder: ``REPORTKIT_NO_CACHE``) nothing is read or written.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path if _runtime() is not None else None
        self._stored = self._read() if self.path is not None else {}
        self._used: dict[str, dict] = {}
        self._missing = False

    def _read(self) -> dict:
        try:
            digest, _, payload = self.path.read_bytes().partition(b"\n")
            if hashlib.sha256(payload).hexdigest().encode("ascii") != digest:
                return {}  # damaged, or another file
            stored = json.loads(payload)
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(stored, dict) or stored.get("runtime") != _runtime() or not isinstance(
                stored.get("entries"), dict):
            return {}
        return stored["entries"]

    def _entry(self, source: str, flags: int) -> dict:
        """The kept entry of a regex (its "program", its "keys"), now part of what this build uses."""
        return self._entry_at(_digest(source, flags))

    def _entry_at(self, key: str) -> dict:
        if key not in self._used:
            stored = self._stored.get(key)
            self._used[key] = dict(stored) if isinstance(stored, dict) else {}
        return self._used[key]

    def compile(self, source: str, flags: int = 0) -> re.Pattern[str]:
        """``re.compile(source, flags)``."""
        flags = int(flags)
        if self.path is None:
            return re.compile(source, flags)
        entry = self._entry(source, flags)
        if "program" in entry:
            try:
                return _from_program(source, _loaded_program(entry["program"]))
            except (KeyError, TypeError, ValueError, RuntimeError, OverflowError, zlib.error):
                pass  # not a program this Python accepts: made again below
        program = _program(source, flags)
        entry["program"] = _stored_program(program)
        self._missing = True
        return _from_program(source, program)

    def derive_keys(self, pattern: re.Pattern[str]) -> tuple[frozenset[tuple[str, bool]] | None, set[tuple[str, int]]]:
        """:func:`derive_keys` of ``pattern``."""
        if self.path is None:
            return derive_keys(pattern)
        entry = self._entry(pattern.pattern, pattern.flags)
        if "keys" in entry:
            try:
                keys, chars = entry["keys"]
                return (None if keys is None else frozenset((str(k), bool(a)) for k, a in keys),
                        {(str(s), int(f)) for s, f in chars})
            except (TypeError, ValueError):
                pass
        keys, chars = derive_keys(pattern)
        entry["keys"] = [None if keys is None else sorted(keys), sorted(chars)]
        self._missing = True
        return keys, chars

    def table(self, name: str, make: Callable[[], dict[str, str]]) -> dict[str, str]:
        """``make()``: a table of strings the regexes are built from, kept with them. ``name`` must change with
        whatever the table depends on besides the Python build (the code making it, a data version)."""
        if self.path is None:
            return make()
        entry = self._entry_at(hashlib.sha256(f"table\0{name}".encode("utf-8", "surrogatepass")).hexdigest())
        table = entry.get("table")
        if isinstance(table, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
            return table
        entry["table"] = table = make()
        self._missing = True
        return table

    def save(self) -> None:
        """Write what this build used, when the file lacked any of it or holds more; a folder that cannot be
        written is left as it is (the next process compiles again)."""
        if self.path is None or not (self._missing or set(self._stored) - set(self._used)):
            return
        payload = json.dumps({"runtime": _runtime(), "entries": self._used}, ensure_ascii=True).encode("ascii")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass
        self._stored, self._missing = self._used, False

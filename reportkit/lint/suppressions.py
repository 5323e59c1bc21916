"""In-draft suppressions: ``[reportkit: ignore RK101]`` for a line, ``[reportkit: off]`` ... ``[reportkit: on]``.

``[reportkit: off RK301]`` ... ``[reportkit: on RK301]`` (or a bare ``[reportkit: on]``) switches off
only the codes it lists, as eslint's ``eslint-disable rule`` ... ``eslint-enable``. A code that names
no rule (``RK31``, ``RK-301``, a misspelt name) suppresses nothing, and a list of separators with no
code (``[reportkit: ignore ,]``) suppresses nothing either: both are reported by RK001, so a typo can
never silence a line or the rest of a draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportkit.lint.formats import Position
from reportkit.lint.registry import rules

# the rule reporting ignores that silence nothing; the engine judges it after every other rule has run
UNUSED_SUPPRESSION = "RK002"

SUPPRESS = re.compile(r"\[reportkit:\s*(?P<verb>ignore|off|on)\b(?P<codes>[^\]]*)\]", re.IGNORECASE)


@dataclass(frozen=True)
class UnknownCode:
    """A code in a directive that names no rule (``code`` empty: a list with no code at all), and where it is written."""

    code: str
    start: int
    end: int


@dataclass(frozen=True)
class LineIgnore:
    """One rule silenced on one line by an ignore directive (``code`` None: every rule), and where it is written."""

    line: int
    code: str | None
    start: int
    end: int


@dataclass(frozen=True)
class OffRange:
    """Characters [start, end) where ``code`` (None: every rule) is switched off."""

    start: int
    end: int
    code: str | None


class Suppressions:
    """Where a draft silences rules: per-line ignores, [off, on) character ranges, unknown codes.

    :meth:`hides` remembers which line ignores silenced something, so :meth:`unused` can tell the
    ones that silenced nothing (ruff's unused ``noqa``)."""

    def __init__(self, text: str) -> None:
        self.per_line: dict[int, set[str] | None] = {}  # line -> codes, or None for every rule
        self.off_ranges: list[OffRange] = []
        self.unknown: list[UnknownCode] = []
        self.line_ignores: list[LineIgnore] = []
        self._used: set[tuple[int, str | None]] = set()
        self._read(text)

    def hides(self, code: str, line: int, start: int) -> bool:
        """Whether a diagnostic of ``code`` starting at ``start`` on ``line`` is suppressed."""
        ignored = self.per_line.get(line, set())
        if ignored is None or code in ignored:
            self._used.add((line, None if ignored is None else code))
            return True
        return any(r.start <= start < r.end and r.code in (None, code) for r in self.off_ranges)

    def unused(self) -> list[LineIgnore]:
        """The line ignores that silenced nothing (so far: ask once every rule has run)."""
        return [i for i in self.line_ignores if (i.line, i.code) not in self._used]

    def _read(self, text: str) -> None:
        if SUPPRESS.search(text) is None:
            return  # most drafts hold no directive: no line table, no rule lookups
        position = Position(text)
        by_name = {r.name: r.code for r in rules().values()}
        known = set(rules())
        open_since: dict[str | None, int] = {}  # code (None: every rule) -> where its off region began
        for m in SUPPRESS.finditer(text):
            verb = m.group("verb").lower()
            # (code or None if unknown, start, end) for every word of the list
            words = [(w.group(0).upper() if w.group(0).upper() in known else by_name.get(w.group(0).lower()),
                      m.start("codes") + w.start(), m.start("codes") + w.end())
                     for w in re.finditer(r"[^\s,]+", m.group("codes"))]
            self.unknown += [UnknownCode(text[start:end], start, end) for code, start, end in words if code is None]
            if not words and m.group("codes").strip():  # "[reportkit: ignore ,]": a list that names nothing
                self.unknown.append(UnknownCode("", m.start("codes"), m.end("codes")))
                continue
            codes = {code for code, _, _ in words if code is not None}
            if words and not codes:
                continue  # every word unknown: the directive does nothing (RK001 says why)
            if verb == "ignore":
                line = position.line_col(m.start())[0]
                if not words:
                    self.line_ignores.append(LineIgnore(line, None, m.start(), m.end()))
                self.line_ignores += [LineIgnore(line, code, start, end) for code, start, end in words if code]
                if not words or self.per_line.get(line, set()) is None:
                    self.per_line[line] = None
                else:
                    self.per_line[line] = (self.per_line.get(line) or set()) | codes
            elif verb == "off":
                for code in codes or {None}:
                    open_since.setdefault(code, m.start())
            else:  # "on": a bare one ends every off region, one with codes only theirs
                for code in (codes if words else set(open_since)):
                    if code in open_since:
                        self.off_ranges.append(OffRange(open_since.pop(code), m.end(), code))
        self.off_ranges += [OffRange(start, len(text), code) for code, start in open_since.items()]

"""In-draft suppressions: ``[reportkit: ignore RK101]`` for a line, ``[reportkit: off]`` ... ``[reportkit: on]``.

A code that names no rule (``RK31``, ``RK-301``, a misspelt name) suppresses nothing and is
reported by RK001, so a typo can never silence a line.
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
    """A code in an ignore directive that names no rule, and where it is written."""

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


class Suppressions:
    """Where a draft silences rules: per-line ignores, [off, on) character ranges, unknown codes.

    :meth:`hides` remembers which line ignores silenced something, so :meth:`unused` can tell the
    ones that silenced nothing (ruff's unused ``noqa``)."""

    def __init__(self, text: str) -> None:
        self.per_line: dict[int, set[str] | None] = {}  # line -> codes, or None for every rule
        self.off_ranges: list[tuple[int, int]] = []
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
        return any(a <= start < b for a, b in self.off_ranges)

    def unused(self) -> list[LineIgnore]:
        """The line ignores that silenced nothing (so far: ask once every rule has run)."""
        return [i for i in self.line_ignores if (i.line, i.code) not in self._used]

    def _read(self, text: str) -> None:
        if SUPPRESS.search(text) is None:
            return  # most drafts hold no directive: no line table, no rule lookups
        position = Position(text)
        by_name = {r.name: r.code for r in rules().values()}
        known = set(rules())
        off_start: int | None = None
        for m in SUPPRESS.finditer(text):
            verb = m.group("verb").lower()
            if verb == "ignore":
                line = position.line_col(m.start())[0]
                found = list(re.finditer(r"[^\s,]+", m.group("codes")))
                words = [w.group(0) for w in found]
                codes = {w.upper() if w.upper() in known else by_name.get(w.lower(), "") for w in words}
                self.unknown += [UnknownCode(w.group(0), m.start("codes") + w.start(), m.start("codes") + w.end())
                                 for w in found if w.group(0).upper() not in known and w.group(0).lower() not in by_name]
                codes.discard("")
                if not words:
                    self.line_ignores.append(LineIgnore(line, None, m.start(), m.end()))
                for w in found:
                    code = w.group(0).upper() if w.group(0).upper() in known else by_name.get(w.group(0).lower())
                    if code:
                        start = m.start("codes") + w.start()
                        self.line_ignores.append(LineIgnore(line, code, start, start + len(w.group(0))))
                if not words or self.per_line.get(line, set()) is None:
                    self.per_line[line] = None
                else:
                    self.per_line[line] = (self.per_line.get(line) or set()) | codes
            elif verb == "off" and off_start is None:
                off_start = m.start()
            elif verb == "on" and off_start is not None:
                self.off_ranges.append((off_start, m.end()))
                off_start = None
        if off_start is not None:
            self.off_ranges.append((off_start, len(text)))

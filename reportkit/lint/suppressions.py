"""In-draft suppressions: ``[reportkit: ignore RK101]`` for a line, ``[reportkit: off]`` ... ``[reportkit: on]``."""

from __future__ import annotations

import re

from reportkit.lint.formats import Position

SUPPRESS = re.compile(r"\[reportkit:\s*(?P<verb>ignore|off|on)\b(?P<codes>[^\]]*)\]", re.IGNORECASE)


class Suppressions:
    """Where a draft silences rules: per-line ignores and [off, on) character ranges."""

    def __init__(self, text: str) -> None:
        self.per_line, self.off_ranges = _suppressions(text)

    def hides(self, code: str, line: int, start: int) -> bool:
        """Whether a diagnostic of ``code`` starting at ``start`` on ``line`` is suppressed."""
        ignored = self.per_line.get(line, set())
        return ignored is None or code in ignored or any(a <= start < b for a, b in self.off_ranges)


def _suppressions(text: str) -> tuple[dict[int, set[str] | None], list[tuple[int, int]]]:
    """Per-line ignores ({line: codes or None for all}) and [off, on) character ranges."""
    position = Position(text)
    per_line: dict[int, set[str] | None] = {}
    off_ranges: list[tuple[int, int]] = []
    off_start: int | None = None
    for m in SUPPRESS.finditer(text):
        verb = m.group("verb").lower()
        if verb == "ignore":
            line = position.line_col(m.start())[0]
            codes = {c.upper() for c in re.findall(r"RK\d{3}", m.group("codes"), re.IGNORECASE)}
            per_line[line] = None if not codes or per_line.get(line, set()) is None else (per_line.get(line) or set()) | codes
        elif verb == "off" and off_start is None:
            off_start = m.start()
        elif verb == "on" and off_start is not None:
            off_ranges.append((off_start, m.end()))
            off_start = None
    if off_start is not None:
        off_ranges.append((off_start, len(text)))
    return per_line, off_ranges

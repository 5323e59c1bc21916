"""A whole-line regex's alternatives, searched first: a report where none matches has no such line.

The citation-line regex (``^.*(?:X).*$``) backtracks through every line of a report; its alternatives alone are
a cheap first test (``reportkit_gates``).
"""

import re
from itertools import pairwise


def line_alternatives(line: re.Pattern[str] | None) -> list[re.Pattern[str]] | None:
    """For a whole-line regex ``^.*(?:X).*$``, X's top-level alternatives: a report where none matches has no
    such line. The line form backtracks through every line; its alternatives alone are a cheap first test.
    None when not of that form."""
    if line is None or not (line.pattern.startswith("^.*") and line.pattern.endswith(".*$")):
        return None
    return [re.compile(branch, line.flags) for branch in top_level_alternatives(line.pattern[3:-3])]


def top_level_alternatives(source: str) -> list[str]:
    """The top-level alternatives of a regex's source, a group around the whole unwrapped: "(?:a|(b|c))" gives
    "a" and "(b|c)". Their union matches what the source matches."""
    cuts, depth, in_class, escaped, whole_group = [], 0, False, False, source.startswith("(?:")
    for i, char in enumerate(source):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]" or source[i - 1] == "[" or source[i - 2:i] == "[^"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            whole_group = whole_group and (depth > 0 or i == len(source) - 1)
        elif char == "|" and depth == 0:
            cuts.append(i)
    if whole_group and not cuts:
        return top_level_alternatives(source[3:-1])
    bounds = [-1, *cuts, len(source)]
    return [source[a + 1:b] for a, b in pairwise(bounds)]

"""Small helpers shared by the rule families."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from reportkit.lint.registry import Edit, Fix, LintContext

if TYPE_CHECKING:  # annotations only: listing rules must not load the lexicon models
    from reportkit.models import Finding


def positive(f: Finding) -> bool:
    """Whether the finding is asserted: neither negated nor hypothetical."""
    return not f.negated and not f.hypothetical


def replace(ctx: LintContext, start: int, end: int, replacement: str, safe: bool) -> Fix:
    """A fix replacing the draft's characters [start, end) with ``replacement``."""
    return Fix(f"replace '{ctx.text[start:end]}' with '{replacement}'", (Edit(start, end, replacement),), safe)


def match_case(original: str, replacement: str) -> str:
    """Carry the original's case: SHOUTED stays shouted, Capitalised stays capitalised.
    A short all-caps original is an acronym ("HADD"), not shouting."""
    if original.isupper() and len(original) > 5:
        return replacement.upper()
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement.lower()


def first_match_in_findings(findings: list[Finding], finding_sections: Iterable[str],
                            match: Callable[[Finding, Finding], bool]) -> Iterator[tuple[Finding, Finding]]:
    """For each impression finding, the first finding of the findings sections that ``match``es it."""
    body = [f for f in findings if f.section in finding_sections]
    for imp in (f for f in findings if f.section == "impression"):
        hit = next((f for f in body if match(imp, f)), None)
        if hit is not None:
            yield imp, hit

"""RK7xx: recommendations: work-up the article calls for that the draft does not mention."""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.lint.registry import LintContext, Precondition, Violation, rule
from reportkit.text import find_words
from reportkit.triggers import RECOMMENDATIONS


@rule("RK701", "recommendation-omitted", "info", reads=RECOMMENDATIONS,
      when=Precondition(recommendations="all"))
def recommendation_omitted(ctx: LintContext) -> Iterator[Violation]:
    """A follow-up the article calls for is not mentioned in the draft.

    What it checks:
        Recommendations from lexicons/followup.yaml that fire for this report (CPPD work-up,
        calcinosis laboratory tests, Doppler for a venous malformation, follow-up of early
        myositis ossificans ...) when none of the rule's `satisfied_by` words is in the draft.
        Radiograph correlation has its own rule (RK101), and locating an ambiguous deposit RK302's.

    Why it matters:
        The article ties each finding to a short, specific work-up (Freire 2018); naming it in
        the report avoids unnecessary investigations and missed ones.

    Example:
        FINDINGS: Subcutaneous calcinosis of the fingertips. HISTORY: Scleroderma.

    Use instead:
        Add: "Consider serum calcium, phosphate and an antibody screen."

    Fix safety:
        No fix: recommendations are the radiologist's to make; this is a suggestion.
    """
    by_id = {r.id: r for r in ctx.lexicon.followup.rules}
    for rec in ctx.report.recommendations:
        words = by_id[rec.id].satisfied_by
        vocabulary = ctx.lexicon.lint
        if (rec.id in vocabulary.radiograph_rules or rec.id in vocabulary.location_rules or not words
                or find_words(words, ctx.text)):
            continue
        anchor = rec.evidence[0] if rec.evidence else None
        start, end = (anchor.start, anchor.end) if anchor else (0, 0)
        yield Violation(start, end, f"consider adding: {rec.text}")

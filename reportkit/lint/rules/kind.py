"""RK4xx: step 1 of the article: calcification or ossification, as written versus as described."""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.lint.registry import LintContext, Violation, rule
from reportkit.lint.rules.helpers import match_case, positive, replace


def _kind_mismatch(ctx: LintContext, stated: str, assessed: str) -> Iterator[Violation]:
    """Findings written as ``stated`` whose own cues say ``assessed``; the fix swaps the word."""
    words = ctx.lexicon.lint.kind_words
    swaps = words if stated == "calcification" else {v: k for k, v in words.items()}
    for a in ctx.report.assessments:  # one per deposit, on its first mention
        f = ctx.result.findings[a.finding]
        if not (positive(f) and a.kind.stated == stated and a.kind.kind == assessed):
            continue
        cues = ", ".join(ev.text for ev in a.kind.evidence)
        word = f.text.lower()
        fix = replace(ctx, f.start, f.end, match_case(f.text, swaps[word]), safe=False) if word in swaps else None
        yield Violation(f.start, f.end, f"'{f.text}' is described with {assessed} cues ({cues})", fix)


@rule("RK401", "ossification-called-calcification", "warning")
def ossification_called_calcification(ctx: LintContext) -> Iterator[Violation]:
    """Ossification cues (cortex, trabeculae, fatty marrow, zonal pattern) in a "calcification".

    What it checks:
        A finding written as a calcification whose own description carries the article's
        ossification cues.

    Why it matters:
        The first step of the article is to tell calcification from ossification: a cortical
        and trabecular pattern, fatty marrow or a zonal distribution means bone, which changes
        the differential (Freire 2018, First step; Table 1).

    Example:
        FINDINGS: Calcification in the adductor muscles with cortical and trabecular pattern.

    Use instead:
        FINDINGS: Ossification in the adductor muscles with cortical and trabecular pattern.

    Fix safety:
        Unsafe: the fix changes the kind of finding reported.
    """
    return _kind_mismatch(ctx, "calcification", "ossification")


@rule("RK402", "calcification-called-ossification", "warning")
def calcification_called_ossification(ctx: LintContext) -> Iterator[Violation]:
    """Calcification cues (amorphous, cloudlike, linear) in an "ossification".

    What it checks:
        A finding written as an ossification whose own description carries only the
        article's calcification cues.

    Why it matters:
        Amorphous, cloudlike or linear deposits without bone organisation are calcifications
        (HADD, CPPD), and the differential differs (Freire 2018, First step; Table 1).

    Example:
        FINDINGS: Amorphous cloudlike ossification in the supraspinatus tendon.

    Use instead:
        FINDINGS: Amorphous cloudlike calcification in the supraspinatus tendon.

    Fix safety:
        Unsafe: the fix changes the kind of finding reported.
    """
    return _kind_mismatch(ctx, "ossification", "calcification")

"""RK4xx: step 1 of the article: calcification or ossification, as written versus as described."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reportkit.lint.registry import MSK_AFFIRMED, Fix, LintContext, Violation, rule
from reportkit.lint.rules.helpers import match_case, positive, replace
from reportkit.triggers import MENTIONS


def _kind_mismatch(ctx: LintContext, stated: str, assessed: str) -> Iterator[Violation]:
    """Findings written as ``stated`` whose own cues say ``assessed``; the fix swaps the word."""
    words = ctx.lexicon.lint.kind_words
    swaps = words if stated == "calcification" else {v: k for k, v in words.items()}
    for a in ctx.report.assessments:  # one per deposit, on its first mention
        f = ctx.result.findings[a.finding]
        deposit = ctx.result.deposits[a.deposit] if a.deposit is not None and ctx.result.deposits else f
        if not (positive(f) and MSK_AFFIRMED.holds(deposit) and a.kind.agrees is False
                and a.kind.stated == stated and a.kind.kind == assessed):
            continue
        cues = ", ".join(ev.text for ev in a.kind.evidence)
        word = f.text.lower()
        fix = _swap(ctx, f.start, f.end, match_case(f.text, swaps[word])) if word in swaps else None
        yield Violation(f.start, f.end, f"'{f.text}' is described with {assessed} cues ({cues})", fix)


def _swap(ctx: LintContext, start: int, end: int, word: str) -> Fix:
    """An unsafe fix writing ``word`` for [start, end), with a preceding "a"/"an" made to agree with it."""
    article = re.search(r"(?<![\w-])(an?)(\s+)$", ctx.text[max(0, start - 40) : start], re.IGNORECASE)
    wanted = "an" if word[:1].lower() in "aeiou" else "a"
    if article is None or article.group(1).lower() == wanted:
        return replace(ctx, start, end, word, safe=False)
    written = article.group(1)
    agreed = wanted.upper() if written.isupper() and len(written) > 1 else (
        wanted.capitalize() if written[:1].isupper() else wanted)
    article_start = start - len(article.group(0))
    return replace(ctx, article_start, end, f"{agreed}{article.group(2)}{word}", safe=False)


@rule("RK401", "ossification-called-calcification", "warning", reads=MENTIONS, when=MSK_AFFIRMED)
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


@rule("RK402", "calcification-called-ossification", "warning", reads=MENTIONS, when=MSK_AFFIRMED)
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

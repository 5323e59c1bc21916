"""RK1xx: follow-up the article ties to an imaging finding (radiograph correlation by modality)."""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.lint.registry import LintContext, Precondition, Violation, rule
from reportkit.triggers import RECOMMENDATIONS


@rule("RK101", "missing-radiograph-correlation", "warning", reads=RECOMMENDATIONS,
      when=Precondition(recommendations="radiograph_rules"))
def missing_radiograph_correlation(ctx: LintContext) -> Iterator[Violation]:
    """A calcification on MRI, or on ultrasound with acoustic shadowing, with no radiograph in the report.

    What it checks:
        A calcification (or a low-signal focus or "tear" on MRI that the article warns may be
        one) described on MRI, or a calcification or ossification on ultrasound whose acoustic
        shadowing (affirmed, not "without shadowing") leaves its kind unsettled, when the
        report names no radiograph anywhere: exam, technique, comparison or body. CT never
        triggers it: CT is more sensitive than radiography for calcification.

    Why it matters:
        MRI can overlook calcifications or mimic a tear with them; the article teaches that a
        musculoskeletal MRI must always be correlated with radiographs, whose appearance drives
        the differential. Shadowing on ultrasound prevents telling calcification from
        ossification (Freire 2018, Teaching points; Density).

    Example:
        EXAM: MRI RIGHT SHOULDER. FINDINGS: Calcification in the supraspinatus tendon.

    Use instead:
        Add the comparison radiograph, or recommend one: "Correlation with radiographs is
        suggested."

    Fix safety:
        No fix: whether radiographs exist is outside the text.
    """
    for rec in ctx.report.recommendations:
        if rec.id in ctx.lexicon.lint.radiograph_rules and rec.evidence:
            first = rec.evidence[0]
            yield Violation(first.start, first.end, "finding on MRI or ultrasound without radiograph correlation: "
                                                    "consider correlating with radiographs")

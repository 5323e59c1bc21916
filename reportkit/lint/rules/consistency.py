"""RK6xx: consistency between the findings and the impression."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from reportkit.lint.registry import LintContext, Violation, rule
from reportkit.lint.rules.helpers import first_match_in_findings, positive

if TYPE_CHECKING:  # annotations only: listing rules must not load the lexicon models
    from reportkit.models import Finding


@rule("RK601", "findings-impression-disagreement", "warning")
def findings_impression_disagreement(ctx: LintContext) -> Iterator[Violation]:
    """A finding negated in the findings but asserted in the impression, or the reverse.

    What it checks:
        The same diagnosis (or concept) stated as absent in one section and present in the
        other.

    Why it matters:
        The impression is what clinicians act on; a contradiction with the findings makes the
        report unreliable.

    Example:
        FINDINGS: No chondrocalcinosis. IMPRESSION: Chondrocalcinosis.

    Use instead:
        Make both sections say the same thing.

    Fix safety:
        No fix: only the radiologist knows which statement is right.
    """
    def same_finding(imp: Finding, f: Finding) -> bool:
        named = f.diagnosis is not None and f.diagnosis == imp.diagnosis and f.diagnosis not in ctx.lexicon.lint.broad_diagnoses
        specific = f.concept == imp.concept and ctx.lexicon.concept(f.concept).role != "generic"
        return (named or specific) and f.negated != imp.negated

    for imp, f in first_match_in_findings(ctx.result.findings, ctx.lexicon.lint.finding_sections, same_finding):
        state = "absent" if f.negated else "present"
        yield Violation(imp.start, imp.end, f"'{imp.text}' is {'absent' if imp.negated else 'present'} in the "
                        f"impression but {state} in the findings ('{f.text}')")


@rule("RK602", "finding-missing-from-impression", "info")
def finding_missing_from_impression(ctx: LintContext) -> Iterator[Violation]:
    """A finding that calls for a recommendation is not carried into the impression.

    What it checks:
        A positive finding in the findings section that triggers a follow-up recommendation,
        when the impression names no finding with the same diagnosis.

    Why it matters:
        Findings that change management belong in the impression, which is often all that is
        read.

    Example:
        FINDINGS: Multiloculated periarticular calcified mass. IMPRESSION: No fracture.

    Use instead:
        IMPRESSION: Periarticular calcified mass, consider tumoral calcinosis.

    Fix safety:
        No fix: the wording of the impression is the radiologist's.
    """
    if not any(s.category == "impression" for s in ctx.result.sections):
        return
    impression = {f.diagnosis for f in ctx.result.findings if f.section == "impression" and positive(f)}
    driving = {i for rec in ctx.report.recommendations for i in rec.findings}
    finding_sections = ctx.lexicon.lint.finding_sections
    for i, f in enumerate(ctx.result.findings):
        if i in driving and f.section in finding_sections and positive(f) and f.diagnosis not in impression:
            yield Violation(f.start, f.end, f"'{f.text}' leads to a recommendation but is not in the impression")

"""RK6xx: consistency between the findings and the impression."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from reportkit.lint.registry import LintContext, Precondition, Violation, rule
from reportkit.lint.rules.helpers import first_match_in_findings, positive
from reportkit.triggers import MENTIONS

if TYPE_CHECKING:  # annotations only: listing rules must not load the lexicon models
    from reportkit.models import Finding


@rule("RK601", "findings-impression-disagreement", "warning", reads=MENTIONS,
      when=Precondition(affirmed=False))  # a statement about the report itself: any body system
def findings_impression_disagreement(ctx: LintContext) -> Iterator[Violation]:
    """A finding negated in the findings but asserted in the impression, or the reverse.

    What it checks:
        The same diagnosis (or concept) stated as absent in one section and present in the
        other; an impression mention that restates a deposit of the findings is not compared.

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

    findings = ctx.result.findings
    finding_sections = ctx.lexicon.lint.finding_sections
    # an impression mention that restates a deposit of the findings agrees with them: only the others are compared
    restating = {i for d in ctx.result.deposits if any(findings[m].section in finding_sections for m in d.findings)
                 for i in d.findings}
    own = [f for i, f in enumerate(findings) if f.section != "impression" or i not in restating]
    for imp, f in first_match_in_findings(own, finding_sections, same_finding):
        state = "absent" if f.negated else "present"
        yield Violation(imp.start, imp.end, f"'{imp.text}' is {'absent' if imp.negated else 'present'} in the "
                        f"impression but {state} in the findings ('{f.text}')")


@rule("RK602", "finding-missing-from-impression", "info", reads=MENTIONS,
      when=Precondition(recommendations="all"))
def finding_missing_from_impression(ctx: LintContext) -> Iterator[Violation]:
    """A finding that calls for a recommendation is not carried into the impression.

    What it checks:
        A positive deposit described in the findings section that triggers a follow-up
        recommendation, when the impression neither restates it nor names the same diagnosis.

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
    findings = ctx.result.findings
    impression = {f.diagnosis for f in findings if f.section == "impression" and positive(f)}
    driving = {i for rec in ctx.report.recommendations for i in rec.findings}
    finding_sections = ctx.lexicon.lint.finding_sections
    for deposit in ctx.result.deposits:
        if driving.isdisjoint(deposit.findings) or any(findings[i].section == "impression" for i in deposit.findings):
            continue  # no recommendation, or the impression restates this very deposit
        f = findings[deposit.findings[0]]
        if f.section in finding_sections and positive(f) and deposit.diagnosis not in impression:
            yield Violation(f.start, f.end, f"'{f.text}' leads to a recommendation but is not in the impression")

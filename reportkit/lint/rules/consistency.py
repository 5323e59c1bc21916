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
        other, in a radiology report with both a findings and an impression section (the
        examination and assessment of a clinical or operative note are not compared). An
        impression mention that restates a deposit of the findings, or that the findings also
        state the same way ("foreign body in the palm; no other foreign body"), is not compared.

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
    vocabulary = ctx.lexicon.lint
    categories = {s.category for s in ctx.result.sections}
    if "impression" not in categories or categories.isdisjoint(vocabulary.finding_sections) or ctx.clinical_note:
        return

    def same_finding(imp: Finding, f: Finding) -> bool:
        named = f.diagnosis is not None and f.diagnosis == imp.diagnosis and f.diagnosis not in vocabulary.broad_diagnoses
        specific = f.concept == imp.concept and ctx.lexicon.concept(f.concept).role != "generic"
        return named or specific

    def same_kind_of_finding(imp: Finding, f: Finding) -> bool:
        """Loosely the same: enough to show the findings describe what the impression states."""
        return (f.diagnosis is not None and f.diagnosis == imp.diagnosis) or f.concept == imp.concept

    findings = ctx.result.findings
    finding_sections = vocabulary.finding_sections
    body = [f for f in findings if f.section in finding_sections]
    # an impression mention that restates a deposit of the findings agrees with them: only the others are compared
    restating = {i for d in ctx.result.deposits if any(findings[m].section in finding_sections for m in d.findings)
                 for i in d.findings}
    # ... and so does one the findings also state the same way (a "no other ..." negates another deposit)
    stated_alike = {i for i, imp in enumerate(findings) if imp.section == "impression"
                    and any(f.negated == imp.negated and same_kind_of_finding(imp, f) for f in body)}
    own = [f for i, f in enumerate(findings) if f.section != "impression" or i not in restating | stated_alike]
    for imp, f in first_match_in_findings(own, finding_sections,
                                          lambda imp, f: same_finding(imp, f) and f.negated != imp.negated):
        state = "absent" if f.negated else "present"
        yield Violation(imp.start, imp.end, f"'{imp.text}' is {'absent' if imp.negated else 'present'} in the "
                        f"impression but {state} in the findings ('{f.text}')")


RK602_WHEN = Precondition(recommendations="work_up")


@rule("RK602", "finding-missing-from-impression", "info", reads=MENTIONS, when=RK602_WHEN)
def finding_missing_from_impression(ctx: LintContext) -> Iterator[Violation]:
    """A finding that calls for a recommendation is not carried into the impression.

    What it checks:
        A positive deposit described in the findings section that triggers a work-up (a follow-up
        recommendation of purpose work_up: a further study, test or treatment), when the impression
        neither restates it nor names the same diagnosis. A reminder of what to describe, or a
        caution, changes no management and asks nothing of the impression.
        Not in a clinical or operative note (lint.yaml clinical_note_titles), whose assessment
        is no radiology impression.

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
    if not any(s.category == "impression" for s in ctx.result.sections) or ctx.clinical_note:
        return  # a clinical note's assessment is no radiology impression
    findings = ctx.result.findings
    impression = {f.diagnosis for f in findings if f.section == "impression" and positive(f)}
    work_up = RK602_WHEN.followup_ids(ctx.lexicon)
    driving = {i for rec in ctx.report.recommendations if work_up is None or rec.id in work_up for i in rec.findings}
    finding_sections = ctx.lexicon.lint.finding_sections
    for deposit in ctx.result.deposits:
        if driving.isdisjoint(deposit.findings) or any(findings[i].section == "impression" for i in deposit.findings):
            continue  # no recommendation, or the impression restates this very deposit
        f = findings[deposit.findings[0]]
        if f.section in finding_sections and positive(f) and deposit.diagnosis not in impression:
            yield Violation(f.start, f.end, f"'{f.text}' leads to a recommendation but is not in the impression")

"""RK3xx: completeness: what the article asks every description of a finding to give."""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.description import HaddDescription
from reportkit.lint.registry import MSK_AFFIRMED, LintContext, Violation, rule
from reportkit.lint.rules.helpers import positive
from reportkit.triggers import MENTIONS

APPEARANCE = "appearance (well-defined or ill-defined)"


@rule("RK301", "incomplete-hadd-description", "warning", reads=MENTIONS, when=MSK_AFFIRMED,
      restates=("hadd_description",))
def incomplete_hadd_description(ctx: LintContext) -> Iterator[Violation]:
    """A calcific tendinopathy (HADD) described without its tendon, size or appearance.

    What it checks:
        A positive HADD deposit described in the findings section whose mentions, taken
        together (restatements and "the deposit ..." sentences included), name no tendon of
        lexicons/anatomy.yaml, give no size, or say nothing of its appearance in the article's
        words (well- or ill-defined, dense, amorphous, oval, cloudlike, comet tail, or its phase).
        A deposit placed elsewhere (a disc's nucleus) is not the article's tendon deposit. A hedged
        deposit ("possible faint calcification"), one of the history, or one found at operation or
        by examination, not on imaging, has no image to describe; a clinical, operative or referral
        note is not the report of the study.

    Why it matters:
        The article asks the radiologist to always describe HADD with the tendon involved, the
        size and the appearance (ill-defined deposits are more often symptomatic) for
        comparison with follow-up studies (Freire 2018, Calcific tendinopathy).

    Example:
        FINDINGS: Calcific tendinitis of the shoulder.

    Use instead:
        FINDINGS: Ill-defined 12 mm calcific deposit in the supraspinatus tendon (calcific
        tendinitis).

    Fix safety:
        No fix: the missing facts must come from the images.
    """
    vocabulary = ctx.lexicon.lint
    findings = ctx.result.findings
    if ctx.clinical_note:
        return
    description: HaddDescription | None = None  # made for the first HADD deposit: most reports have none
    for deposit in ctx.result.deposits:  # every mention of the deposit counts ("The deposit is ill-defined.")
        described = [findings[i] for i in deposit.findings if findings[i].section in vocabulary.finding_sections]
        if (deposit.diagnosis != vocabulary.hadd_diagnosis or not described or not positive(described[0])
                or described[0].historical or deposit.uncertain or not MSK_AFFIRMED.holds(deposit)
                or not ctx.report.imaged(deposit.findings[0])):
            continue  # a hedged deposit, one of the history, or one found at operation or by examination
        description = description or HaddDescription(ctx.lexicon)
        if deposit.location_category not in description.locations:
            continue  # a disc's hydroxyapatite is not the article's tendon deposit
        # the impression may name the tendon the findings place
        sites = [deposit.site, *(findings[i].site for i in deposit.findings)]
        missing = description.missing(sites, deposit.size_mm, deposit.descriptors)
        if missing:
            f = described[0]
            words = [APPEARANCE if part == "appearance" else part for part in missing]
            yield Violation(f.start, f.end, f"calcific tendinopathy described without {', '.join(words)}")


@rule("RK302", "calcification-without-location", "warning", reads=MENTIONS, when=MSK_AFFIRMED,
      restates=("locate_by_shape_or_oblique_views",))
def calcification_without_location(ctx: LintContext) -> Iterator[Violation]:
    """A calcification or ossification whose location is missing or ambiguous.

    What it checks:
        A positive calcification or ossification with no location category: no site at all,
        or only a body region ("in the shoulder") that could be tendon, joint or soft tissue;
        on imaging (not one of the history, nor one found at operation or by examination), and no
        restatement of the same deposit locates it; in the report of the study, not a clinical,
        operative or referral note.

    Why it matters:
        Location is the article's second step: each location (tendon, articular, other soft
        tissue) has its own short differential (Freire 2018, Table 1). The article locates a
        deposit by its shape, when it follows that of the structure involved, or more routinely
        with multiple oblique views around the joint; CT can help but is most often not needed
        (Freire 2018, Second step: what is the exact location?).

    Example:
        FINDINGS: Calcification in the shoulder.

    Use instead:
        FINDINGS: Calcification in the supraspinatus tendon.

    Fix safety:
        No fix: the location must come from the images (its shape, oblique views or CT).
    """
    # a mention whose deposit another mention locates ("IMPRESSION: calcific tendinitis of the supraspinatus") is
    # located
    if ctx.clinical_note:
        return
    located = {i for d in ctx.result.deposits if d.location_category is not None for i in d.findings}
    for i, f in enumerate(ctx.result.findings):
        if (f.kind == "foreign_body" or not MSK_AFFIRMED.holds(f) or f.historical or f.location_category is not None
                or i in located or not ctx.report.imaged(i)):
            continue  # the history's, located by a restatement, or at operation or by examination (not on an image)
        if f.site:
            message = f"location of '{f.text}' is ambiguous: '{f.site}' could be tendon, joint or soft tissue"
        else:
            message = f"'{f.text}' has no stated location (tendon, joint, soft tissue or vessel)"
        yield Violation(f.start, f.end, f"{message}: {ctx.lexicon.lint.location_advice}")

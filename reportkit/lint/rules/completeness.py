"""RK3xx: completeness: what the article asks every description of a finding to give."""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.description import HaddDescription
from reportkit.lint.registry import MSK_AFFIRMED, LintContext, Precondition, Violation, rule
from reportkit.lint.rules.helpers import positive
from reportkit.triggers import MENTIONS, RECOMMENDATIONS

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
        note is not the report of the study. A deposit placed at a tendon only by a site another
        sentence names ("Pellegrini-Stieda ossification at the MCL origin. Popliteal a.
        calcification.") is labelled HADD from that guess, and is not reported. Nor is the
        calcium of a tendon deposit migrated to the bursa beside it ("a crescent of calcific
        density in the subacromial bursa"): the tendon deposit's description is the one asked for.

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
    # each HADD deposit's places (the impression may name the tendon the findings place) and side
    placed = {index: ([deposit.site, *(findings[i].site for i in deposit.findings)], deposit.laterality)
              for index, deposit in enumerate(ctx.result.deposits)
              if deposit.diagnosis == vocabulary.hadd_diagnosis and not deposit.negated}
    for index, deposit in enumerate(ctx.result.deposits):  # every mention counts ("The deposit is ill-defined.")
        described = [findings[i] for i in deposit.findings if findings[i].section in vocabulary.finding_sections]
        if (deposit.diagnosis != vocabulary.hadd_diagnosis or not described or not positive(described[0])
                or described[0].historical or deposit.uncertain or not MSK_AFFIRMED.holds(deposit)
                or not ctx.report.imaged(deposit.findings[0]) or not ctx.report.row_settled(index)):
            continue  # a hedged deposit, one of the history, one found at operation or by examination, or one a
            # tendon only another sentence names (a label guessed from that place)
        description = description or HaddDescription(ctx.lexicon)
        if deposit.location_category not in description.locations:
            continue  # a disc's hydroxyapatite is not the article's tendon deposit
        sites, side = placed[index]
        if description.migrated(sites, side, [place for other, place in placed.items() if other != index]):
            continue  # the calcium of a tendon deposit the report describes, migrated to the bursa beside it
        # another mention of a HADD deposit at the same tendon on its side describes it too, as the follow-up
        # counts ("an echogenic ovoid deposit measuring 14 x 6 mm ..., in keeping with a hard calcific deposit")
        same = [other for i, other in enumerate(ctx.result.deposits) if i != index and i in placed
                and other.site and deposit.site and other.site.lower() == deposit.site.lower()
                and other.laterality in (None, deposit.laterality)]
        size = next((d.size_mm for d in [deposit, *same] if d.size_mm is not None), None)
        descriptors = {*deposit.descriptors, *(d for other in same for d in other.descriptors)}
        missing = description.missing(sites, size, descriptors)
        if missing:
            f = described[0]
            words = [APPEARANCE if part == "appearance" else part for part in missing]
            yield Violation(f.start, f.end, f"calcific tendinopathy described without {', '.join(words)}")


@rule("RK302", "calcification-without-location", "warning", reads=RECOMMENDATIONS,
      when=Precondition(recommendations="location_rules"))
def calcification_without_location(ctx: LintContext) -> Iterator[Violation]:
    """A calcification or ossification on a radiograph placed only in a body region.

    What it checks:
        Each deposit for which lexicons/followup.yaml recommends locating it by its shape or with
        oblique views (lint.yaml `location_rules`): a positive calcification or ossification of
        musculoskeletal soft tissue, on a radiograph, whose only place is a body region ("in the
        shoulder") or a structure it is projected over, which could be tendon, joint or soft tissue,
        and that no restatement locates. The recommendation's conditions are the rule's: a deposit
        with no place at all, of the history, found at operation or by examination, or in a
        clinical, operative or referral note gets none.

    Why it matters:
        Location is the article's second step: each location (tendon, articular, other soft
        tissue) has its own short differential (Freire 2018, Table 1). The article locates a
        deposit by its shape, when it follows that of the structure involved, or more routinely
        with multiple oblique views around the joint; CT can help but is most often not needed
        (Freire 2018, Second step: what is the exact location?).

    Example:
        EXAM: Radiographs of the right shoulder. FINDINGS: Calcification in the shoulder.

    Use instead:
        FINDINGS: Calcification in the supraspinatus tendon.

    Fix safety:
        No fix: the location must come from the images (its shape, oblique views or CT).
    """
    findings = ctx.result.findings
    for rec in ctx.report.recommendations:
        if rec.id not in ctx.lexicon.lint.location_rules:
            continue
        for i in rec.findings:
            f = findings[i]
            yield Violation(f.start, f.end, f"location of '{f.text}' is ambiguous: '{f.site}' could be tendon, joint "
                                            f"or soft tissue: {ctx.lexicon.lint.location_advice}")

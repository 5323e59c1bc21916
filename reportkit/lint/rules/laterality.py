"""RK5xx: laterality: the side of a finding against the exam and the other sections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from reportkit.lint.registry import LintContext, Precondition, Violation, rule
from reportkit.lint.rules.helpers import first_match_in_findings, positive
from reportkit.text import find_words
from reportkit.triggers import MENTIONS

if TYPE_CHECKING:  # annotations only: listing rules must not load the lexicon models
    from reportkit.models import Finding


def _sides_in(ctx: LintContext, text: str) -> set[str]:
    return {side for side, words in ctx.lexicon.anatomy.laterality.items() if find_words(words, text)}


@rule("RK501", "laterality-conflict", "error", reads=MENTIONS,
      when=Precondition(affirmed=False))  # a side contradicts itself in any body system
def laterality_conflict(ctx: LintContext) -> Iterator[Violation]:
    """The side of a finding contradicts the exam header, or findings and impression disagree.

    What it checks:
        A finding of the findings or impression whose own sentence states left (or right) when
        the exam line of a radiology report (not a clinical note's procedure or examination line)
        states only the other side and no midline region that shows both ("CT PELVIS AND RIGHT
        HIP") (a history's other side is no conflict); or the
        same finding stated on opposite sides in the findings and the impression: a label no
        broader than lint.yaml's `broad_diagnoses`, and no finding of that label on the
        impression's side, on both sides or on a side not read, and an impression sentence that
        names one side only.

    Why it matters:
        Wrong-side reporting is a never-event; a side conflict must be resolved before
        signing.

    Example:
        EXAM: RIGHT SHOULDER RADIOGRAPH. FINDINGS: Calcific tendinitis of the left
        supraspinatus tendon.

    Use instead:
        EXAM: RIGHT SHOULDER RADIOGRAPH. FINDINGS: Calcific tendinitis of the right
        supraspinatus tendon.

    Fix safety:
        No fix: only the radiologist knows which side is right.
    """
    explicit = [f for f in ctx.result.findings if positive(f) and f.laterality in ("left", "right")
                and f.laterality_source in ("mention", "clause") and f.section != "exam"]
    if not explicit:
        return  # no finding states its own side: nothing to hold against the exam or the other section
    vocabulary = ctx.lexicon.lint
    exam_sides: set[str] = set()
    # a clinical note's procedure or examination line is no imaging exam's title ("wound explored, left open")
    midline = tuple(term for site in ctx.lexicon.anatomy.sites if site.midline for term in site.terms)
    both_sides = False  # an exam that also covers a midline region ("CT PELVIS AND RIGHT HIP") shows both sides
    for _, text in [] if ctx.clinical_note else ctx.section_text("exam"):
        title = text.splitlines()[0] if text else ""
        exam_sides |= _sides_in(ctx, title)
        both_sides |= find_words(midline, title) is not None
    if len(exam_sides) == 1 and exam_sides <= {"left", "right"} and not both_sides:
        (side,) = exam_sides
        # what the exam showed: a history's other side ("excision from the left elbow in 2018") is no conflict
        described = {*vocabulary.finding_sections, "impression"}
        for f in explicit:
            if f.laterality != side and f.section in described and not f.historical:
                ev = next((e for e in f.evidence if e.role == "laterality"), None)
                start, end = (ev.start, ev.end) if ev else (f.start, f.end)
                yield Violation(start, end, f"'{f.text}' is on the {f.laterality} but the exam is of the {side} side")

    def other_side(imp: Finding, f: Finding) -> bool:
        return f.diagnosis is not None and f.diagnosis == imp.diagnosis and f.laterality != imp.laterality

    def same_or_unknown_side(imp: Finding, f: Finding) -> bool:
        return f.diagnosis == imp.diagnosis and f.laterality in (imp.laterality, None, "bilateral")

    # a label as broad as "other" does not say two mentions are one finding, and an impression restating one of
    # two findings of a label (a left ureteric stone beside a right renal one) contradicts neither; nor does one
    # that may restate a finding whose side was not read ("left SFA occluded; densely calcified walls")
    positives = [f for f in ctx.result.findings if positive(f)]
    restated = {id(imp) for imp, _ in first_match_in_findings(positives, vocabulary.finding_sections,
                                                              same_or_unknown_side)}
    for imp, f in first_match_in_findings(explicit, vocabulary.finding_sections, other_side):
        if imp.diagnosis in vocabulary.broad_diagnoses or id(imp) in restated:
            continue
        if {"left", "right"} <= _sides_in(ctx, ctx.text[imp.sentence_start:imp.sentence_end]):
            continue  # an impression naming both sides ("left trochanteric region and right ischial region")
        yield Violation(imp.start, imp.end, f"impression says {imp.laterality} but findings say "
                        f"{f.laterality} for {imp.diagnosis.replace('_', ' ')}")

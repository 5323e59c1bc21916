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
        A finding whose own sentence states left (or right) when the exam line states only the
        other side; or the same finding stated on opposite sides in the findings and the
        impression.

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
    exam_sides: set[str] = set()
    for _, text in ctx.section_text("exam"):
        exam_sides |= _sides_in(ctx, text.splitlines()[0] if text else "")
    if len(exam_sides) == 1 and exam_sides <= {"left", "right"}:
        (side,) = exam_sides
        for f in explicit:
            if f.laterality != side:
                ev = next((e for e in f.evidence if e.role == "laterality"), None)
                start, end = (ev.start, ev.end) if ev else (f.start, f.end)
                yield Violation(start, end, f"'{f.text}' is on the {f.laterality} but the exam is of the {side} side")
    def other_side(imp: Finding, f: Finding) -> bool:
        return f.diagnosis is not None and f.diagnosis == imp.diagnosis and f.laterality != imp.laterality

    for imp, f in first_match_in_findings(explicit, ctx.lexicon.lint.finding_sections, other_side):
        yield Violation(imp.start, imp.end, f"impression says {imp.laterality} but findings say "
                        f"{f.laterality} for {imp.diagnosis.replace('_', ' ')}")

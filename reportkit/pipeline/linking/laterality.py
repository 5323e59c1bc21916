"""Laterality: the side words of a finding's own phrase, else its sentence, else the text before it."""

from reportkit.models import Evidence
from reportkit.pipeline.linking.context import FindingContext, cite
from reportkit.pipeline.linking.cues import Cue


def _pick(cues: list[Cue]) -> str | None:
    """One side from several: "bilateral" if named, None if left and right conflict."""
    values = {c.value for c in cues}
    if "bilateral" in values or {"left", "right"} <= values:
        return "bilateral" if "bilateral" in values else None
    return values.pop() if values else None


def laterality(ctx: FindingContext, window_before: int) -> tuple[str | None, str | None, list[Evidence]]:
    """The finding's side, where it came from ("mention", "sentence", "preceding_text") and its evidence."""
    doc, group, sent, sides = ctx.doc, ctx.group, ctx.sent, ctx.cues.sides

    def cite_side(cue: Cue, value: str | None) -> Evidence:
        return cite(doc[cue.start : cue.end], "laterality", value)

    own = [c for c in sides if group.start - window_before <= c.start < ctx.window_end and c.start >= sent.start]
    if own:
        value = _pick(own)
        return value, "mention", [cite_side(cue, value) for cue in own]
    in_sentence = [c for c in sides if sent.start <= c.start < sent.end]
    if in_sentence:
        bilateral = [c for c in in_sentence if c.value == "bilateral"]
        cue = bilateral[0] if bilateral else min(in_sentence, key=lambda c: abs(c.start - group.start))
        return cue.value, "sentence", [cite_side(cue, cue.value)]
    before = [c for c in sides if c.end <= group.start]
    if before:
        return before[-1].value, "preceding_text", [cite_side(before[-1], before[-1].value)]
    return None, None, []

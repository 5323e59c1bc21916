"""Attributes a finding takes from its sentence: descriptors, size and the imaging modality."""

import math
import re
from collections.abc import Iterator

from spacy.tokens import Span

from reportkit.lexicon import Lexicon, Linking
from reportkit.models import Evidence
from reportkit.pipeline.linking.context import FindingContext, Group, cite
from reportkit.text import section_at

NUMBER = r"\d+(?:\.\d+|,\d{1,2}(?!\d))?"


def nearest_group(position: int, sent: Span, groups: list[Group]) -> Group | None:
    """The group of ``sent`` whose start or end is nearest token ``position``."""
    candidates = [g for g in groups if sent.start <= g.start < sent.end]
    if not candidates:
        return None
    return min(candidates, key=lambda g: min(abs(position - g.start), abs(position - g.last_end)))


def descriptors(ctx: FindingContext) -> tuple[list[str], list[Evidence]]:
    """Descriptor ids in the sentence nearest this finding (not another), with their evidence."""
    found: list[str] = []
    evidence: list[Evidence] = []
    sent = ctx.sent
    for cue in ctx.cues.descriptors:
        if sent.start <= cue.start < sent.end and nearest_group(cue.start, sent, ctx.groups) is ctx.group:
            if cue.value not in found:
                found.append(cue.value)
            evidence.append(cite(ctx.doc[cue.start : cue.end], "descriptor", cue.value))
    return found, evidence


class SizeReader:
    """The first size in the finding's sentence that lies nearest this finding, in millimetres (linking.yaml units)."""

    def __init__(self, linking: Linking) -> None:
        self._units = linking.size_units
        # "1,5 cm" is a decimal comma; "1,500" (three digits) is left alone as a thousands group
        number = NUMBER
        joiners = "|".join(re.escape(j) for j in linking.size_joiners)
        units = "|".join(re.escape(u) for u in sorted(self._units, key=len, reverse=True))
        self._pattern = re.compile(
            rf"(?P<dims>{number}(?:\s*(?:{joiners})\s*{number}){{0,2}})\s*(?P<unit>{units})\b", re.IGNORECASE
        )

    def __call__(self, ctx: FindingContext) -> tuple[list[float], list[Evidence]]:
        sent = ctx.sent
        for dims, evidence in self.sizes(sent.text, sent.start_char):
            token = ctx.doc.char_span(evidence.start, evidence.start + 1, alignment_mode="expand")
            if token is None or nearest_group(token.start, sent, ctx.groups) is not ctx.group:
                continue
            return dims, [evidence]
        return [], []

    def sizes(self, text: str, offset: int = 0) -> Iterator[tuple[list[float], Evidence]]:
        """Every size in ``text`` (which starts at ``offset`` in the report): dimensions in mm and evidence."""
        for m in self._pattern.finditer(text):
            factor = self._units[m.group("unit").lower()]
            dims = [round(float(x.replace(",", ".")) * factor, 2) for x in re.findall(NUMBER, m.group("dims"))]
            if not all(math.isfinite(d) for d in dims):  # a 400-digit "size" is not a measurement
                continue
            value = " x ".join(f"{d:g}" for d in dims) + " mm"
            yield dims, Evidence(role="size", text=m.group(0), start=offset + m.start(), end=offset + m.end(),
                                 value=value)


class ModalityReader:
    """The modality named nearest the finding in its sentence, else the study's own modality."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._study_sections = {s.category for s in lexicon.sections.sections if s.study_modality}

    def __call__(self, ctx: FindingContext) -> tuple[str | None, list[Evidence]]:
        doc, mods, sent = ctx.doc, ctx.cues.modalities, ctx.sent
        in_sentence = [c for c in mods if sent.start <= c.start < sent.end]
        if in_sentence:
            cue = min(in_sentence, key=lambda c: abs(c.start - ctx.group.start))
        else:
            # the study's own modality: one named in a study section (exam, technique), else the only one named
            header = [c for c in mods if section_at(ctx.sections, doc[c.start].idx).category in self._study_sections]
            distinct = {c.value for c in mods}
            cue = header[0] if header else (mods[0] if len(distinct) == 1 else None)
        if cue is None:
            return None, []
        return cue.value, [cite(doc[cue.start : cue.end], "modality", cue.value)]

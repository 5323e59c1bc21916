"""Attributes a finding takes from its sentence: descriptors, size and the imaging modality."""

import math
import re
from collections.abc import Iterator

from reportkit.lexicon import Lexicon, Linking
from reportkit.models import Evidence
from reportkit.pipeline.linking.context import FindingContext, cite, span_text
from reportkit.pipeline.linking.cues import Cue
from reportkit.pipeline.linking.index import NearestGroup

NUMBER = r"\d+(?:\.\d+|,\d{1,2}(?!\d))?"
DIGIT = re.compile(r"\d")


def _nearest_in_sentence(ctx: FindingContext) -> NearestGroup:
    """The nearest-group finder over the groups starting in this finding's sentence, built once per sentence."""
    cache, sentence = ctx.index.caches.nearest_group, (ctx.sent.start, ctx.sent.end)
    if sentence not in cache:
        cache[sentence] = NearestGroup(ctx.index.groups_starting(*sentence))
    return cache[sentence]


def descriptors(ctx: FindingContext) -> tuple[list[str], list[Evidence]]:
    """Descriptor ids in the sentence nearest this finding (not another), with their evidence."""
    cache, sentence = ctx.index.caches.descriptors_by_group, (ctx.sent.start, ctx.sent.end)
    if sentence not in cache:  # each descriptor of the sentence goes to its nearest finding, once
        nearest = _nearest_in_sentence(ctx)
        by_group: dict[int, list[Cue]] = {}
        for cue in ctx.index.descriptors.starting(ctx.sent.start, ctx.sent.end):
            by_group.setdefault(id(nearest(cue.start)), []).append(cue)
        cache[sentence] = by_group
    found: list[str] = []
    evidence: list[Evidence] = []
    for cue in cache[sentence].get(id(ctx.group), []):
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
        # (?<!\d): a match starts where a number starts, so a huge run of digits is read once, not once per digit
        self._pattern = re.compile(
            rf"(?<!\d)(?P<dims>{number}(?:\s*(?:{joiners})\s*{number}){{0,2}})\s*(?P<unit>{units})\b", re.IGNORECASE
        )

    def __call__(self, ctx: FindingContext) -> tuple[list[float], list[Evidence]]:
        """The finding's size in millimetres and its evidence, else empty lists."""
        cache, sentence = ctx.index.caches.sizes_by_group, (ctx.sent.start, ctx.sent.end)
        if sentence not in cache:
            cache[sentence] = self._sentence_sizes(ctx)
        return cache[sentence].get(id(ctx.group), ([], []))

    def _sentence_sizes(self, ctx: FindingContext) -> dict[int, tuple[list[float], list[Evidence]]]:
        """For each group of the sentence (by id), the first size read in it that lies nearest that group."""
        sent, nearest = ctx.sent, _nearest_in_sentence(ctx)
        sizes: dict[int, tuple[list[float], list[Evidence]]] = {}
        for dims, evidence in self.sizes(span_text(sent), sent.start_char):
            token = ctx.doc.char_span(evidence.start, evidence.start + 1, alignment_mode="expand")
            group = nearest(token.start) if token is not None else None
            if group is None or id(group) in sizes:
                continue
            sizes[id(group)] = dims, [evidence]
        return sizes

    def sizes(self, text: str, offset: int = 0) -> Iterator[tuple[list[float], Evidence]]:
        """Every size in ``text`` (which starts at ``offset`` in the report): dimensions in mm and evidence."""
        first_digit = DIGIT.search(text)  # a size starts with a digit: most sentences hold none
        if first_digit is None:
            return
        for m in self._pattern.finditer(text, first_digit.start()):
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
        doc = ctx.doc
        cue = ctx.index.modalities.nearest(ctx.group.start, ctx.sent.start, ctx.sent.end)
        if cue is None:
            cue = self._study_modality(ctx)
        if cue is None:
            return None, []
        return cue.value, [cite(doc[cue.start : cue.end], "modality", cue.value)]

    def _study_modality(self, ctx: FindingContext) -> Cue | None:
        """The study's own modality: one named in a study section (exam, technique), else the only one named."""
        caches = ctx.index.caches
        if not caches.study_modality_read:
            mods, index = ctx.index.modalities.cues, ctx.index
            header = (c for c in mods if index.section_at(ctx.doc[c.start].idx).category in self._study_sections)
            distinct = {c.value for c in mods}
            caches.study_modality = next(header, None) or (mods[0] if len(distinct) == 1 else None)
            caches.study_modality_read = True
        return caches.study_modality

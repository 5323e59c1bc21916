"""Laterality: a side only with a basis: the finding's own phrase, its own clause, the exam title, or
the side the report gives the finding's body region.

The last two need the finding to lie in that region: its site belongs to the region (anatomy.yaml
`region`), or is found in every limb region (`in_every_region`: tendons, joints, bones, soft tissues)
and the report names one side only. Never a side from another clause for an unrelated structure,
and none for a midline structure (anatomy.yaml `midline`). Names that hold a side word but state no side ("left main",
"right coronary artery") are masked by :mod:`.cues` before this reads any side.
"""

from bisect import bisect_left

from spacy.language import Language
from spacy.tokens import Doc

from reportkit.lexicon import Lexicon
from reportkit.models import Evidence
from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.linking.context import FindingContext, cite
from reportkit.pipeline.linking.cues import Cue
from reportkit.pipeline.linking.index import DocIndex, ExamTitle, RegionMention, RegionSides, SortedCues
from reportkit.pipeline.linking.phrases import Clauses, Phrases


_PHRASE_ENDS = {".", ";", ",", ":", ")"}  # a side before one of these closes the phrase instead of naming a noun


def _pick(cues: list[Cue]) -> str | None:
    """One side from several: "bilateral" if named, None if left and right conflict."""
    values = {c.value for c in cues}
    if "bilateral" in values or {"left", "right"} <= values:
        return "bilateral" if "bilateral" in values else None
    return values.pop() if values else None


class SideReader:
    """Reads a finding's side and names its basis: "mention", "clause" or "exam"."""

    def __init__(self, nlp: Language, lexicon: Lexicon, clauses: Clauses) -> None:
        sites = lexicon.anatomy.sites
        self._midline = {s.id for s in sites if s.midline}
        self._region = {s.id: s.region for s in sites if s.region}
        self._everywhere = {s.id for s in sites if s.in_every_region}
        # "the lesion" is a region a site of every region (an artery, a bone) does not lie in
        self._lesion_regions = {s.region for s in sites if s.region and s.category == "lesion"}
        self._exam_locations = set(lexicon.linking.exam_side_locations)
        self._coordinators = Phrases(nlp, lexicon.linking.coordinators)
        self._sideless_sections = {s.category for s in lexicon.sections.sections if s.no_region_sides}
        self._clauses = clauses

    def region_sides(self, doc: Doc, index: DocIndex) -> RegionSides:
        """The exam title and every side word directly naming a limb-region site of the report."""
        named: list[RegionMention] = []
        sideless = [(s.start, s.end) for s in index.sections if s.category in self._sideless_sections]
        for site in index.sites.cues:
            if not self._regional(site) and site.value not in self._region:  # "pelvis" still ends "left hip"
                continue
            if any(start <= doc[site.start].idx < end for start, end in sideless):
                continue
            side = next(iter(index.sides.ending(site.start - self._clauses.before - 1, site.start)), None)
            if side is not None and (self._after_last_boundary(index.lower, side.end, site.start) != side.end
                                     or any(index.punct[side.end : site.start])):
                side = None  # "left, and the knee": the side names something else
            if side is None:  # "AP radiographs of the left hip show a lesion": the sentence's only side
                sentences = index.sentences
                in_sentence = index.sides.starting(sentences.start_of(site.start), sentences.end_of(site.start))
                side = in_sentence[0] if len({c.value for c in in_sentence}) == 1 else None
                if side is not None and any(0 <= o.start - side.end <= 2 and not self._regional(o)
                                            and (o.category == "vascular" or o.value in self._midline)
                                            for o in index.sites.starting(side.end, side.end + 3)):
                    side = None  # "right internal carotid", "left lateral ventricular wall": it names that
            if side is not None and site.value in self._midline:
                side = None
            if side is not None or site.value in self._region:
                named.append(RegionMention(site, self._region.get(site.value), side))
        return RegionSides(self.exam_title(doc, index), named)

    def _regional(self, site: Cue) -> bool:
        """Is ``site`` in a limb region (named by one, or found in every one) and not midline?"""
        return site.value not in self._midline and (site.value in self._region or site.value in self._everywhere)

    def exam_title(self, doc: Doc, index: DocIndex) -> ExamTitle:
        """The side and regions of the exam title: the first non-empty line after an exam header."""
        side_chars = [doc[c.start].idx for c in index.sides.cues]
        site_chars = [doc[c.start].idx for c in index.sites.cues]

        def between(cues: list[Cue], chars: list[int], start: int, end: int) -> list[Cue]:
            return cues[bisect_left(chars, start) : bisect_left(chars, end)]

        text = doc_text(doc)
        for section in index.sections:
            if section.category != "exam":
                continue
            body_start = section.start + len(section.title or "")
            body = text[body_start : section.end]
            start = body_start + len(body) - len(body.lstrip(" \t:\r\n"))
            end = start + len(text[start : section.end].split("\n", 1)[0])
            sides = between(index.sides.cues, side_chars, start, end)
            regions = {self._region[c.value] for c in between(index.sites.cues, site_chars, start, end)
                       if c.value in self._region}
            if len({c.value for c in sides}) == 1 and regions:
                return ExamTitle(sides[0], regions)
        return ExamTitle()

    def _after_last_boundary(self, lower: list[int], start: int, end: int) -> int:
        """Token offset after the last coordinator or clause break in a document's ``lower[start:end]``, else ``start``."""
        words = lower[start:end]
        for i in range(len(words) - 1, -1, -1):
            if self._coordinators.starts_at(words, i) or self._clauses.breaks.starts_at(words, i):
                return start + i + 1
        return start

    def phrase_start(self, ctx: FindingContext, clause_start: int) -> int:
        """Token offset where the finding's own phrase starts (in its clause, which starts at ``clause_start``):
        no coordinator, clause break or finding before it."""
        start = max(ctx.group.start - self._clauses.before, clause_start)
        return self._after_last_boundary(ctx.index.lower, start, ctx.group.start)

    def clause_start(self, ctx: FindingContext) -> int:
        """Token offset where the finding's clause starts: after a clause break, or the coordinator after
        the finding before it ("calcification in the left knee and ossification ...")."""
        group, lower = ctx.group, ctx.index.lower
        start = ctx.sent.start
        # only the finding ending last before this one counts: any boundary after an earlier one is after it too
        other_end = ctx.index.last_end_between(ctx.sent.start, group.start)
        if other_end is not None:
            after = self._after_last_boundary(lower, other_end, group.start)
            start = max(start, after if after > other_end else group.start)
        words = lower[start : group.start]
        for i in range(len(words) - 1, -1, -1):
            if self._clauses.breaks.starts_at(words, i):
                return start + i + 1
        return start

    def _coordinated_after(self, ctx: FindingContext, side: Cue) -> bool:
        """Does the finding end at a coordinating word (not a comma), with a side after it that names a noun
        of its own ("nephrolithiasis and left renal cyst"; not "stone or obstruction bilaterally.", nor
        "overlying the left chest and right neck", where the sites are coordinated)?"""
        if side.start < ctx.group.last_end or side.end >= ctx.sent.end or ctx.doc[side.end].text in _PHRASE_ENDS:
            return False
        words = ctx.index.lower[ctx.group.last_end : side.start]
        return (bool(words) and ctx.doc[ctx.group.last_end].lower_.isalpha()
                and self._coordinators.first_in(words) == 0)

    def _naming_side(self, ctx: FindingContext, sites: list[Cue], sides: list[Cue]) -> Cue | None:
        """The side word naming the finding's site in its sentence ("right common carotid artery"), if any."""
        site = next(iter(sites), None)
        if site is None or not ctx.sent.start <= site.start < ctx.sent.end:
            return None
        if site.end <= ctx.group.start and self._coordinators.found_in(
                [t.lower for t in ctx.doc[site.end : ctx.group.start] if t.lower_.isalpha()]):
            return None  # "a right adrenal nodule and there are no stones": another statement's site
        for side in sides:
            between = ctx.index.punct[side.end : site.start]
            if side.end <= site.start and len(between) <= 2 and not any(between) \
                    and self._after_last_boundary(ctx.index.lower, side.end, site.start) == side.end:
                return side
        return None

    def _interpreted_sides(self, ctx: FindingContext, interpreted: tuple[int, int], sites: list[Cue],
                           sides: SortedCues) -> list[Cue]:
        """The side words the interpreted finding (its clause is ``interpreted``) states: the one naming its
        site ("the left quadriceps tendon"), else those of its own phrase, up to the punctuation after its site."""
        start, end = interpreted
        site = next((c for c in sites if start <= c.start < end), None)
        if site is None:
            return []
        punct, lower = ctx.index.punct, ctx.index.lower
        naming = [c for c in sides.ending(max(site.start - self._clauses.before - 1, start), site.start)
                  if not any(punct[c.end : site.start])
                  and self._after_last_boundary(lower, c.end, site.start) == c.end]
        if naming:
            return naming[-1:]
        phrase_end = next((i for i in range(site.end, end) if punct[i]), end)
        return sides.starting(start, phrase_end)

    def clause_end(self, ctx: FindingContext) -> int:
        """Token offset where the finding's clause ends: a clause break, the next finding, or the sentence end."""
        group = ctx.group
        following = ctx.index.next_group_start(group.last_end)
        limit = ctx.sent.end if following is None else min(ctx.sent.end, following)
        return self._clauses.clause_end(ctx.index.lower, group.last_end, limit)

    def _region_sides(self, ctx: FindingContext) -> RegionSides:
        """:meth:`region_sides` of the finding's document, read once and only when a finding needs it."""
        caches = ctx.index.caches
        if caches.region_sides is None:
            caches.region_sides = self.region_sides(ctx.doc, ctx.index)
        return caches.region_sides

    def __call__(self, ctx: FindingContext, sites: list[Cue], location: str | None,
                 interpreted: tuple[int, int] | None = None) -> tuple[str | None, str | None, list[Evidence]]:
        """The finding's side, its basis ("mention", "clause", "exam", "region") and its evidence.

        ``sites`` are the sites near the finding, the one it is at first. ``interpreted``: the token range of
        the clause of the finding this one interprets (:mod:`.antecedent`), whose stated side it takes.
        """
        doc, sides = ctx.doc, ctx.index.sides

        def cite_side(cue: Cue, value: str | None) -> Evidence:
            return cite(doc[cue.start : cue.end], "laterality", value)

        site = next((c for c in sites if c.value in self._midline), None)
        if site is not None:
            # only a side word naming the structure itself ("left pelvic phleboliths") gives a side
            naming = sides.ending(site.start - 1, site.start)
            if naming:
                return naming[0].value, "mention", [cite_side(naming[0], naming[0].value)]
            return None, None, []
        # a side after a coordinating word names the noun it joins ("nephrolithiasis and left renal cyst")
        coordinated = [c for c in sides.starting(ctx.group.last_end, ctx.sent.end) if self._coordinated_after(ctx, c)]
        if coordinated:
            sides = SortedCues([c for c in sides.cues if c not in coordinated])
        clause_start = self.clause_start(ctx)
        own = sides.starting(self.phrase_start(ctx, clause_start), ctx.window_end)
        if own:
            value = _pick(own)
            return value, "mention", [cite_side(cue, value) for cue in own]
        naming = self._naming_side(ctx, sites, sides.starting(ctx.sent.start, ctx.sent.end))
        if naming is not None:  # "right common carotid artery ... which was calcified"
            return naming.value, "mention", [cite_side(naming, naming.value)]
        stated = self._interpreted_sides(ctx, interpreted, sites, sides) if interpreted is not None else []
        if value := _pick(stated):
            return value, "clause", [cite_side(cue, value) for cue in stated]
        in_clause = sides.starting(clause_start, self.clause_end(ctx))
        if in_clause:
            value = _pick(in_clause)
            return value, "clause", [cite_side(cue, value) for cue in in_clause]
        regional = [c for c in sites if self._regional(c)]
        # a finding at an organ ("cerebral vasculature") is in no limb region, whatever else is named
        if not sites and location not in self._exam_locations or len(regional) < len(sites):
            return None, None, []
        report = self._region_sides(ctx)
        exam = report.exam
        # the regions the finding lies in, nearest site first (None: a site of every region)
        regions = list(dict.fromkeys(self._region.get(c.value) for c in regional)) or [None]
        if exam.side is not None and ctx.section.category != "exam" and (regions[0] is None or regions[0] in exam.regions):
            return exam.side.value, "exam", [cite_side(exam.side, exam.side.value)]
        # the side the report last gave this region ("left knee pain ... the medial meniscus"); for a site
        # of every region, the side of the region named last ("Left elbow: ... Pelvis: ..." gives none)
        sides_of, latest = report.named_before(ctx.group.start)
        for region in regions:
            if region is None:  # a site of every region lies in the limb region named last, never in a lesion
                last = sides_of.get(latest.region) if latest and latest.region not in self._lesion_regions else None
            else:
                last = sides_of.get(region)
            if last is not None:
                return last.value, "region", [cite_side(last, last.value)]
        return None, None, []

"""Laterality: a side only with a basis: the finding's own phrase, its own clause (or the place the sentence
opens with), the exam title, the side the report gives the finding's body region, or the side of what the
finding refers back to ("the stone", "It is not calcified").

The last two need the finding to lie in that region: its site belongs to the region (anatomy.yaml
`region`), or is found in every limb region (`in_every_region`: tendons, joints, bones, soft tissues)
and the report names one side only. Never a side from another clause for an unrelated structure,
and none for a midline structure (anatomy.yaml `midline`). Names that hold a side word but state no side ("left main",
"right coronary artery") are masked by :mod:`.cues` before this reads any side.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from itertools import accumulate, pairwise

from spacy.language import Language
from spacy.tokens import Doc

from reportkit.lexicon import Lexicon
from reportkit.models import Evidence, Finding
from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.linking.assertion import Assertion
from reportkit.pipeline.linking.context import FindingContext, cite
from reportkit.pipeline.linking.cues import Cue
from reportkit.pipeline.linking.index import DocIndex, ExamTitle, RegionMention, RegionSides, SortedCues
from reportkit.pipeline.linking.phrases import Clauses, Phrases

_PHRASE_ENDS = {".", ";", ",", ":", ")"}  # a side before one of these closes the phrase instead of naming a noun
# how far before a finding, in tokens, a side is read as an earlier item of a list the finding is in: a list's items
# are short, and the bound keeps the check from reading a whole run-on sentence once per side
LIST_REACH = 40


_OPPOSITE = {"left": "right", "right": "left"}


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line of ``text`` with the offset where it starts."""
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


def _pick(cues: list[Cue], joined: bool = False) -> str | None:
    """One side from several: "bilateral" if named, or if left and right are ``joined`` as the places of one
    finding ("in the right upper lobe and left lower lobe"); None if left and right conflict."""
    values = {c.value for c in cues}
    if "bilateral" in values or {"left", "right"} <= values:
        return "bilateral" if "bilateral" in values or joined else None
    return values.pop() if values else None


def _head(lower: list[int], cue: Cue) -> int:
    """The word id of a cue's last word: what a site phrase names ("upper lobe" and "lower lobe": a lobe)."""
    return lower[cue.end - 1]


# how far back (characters) a side label may open the finding's segment of its line
LABEL_REACH = 1500

class _KeptSides:
    """The side words of a document but those ``dropped`` says, answering as a SortedCues of the rest would.
    Each is tested once, and only when a lookup returns it: testing every side after a finding, each by the words
    up to it, cost the cube of the side words in a long sentence."""

    def __init__(self, sides: SortedCues, dropped: Callable[[Cue], bool]) -> None:
        self._sides, self._dropped = sides, dropped
        self._verdicts: dict[int, bool] = {}  # by start token: side words never overlap

    def _kept(self, cues: list[Cue]) -> list[Cue]:
        verdicts = self._verdicts
        for cue in cues:
            if cue.start not in verdicts:
                verdicts[cue.start] = self._dropped(cue)
        return [cue for cue in cues if not verdicts[cue.start]]

    def starting(self, lo: int, hi: int) -> list[Cue]:
        """Kept side words with ``lo <= start < hi``, in text order."""
        return self._kept(self._sides.starting(lo, hi))

    def ending(self, lo: int, hi: int) -> list[Cue]:
        """Kept side words with ``lo < end <= hi``, in text order."""
        return self._kept(self._sides.ending(lo, hi))


class SideReader:
    """Reads a finding's side and names its basis: "mention", "clause" or "exam"."""

    def __init__(self, nlp: Language, lexicon: Lexicon, clauses: Clauses) -> None:
        sites = lexicon.anatomy.sites
        self._midline = {s.id for s in sites if s.midline}
        self._midline_terms = {t for s in sites if s.midline for t in s.terms}
        self._site_ids = {t.lower(): s.id for s in sites for t in s.terms}
        self._region = {s.id: s.region for s in sites if s.region}
        self._bone_regions = {name.lower(): region for name, region in lexicon.anatomy.bone_regions.items()}
        self._everywhere = {s.id for s in sites if s.in_every_region}
        # "the lesion" is a region a site of every region (an artery, a bone) does not lie in
        self._lesion_regions = {s.region for s in sites if s.region and s.category == "lesion"}
        self._exam_locations = set(lexicon.linking.exam_side_locations)
        self._coordinators = clauses.coordinators
        self._sideless_sections = {s.category for s in lexicon.sections.sections if s.no_region_sides}
        self._clauses = clauses
        linking = lexicon.linking
        vocab = nlp.vocab.strings
        self._openers = {vocab.add(w) for w in linking.locative_openers}
        self._prepositions = {vocab.add(w) for w in linking.prepositions}
        self._determiners = {vocab.add(w) for w in linking.referring_determiners}
        self._place_openers = self._prepositions | {vocab.add("the")}
        self._pronouns = {vocab.add(w) for w in linking.referring_pronouns}
        self._referring_modifiers = {vocab.add(w) for w in linking.referring_modifiers}
        self._survey_modifiers = {vocab.add(w) for w in linking.survey_modifiers}
        self._finite_verbs = {vocab.add(w) for w in linking.finite_verbs if " " not in w}
        # concept -> the concepts whose object a mention of it may name again: itself, and what it restates
        self._restated = {c.id: {c.id, *c.restates} for c in lexicon.concepts.concepts}
        # a demonstrative is a determiner that also stands alone ("this finding"); "the" never does
        self._demonstratives = self._determiners & {vocab.add(w) for w in ("this", "these", "that", "those")}
        self._referring_nouns = {vocab.add(w) for w in linking.referring_nouns}
        self._relatives = {vocab.add(w) for w in linking.relative_pronouns}
        self._extension = Phrases(nlp, linking.extension)
        self._opposite = Phrases(nlp, linking.opposite_side)
        self._organs = {organ: Phrases(nlp, terms) for organ, terms in lexicon.anatomy.paired_organs.items()}
        # the words an organ's name can start with: the document is read once for them, not once per organ
        self._organ_first_words = {word for names in self._organs.values() for word in names.first_words}
        # plural names of a paired organ ("kidneys"): no one organ of the pair, so no side is carried to them
        self._organ_plurals = {vocab.add(t) for terms in lexicon.anatomy.paired_organs.values() for t in terms
                               if " " not in t and t.endswith("s") and t[:-1] in terms}

    def region_sides(self, doc: Doc, index: DocIndex) -> RegionSides:
        """The exam title and every side word directly naming a limb-region site of the report."""
        named: list[RegionMention] = []
        # the sections giving no region a side, by start, with the furthest end reached so far: one bisect a site
        sideless = sorted((s.start, s.end) for s in index.sections if s.category in self._sideless_sections)
        sideless_starts = [start for start, _ in sideless]
        sideless_reach = list(accumulate((end for _, end in sideless), max))
        only_sides: dict[int, Cue | None] = {}  # sentence start -> the one side its side words give, if one
        for site in index.sites.cues:
            if not self._regional(site) and site.value not in self._region:  # "pelvis" still ends "left hip"
                continue
            k = bisect_right(sideless_starts, doc[site.start].idx) - 1
            if k >= 0 and sideless_reach[k] > doc[site.start].idx:
                continue
            side = next(iter(index.sides.ending(site.start - self._clauses.before - 1, site.start)), None)
            if side is not None and (self._after_last_boundary(index.lower, side.end, site.start) != side.end
                                     or any(index.punct[side.end : site.start])):
                side = None  # "left, and the knee": the side names something else
            if side is None:  # "AP radiographs of the left hip show a lesion": the sentence's only side
                sentence = index.sentences.start_of(site.start)
                if sentence not in only_sides:  # read once a sentence: a long one names many sites
                    in_sentence = index.sides.starting(sentence, index.sentences.end_of(site.start))
                    only_sides[sentence] = in_sentence[0] if len({c.value for c in in_sentence}) == 1 else None
                side = only_sides[sentence]
                if side is not None and (not self._names_a_site(index, side)
                                         or self._extension.found_in(index.lower[max(side.start - 3, 0) : side.start])):
                    side = None  # "right-sided deviation of the stalk", "extends into the left sinus": not its side
                if side is not None and any(0 <= o.start - side.end <= 2 and not self._regional(o)
                                            and (o.category == "vascular" or o.value in self._midline)
                                            for o in index.sites.starting(side.end, side.end + 3)):
                    side = None  # "right internal carotid", "left lateral ventricular wall": it names that
                here = self._region.get(site.value)
                if (side is not None and side.start > site.start and here is not None
                        and here not in self._lesion_regions and any(
                            0 <= o.start - side.end <= 2 and self._region.get(o.value) not in (None, here)
                            for o in index.sites.starting(side.end, side.end + 3))):
                    side = None  # "knee radiographs show ... and calcification in the left wrist": the wrist's side
            if side is not None and site.value in self._midline:
                side = None
            region = self._region.get(site.value) or self._bone_regions.get(doc[site.start : site.end].text.lower())
            if region is None and side is not None and named and named[-1].region and named[-1].side is side \
                    and named[-1].site.end == site.start:
                continue  # "right foot puncture wound": a place of the foot, named with the foot's side
            if side is not None or site.value in self._region:
                named.append(RegionMention(site, region, side))
        return RegionSides(self.exam_title(doc, index), named)

    @staticmethod
    def _names_a_site(index: DocIndex, side: Cue) -> bool:
        """Does the side word name a site: directly before its name ("left hip", "right renal mass"), or holding
        it ("both breasts")?"""
        return any(not any(index.punct[side.end : site.start])
                   for site in index.sites.starting(side.start, side.end + 3))

    def _regional(self, site: Cue) -> bool:
        """Is ``site`` in a limb region (named by one, or found in every one) and not midline?"""
        return site.value not in self._midline and (site.value in self._region or site.value in self._everywhere)

    def exam_title(self, doc: Doc, index: DocIndex) -> ExamTitle:
        """The side and regions of the exam title: the first non-empty line after an exam header; with none, a
        label opening the report that names a study."""
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
            regions, every = self._title_regions(doc, sides, between(index.sites.cues, site_chars, start, end))
            if len({c.value for c in sides}) == 1 and regions:
                return ExamTitle(sides[0], regions, every)
        # no exam header: a report opening with a label that names a study ("XR RIGHT FEMUR, 2 VIEWS: ...",
        # "Right hip radiograph: ...") opens with its title
        start = len(text) - len(text.lstrip())
        end = text.find(":", start)
        if index.sections and index.sections[0].category == "exam" or end < 0 or "\n" in text[start:end]:
            return ExamTitle()
        sides = between(index.sides.cues, side_chars, start, end)
        regions, every = self._title_regions(doc, sides, between(index.sites.cues, site_chars, start, end))
        study_chars = [doc[c.start].idx for c in index.modalities.cues]
        labels = 0  # line labels naming a study: a report of several studies ("Left elbow films: ... Pelvis
        for line_start, line in _lines(text):  # films: ...") has no one title
            colon = line.find(":")
            if colon > 0 and between(index.modalities.cues, study_chars, line_start, line_start + colon):
                labels += 1
        studies = between(index.modalities.cues, study_chars, start, end)
        if len({c.value for c in sides}) == 1 and regions and studies and labels == 1:
            return ExamTitle(sides[0], regions, every)
        return ExamTitle()

    @staticmethod
    def _names_regions_apart(ctx: FindingContext, report: RegionSides, latest: RegionMention) -> bool:
        """Does the sentence naming the latest region also name another region with another side, or none?"""
        sentence = ctx.index.sentences.start_of(latest.site.start)
        side = latest.side.value if latest.side else None
        return any(m.region and m.region != latest.region and (m.side.value if m.side else None) != side
                   for m in report.named if ctx.index.sentences.start_of(m.site.start) == sentence)

    def _title_regions(self, doc: Doc, sides: list[Cue], sites: list[Cue]) -> tuple[set[str], bool]:
        """The regions a title's side is for, and whether that is every region it names: all of them, or, where
        it names several, those the side word stands right before ("AP PELVIS AND LEFT KNEE": the knee). A long
        bone's name stands for its limb region ("LEFT FEMUR": the thigh)."""
        region_of = {c.start: self._region.get(c.value) or self._bone_regions.get(doc[c.start : c.end].text.lower())
                     for c in sites}
        named = [c for c in sites if region_of[c.start]]
        sided = named
        if len(named) > 1:
            sided = [c for c in named if any(0 <= c.start - side.end <= 1 for side in sides)]
        return {region_of[c.start] for c in sided}, len(sided) == len(named)

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
        found = self._clauses.breaks.last_start(lower, start, group.start)
        return start if found is None else found + 1

    def _coordinated_after(self, ctx: FindingContext, side: Cue) -> bool:
        """Does the finding end at a coordinating word (not a comma), with a side after it that names a noun
        of its own ("nephrolithiasis and left renal cyst"; not "stone or obstruction bilaterally.", nor
        "overlying the left chest and right neck", where the sites are coordinated)?"""
        if side.start < ctx.group.last_end or side.end >= ctx.sent.end or ctx.doc[side.end].text in _PHRASE_ENDS:
            return False
        words = ctx.index.lower[ctx.group.last_end : side.start]
        return (bool(words) and ctx.doc[ctx.group.last_end].lower_.isalpha()
                and self._coordinators.first_in(words) == 0)

    def _after_other_noun(self, ctx: FindingContext, side: Cue) -> bool:
        """Is the side after the finding beyond a coordinating word that opens a statement about another thing
        ("shrapnel over the midline, and clips seen at the right apex")? A side right after
        the coordinating word, or after only sites, still joins the finding's places."""
        start = ctx.group.last_end
        if side.start <= start:
            return False
        # a word ("and"), not a comma: "stone, status post right nephrolithotomy" still speaks of the stone
        after = self._clauses.after_last_coordinator(ctx.index, start, side.start)
        if after is None:
            return False
        # a noun phrase coordinated with the finding's, opening with the side ("and a left knee effusion")
        if (self._clauses.opens_noun_phrase(ctx.index, after, side.start)
                and self._clauses.heads_another_thing(ctx.index, side.start, ctx.sent.end)):
            return True
        if not self._names_a_site(ctx.index, side):
            return False  # a side that names nothing ("stone or obstruction bilaterally") is the finding's
        # a participle after the coordinating word opens a statement of its own ("and a stent placed in"), and a
        # lesion another thing ("and a nodule in the left lower lobe")
        if any(c.category == "lesion" for c in ctx.index.sites.starting(after, side.start)):
            return True
        site_tokens = {i for c in ctx.index.sites.starting(start, side.start) for i in range(c.start, c.end)}
        return any(t.is_alpha and t.lower_.endswith("ed") and t.i not in site_tokens
                   for t in ctx.doc[after : side.start])

    def _naming_side(self, ctx: FindingContext, sites: list[Cue], sides: _KeptSides) -> Cue | None:
        """The side word naming the finding's site in its sentence ("right common carotid artery"), if any: one
        ending at most two tokens before the site, none of them punctuation."""
        site = next(iter(sites), None)
        if site is None or not ctx.sent.start <= site.start < ctx.sent.end:
            return None
        if site.end <= ctx.group.start and self._coordinators.found_in(
                [t.lower for t in ctx.doc[site.end : ctx.group.start] if t.lower_.isalpha()]):
            return None  # "a right adrenal nodule and there are no stones": another statement's site
        if site.end <= ctx.group.start and self._clauses.breaks.found_in(ctx.index.lower[site.end : ctx.group.start]):
            return None  # "the right upper quadrant ultrasound was normal, although ... showed a gallstone"
        for side in sides.ending(site.start - 3, site.start):
            if side.start >= ctx.sent.start and not any(ctx.index.punct[side.end : site.start]) \
                    and self._after_last_boundary(ctx.index.lower, side.end, site.start) == side.end:
                return side
        return None

    def _interpreted_sides(self, ctx: FindingContext, interpreted: tuple[int, int], sites: list[Cue],
                           sides: _KeptSides) -> list[Cue]:
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

    def _region_sides(self, index: DocIndex) -> RegionSides:
        """:meth:`region_sides` of the document, read once and only when a finding needs it."""
        if index.caches.region_sides is None:
            index.caches.region_sides = self.region_sides(index.doc, index)
        return index.caches.region_sides

    def __call__(self, ctx: FindingContext, sites: list[Cue], location: str | None,
                 interpreted: tuple[int, int] | None = None,
                 assertion: Assertion | None = None) -> tuple[str | None, str | None, list[Evidence]]:
        """The finding's side, its basis ("mention", "clause", "exam", "region") and its evidence.

        ``sites`` are the sites near the finding, the one it is at first. ``interpreted``: the token range of
        the clause of the finding this one interprets (:mod:`.antecedent`), whose stated side it takes.
        ``assertion``: the finding's, which decides whether it may take the side of an organ named before.
        """
        doc, sides = ctx.doc, ctx.index.sides

        def cite_side(cue: Cue, value: str | None) -> Evidence:
            return cite(doc[cue.start : cue.end], "laterality", value)

        clause_start = self.clause_start(ctx)
        phrase_start = self.phrase_start(ctx, clause_start)
        # a side after a coordinating word names the noun it joins ("nephrolithiasis and left renal cyst")
        kept = _KeptSides(sides, lambda c: ctx.group.last_end <= c.start < ctx.sent.end and (
            self._coordinated_after(ctx, c) or self._after_other_noun(ctx, c)))
        # a midline structure named in another sentence ("The trachea is midline.") says nothing of this finding
        site = next((c for c in sites if c.value in self._midline and ctx.sent.start <= c.start < ctx.sent.end), None)
        if site is not None:
            # only a side word naming the structure itself ("left pelvic phleboliths"), or a paired structure
            # named beside it in the finding's phrase ("mediastinal and right hilar nodes"), gives a side
            naming = sides.ending(site.start - 1, site.start)
            if naming:
                return naming[0].value, "mention", [cite_side(naming[0], naming[0].value)]
            paired = [c for c in kept.starting(phrase_start, ctx.window_end) if self._names_paired(ctx, c)]
            if paired:
                value = _pick(paired, self._joined(ctx, paired))
                return value, "mention", [cite_side(cue, value) for cue in paired]
            return None, None, []
        own = self._stated_after_label(ctx, kept.starting(phrase_start, ctx.window_end))
        if own:
            # a place joined to the finding's own with the other side names each side of one finding
            coordinated = self._coordinated_place_sides(ctx, kept)
            own += coordinated
            value = _pick(own, bool(coordinated) or self._joined(ctx, own) or self._places_joined(ctx, own))
            return value, "mention", [cite_side(cue, value) for cue in own]
        survey = self._survey(ctx, assertion, phrase_start)  # "no other stones": only the examined limb's side
        naming = None if survey else self._naming_side(ctx, sites, kept)
        if naming is not None:  # "right common carotid artery ... which was calcified"
            return naming.value, "mention", [cite_side(naming, naming.value)]
        stated = self._interpreted_sides(ctx, interpreted, sites, kept) if interpreted is not None else []
        if value := _pick(stated):
            return value, "clause", [cite_side(cue, value) for cue in stated]
        in_clause = ([c for c in kept.starting(clause_start, self.clause_end(ctx)) if not self._in_earlier_item(ctx, c)]
                     + self._opener_sides(ctx, kept) + self._host_sides(ctx, kept, clause_start))
        if in_clause and not survey:
            value = _pick(in_clause, self._joined(ctx, in_clause))
            return value, "clause", [cite_side(cue, value) for cue in in_clause]
        label = None if survey else self._segment_label(ctx)
        if label is not None:
            return label.value, "clause", [cite_side(label, label.value)]
        regional = [c for c in sites if self._regional(c)]
        # a finding at an organ ("cerebral vasculature") is in no limb region, whatever else is named
        if not sites and location not in self._exam_locations or len(regional) < len(sites):
            return (None, None, []) if survey else self._carried_side(ctx, sites, assertion)
        report = self._region_sides(ctx.index)
        exam = report.exam
        # the regions the finding lies in, nearest site first (None: a site of every region)
        regions = list(dict.fromkeys(self._region.get(c.value) for c in regional)) or [None]
        if any(r is not None and r not in self._lesion_regions for r in regions):
            # a site of every region lies in the limb region named with it ("subcutaneous calcinosis about the
            # elbows"), not in the one the report named last
            regions = [r for r in regions if r is not None]
        # a title of both sides ("BILATERAL KNEES") gives a deposit neither: it is in one of them, which is not said
        if exam.side is not None and exam.side.value != "bilateral" and ctx.section.category != "exam" and (
                regions[0] in exam.regions or regions[0] is None and exam.every_region):
            return self._given_side(ctx, exam.side, "exam", clause_start)
        # the side the report last gave this region ("left knee pain ... the medial meniscus"); for a site
        # of every region, the side of the region named last ("Left elbow: ... Pelvis: ..." gives none)
        sides_of, latest = report.named_before(ctx.group.start)
        both_sides = report.given_both_sides(ctx.group.start)
        for region in regions:
            if region is None:  # a site of every region lies in the limb region named last, never in a lesion
                last = sides_of.get(latest.region) if latest and latest.region not in self._lesion_regions else None
                if last is not None and latest.region is None and doc[last.start].idx < ctx.section.start:
                    last = None  # "left radial artery" in a list of grafts is no side of a later "radial artery"
                if last is not None and self._names_regions_apart(ctx, report, latest):
                    last = None  # "AP PELVIS AND LEFT KNEE": which of the two the finding is in is not said
            elif region in self._lesion_regions:
                last = self._lesion_side(ctx, report, regional)
            else:
                last = sides_of.get(region)
            if last is not None and region not in self._lesion_regions \
                    and (latest.region if region is None else region) in both_sides \
                    and ctx.index.sentences.start_of(last.start) != ctx.sent.start:
                last = None  # the report gave the region both sides: which one is not said here (a lesion's is
                # read by its name, above)
            if (last is not None and last.value == "bilateral"
                    and ctx.index.sentences.start_of(last.start) != ctx.sent.start):
                last = None  # both sides examined ("Radiographs of both shoulders."): one deposit is in one of them
            if last is not None and not survey:
                return self._given_side(ctx, last, "region", clause_start)
        return (None, None, []) if survey else self._carried_side(ctx, sites, assertion)

    def _segment_label(self, ctx: FindingContext) -> Cue | None:
        """The side of a label opening the finding's segment of its line, in an earlier sentence: a side word and a
        colon at a sentence's start ("Left: the 11 mm calcification is smaller. A little calcific material has
        migrated into the bursa."), with no other label ("Liver:") after it. Sought within LABEL_REACH characters
        back, so that a long report without line breaks costs no more per finding."""
        doc, text = ctx.doc, ctx.doc.text
        sent_char = doc[ctx.sent.start].idx
        lo = max(text.rfind("\n", 0, sent_char) + 1, sent_char - LABEL_REACH)
        colon = text.rfind(":", lo, doc[ctx.group.start].idx)
        if colon >= sent_char:
            return None  # the finding's own sentence opens with a label of its own ("Liver: ...")
        token = doc.char_span(colon, colon + 1) if colon >= 0 else None
        if token is None:
            return None
        label = next((c for c in ctx.index.sides.ending(token.start - 3, token.start) if c.end == token.start), None)
        if label is None or ctx.index.sentences.start_of(label.start) != label.start:
            return None
        return label

    def _survey(self, ctx: FindingContext, assertion: Assertion | None, phrase_start: int) -> bool:
        """Is the finding a negated survey of everything but what was named: a survey modifier in its phrase or
        just after it ("no other stones", "no calcinosis elsewhere")?"""
        if assertion is None or not assertion.negated:
            return False
        lower = ctx.index.lower
        after = lower[ctx.group.last_end : min(ctx.group.last_end + 2, ctx.sent.end)]
        return any(w in self._survey_modifiers for w in (*lower[phrase_start : ctx.group.start], *after))

    def _coordinated_place_sides(self, ctx: FindingContext, kept: _KeptSides) -> list[Cue]:
        """Sides of a place joined to the finding's own past the end of its phrase, in its clause: after a
        coordinating word that opens another place with a preposition or "the" ("at the tips of the right index
        and middle fingers and over the volar aspect of the left thumb", "... fingers and the left thumb"), naming
        a site, with no punctuation between."""
        start = ctx.group.last_end
        return [side for side in kept.starting(ctx.window_end, self.clause_end(ctx))
                if self._opens_another_place(ctx, start, side)]

    def _opens_another_place(self, ctx: FindingContext, start: int, side: Cue) -> bool:
        """Is ``side`` in a place joined after ``start`` by a coordinating word that opens it with a preposition or
        "the", naming a site, with no punctuation between?"""
        index = ctx.index
        after = self._clauses.after_last_coordinator(index, start, side.start)
        return (after is not None and after < side.start and index.lower[after] in self._place_openers
                and not any(index.punct[start : side.start]) and self._names_a_site(index, side))

    def _places_joined(self, ctx: FindingContext, cues: list[Cue]) -> bool:
        """Are a left and a right of the finding's own phrase the sides of two places joined as its places ("at
        the tips of the right index finger and the left thumb")?"""
        return any({a.value, b.value} == {"left", "right"} and self._opens_another_place(ctx, a.end, b)
                   for a, b in pairwise(cues))

    @staticmethod
    def _stated_after_label(ctx: FindingContext, own: list[Cue]) -> list[Cue]:
        """The finding's own sides, without those of a label before a colon when its own phrase states another
        ("XR BOTH KNEES: Chondrocalcinosis of the right lateral meniscus": right). A label's side that the phrase
        does not contradict stays ("Left knee: chondrocalcinosis of the medial meniscus")."""
        if len({c.value for c in own}) < 2:
            return own
        colon = next((i for i in range(ctx.group.start - 1, ctx.sent.start - 1, -1) if ctx.doc[i].text == ":"), None)
        after = [c for c in own if colon is not None and c.start > colon]
        return after if after and len(after) < len(own) else own

    def _given_side(self, ctx: FindingContext, side: Cue, basis: str,
                    clause_start: int) -> tuple[str | None, str | None, list[Evidence]]:
        """The side the exam or the report gave the finding's region, or its opposite where the finding's clause
        names the place as the other one ("the contralateral hip": left on a right hip study)."""
        evidence = [cite(ctx.doc[side.start : side.end], "laterality", side.value)]
        end = self.clause_end(ctx)
        found = self._opposite.first_in(ctx.index.lower[clause_start:end])
        if found is None or not ctx.index.sites.starting(clause_start + found + 1, clause_start + found + 3):
            return side.value, basis, evidence  # the word must name a place ("without contralateral findings")
        opposite = _OPPOSITE.get(side.value)
        if opposite is None:
            return None, None, []
        word = ctx.doc[clause_start + found : clause_start + found + 1]
        return opposite, basis, [cite(ctx.doc[side.start : side.end], "laterality", opposite),
                                 cite(word, "laterality", opposite)]

    def restated_sides(self, findings: list[Finding], index: DocIndex) -> None:
        """Give a finding with no side the side an earlier finding states for the same object, in a report that
        gives one side only ("a foreign body in the right nostril ... a foreign body was noted and removed"): the
        same concept, or one the later concept restates ("the stone" after "a right renal stone"), at no other
        location category. Not to a history or a negation (a survey, not the object), nor at a midline place."""
        values = _side_values(index)
        if len(values) != 1 or "bilateral" in values:
            return
        # concept -> location category -> the last finding stating a side there (a lookup, not a scan back)
        stated: dict[str, dict[str | None, Finding]] = {}
        named: list[tuple[int, str]] | None = None
        for finding in findings:
            if finding.laterality is not None:
                if finding.laterality_source in ("mention", "clause") and not finding.negated:
                    stated.setdefault(finding.concept, {})[finding.location_category] = finding
                continue
            if finding.negated or finding.historical or (finding.site or "").lower() in self._midline_terms:
                continue  # a midline place (the bladder, the trachea) has no side to take
            here = finding.location_category
            candidates = [g for concept in self._restated.get(finding.concept, ())
                          for where, g in stated.get(concept, {}).items()
                          if (here is None or where is None or where == here)
                          and g.sentence_start < finding.sentence_start and self._same_place(finding, g)]
            earlier = max(candidates, key=lambda g: g.start, default=None)
            if earlier is None or (_plural(finding.text) and not _plural(earlier.text)):
                continue  # nothing named before; or "stones" after "a stone", more than the object named
            if named is None:  # where the report names a limb region: (character offset, region)
                named = [(index.doc[m.site.start].idx, m.region)
                         for m in self._region_sides(index).named if m.region]
            if {r for char, r in named if earlier.end <= char < finding.start} - {r for char, r in named
                                                                                 if char < earlier.end}:
                continue  # another limb region named between them ("Left elbow films: ... Pelvis films: ...")
            finding.laterality, finding.laterality_source = earlier.laterality, "antecedent"
            finding.evidence += [ev.model_copy(update={"role": "antecedent"}) for ev in earlier.evidence
                                 if ev.role == "laterality"]

    def _same_place(self, finding: Finding, earlier: Finding) -> bool:
        """Can the two findings be one object by their sites: one names none, or both name the same site? (A
        concept for many structures, "costal cartilage calcification" after "a calcified right hilar node",
        restates nothing at another site.)"""
        if not finding.site or not earlier.site:
            return True
        here, there = (self._site_ids.get(f.site.lower(), f.site.lower()) for f in (finding, earlier))
        return here == there

    def _lesion_side(self, ctx: FindingContext, report: RegionSides, regional: list[Cue]) -> Cue | None:
        """The side the report gave the lesion the finding is in: the side given before to lesions named by the
        same word ("a mass in the left kidney, a cyst in the right kidney ... within the mass" gives left), else,
        for a lesion referred to as known ("the tumor"), the side given to every lesion before; one side only."""
        lower = ctx.index.lower
        own = [c for c in regional if self._region.get(c.value) in self._lesion_regions]
        heads = {_head(lower, c) for c in own}
        before = [m for m in report.named if m.side is not None and m.site.end <= ctx.group.start
                  and m.region in self._lesion_regions]
        given = [m.side for m in before if _head(lower, m.site) in heads]
        if not given and any(self._definite(ctx, c.start) for c in own):
            given = [m.side for m in before]
        return given[-1] if given and len({c.value for c in given}) == 1 else None

    def _in_earlier_item(self, ctx: FindingContext, side: Cue) -> bool:
        """Is the side in an earlier item of a list the finding is an item of ("history of right hip fracture,
        nephrolithiasis, gout")? A coordinating word or comma lies between them, and no colon or verb makes
        the side's words the subject or label of the list ("Right knee: effusion, chondrocalcinosis")."""
        if side.end > ctx.group.start or ctx.group.start - side.end > LIST_REACH:
            return False
        words = ctx.index.lower[side.end : ctx.group.start]
        first = self._coordinators.first_in(words)
        if not first:  # no list, or a side standing alone before it ("Bilaterally, numerous plaques")
            return False
        item = ctx.doc[side.end : side.end + first]
        if any(t.is_stop for t in item):
            return False  # the finding lies in a phrase hanging on the side's noun ("left kidney without stones")
        index = ctx.index
        if any(c.category == "lesion" for c in index.sites.ending(item.end - 1, item.end)):
            return False  # a lesion and what it is ("right lower lobe nodule, calcified granuloma")
        if index.sides.starting(item.end, ctx.group.start):
            return False  # sided places of one noun ("right apical and left base granulomas")
        site_tokens = {i for c in index.sites.starting(item.start, item.end) for i in range(c.start, c.end)}
        if ctx.doc[item.end].is_alpha and all(t.i in site_tokens for t in item):
            return False  # "right renal and ureteral stones"; not "left ureteropelvic junction, cholelithiasis"
        between = ctx.doc[side.end : ctx.group.start]
        return not any(t.text == ":" or t.lower in self._finite_verbs for t in between)

    def _names_paired(self, ctx: FindingContext, side: Cue) -> bool:
        """Does the side word name a paired structure right after it ("right hilar"), or hold one ("LUQ")?"""
        return any(c.value not in self._midline and not any(ctx.index.punct[side.end : c.start])
                   for c in ctx.index.sites.starting(side.start, side.end + 3))

    def _joined(self, ctx: FindingContext, cues: list[Cue]) -> bool:
        """Are a left and a right of ``cues`` joined by a coordinating word, with no clause break between, as the
        two sides of one kind of structure, named by the same word ("in the right upper lobe and left lower
        lobe"; not "overlying the left chest, right neck", two places)?"""
        lower, sites = ctx.index.lower, ctx.index.sites

        def named(side: Cue) -> int | None:
            site = next(iter(sites.starting(side.end, side.end + 3)), None)
            return _head(lower, site) if site is not None and not any(ctx.index.punct[side.end : site.start]) else None

        for a, b in pairwise(cues):
            if {a.value, b.value} == {"left", "right"}:
                words = lower[a.end : b.start]
                if (self._coordinators.found_in(words) and not self._clauses.breaks.found_in(words)
                        and named(a) is not None and named(a) == named(b)):
                    return True
        return False

    def _opener_sides(self, ctx: FindingContext, sides: _KeptSides) -> list[Cue]:
        """The sides of the place a sentence opens with ("In the left lung base, there is a nodule ..."), when
        the finding is the first in its sentence."""
        doc, start = ctx.doc, ctx.sent.start
        body = ctx.section.start + len(ctx.section.title or "")
        while start < ctx.group.start and (doc[start].idx < body or doc[start].text == ":"):
            start += 1  # the section's title ("FINDINGS:") opens no place
        if start + 2 < ctx.group.start and ctx.index.punct[start + 1]:
            start += 2  # "However, in the left lower lobe there is ..."
        if (start >= ctx.group.start or ctx.index.lower[start] not in self._openers
                or ctx.index.last_end_between(ctx.sent.start, ctx.group.start)):
            return []
        lower = ctx.index.lower[start : ctx.group.start]
        end = next((i for i in range(len(lower)) if ctx.index.punct[start + i]
                    or self._clauses.breaks.starts_at(lower, i)), None)
        if end is None:
            return []
        return sides.starting(start, start + end)

    def _host_sides(self, ctx: FindingContext, sides: _KeptSides, clause_start: int) -> list[Cue]:
        """The sides of the clause a relative clause holding the finding hangs on ("bilateral nodules are
        seen, most of which are calcified"): the finding's clause opens with a relative pronoun."""
        which = clause_start - 1
        if which <= ctx.sent.start or ctx.index.lower[which] not in self._relatives:
            return []
        lower = ctx.index.lower
        host_start = ctx.sent.start
        for i in range(which - 1, ctx.sent.start - 1, -1):
            if self._clauses.breaks.starts_at(lower, i):
                host_start = i + 1
                break
        return sides.starting(host_start, which)

    def _definite(self, ctx: FindingContext, token: int) -> bool:
        """Does a referring determiner head the noun phrase ending at ``token`` ("the mass", "this
        non-obstructing renal stone")? Only words of the phrase lie between (no stop word, no punctuation
        but a hyphen)."""
        doc = ctx.doc
        for i in range(token - 1, max(token - 6, ctx.sent.start - 1), -1):
            t = doc[i]
            if t.lower in self._determiners:
                return True
            if t.is_stop or (t.is_punct and t.text != "-"):
                return False
        return False

    def _refers_back(self, ctx: FindingContext) -> tuple[str, int | None] | None:
        """How the finding refers back to something named before: ("phrase", None) when a determiner heads it
        ("the stone"); ("pronoun", None) for a pronoun, or a demonstrative before a referring noun, in its
        sentence before it ("It is not calcified", "this finding could be due to calcification"); ("host", noun)
        for a determiner before a referring noun ("within the mass"); else None."""
        if self._definite(ctx, ctx.group.start):
            return "phrase", None
        lower = ctx.index.lower
        # a pronoun may open the sentence before a clause break ("this finding could be due to calcification")
        start = max(ctx.sent.start, ctx.index.last_end_between(ctx.sent.start, ctx.group.start - 1) or 0)
        host = None
        for i in range(start, ctx.group.start):
            if lower[i] in self._pronouns:
                return "pronoun", None
            if lower[i] in self._determiners:
                noun = next((w for w in lower[i + 1 : min(i + 4, ctx.group.start)] if w in self._referring_nouns), None)
                if lower[i] in self._demonstratives and (noun is not None or self._stands_alone(ctx, i)):
                    return "pronoun", None
                host = host if noun is None else noun
        return ("host", host) if host is not None else None

    def _carried_side(self, ctx: FindingContext, sites: list[Cue],
                      assertion: Assertion | None) -> tuple[str | None, str | None, list[Evidence]]:
        """A side from before the finding's clause: of what it refers back to, else of the paired organ its
        clause names again."""
        side = self._antecedent_side(ctx, sites, assertion)
        if side[0] is None:
            side = self._organ_side(ctx, assertion)
        return side if side[0] is not None else self._previous_organ_side(ctx, sites, assertion)

    def _organ_sides(self, ctx: FindingContext) -> dict[str, list[tuple[int, Cue]]]:
        """Every naming of a paired organ in the document with the side word naming it ("right kidney",
        "left lower pole renal", "both kidneys"), read once per document."""
        caches, index = ctx.index.caches, ctx.index
        if caches.organ_sides is None:
            found: dict[str, list[tuple[int, Cue]]] = {}
            namings: dict[str, list[int]] = {}
            lower = index.lower
            first_words = self._organ_first_words
            for i in (i for i, word in enumerate(lower) if word in first_words):
                for organ, names in self._organs.items():
                    if not names.starts_at(lower, i):
                        continue
                    namings.setdefault(organ, []).append(i)
                    side = index.sides.containing(i, i + 1)
                    if side is None:
                        side = next((c for c in reversed(index.sides.ending(i - 4, i))
                                     if not any(index.punct[c.end : i])), None)
                    if side is not None:
                        found.setdefault(organ, []).append((i, side))
            caches.organ_sides, caches.organ_namings = found, namings
        return caches.organ_sides

    def _organs_named(self, ctx: FindingContext, start: int, end: int) -> dict[str, list[int]]:
        """The paired organs named between tokens ``start`` and ``end``, with where each name starts."""
        if ctx.index.caches.organ_namings is None:
            self._organ_sides(ctx)  # reads the namings with the sides, once per document
        namings = ctx.index.caches.organ_namings or {}
        named = {organ: tokens[bisect_left(tokens, start) : bisect_left(tokens, end)] for organ, tokens in namings.items()}
        return {organ: tokens for organ, tokens in named.items() if tokens}

    def _organ_sides_between(self, ctx: FindingContext, start: int, end: int) -> list[Cue]:
        """The side words naming a paired organ between tokens ``start`` and ``end``, in text order."""
        found = [side for given in self._organ_sides(ctx).values()
                 for _, side in given[bisect_left(given, (start,)) : bisect_left(given, (end,))]]
        return sorted(found, key=lambda c: c.start)

    def _organ_side(self, ctx: FindingContext,
                    assertion: Assertion | None) -> tuple[str | None, str | None, list[Evidence]]:
        """The side of the paired organ the finding's own clause names with no side, when it is the only organ
        so named: the one side given to it earlier in the same sentence ("the right ureter filled freely and
        there was no stone along the ureter"); else, the same organ named again, the side the report gave it
        before, when every side word of the report is that one side ("Left ureteroscopy. ... A stone was seen in
        the mid ureter."). A plural name ("the kidneys") names no one organ of the pair; a history, or a plain
        negation (a survey of the organ, not "no further stones"), takes nothing from another sentence."""
        index = ctx.index
        clause_start, clause_end = self.clause_start(ctx), self.clause_end(ctx)
        named = self._organs_named(ctx, clause_start, clause_end)
        organ_sides = self._organ_sides(ctx)
        sided = {organ: before for organ in named
                 if (before := [side for token, side in organ_sides.get(organ, [])
                                if ctx.sent.start <= token < clause_start])}
        if len(sided) == 1:
            before, basis = next(iter(sided.values())), "clause"
        elif not sided and len(named) == 1 and self._takes_earlier_side(ctx, assertion):
            organ, tokens = next(iter(named.items()))
            given = organ_sides.get(organ, [])
            if any(index.lower[i] in self._organ_plurals for i in tokens) or {t for t, _ in given} & set(tokens):
                return None, None, []  # "the kidneys"; or the clause names the organ with a side of something else
            if len(_side_values(index)) != 1:
                return None, None, []  # a report giving two sides gives none to an organ it names again
            # a side given to a lesion of the organ ("left renal cyst") is the lesion's, not the organ's
            before = [side for token, side in given if token < ctx.sent.start
                      and not any(c.category == "lesion" for c in index.sites.starting(token + 1, token + 3))]
            basis = "antecedent"
        else:
            return None, None, []
        values = {c.value for c in before}
        if len(values) != 1 or "bilateral" in values:
            return None, None, []
        value = values.pop()
        return value, basis, [cite(ctx.doc[c.start : c.end], "laterality", value) for c in before]

    def _previous_organ_side(self, ctx: FindingContext, sites: list[Cue],
                             assertion: Assertion | None) -> tuple[str | None, str | None, list[Evidence]]:
        """The side of the one paired organ the sentence just before names, in the same paragraph, for a finding
        whose own sentence names no place of its own but a lesion, no organ and no side ("The left kidney
        demonstrates hydronephrosis. No stone or solid mass is seen."): that sentence continues the organ's, when
        the one before names no finding and opens with the organ, or the report gives no other side."""
        if assertion is None or assertion.historical:
            return None, None, []
        index, sent = ctx.index, ctx.sent
        if sent.start == 0 or index.sides.starting(sent.start, sent.end):
            return None, None, []
        if any(c.category != "lesion" for c in sites if sent.start <= c.start < sent.end):
            return None, None, []
        if self._organs_named(ctx, sent.start, sent.end):
            return None, None, []
        start = index.sentences.start_of(sent.start - 1)
        doc = ctx.doc
        if index.groups_starting(start, sent.start):
            return None, None, []  # a sentence naming a finding speaks of it, not only of the organ
        if (index.section_at(doc[start].idx) is not ctx.section
                or "\n\n" in doc_text(doc)[doc[start].idx : sent.start_char]):
            return None, None, []
        given = self._organ_sides_between(ctx, start, sent.start)
        if not given or len({c.value for c in index.sides.starting(start, sent.start)}) != 1:
            return None, None, []
        # the sentence is about that organ when it opens with it ("The left kidney demonstrates ..."), or when the
        # report has no other side
        body = ctx.section.start + len(ctx.section.title or "")
        opening = next((i for i in range(start, sent.start) if doc[i].idx >= body and doc[i].text != ":"), start)
        if given[0].start > opening + 1 and len(_side_values(index)) != 1:
            return None, None, []
        value = given[0].value
        if value == "bilateral":
            return None, None, []
        return value, "antecedent", [cite(doc[c.start : c.end], "laterality", value) for c in given]

    def _takes_earlier_side(self, ctx: FindingContext, assertion: Assertion | None) -> bool:
        """May the finding take a side stated in another sentence: not a history, and affirmed or negated only as
        the object already named ("no further stones")?"""
        if assertion is None or assertion.historical:
            return False
        return not assertion.negated or self._negated_as_named(ctx, assertion)

    def _negated_as_named(self, ctx: FindingContext, assertion: Assertion | None) -> bool:
        """Is the finding negated as the object already named: a referring modifier in its phrase ("no further
        stones", "no residual fragment")?"""
        if assertion is None or not assertion.negated:
            return False
        start = self.phrase_start(ctx, self.clause_start(ctx))
        return any(w in self._referring_modifiers for w in ctx.index.lower[start : ctx.group.start])

    def _stands_alone(self, ctx: FindingContext, i: int) -> bool:
        """Is the demonstrative at ``i`` a pronoun ("this was a stone", "these are calcified"): followed by a
        function word, not by a noun it determines ("this study", "at this time")?"""
        following = ctx.doc[i + 1] if i + 1 < len(ctx.doc) else None
        return following is not None and following.is_stop and following.lower not in self._determiners

    def _antecedent_side(self, ctx: FindingContext, sites: list[Cue],
                         assertion: Assertion | None = None) -> tuple[str | None, str | None, list[Evidence]]:
        """The side of what a finding with no side of its own refers back to: the one side the earlier sentences
        of its section state (with none there, the one side the report before it states), when one of them
        names the referent; more than one side gives none. A finding whose phrase is only headed by a determiner
        ("the stone") needs the sentence giving the side to name a finding of its kind or its own site; one inside
        a referring host ("within the mass") needs it to name the host."""
        reference = self._refers_back(ctx)
        if reference is None and self._negated_as_named(ctx, assertion):
            reference = ("phrase", None)  # "there were no further stones": the stone named before
        index = ctx.index
        if reference is None or any(c.value in self._midline for c in index.sites.starting(ctx.sent.start, ctx.sent.end)):
            return None, None, []  # a finding at a midline structure ("the pelvic phleboliths") takes no side
        basis, host = reference
        doc = ctx.doc
        own_sites = {c.value for c in sites if ctx.sent.start <= c.start < ctx.sent.end}

        def names_it(start: int, end: int) -> bool:
            """Does the sentence name what the finding refers back to: for "the stone", a finding of its kind,
            at its own site if it names one ("the calcified costal cartilages" is no granuloma of the lung)?"""
            if basis == "pronoun":
                return True
            if basis == "host":
                return host in index.lower[start:end]
            return (any(g.kind == ctx.group.kind for g in index.groups_starting(start, end))
                    and (not own_sites or any(c.value in own_sites for c in index.sites.starting(start, end))))

        def side_of(cues: list[Cue]) -> tuple[str | None, str | None, list[Evidence]]:
            value = _pick(cues, self._joined(ctx, cues))
            if value is None:
                return None, None, []
            return value, "antecedent", [cite(doc[c.start : c.end], "laterality", value) for c in cues]

        def stated(start: int, end: int) -> list[Cue]:
            """The sides a sentence gives something: a side word naming a site, or "bilateral(ly)" (not
            "right-sided deviation of the stalk", nor where something reaches: "extends into the left sinus")."""
            return [c for c in index.sides.starting(start, end)
                    if (c.value == "bilateral" or self._names_a_site(index, c))
                    and not self._extension.found_in(index.lower[max(c.start - 3, 0) : c.start])]

        # the sentences before the finding's, nearest first: the first one naming what the finding refers back to
        # and giving it a side gives it. Every side word of the sentences nearer than the first one naming the referent, and every side given
        # in a sentence naming it, count against a conflict ("a stone in the right kidney ... a stone in the left
        # kidney ... the stone" gives none); only a side given to something is carried
        end, said, found = ctx.sent.start, set(), None
        while end > 0:
            start = index.sentences.start_of(end - 1)
            if sides_here := index.sides.starting(start, end):
                given = stated(start, end)
                naming = bool(given) and names_it(start, end)
                if found is None:
                    said |= {c.value for c in sides_here}
                    found = given if naming else None
                    if found is not None and basis == "pronoun":
                        break  # a pronoun stands for what was named last
                elif naming:
                    said |= {c.value for c in given}
            end = start
        if found is None or len(said) > 1:
            return None, None, []
        return side_of(found)


def _plural(text: str) -> bool:
    """Does a mention's last word read as a plural noun ("stones", "calculi", "bodies"; not "calculus")?"""
    word = text.split()[-1].lower() if text.split() else ""
    return (word.endswith("s") and not word.endswith(("ss", "us", "is"))) or word.endswith("li")


def _side_values(index: DocIndex) -> frozenset[str]:
    """Every side the document states, read once per document."""
    if index.caches.side_values is None:
        index.caches.side_values = frozenset(c.value for c in index.sides.cues)
    return index.caches.side_values

"""Location: the site a finding is at and the location category it implies (anatomy.yaml `site_categories`)."""

from bisect import bisect_left

from spacy.language import Language
from spacy.matcher import PhraseMatcher

from reportkit.lexicon import Concept, Lexicon
from reportkit.models import Evidence
from reportkit.pipeline.linking.context import FindingContext, cite, span_text
from reportkit.pipeline.linking.cues import Cue
from reportkit.pipeline.linking.index import DocIndex, SortedCues
from reportkit.pipeline.linking.phrases import Clauses, Phrases, predicate_adverb


class SiteReader:
    """Reads site cues as location categories, by the anatomy lexicon's meaning of each site category."""

    def __init__(self, nlp: Language, lexicon: Lexicon, clauses: Clauses) -> None:
        self._readings = lexicon.anatomy.site_categories
        self._beside_category = {s.id: s.beside_category for s in lexicon.anatomy.sites}
        self._mass_category = {s.id: s.mass_category for s in lexicon.anatomy.sites}
        self._site_scope = {s.id: s.scope for s in lexicon.anatomy.sites}
        self._generic_sites = {s.id for s in lexicon.anatomy.sites if s.scope_weak}
        self._unnamed_sites = {s.id for s in lexicon.anatomy.sites if s.names_no_structure}
        self._site_category = {s.id: s.category for s in lexicon.anatomy.sites}
        self._region = {s.id: s.region for s in lexicon.anatomy.sites if s.region}
        self._structure_openers = {*lexicon.linking.noun_links, *lexicon.linking.determiners}
        self._named_after = {s.id: s.named_after for s in lexicon.anatomy.sites if s.named_after}
        self._in_exam_region = {s.id: s.in_exam_region for s in lexicon.anatomy.sites if s.in_exam_region}
        self._beside_bone = Phrases(nlp, lexicon.linking.beside_bone)
        self._projection = Phrases(nlp, lexicon.linking.projection)
        self._coordinators = clauses.coordinators
        self._holder_links = Phrases(nlp, lexicon.linking.holder_links)
        self._containers = Phrases(nlp, lexicon.linking.containers)
        self._held_by_pronoun = {nlp.vocab.strings.add(w) for w in (*lexicon.linking.referring_pronouns, "them")}
        self._copulas = {nlp.vocab.strings.add(w) for w in lexicon.linking.copulas}
        self._predicate_adverbs = frozenset(lexicon.linking.predicate_adverbs)
        self._tendon_diseases = Phrases(nlp, lexicon.linking.tendon_diseases)
        self._likeness = Phrases(nlp, lexicon.linking.likeness)
        self._interpretation_links = Phrases(nlp, lexicon.linking.interpretation_links)
        self._not_at_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._not_at_matcher.add("negative_locative", [nlp.make_doc(p) for p in lexicon.linking.negative_locatives])
        self._alternatives = Phrases(nlp, lexicon.linking.site_alternatives)
        self._phrase_openers = Phrases(nlp, lexicon.linking.determiners + lexicon.linking.prepositions)
        self._clauses = clauses
        self._before = clauses.before
        self._holder_reach = lexicon.linking.holder_reach
        strings = nlp.vocab.strings  # a token's lower-cased word id (:mod:`.phrases`)
        self._semicolon = strings.add(";")
        self._referring = {strings.add(w) for w in (*lexicon.linking.restating_demonstratives,
                                                    *lexicon.linking.referring_pronouns)}
        # names of a muscle whose tendon is a site of its own under the same name: "gluteus medius" (a muscle),
        # "gluteus medius tendon"
        categories = {t.lower(): s.category for s in lexicon.anatomy.sites for t in s.terms}
        self._tendons_by_muscle = {name for name, own in categories.items()
                                   if own != "tendon" and categories.get(f"{name} tendon") == "tendon"}

    def value(self, cue: Cue, relation: str | None, forms_mass: bool = False) -> tuple[str | None, bool]:
        """Location category for a site cue and whether it is only a weak hint.

        A deposit beside an enthesis is at the tendon insertion, but a mass beside it is a soft-tissue mass
        ("calcified mass lateral to the greater trochanter"): ``forms_mass`` keeps the category's own reading.
        """
        reading = self._readings[cue.category]
        if forms_mass and relation != "projection" and self._mass_category[cue.value]:
            return self._mass_category[cue.value], False
        if relation == "beside" and forms_mass and (reading.mass_beside or reading.beside):
            return reading.mass_beside or reading.beside, True
        if relation == "beside" and reading.beside is not None:
            return self._beside_category[cue.value] or reading.beside, True
        return reading.location, reading.weak

    def scope(self, cue: Cue) -> str | None:
        """The body system the site is in (None: the site does not say, as "artery" or "pelvis")."""
        return self._site_scope.get(cue.value)

    def decides(self, cue: Cue) -> bool:
        """Does the site say anything about the category (unlike a body region such as "shoulder")?"""
        return self._readings[cue.category].location is not None

    def relation(self, words: list[int]) -> str | None:
        """How ``words`` (between a finding and a site) place the finding at the site: "projection", "beside" or None.

        The relation word nearest the site decides: "over the extensor surface of the olecranon" places the
        finding beside the bone, not only projected over it.
        """
        projection = [start for start, _ in self._projection.spans_in(words)]
        beside = [start for start, _ in self._beside_bone.spans_in(words)]
        if projection and (not beside or max(projection) > max(beside)):
            return "projection"
        if beside:
            return "beside"
        return None

    def locate(self, ctx: FindingContext, concept: Concept,
               near: list[tuple[Cue, str | None]]) -> tuple[str | None, Cue | None, list[Evidence]]:
        """Location category by precedence: fixed > near site > concept default > weak > sentence > before.

        ``near`` are the finding's :meth:`near_sites`. A site a foreign body is only projected over ("overlying
        the knee") is no location; a stated compartment ("in the subcutaneous tissues overlying the knee")
        is. Returns the category, the site cue and the site evidence.
        """
        doc, group = ctx.doc, ctx.group
        # "projecting over the right upper quadrant": only projected, whatever follows
        projected = self.relation(ctx.index.lower[group.end : ctx.window_end]) == "projection"

        chosen: tuple[Cue, str | None] | None = None
        category: str | None = None
        weak: tuple[Cue, str | None, str | None] | None = None
        # the finding's own phrase names a mass ("calcified mass lateral to ..."): it is a mass, not a deposit
        forms_mass = any(rel is None and self._readings[cue.category].last_resort for cue, rel in near)
        for cue, rel in near:
            # an object only projected over a place is not in it; a calcification seen projecting over an organ
            # on a radiograph is read as lying in it ("calcification projecting over the left midlung"), but one
            # projecting over a bone or joint may be in the tendon, the joint or the bone: the article's open case
            if rel == "projection" and (group.kind == "foreign_body" or self._site_scope.get(cue.value) == "msk"):
                continue
            value, is_weak = self.value(cue, rel, forms_mass)
            if value and not is_weak:
                chosen, category = (cue, rel), value
                if cue.value in self._generic_sites:  # "soft tissue mass of the biceps brachii": the muscle
                    chosen = self._named_instead(cue, value, near) or chosen
                    category = self.value(*chosen)[0] if not forms_mass else category
                break
            if value and (weak is None or self._readings[weak[0].category].last_resort):
                weak = weak if weak and self._readings[cue.category].last_resort else (cue, rel, value)
        site_cue = chosen[0] if chosen else (weak[0] if weak else (near[0][0] if near else None))
        if chosen is not None and self._muscles_tendon(ctx, chosen[0], concept.default_location == "tendon"):
            category = "tendon"  # "calcific tendinitis of the gluteus medius": a tendon disease of its tendon

        if concept.location:
            category = concept.location
        elif chosen is not None and self._has_alternative(ctx, chosen[0], category):
            category = None  # "tendinous or capsular": the writer leaves the location open
        elif category is None:
            holder = self._holder_site(ctx)
            if group.kind == "foreign_body" and projected:
                category = None
            elif holder is not None:
                category = self.value(holder, None)[0]
                site_cue = holder  # the place that decided, not a bone the holder only lies beside
            elif concept.default_location:
                category = concept.default_location
            elif weak and not (weak[1] == "beside" and weak[0].category == "bone" and self._like_another(ctx)):
                category = weak[2]
            elif not near:  # a region named near the finding ("in the shoulder") is the writer's answer
                fallback = self._sentence_site(ctx) or (None if self._inside_another(ctx) else self._earlier_site(ctx))
                category = self.value(fallback, None)[0] if fallback else None
                site_cue = site_cue or fallback
        if category == "soft_tissue" and not concept.location and site_cue and self._muscles_tendon(ctx, site_cue):
            category = "tendon"  # "gluteus medius tendinopathy with a small intrasubstance calcification"
        if site_cue is None:  # still name the site the sentence gives, for the reader
            site_cue = self._sentence_site(ctx)
        if site_cue is None:
            return category, None, []
        if not concept.location and site_cue.value in self._in_exam_region and category == self.value(site_cue, None)[0]:
            category = self._exam_reading(ctx, site_cue) or category
        span = doc[site_cue.start : site_cue.end]
        return category, site_cue, [cite(span, "site", category)]

    def _muscles_tendon(self, ctx: FindingContext, cue: Cue, tendon_disease: bool = False) -> bool:
        """Does the muscle ``cue`` names stand for its tendon: in a tendon disease's finding (``tendon_disease``),
        or before a word naming one ("gluteus medius tendinopathy with a small intrasubstance calcification")?"""
        return (span_text(ctx.doc[cue.start : cue.end]).lower() in self._tendons_by_muscle
                and (tendon_disease or self._tendon_diseases.starts_at(ctx.index.lower, cue.end)))

    def _named_instead(self, generic: Cue, category: str,
                       near: list[tuple[Cue, str | None]]) -> tuple[Cue, str | None] | None:
        """A named structure later in the finding's own phrase, to stand for a generic site: of the same category,
        or any soft-tissue structure when the generic word names none ("soft tissue calcification in the
        supraspinatus tendon")."""
        any_category = generic.value in self._unnamed_sites
        for cue, rel in near:
            if cue.start <= generic.start or cue.value in self._generic_sites:
                continue
            if rel is None and self.value(cue, None) == (category, False):
                return cue, None
            if any_category and rel != "projection":
                value, weak = self.value(cue, rel)
                # a bone or an organ only says whose soft tissue it is ("the volar soft tissues of the phalanx")
                if value not in (None, "other") and not weak:
                    return cue, rel
        return None

    def site_text(self, ctx: FindingContext, cue: Cue) -> str:
        """The site as the report names it; a shape read as a site ("paralleling the subchondral bone") is named by
        the structure it follows when the text names one right after it ("... of the lateral femoral condyle"), else by
        its site word alone."""
        doc, index = ctx.doc, ctx.index
        word = self._named_after.get(cue.value)
        if word is not None:
            structure = next(iter(index.sites.starting(cue.end, min(cue.end + 5, ctx.sent.end))), None)
            if structure is not None and not any(index.punct[cue.end : structure.start]):
                start = cue.end
                while start < structure.start and doc[start].lower_ in self._structure_openers:
                    start += 1
                return f"{span_text(doc[start : structure.end])} {word}"
            return word
        return span_text(doc[cue.start : cue.end])

    def _exam_reading(self, ctx: FindingContext, cue: Cue) -> str | None:
        """The category a generic site word has in the region the exam title names ("bursal" on a shoulder
        radiograph is the bursa beside the cuff), else None."""
        index = ctx.index
        for section in index.sections:
            if section.category != "exam":
                continue
            start = ctx.doc.char_span(section.start, section.end, alignment_mode="expand")
            if start is None:
                continue
            for site in index.sites.starting(start.start, start.end):
                named = self._in_exam_region[cue.value].get(self._region.get(site.value) or "")
                if named is not None:
                    return self._readings[self._site_category[named]].location
        return None

    def _has_alternative(self, ctx: FindingContext, site: Cue, category: str | None) -> bool:
        """Whether the sentence sets ``site`` against another site of a different location category as its
        alternative: only an alternative word, determiners, prepositions and no punctuation stand between them."""
        index, sent, reach = ctx.index, ctx.sent, self._clauses.after
        # only a site ending at most ``reach`` words before it or starting at most that many after can be one
        nearby = index.sites.ending(site.start - reach - 1, site.start) + index.sites.starting(site.end, site.end + reach + 1)
        for other in nearby:
            if other is site or not sent.start <= other.start < sent.end or not self.decides(other):
                continue
            first, second = (other, site) if other.start < site.start else (site, other)
            if first.end > second.start or second.start - first.end > self._clauses.after:
                continue
            words = index.lower[first.end : second.start]
            if any(index.punct[first.end : second.start]) or not self._alternatives.found_in(words):
                continue
            rest = [i for i in range(len(words)) if not (self._alternatives.starts_at(words, i)
                                                        or self._phrase_openers.starts_at(words, i))]
            if rest:
                continue
            value, _ = self.value(other, None)
            if value is not None and value != category:
                return True
        return False

    def near_sites(self, ctx: FindingContext) -> list[tuple[Cue, str | None]]:
        """Sites modifying the finding (nearest first), then sites in its own phrase (the head of a run of them
        first), each with its relation."""
        group, index = ctx.group, ctx.index
        near: list[tuple[Cue, str | None]] = []
        for cue in index.sites.ending(group.start - self._before, group.end):
            if cue.start >= ctx.sent.start:
                gap = slice(cue.end, group.start)
                joined = any(index.punct[gap]) or self._coordinators.found_in(index.lower[gap])
                if cue.end >= group.start or not joined:
                    near.append((cue, None))
        near.reverse()  # nearest pre-modifier first
        run: list[tuple[Cue, str | None]] = []  # sites right after one another: one noun phrase
        for cue in index.sites.starting(group.end, ctx.window_end):
            if self._in_another_phrase(ctx, cue):
                break  # it and the sites after it are another thing's ("in the pelvis and a left ovarian cyst")
            if run and run[-1][0].end != cue.start:
                near += _head_first(run)
                run = []
            run.append((cue, self.relation(index.lower[group.end : cue.start])))
        return near + _head_first(run)

    def _in_another_phrase(self, ctx: FindingContext, cue: Cue) -> bool:
        """Is the site after the finding in a noun phrase coordinated with the finding's (its determiners and
        adjectives, then its sides and sites) that names another finding or a lesion?"""
        index = ctx.index
        after = self._clauses.after_last_coordinator(index, ctx.group.end, cue.start)
        if after is None:
            return False
        opening = after
        while opening < cue.start and index.sides.containing(opening, opening + 1) is None:
            opening += 1  # the words opening the phrase ("a", "a moderate"), up to its sides and sites
        return (self._clauses.opens_noun_phrase(index, after, opening)
                and self._clauses.heads_another_thing(index, opening, ctx.sent.end, any_noun=False))

    def _holder_site(self, ctx: FindingContext) -> Cue | None:
        """The first site that decides (not a limb or region) in the phrase of the structure holding the finding
        ("a soft-tissue mass of the finger with calcifications"), when a holder word stands just before it, or a
        container and a pronoun just after it ("... calcifications within it"), or in the subject of the clause the
        finding is the predicate of ("the triangular fibrocartilage ... is calcified")."""
        index, start, doc = ctx.index, ctx.group.start, ctx.doc
        end = ctx.group.last_end
        copula = self._copula_before(ctx)
        if copula is not None:
            # "the triangular fibrocartilage at the left wrist is also calcified": the predicate lies in its subject
            return self._deciding_site(ctx, copula)
        if (end + 1 < ctx.sent.end and self._containers.starts_at(index.lower, end)
                and index.lower[end + 1] in self._held_by_pronoun):
            # "a lesion in the proximal phalanx, with endosteal scalloping and ring-like calcifications within it":
            # the finding lies in what its clause named before it
            return self._deciding_site(ctx, start)
        # the holder word lies within the window's reach in words: a hyphenated modifier ("ring-and-arc") is one
        lo, words = start, 0
        while lo > ctx.sent.start and words < self._holder_reach:
            lo -= 1
            words += lo == ctx.sent.start or bool(doc[lo - 1].whitespace_)
        link = next((i for i in range(start - 1, lo - 1, -1) if self._holder_links.starts_at(index.lower, i)), None)
        # a comma or stop between the holder word and the finding ends the holder's phrase; a hyphen inside a
        # word ("with ring-and-arc calcifications") does not
        if link is None or any(index.punct[i] and (doc[i - 1].whitespace_ or doc[i].whitespace_)
                               for i in range(link, start)):
            return None
        # "consistent with a glass fragment" interprets; it names no structure holding the finding
        if self._interpretation_links.ends_at(index.lower, link + 1):
            return None
        return self._deciding_site(ctx, link)

    def _copula_before(self, ctx: FindingContext) -> int | None:
        """The copula the finding is the predicate of ("... is also calcified"): the token before it, its adverbs
        aside, else None."""
        i = ctx.group.start - 1
        while i > ctx.sent.start and predicate_adverb(ctx.doc[i].lower_, self._predicate_adverbs):
            i -= 1
        return i if i >= ctx.sent.start and ctx.index.lower[i] in self._copulas else None

    def _deciding_site(self, ctx: FindingContext, end: int) -> Cue | None:
        """The first site that decides a category (not a limb or region) in the finding's clause before ``end``; a
        named structure outranks a generic word ("soft tissue mass of the biceps brachii")."""
        index = ctx.index
        found = self._clauses.breaks.last_start(index.lower, ctx.sent.start, end)
        clause_start = ctx.sent.start if found is None else found + 1
        deciding = [cue for cue in index.sites.starting(clause_start, end)
                    if cue.end <= end and self._readings[cue.category].location is not None
                    and not self._readings[cue.category].weak]
        return next((c for c in deciding if c.value not in self._generic_sites), deciding[0] if deciding else None)

    def clause_sites(self, ctx: FindingContext, start: int, end: int) -> list[tuple[Cue, str | None]]:
        """The sites of another finding's clause (tokens ``start:end``) in text order, each with its relation to
        the words before it, when one of them decides a category: the site of the finding an interpretation
        refers to (:mod:`.antecedent`)."""
        index = ctx.index
        sites: list[tuple[Cue, str | None]] = []
        previous_end = start
        for cue in index.sites.starting(start, end):
            sites.append((cue, self.relation(index.lower[previous_end : cue.start])))
            previous_end = cue.end
        return sites if any(self.decides(cue) for cue, _ in sites) else []

    def without_negative_locatives(self, index: DocIndex) -> SortedCues:
        """The document's sites less those a negative locative names ("separate from the joint", "not involving
        the tendon or bursa"): the first site after the phrase in its clause, and the sites coordinated with it."""
        lower, punct, sites = index.lower, index.punct, index.sites
        if not sites.cues:
            return sites
        dropped: set[int] = set()  # ids of the cues a negative locative names
        for _, phrase_end in self._negative_locatives_before_sites(index.doc, sites):
            previous_end = phrase_end
            for cue in sites.starting(phrase_end, phrase_end + self._clauses.after):
                gap = lower[previous_end : cue.start]
                if any(punct[previous_end : cue.start]) or self._clauses.breaks.found_in(gap):
                    break
                if previous_end > phrase_end and not self._coordinators.found_in(gap):
                    break  # "not involving the tendon with fluid in the bursa": the bursa is a place again
                dropped.add(id(cue))
                previous_end = cue.end
        if not dropped:
            return sites
        return SortedCues([c for c in sites.cues if id(c) not in dropped])

    def _negative_locatives_before_sites(self, doc, sites: SortedCues) -> list[tuple[int, int]]:
        """(start, end) of each negative locative that ends at most a clause's reach before some site, the longest
        at each start and none overlapping, as :meth:`Phrases.spans_in` reads them; found in one PhraseMatcher
        pass, since a report rarely holds one."""
        spans = sorted(((start, end) for _, start, end in self._not_at_matcher(doc)), key=lambda m: (m[0], -m[1]))
        kept: list[tuple[int, int]] = []
        for start, end in spans:
            if not kept or start >= kept[-1][1]:
                kept.append((start, end))
        starts = [c.start for c in sites.cues]
        return [(start, end) for start, end in kept
                if (i := bisect_left(starts, end)) < len(starts) and starts[i] - end < self._clauses.after]

    def _deciding(self, ctx: FindingContext) -> tuple[SortedCues, SortedCues, SortedCues]:
        """The document's sites that decide a category: all, the usual ones, and the last resorts."""
        caches = ctx.index.caches
        if caches.deciding_sites is None:
            deciding = [c for c in ctx.index.sites.cues if self.decides(c)]
            usual = [c for c in deciding if not self._readings[c.category].last_resort]
            last_resort = [c for c in deciding if self._readings[c.category].last_resort]
            caches.deciding_sites = (SortedCues(deciding), SortedCues(usual), SortedCues(last_resort))
        return caches.deciding_sites

    def _sentence_site(self, ctx: FindingContext) -> Cue | None:
        """The named site nearest the finding elsewhere in its sentence, within its statement: a semicolon ends one
        ("lap chole for gallstones; removal of FB L eye"). A statement after a semicolon that refers back with a
        demonstrative or pronoun ("...; this is a 6 mm calcific deposit") still reads the one before it."""
        _, usual, last_resort = self._deciding(ctx)
        lower, start, end = ctx.index.lower, ctx.sent.start, ctx.sent.end
        end = next((i for i in range(ctx.group.end, end) if lower[i] == self._semicolon), end)
        opened = max((i + 1 for i in range(start, ctx.group.start) if lower[i] == self._semicolon), default=start)
        if not self._referring.intersection(lower[opened:ctx.group.start]):
            start = opened
        # a last resort ("mass") only when the sentence names no other site
        return (usual.nearest(ctx.group.start, start, end)
                or last_resort.nearest(ctx.group.start, start, end))

    def _like_another(self, ctx: FindingContext) -> bool:
        """Does the finding's own phrase say it is like one named before ("smaller similar deposit", "of the same
        appearance")? Its words from the phrase's start (a stop or a comma) to the phrase's end."""
        index, start = ctx.index, ctx.group.start
        while start > ctx.sent.start and start > ctx.group.start - self._before and not index.punct[start - 1]:
            start -= 1
        return self._likeness.found_in(index.lower[start : ctx.window_end])

    def _inside_another(self, ctx: FindingContext) -> bool:
        """Does the finding's own phrase place it inside another finding ("mineralisation within the tophus")?"""
        end, index = ctx.group.end, ctx.index
        return (end < ctx.window_end and self._containers.starts_at(index.lower, end)
                and bool(index.groups_starting(end + 1, ctx.window_end + 1)))

    def _earlier_site(self, ctx: FindingContext) -> Cue | None:
        """The last named site before the sentence, within its section."""
        earlier = self._deciding(ctx)[0].ending(-1, ctx.sent.start)
        if earlier and ctx.doc[earlier[-1].start].idx >= ctx.section.start:
            return earlier[-1]
        return None


def _head_first(run: list[tuple[Cue, str | None]]) -> list[tuple[Cue, str | None]]:
    """Sites named right after one another, the head (last) first when they are of different categories: "in the
    right lower lobe pulmonary artery" is in an artery, not the lung. Of one category, the words before say more of
    it than a generic head ("right hepatic lobe": the liver's)."""
    return run[::-1] if len({cue.category for cue, _ in run}) > 1 else run


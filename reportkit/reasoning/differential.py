"""Step 2 of the article: the location's differential (Table 1), ranked by pattern cues and context.

Also what the ranking is used for: the one suggestion the evidence supports, the notes,
warnings and phase shown beside it, and the diagnosis label of a finding whose text names none
(a specific suggestion, else the first matching rule of lexicons/diagnosis_rules.yaml).
"""

from __future__ import annotations

import re

from reportkit.lexicon import AgeRange, Concept, Cue, DiagnosisRule, Entity, Lexicon
from reportkit.models import Assessment, DifferentialItem, Finding
from reportkit.reasoning.context import TOP, ReportContext
from reportkit.reasoning.scope import MSK, UNKNOWN
from reportkit.text import find_words, words_pattern

SHOWN = 5  # items of the differential an assessment lists


class DifferentialRanker:
    """Step 2: score each Table 1 entity for a finding by its prior and the cues the report shows."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.differential = lexicon.differential
        self.entities = {e.id: e for e in self.differential.entities}
        self._concepts = {e.id: frozenset(e.concepts) for e in self.differential.entities}
        self._entities_naming: dict[str, list[Entity]] = {}  # concept -> the entities it names, in lexicon order
        for entity in self.differential.entities:
            for concept in entity.concepts:
                self._entities_naming.setdefault(concept, []).append(entity)
        # concepts that name one diagnosis ("calcific tendinitis", "phlebolith"), not one entities of several share
        # ("calcinosis": of SSc, of dermatomyositis or of renal failure, which is what a suggestion would add)
        diagnoses: dict[str, set[str | None]] = {}
        for entity in self.differential.entities:
            for concept in entity.concepts:
                diagnoses.setdefault(concept, set()).add(entity.diagnosis)
        identifying = {c for c, named in diagnoses.items() if len(named) == 1}
        # entity -> the concept of its own name (the first it lists, when that names one diagnosis): "calcific
        # tendinitis" names HADD
        self._own_concepts = {e.id: frozenset(e.concepts[:1]) & identifying for e in self.differential.entities}
        # the appearances the article calls characteristic of an entity, all of them and each entity's
        self._descriptors_of = {e.id: frozenset(c.descriptor for c in e.cues if c.descriptor and c.specific)
                                for e in self.differential.entities}
        self._characteristic_descriptors = frozenset().union(*self._descriptors_of.values())
        # entity -> every concept that names it alone ("chondrocalcinosis" names CPPD)
        self._naming_concepts = {e.id: frozenset(e.concepts) & identifying for e in self.differential.entities}
        # site term -> the body region of a site found in one region only (a meniscus: the knee)
        self._site_regions = {term: site.region for site in lexicon.anatomy.sites
                              if site.region and not site.in_every_region for term in site.terms}
        # the site terms that place a deposit in a row of Table 1 (a tendon, a joint), unlike a region or a limb
        readings = lexicon.anatomy.site_categories
        self._row_terms = {term: readings[site.category].location for site in lexicon.anatomy.sites
                           for term in site.terms
                           if readings[site.category].location and not readings[site.category].weak}
        self._coordination = words_pattern(self.differential.coordination)
        self._site_ids = {term: site.id for site in lexicon.anatomy.sites for term in site.terms}
        # ossifications a report names by a name of their own that no entity ranks and that carry only a broad label
        # ("OPLL", "an ossified stylohyoid ligament"): none of Table 1's ossifications, so the advice gives none
        ranked = {c for e in self.differential.entities for c in e.concepts}
        broad = set(lexicon.lint.broad_diagnoses)
        self._unranked = frozenset(c.id for c in lexicon.concepts.concepts if c.role == "specific"
                                   and c.kind == "ossification" and c.diagnosis in broad and c.id not in ranked)
        # entities whose concept the report may name without placing them: a concept no entity free of a required
        # site ranks ("syndesmophyte"). CPPD named outright is no intradiscal CPPD until a disc is named.
        unplaced = {c for e in self.differential.entities if not e.requires_site for c in e.concepts}
        self._named_places = frozenset(e.id for e in self.differential.entities
                                       if e.requires_site and not unplaced.intersection(e.concepts))
        # (location, kind) -> the entities possible there with their priors: lexicon data, fixed for the ranker
        self._possible: dict[tuple[str | None, str], list[tuple[Entity, int]]] = {}

    def rank(self, finding: Finding, kind: str, ctx: ReportContext, scope: str | None = None) -> list[DifferentialItem]:
        """The entities possible at the finding's location for ``kind``, best score first.

        With a ``scope`` (the ranking given as advice), only entities valid in that body system, and a word
        counts only where it belongs to the deposit: a required site in its site (in its clause when it states
        none), a ``requires_own`` word in its site or clause, an ``owned``
        cue's words in its clause, a cue with ``unless`` words not where its clause holds one. Without one
        (the diagnosis label's ranking, unchanged), the sentence and report words count as they stand and
        ``advice_only`` entities are left out.
        """
        items = []
        advice = scope is not None
        if advice and (scope != MSK or finding.concept in self._unranked):
            return items  # the article advises on musculoskeletal soft tissue: a deposit of another body system, or
            # of none known, keeps its label and gets no differential (a calcified coronary artery is not the
            # article's to rank)
        # the article locates a musculoskeletal calcification before ranking its causes (second step): unlocated,
        # the advice lists only what the report names, a required site places, or a specific cue supports
        unlocated = scope == MSK and finding.location_category is None and kind != "foreign_body"
        # the label keeps to the body system too when the finding's is known: an article entity is no cause of a
        # deposit elsewhere ("annular calcification" of a heart valve is no intradiscal CPPD)
        known = finding.scope if finding.scope not in (None, UNKNOWN) else None
        possible = self._possible_at(finding.location_category, kind)
        # an entity the report names is possible wherever the deposit lies ("a tophus within the Achilles tendon")
        listed = {entity.id for entity, _ in possible}
        named_here = {e.id: e for c in finding.named_concepts for e in self._entities_naming.get(c, ())}
        named = [(entity, 0) for entity in self.differential.entities
                 if entity.id in named_here and entity.id not in listed]
        for entity, prior in possible + named:
            if (scope not in entity.scopes) if advice else (entity.advice_only or (known and known not in entity.scopes)):
                continue
            is_named = not self._concepts[entity.id].isdisjoint(finding.named_concepts)
            # a required site keeps an entity from being guessed elsewhere; one the report names needs none
            places = is_named and entity.id in self._named_places
            if entity.requires_site and not places and not (
                self._own_site(entity.requires_site, finding, ctx) if advice
                else (ctx.site_match(entity.requires_site, finding)
                      or ctx.find_in_sentence(entity.requires_site, finding))):
                continue
            # the deposit's own name is its own word ("incidental spur": an enthesophyte wherever it is written)
            own_name = is_named or (
                bool(entity.named_by) and find_words(tuple(entity.named_by), finding.text) is not None)
            if advice and entity.requires_own and not own_name and not ctx.find_own(entity.requires_own, finding):
                continue
            if advice and entity.ruled_out_by and ctx.find(entity.ruled_out_by) is not None:
                continue
            supporting, specific, score = [], False, prior
            own = False  # a characteristic cue of the deposit's own (see _own_cue)
            for cue in entity.cues:
                why = self._cue_matches(cue, finding, ctx, advice)
                if why:
                    supporting.append(why)
                    score += cue.weight
                    specific |= cue.specific
                    own |= cue.specific and advice and self._own_cue(cue, finding, ctx)
            placed = bool(entity.requires_site) and not places  # its required site is the deposit's own (above)
            if unlocated and not (is_named or placed or specific):
                continue
            if is_named:
                score += self.differential.named_bonus
                supporting.insert(0, "named in the report")
            if score <= 0:
                continue
            item = DifferentialItem(
                id=entity.id, literal=entity.literal, diagnosis=entity.diagnosis, score=score, named=is_named,
                supporting=supporting, specific=specific or is_named,
                warning=entity.warning if entity.warning and specific else None,
            )
            # the row's most frequent cause (Table 1's bold entry) in a structure of that row the deposit's own
            # sentence names is the deposit's own evidence too ("calcification in the supraspinatus tendon": HADD),
            # unless the deposit's appearance is another entity's characteristic one ("sheet-like calcification in
            # the fascia": dermatomyositis's)
            others = self._characteristic_descriptors - self._descriptors_of[entity.id]
            item._own_evidence = is_named or own or (
                prior >= self.differential.bold_prior and self._placed_in_row(finding, ctx)
                and ctx.descriptors(finding).isdisjoint(others))
            items.append(item)
        # the report's own interpretation leads (`named_bonus` makes it so on most scores; a tie with report-wide cues
        # must not hand the lead to an entity it did not name); of equal scores, the one the report names for another
        # of its mentions (the impression's reading of the lesion a findings sentence describes)
        named_elsewhere = {i.id for i in items if not self._own_concepts[i.id].isdisjoint(ctx.named_concepts)}
        items.sort(key=lambda i: (not i.named, -i.score, i.id not in named_elsewhere))
        if advice:
            # an entity that leads only on a specific cue gives the lead to the best entity free of that need
            lead = next((i for i in items if not self._needs_cue(i)), None)
            if lead is not None and lead is not items[0]:
                items.remove(lead)
                items.insert(0, lead)
        return items

    @staticmethod
    def _own_cue(cue: Cue, finding: Finding, ctx: ReportContext) -> bool:
        """Is a cue that holds the deposit's own evidence: its descriptor or site, words of its sentence (an
        ``owned`` cue's: of its clause), or words of the study's clinical context (its exam title, history or
        indication: "HISTORY: contusion three weeks ago")? Not words that describe something else elsewhere in the
        report."""
        if cue.descriptor or cue.site or cue.site_of or cue.owned or cue.sentence:
            return True
        if not cue.document:
            return False
        if ctx.find_own(cue.document, finding) is not None:
            return True
        hit = ctx.find(cue.document, finding)
        return hit is not None and any(lo <= hit.start < hi for lo, hi in ctx.clinical_context)

    def _placed_in_row(self, finding: Finding, ctx: ReportContext) -> bool:
        """Does the deposit's own sentence name a structure of its row, of a row whose structure names its cause
        (a tendon), not only a region, a limb or a bone it lies by?"""
        if finding.location_category not in self.differential.rows_naming_their_cause:
            return False
        return any(ev.role == "site" and finding.sentence_start <= ev.start < finding.sentence_end
                   and ev.text.lower() in self._row_terms
                   and self._row_terms[ev.text.lower()] == finding.location_category
                   and ctx.affirmed(ev.start, ev.end, finding) for ev in finding.evidence)

    def _needs_cue(self, item: DifferentialItem) -> bool:
        """Is ``item`` an entity that may not lead (``lead_needs_cue``) and lacks the specific cue that would let it?"""
        return self.entities[item.id].lead_needs_cue is not None and not item.specific

    def suggestion(self, items: list[DifferentialItem]) -> DifferentialItem | None:
        """The top item, only when the evidence for it is specific and it leads."""
        if not items or not items[0].specific:
            return None
        if len(items) > 1 and items[0].score - items[1].score < self.differential.specific_margin:
            return None
        return items[0]

    def annotate(self, assessment: Assessment, finding: Finding, items: list[DifferentialItem],
                 ctx: ReportContext) -> None:
        """Put the ranked ``items`` on ``assessment`` with the suggestion, warnings, notes and phase."""
        # the report names the leading entity outright (for this deposit, or for one like it: a findings mention
        # the impression names is not always merged with it): that is its own diagnosis, so reportkit suggests
        # nothing and offers no differential as advice; the ranking stays as data
        leader = self.entities[items[0].id] if items else None
        assessment.named_by_report = leader is not None and self._named_by_report(leader, finding, ctx)
        # a deposit whose own sentence names another entity of the ranking has been read its own way ("pre-op
        # diagnosis: pilomatrixoma, left cheek (US: calcified subcutaneous nodule)"): a differential led by
        # something else would contradict it, so it stays data
        if not assessment.named_by_report:
            assessment._read_as = frozenset(
                i.id for i in items[1:] if self.entities[i.id].named_by
                and ctx.find_in_sentence(self.entities[i.id].named_by, finding) is not None
            ) or self._read_for_like_deposit(items, finding, ctx)
        read_otherwise = bool(assessment._read_as)
        # advice rests on a deposit the report asserts, in a row its own sentence settles: a hedged one, or one
        # placed by another sentence or by default (ReportContext.row_settled), keeps its ranking as data only
        unsettled = not ctx.row_settled(finding)
        # and on a lead the deposit's own evidence gives: a report's history or another sentence's words alone
        # ("postoperative", "known scleroderma") rank the entities but are no reason to advise on this deposit
        assessment.differential_offered = bool(items) and items[0]._own_evidence and not (
            assessment.named_by_report or read_otherwise or finding.uncertain or unsettled)
        top = self.suggestion(items) if assessment.differential_offered else None
        # one report's advice is given once: a deposit whose suggestion or differential an earlier deposit of the
        # report was given (the calcinosis of each finger, the calf's and the thigh's) keeps it as data
        advice = (top.id,) if top else tuple(i.id for i in items[:TOP]) if assessment.differential_offered else None
        repeated = advice is not None and not ctx.first_time(advice)
        if repeated:
            assessment.differential_offered, top = False, None
        assessment.differential = items[:SHOWN]
        if top:
            assessment.suggested_diagnosis = top.diagnosis
            assessment.suggested_entity = top.id
        descriptors = ctx.descriptors(finding)
        # the leading entity's notes and warnings, and an alternative's only when it scores close to the lead and the
        # report has not named the lead (its alternatives are then data, like the ranking)
        margin = self.differential.alternative_notes_margin
        # a hedged deposit, or one whose row is open: no note or warning of what it would be; nor again for a
        # deposit whose advice was given
        # notes and warnings go with a differential given as advice, or with the diagnosis the report names (a
        # note on CPPD in a younger patient): beside a ranking kept as data they would be advice on a lead the
        # deposit's evidence does not give
        shown = [] if finding.uncertain or unsettled or repeated else (
            items[:TOP] if assessment.differential_offered else items[:1] if assessment.named_by_report else [])
        for item in (i for i in shown if items[0].score - i.score <= margin):
            entity = self.entities[item.id]
            # a warning keeps a reader from mistaking the entity for its mimic: the report naming it has not
            if item.warning and not (entity is leader and assessment.named_by_report) and ctx.first_time(item.warning):
                assessment.warnings.append(item.warning)
            for note in entity.notes:
                if (note.when_sentence and ctx.find_in_sentence(note.when_sentence, finding)) or (
                    set(note.when_descriptors) & descriptors
                ) or (note.when_age and _in_range(note.when_age, ctx.age)):
                    if (note.for_age is None or ctx.age is None or _in_range(note.for_age, ctx.age)) and not (
                            note.satisfied_by and ctx.find(note.satisfied_by) is not None
                    ) and ctx.first_time(note.text):
                        assessment.notes.append(note.text)
        if leader:
            for phase in leader.phases:
                if set(phase.descriptors_any) & descriptors:
                    assessment.phase = phase.name
                    break

    def _read_for_like_deposit(self, items: list[DifferentialItem], finding: Finding,
                               ctx: ReportContext) -> frozenset[str]:
        """The entities of the ranking that the report's reading names for a deposit like this one, which names
        none itself: a mention of the impression, or a hedged one ("features favour ..."), on no other side, in no
        other body region, and, when that mention's own sentence places it, in the same row ("Linear calcification
        within the triangular fibrocartilage and faint calcification of the scapholunate ligament. ... Opinion:
        findings favour CPPD arthropathy of the L wrist"). The writer has read the deposit: a differential led by
        another entity would contradict that reading, and one led by it would repeat it. A findings sentence
        naming another deposit outright ("Small posterior calcaneal enthesophyte") reads that one, and the
        clinical question is no reading."""
        if any(i.named for i in items):
            return frozenset()  # the deposit's own words name what it is
        ranked = {i.id for i in items}
        read = set()
        for mention in ctx.naming_findings:
            if (mention.start == finding.start or mention.section == "indication"
                    or not (mention.section == "impression" or mention.uncertain) or not self._like(mention, finding)):
                continue
            read.update(e for e in ranked if not self._naming_concepts[e].isdisjoint(mention.named_concepts))
        return frozenset(read)

    def _like(self, mention: Finding, finding: Finding) -> bool:
        """Could ``mention`` be of the same deposit as ``finding``, by its side, region and (placed by its own
        sentence) row?"""
        sides = {mention.laterality, finding.laterality} - {None, "bilateral"}
        regions = {self._site_regions.get((f.site or "").lower()) for f in (mention, finding)} - {None}
        placed = any(ev.role == "site" and mention.sentence_start <= ev.start < mention.sentence_end
                     and ev.text.lower() in self._row_terms for ev in mention.evidence)
        rows = {mention.location_category, finding.location_category} - {None} if placed else set()
        return len(sides) < 2 and len(regions) < 2 and len(rows) < 2

    def _named_by_report(self, entity: Entity, finding: Finding, ctx: ReportContext) -> bool:
        """Does the report name ``entity`` itself, for this deposit or one like it (a findings mention the impression
        names is not always merged with it), hedged or not: by the concept of its own name, by its names
        (``named_by``), or by a word that makes a mention of it the entity in that mention's sentence
        (``named_in_sentence``: "calcinosis in keeping with known dermatomyositis"), or anywhere in a clinical
        note or when the report names a deposit by the entity's own word ("Known JDM. ... calcinosis")?"""
        if not self._own_concepts[entity.id].isdisjoint(ctx.named_concepts):
            return True
        if entity.named_by and ctx.find(entity.named_by) is not None:
            return True
        if not entity.named_in_sentence:
            return False
        concepts = self._concepts[entity.id]
        # the note's author attributes what it records: its history names the cause; and a report that names its
        # deposits by the entity's own word ("calcinosis", here or in the impression) and affirms the cause
        # anywhere ("known juvenile dermatomyositis") has given its reading
        if ctx.clinical_note or not (concepts.isdisjoint(finding.named_concepts)
                                     and concepts.isdisjoint(ctx.named_concepts)):
            return ctx.find(entity.named_in_sentence) is not None
        mentions = [finding, *(f for f in ctx.naming_findings if not concepts.isdisjoint(f.named_concepts))]
        return any(ctx.find_in_sentence(entity.named_in_sentence, m) is not None for m in mentions)

    def _cue_matches(self, cue: Cue, finding: Finding, ctx: ReportContext, advice: bool = False) -> str | None:
        """Why ``cue`` holds for the finding (shown as supporting evidence), else None (``advice``: see rank)."""
        if cue.descriptor:
            return cue.descriptor.replace("_", " ") if cue.descriptor in ctx.descriptors(finding) else None
        if advice and cue.owned and (cue.sentence or cue.document):
            own = ctx.find_own(cue.sentence or cue.document, finding)
            return f"'{own.group(0) if isinstance(own, re.Match) else own.text}' in its clause" if own else None
        if cue.sentence:
            hit = ctx.find_in_sentence(cue.sentence, finding)
            if hit and advice and cue.unless and _clause_holds(ctx, hit, cue.unless, finding):
                return None
            return f"'{hit.text}' in the sentence" if hit else None
        if cue.site or cue.site_of:
            m = ctx.site_match(cue.site, finding) if cue.site else None
            if m is None and self._site_ids.get((finding.site or "").lower()) in cue.site_of:
                m = ctx.site_match([finding.site.lower()], finding)
            return f"site '{m.group(0)}'" if m else None
        if cue.document:
            hit = ctx.find(cue.document, finding)
            if hit and advice and cue.unless:
                hit = next((h for h in ctx.words.find_all(tuple(cue.document), exempt=(finding.start, finding.end))
                            if not _clause_holds(ctx, h, cue.unless, finding)), None)
            return f"'{hit.text}' in the report" if hit else None
        if cue.age and _in_range(cue.age, ctx.age):
            return f"age {ctx.age}"
        return None

    def _possible_at(self, location: str | None, kind: str) -> list[tuple[Entity, int]]:
        """The entities with a prior at ``location`` for ``kind``, and that prior, in lexicon order."""
        key = (location, kind)
        possible = self._possible.get(key)
        if possible is None:
            possible = self._possible[key] = [(entity, prior) for entity in self.differential.entities
                                              if (prior := self._prior(entity, location, kind)) is not None]
        return possible

    def _own_site(self, words: list[str], finding: Finding, ctx: ReportContext):
        """A required site word of the deposit: in its site, or in its own clause; when the deposit states a site
        of its own, a clause word joined to it by a ``coordination`` word names another structure
        ("calcifications in both breasts as well as normal axillary lymph nodes")."""
        hit = ctx.find_own(words, finding)
        if hit is None or isinstance(hit, re.Match) or not finding.site:
            return hit
        gap = ctx.text[finding.end:hit.start] if hit.start >= finding.end else ctx.text[hit.end:finding.start]
        return None if self._coordination.search(gap) else hit

    @staticmethod
    def _prior(entity: Entity, location: str | None, kind: str) -> int | None:
        """The entity's prior at ``location`` (the lowest over locations when none is stated)."""
        if location is None:
            values = [p[kind] for p in entity.priors.values() if kind in p]
            return min(values) if values else None
        return entity.priors.get(location, {}).get(kind)


def _clause_holds(ctx: ReportContext, hit, words: list[str], finding: Finding) -> bool:
    """Whether the clause of ``hit`` (a cue's words) also holds one of ``words`` ("contrast injection")."""
    start, end = ctx.clause_of(hit.start, hit.end, finding)
    return find_words(tuple(words), ctx.text[start:end]) is not None


def _in_range(bounds: AgeRange, age: int | None) -> bool:
    """Whether a stated ``age`` lies in the inclusive ``bounds``."""
    return age is not None and (bounds.min is None or age >= bounds.min) and (bounds.max is None or age <= bounds.max)


class DiagnosisInferrer:
    """A diagnosis label for a finding whose text names none: a specific suggestion, else a lexicon rule."""

    def __init__(self, lexicon: Lexicon, ranker: DifferentialRanker) -> None:
        self.lexicon = lexicon
        self.ranker = ranker

    def infer(self, finding: Finding, items: list[DifferentialItem],
              ctx: ReportContext) -> tuple[str | None, str | None]:
        """(label, why) from the ranked ``items``; ``why`` is None when a rule names the label outright."""
        top = self.ranker.suggestion(items)
        if top and top.diagnosis:
            return top.diagnosis, f"differential: {top.literal} ({', '.join(top.supporting)})"
        leading = items[0].diagnosis if items else None
        concept = self.lexicon.concept(finding.concept)
        for rule in self.lexicon.diagnosis_rules.rules:
            if rule.requires_leading and items and leading != rule.diagnosis:
                continue
            if self._rule_applies(rule, finding, concept, ctx):
                return rule.diagnosis, rule.source if rule.inferred else None
        return None, None

    @staticmethod
    def _rule_applies(rule: DiagnosisRule, finding: Finding, concept: Concept, ctx: ReportContext) -> bool:
        """Whether every condition ``rule`` sets holds for the finding."""
        return (
            (not finding.negated or rule.include_negated)
            and (rule.kind is None or rule.kind == finding.kind)
            and (rule.location is None or rule.location == finding.location_category)
            and (not rule.roles or concept.role in rule.roles)
            and (not rule.concepts or concept.id in rule.concepts)
            and (not rule.descriptors_any or bool(set(rule.descriptors_any) & ctx.descriptors(finding)))
            and (not rule.document_any or ctx.find(rule.document_any, finding) is not None)
        )

"""The ``reportkit_deposits`` component: the mentions that describe one deposit, grouped.

Runs after the linker. The evaluation (and the extraction output) counts mentions, so every
finding stays; this component adds ``doc._.rk_deposits``, one :class:`~reportkit.models.Deposit`
per deposit. A mention joins the last deposit named before it when it is

1. an anaphor inside a phrase of ``linking.yaml`` ``anaphors`` ("these calcifications") of the
   same kind, at a compatible site; or a term in a clause that opens with one of ``restating_demonstratives``
   ("This chondrocalcinosis belongs to the spectrum of CPPD"), at a compatible site or location;
2. an impression restatement: the same concept or named diagnosis at a compatible site; or
3. the same concept at the same site with the same side, in another section;

and never across negation or two stated sides. A restatement that states no site takes its
antecedent's site and location (and side, when it states none), cited as "antecedent" evidence.
A sentence with no mention of its own that holds an anaphor ("The deposit is ill-defined.")
gives its descriptors and size to the deposit named just before it.
"""

from bisect import bisect_right
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from reportkit.lexicon import Lexicon, Site, load_lexicon
from reportkit.models import Deposit, Evidence, Finding
from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.extensions import register_extensions
from reportkit.pipeline.linking.attributes import SizeReader
from reportkit.pipeline.linking.context import cite, span_text
from reportkit.pipeline.linking.index import Sentences
from reportkit.pipeline.steps import PipelineStep
from reportkit.text import section_at

LOOKBACK = 64  # earlier deposits of the same kind a mention may restate (a report names far fewer)
STATED_SIDE = {"mention", "clause"}  # laterality sources that are the mention's own words
UNSTATED_SIDE: set[str] = set()  # every laterality source names a basis (mention, clause, exam, region) to pass on
TERM_REACH = 3  # words from a demonstrative to the term it heads ("this linear chondrocalcinosis")
STEM = 5  # letters two forms of one anatomical word share ("menis|cal", "menis|cus")
ANAPHOR_REACH = 2  # sentences back an anaphor with no mention of its own may point


def make_deposit_grouper(nlp: Language, name: str, lexicon_dir: str | None) -> "DepositGrouper":
    """spaCy factory for :class:`DepositGrouper` configured by the lexicons."""
    register_extensions()
    return DepositGrouper(nlp, load_lexicon(lexicon_dir))


@dataclass
class _Draft:
    """A deposit under construction: member finding indexes and what anaphor sentences add.

    What joining asks of the members is kept as each joins (:meth:`add`; a finding does not change once it is a
    member), so a mention is weighed against a deposit in constant time, not in time growing with its mentions."""

    members: list[int]
    descriptors: list[str] = field(default_factory=list)
    dimensions: list[float] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    site: str | None = None  # the first member site
    stated_sides: set[str] = field(default_factory=set)
    concepts: set[str] = field(default_factory=set)
    diagnoses: set[str] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)
    sections_of: dict[str, set[str]] = field(default_factory=dict)  # concept -> the sections naming it
    # the first member placed beyond a region with a site, with a location category, with a side: whom to inherit from
    inherited: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, i: int, finding: Finding, region: bool) -> "_Draft":
        """A deposit of one mention, ``findings[i]`` (``region``: its site is only a body region)."""
        draft = cls([])
        draft.add(i, finding, region)
        return draft

    def add(self, i: int, finding: Finding, region: bool) -> None:
        """Make ``findings[i]`` a member."""
        self.members.append(i)
        if self.site is None and finding.site:
            self.site = finding.site
        if (side := _stated_side(finding)) is not None:
            self.stated_sides.add(side)
        self.concepts.add(finding.concept)
        if finding.diagnosis is not None:
            self.diagnoses.add(finding.diagnosis)
        self.sections.add(finding.section)
        self.sections_of.setdefault(finding.concept, set()).add(finding.section)
        # a member placed only in a region ("in the L hip") gives no site, but the side its own words state
        for what, given in (("site", not region and finding.site),
                            ("location", not region and finding.location_category),
                            ("side", finding.laterality and (finding.laterality_source in STATED_SIDE if region
                                                             else finding.laterality_source not in UNSTATED_SIDE))):
            if given and what not in self.inherited:
                self.inherited[what] = i

    def antecedents(self, findings: list[Finding]) -> dict[str, Finding]:
        """What :func:`_inherit` reads: the first member giving each attribute (site, location, side)."""
        return {what: findings[m] for what, m in self.inherited.items()}


def _stated_side(f: Finding) -> str | None:
    return f.laterality if f.laterality_source in STATED_SIDE else None


class DepositGrouper(PipelineStep):
    """Sets ``doc._.rk_deposits`` from ``doc._.rk_findings``, inheriting site and side into restatements."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.nlp = nlp
        self._concepts = {c.id: c for c in lexicon.concepts.concepts}  # a dict read, not a pydantic private attr
        self._anaphors = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._anaphors.add("anaphor", [nlp.make_doc(p) for p in lexicon.linking.anaphors])
        self._descriptors = PhraseMatcher(nlp.vocab, attr="LOWER")
        for desc in lexicon.descriptors.descriptors:
            self._descriptors.add(desc.id, [nlp.make_doc(t) for t in desc.terms])
        self._size = SizeReader(lexicon.linking)
        self._broad = set(lexicon.lint.broad_diagnoses)
        self._sites = {term: site for site in lexicon.anatomy.sites for term in site.terms}
        self._organs = {term: organ for organ, terms in lexicon.anatomy.paired_organs.items() for term in terms}
        linking = lexicon.linking
        self._demonstratives = set(linking.restating_demonstratives)
        # a definite article before a described term ("The 17 mm calcification"); a demonstrative opens a restating
        # clause instead (``_in_restating_clause``)
        self._determiners = {w for w in linking.referring_determiners if " " not in w}
        self._definites = self._determiners - self._demonstratives
        self._clause_openers = {w for w in linking.clause_openers if " " not in w}
        # what may follow a demonstrative that stands for the deposit: its verb ("this is", "these may"), a
        # noun for it ("these findings") or an interpretation ("this likely represents")
        self._restating_words = ({w for w in linking.finite_verbs + linking.referring_nouns if " " not in w}
                                 | {w.split()[0] for w in linking.interpretation_links})
        self._lesion_parts = set(linking.lesion_parts)

    def _in_restating_clause(self, doc: Doc, f: Finding, starts: set[int], sentences: Sentences) -> bool:
        """Does ``f``'s clause open with a demonstrative that stands for the deposit just named: one heading a
        term ("This chondrocalcinosis belongs to ..."), or one that is the subject of an interpretation ("...,
        this is chondrocalcinosis from CPPD", "These findings are consistent with ...")? Not a demonstrative
        for something else ("This showed a density ..."). ``starts``: the token starts of every mention."""
        span = doc.char_span(f.start, f.end, alignment_mode="expand")
        if span is None:
            return False
        i, sentence_start = span.start - 1, sentences.start_of(span.start)
        # a word inside a hyphenated one ("ring-and-arc") opens no clause
        while i >= sentence_start and (doc[i].lower_ not in self._clause_openers or _hyphen_joined(doc, i)):
            i -= 1
        opener = i + 1
        if not (opener < span.start and doc[opener].lower_ in self._demonstratives):
            return False
        heads_a_term = any(j in starts for j in range(opener + 1, min(opener + 1 + TERM_REACH, span.start + 1)))
        return heads_a_term or doc[opener + 1].lower_ in self._restating_words

    def _site_elsewhere(self, text: str, f: Finding, phrase: bool) -> bool:
        """Is ``f``'s site another thing's: named after it past a comma or semicolon, or (``f`` in an anaphor
        phrase) before it in its sentence, outside its phrase ("oedema in the greater tuberosity adjacent to the
        deposit")?"""
        site = next((ev for ev in f.evidence if ev.role == "site"), None)
        if site is None:
            return False
        if site.start >= f.end:
            return any(c in text[f.end:site.start] for c in ",;")
        between = text[site.end:f.start]
        same_sentence = not any(c in between for c in ".;\n")
        return phrase and same_sentence and not set(between.lower().split()) <= self._determiners

    def _definite(self, doc: Doc, f: Finding, sentences: Sentences) -> bool:
        """Is ``f`` headed by a definite determiner a few words before its term, with only its size or
        descriptors between ("The 17 mm calcification was identified ...")? Such a phrase names again a
        deposit already named, as the ``anaphors`` phrases do."""
        span = doc.char_span(f.start, f.end, alignment_mode="expand")
        if span is None:
            return False
        sentence_start = sentences.start_of(span.start)
        for i in range(span.start - 1, max(sentence_start, span.start - 1 - TERM_REACH) - 1, -1):
            word = doc[i].lower_
            if word in self._definites:
                return i < span.start - 1  # "the calcification" alone is an anaphor phrase already
            if doc[i].is_punct or word in self._clause_openers:
                return False
        return False

    def _generic_place(self, f: Finding, first: Finding) -> bool:
        """Is ``f``'s site only a generic word ("cartilage", "soft tissue") for the location of ``first``?"""
        entry = self._sites.get((f.site or "").lower())
        return (entry is not None and entry.scope_weak and f.location_category is not None
                and f.location_category == first.location_category)

    def _is_region(self, site: str | None) -> bool:
        """Is ``site`` only a body region ("shoulder"), which says no more than where to look?"""
        entry = self._sites.get((site or "").lower())
        return entry is not None and entry.category == "region"

    def _site_compatible(self, a: str | None, b: str | None) -> bool:
        """Sites that can be one place: either unstated, one's words contain the other's, two names of one paired
        organ ("naris", "nose"), one is a word form or the initials of the other's anatomy.yaml site ("meniscal",
        "lateral meniscus"; "FCU", "flexor carpi ulnaris tendon") or the name of that site's group ("rotator cuff",
        "infraspinatus"), a region and a site anatomy.yaml places in it
        ("shoulder", "supraspinatus tendon"), a lesion word of a body system and a site of that system
        ("nodule", "left lung base"), or the generic word for a tendon and a tendon ("tendon", "supraspinatus")."""
        if a is None or b is None:
            return True
        a, b = a.lower(), b.lower()
        if a in b or b in a:
            return True
        if a in self._organs and self._organs.get(a) == self._organs.get(b):
            return True
        site_a, site_b = self._sites.get(a), self._sites.get(b)
        if site_a is None or site_b is None:
            return False
        if site_a is site_b and (_word_form_of(a, b) or _initials_of(a, b)
                                 or a in site_a.literal.lower() or b in site_a.literal.lower()):
            return True  # a group's own name holds each of its members ("rotator cuff", "infraspinatus")

        def within(word: str, region: Site, site: Site) -> bool:
            return region.category == "region" and site.region is not None and site.region in (word, word.rstrip("s"))

        def lesion_at(lesion: Site, site: Site) -> bool:  # "nodule" and "lung base": a lesion of that system
            return lesion.category == "lesion" and lesion.scope is not None and lesion.scope == site.scope

        def generic_of(word: Site, site: Site) -> bool:  # "tendon" and "supraspinatus": the generic word of its kind
            # (only a tendon: "intramuscular" and "pronator teres" may be two masses of one limb)
            return word.scope_weak and word.category == site.category == "tendon"

        return (within(a, site_a, site_b) or within(b, site_b, site_a) or lesion_at(site_a, site_b)
                or lesion_at(site_b, site_a) or generic_of(site_a, site_b) or generic_of(site_b, site_a))

    def __call__(self, doc: Doc) -> Doc:
        self.check_order()
        text = doc_text(doc)
        findings: list[Finding] = doc._.rk_findings or []
        anaphors = filter_spans([doc[s:e] for _, s, e in self._anaphors(doc)])
        anaphor_starts = [a.start_char for a in anaphors]
        starts = {s.start for f in findings if (s := doc.char_span(f.start, f.end, alignment_mode="expand"))}
        sentences = Sentences(doc)  # by bisect: spaCy's Span.sent walks the tokens of a long sentence each time
        drafts: list[_Draft] = []
        # a mention joins only a deposit of its own kind and negation: keep those apart, and look back at most
        # LOOKBACK of them, so that grouping stays linear in the number of mentions
        by_kind: dict[tuple[str, bool], list[_Draft]] = {}
        for i, finding in enumerate(findings):
            k = bisect_right(anaphor_starts, finding.start) - 1
            phrase = k >= 0 and finding.start < anaphors[k].end_char
            anaphoric = (phrase or self._definite(doc, finding, sentences)
                         or self._concepts[finding.concept].bare_restatement)
            restating = not (anaphoric or finding.negated) and self._in_restating_clause(doc, finding, starts, sentences)
            same_kind = by_kind.setdefault((finding.kind, finding.negated), [])
            recent = same_kind[: -LOOKBACK - 1 : -1]
            if (anaphoric or restating) and self._concepts[finding.concept].kind_unworded:
                # a word that names neither kind ("These correspond to the mineralised densities") restates the
                # deposit named before it, ossified bodies as well as calcified ones
                recent = sorted((d for (_, negated), kept in by_kind.items() if negated == finding.negated
                                 for d in kept[: -LOOKBACK - 1 : -1]), key=lambda d: -d.members[-1])[:LOOKBACK]
            part_of = self._part_of(doc, finding, findings, sentences)
            if part_of is not None:  # "... and a less mineralized centre": the sentence's deposit, described
                anaphoric = True
                recent = [d for d in recent if any(part_of <= findings[m].start < finding.start for m in d.members)]
            # an anaphor's site past a clause break, or before it outside its phrase, is another thing's ("The
            # deposit is ill-defined, with fluid in the bursa"): the anaphor is where the deposit it names is
            far = anaphoric and self._site_elsewhere(text, finding, phrase)
            own_site = finding.site
            if far:
                finding.site = None
            sides_named = frozenset(s for d in recent for s in d.stated_sides)
            candidates = [d for d in recent
                          if self._joins(finding, anaphoric or restating, d, findings, restating, sides_named,
                                         text)]
            if not candidates:
                candidates = self._sole_deposit_named(finding, recent, findings)
            unstated = finding.site is None or self._is_region(finding.site)
            target = self._antecedent(finding, anaphoric or restating, unstated, candidates, findings)
            if target is None:
                finding.site = own_site
                drafts.append(_Draft.of(i, finding, self._is_region(finding.site)))
                same_kind.append(drafts[-1])
            else:
                if far:
                    finding.evidence = [ev for ev in finding.evidence if ev.role != "site"]
                    finding.location_category = None
                _inherit(finding, target.antecedents(findings), unstated)
                target.add(i, finding, self._is_region(finding.site))
        described: set[int] = set()
        for anaphor in anaphors:  # the first anaphor of a sentence speaks for it
            if anaphor.sent.start not in described:
                described.add(anaphor.sent.start)
                self._describe_from(doc, anaphor, drafts, findings)
        doc._.rk_deposits = [self._deposit(d, findings) for d in drafts]
        return doc

    def _part_of(self, doc: Doc, f: Finding, findings: list[Finding], sentences: Sentences) -> int | None:
        """The start of ``f``'s sentence when ``f`` names a part of a lesion (linking.yaml ``lesion_parts``) and
        a mention before it in that sentence names the lesion; else None."""
        span = doc.char_span(f.start, f.end, alignment_mode="expand")
        if span is None or span.end >= len(doc) or doc[span.end].lower_ not in self._lesion_parts:
            return None
        start = doc[sentences.start_of(span.start)].idx
        return start if any(start <= g.start < f.start for g in findings) else None

    def _antecedent(self, f: Finding, anaphoric: bool, unstated: bool, candidates: list[_Draft],
                    findings: list[Finding]) -> _Draft | None:
        """The deposit ``f`` restates: an anaphor's nearest; else the nearest of those naming the same thing at
        the same site. A restatement naming no site that fits several ("fragments, as above") is ambiguous."""
        if not candidates or anaphoric:
            return candidates[0] if candidates else None

        def affinity(draft: _Draft) -> tuple[bool, bool]:
            site = draft.site.lower() if draft.site else None
            here = (f.site or "").lower()
            return (self._same_as_a_member(f, draft), bool(site and here and (site in here or here in site)))

        best = max(affinity(d) for d in candidates)
        top = [d for d in candidates if affinity(d) == best]
        return top[0] if not unstated or len(top) == 1 else None

    def _joins(self, f: Finding, anaphoric: bool, draft: _Draft, findings: list[Finding],
               restating: bool = False, sides_named: frozenset[str] = frozenset(), text: str = "") -> bool:
        """Does mention ``f`` describe the deposit of ``draft``? (``restating``: ``f``'s clause opens with a
        demonstrative, so it names the deposit just described, whose location it shares.)"""
        first = findings[draft.members[0]]
        if (f.kind != first.kind and not self._concepts[f.concept].kind_unworded) or f.negated != first.negated:
            return False
        side = _stated_side(f)
        if side and draft.stated_sides - {side}:
            return False
        if (side == "bilateral" and {"left", "right"} <= sides_named and draft.site is not None
                and all(findings[m].laterality is None for m in draft.members)):
            return False  # "bilateral calcific tendinopathy" sums up the right and left deposits, not one of no side
        site = draft.site
        # a restating clause's site may be the sentence before it's ("... extend into the iliopsoas bursa. These
        # correspond to the mineralised densities"): the deposit it restates is where it is
        if not self._site_compatible(f.site, site) and not (
                restating and (self._generic_place(f, first) or _site_borrowed(f, text))):
            return False
        same = self._same_as_a_member(f, draft)
        if restating:  # a name given to the deposit just described, or one that fits its diagnosis
            return same or any(self._concepts[m.concept].role == "generic" for m in (f, first))
        if anaphoric:
            return same or self._concepts[f.concept].role == "generic"
        if f.section == "impression" and draft.sections - {"impression"}:
            # a named diagnosis restating a generic term ("calcification" -> "calcific tendinitis") needs the site
            # (both state the site, or the named concept's own location is the deposit's: "IMPRESSION: Calcific
            # tendinitis." after one tendon calcification)
            generic = any(self._concepts[c.concept].role == "generic" for c in (f, first))
            concept = self._concepts[f.concept]
            own_location = concept.location or concept.default_location
            located = f.site is None and own_location is not None and own_location == first.location_category
            return same or (generic and ((f.site is not None and site is not None) or located))
        # one section listing the same concept at one site twice (vessel by vessel) names two deposits
        return (f.site is not None and site is not None and f.laterality == first.laterality
                and bool(draft.sections_of.get(f.concept, set()) - {f.section}))

    def _sole_deposit_named(self, f: Finding, recent: list[_Draft], findings: list[Finding]) -> list[_Draft]:
        """The deposit an impression's named diagnosis restates at a site of another category: the only deposit the
        findings give its location (or leave it open), named there by a generic term ("calcific density over the
        greater tuberosity" ... "IMPRESSION: Calcific tendinitis of the supraspinatus": the bone the tendon inserts
        on, and the tendon); or, for one naming no site but a side, the only deposit the findings gave that side by a
        generic term. Two tendons, two such deposits, or two stated sides are not one deposit."""
        if f.section != "impression" or f.negated or f.location_category is None \
                or self._concepts[f.concept].role != "specific":
            return []
        side = _stated_side(f)
        if f.site is None and side in ("left", "right"):
            # "CONCLUSION: Mature HO right hip, early HO left": the one deposit the findings gave that side, named
            # there by a generic term ("new faint ossification adjacent to the left greater trochanter")
            sided = [d for d in recent if d.sections - {"impression"} and d.stated_sides == {side}]
            if len(sided) == 1 and self._concepts[findings[sided[0].members[0]].concept].role == "generic":
                return sided
            return []
        located = [d for d in recent if d.sections - {"impression"}  # or whose location the findings left open
                   and findings[d.members[0]].location_category in (f.location_category, None)]
        if len(located) != 1:
            return []
        draft = located[0]
        first = findings[draft.members[0]]
        here, there = self._sites.get((f.site or "").lower()), self._sites.get((draft.site or "").lower())
        if (self._concepts[first.concept].role != "generic" or here is None or there is None
                or here.category == there.category or (side and draft.stated_sides - {side})):
            return []
        return located

    def _same_as_a_member(self, f: Finding, draft: _Draft) -> bool:
        """:meth:`_same_thing` for ``f`` and any member of ``draft``."""
        return f.concept in draft.concepts or (
            f.diagnosis is not None and f.diagnosis in draft.diagnoses and f.diagnosis not in self._broad)

    def _same_thing(self, f: Finding, g: Finding) -> bool:
        """The same concept, or concepts that name the same diagnosis (one narrower than lint.yaml's broad ones)."""
        return f.concept == g.concept or (
            f.diagnosis is not None and f.diagnosis == g.diagnosis and f.diagnosis not in self._broad)

    def _describe_from(self, doc: Doc, anaphor: Span, drafts: list[_Draft], findings: list[Finding]) -> None:
        """Give an anaphor sentence's descriptors and size to the affirmed deposit named just before it."""
        sent = anaphor.sent
        if any(sent.start_char <= f.start < sent.end_char for f in findings):
            return  # the sentence's own mention took its attributes
        sections = doc._.rk_sections or []
        section = section_at(sections, sent.start_char) if sections else None
        earliest = doc[max(sent.start - 1, 0)].sent
        for _ in range(ANAPHOR_REACH - 1):
            earliest = doc[max(earliest.start - 1, 0)].sent
        candidates = [
            (max(findings[m].start for m in d.members if findings[m].start < sent.start_char), d)
            for d in drafts if any(findings[m].start < sent.start_char for m in d.members)
        ]
        candidates = [(start, d) for start, d in candidates if start >= earliest.start_char
                      and (section is None or start >= section.start) and not findings[d.members[0]].negated]
        if not candidates:
            return
        draft = max(candidates, key=lambda c: c[0])[1]
        draft.evidence.append(cite(anaphor, "description"))
        matches = [Span(doc, s, e, label=m) for m, s, e in self._descriptors(doc) if sent.start <= s < sent.end]
        for span in filter_spans(matches):
            value = span.label_
            if value not in draft.descriptors:
                draft.descriptors.append(value)
            draft.evidence.append(cite(span, "descriptor", value))
        size = next(self._size.sizes(span_text(sent), sent.start_char), None)
        if size and not draft.dimensions:
            draft.dimensions = size[0]
            draft.evidence.append(size[1])

    def _deposit(self, draft: _Draft, findings: list[Finding]) -> Deposit:
        """Merge the members' attributes: site and size from one mention, descriptors and evidence from all."""
        members = [findings[m] for m in draft.members]
        first = members[0]
        named = next((m for m in members if m.diagnosis), None)
        concept = next((m.concept for m in members if self._concepts[m.concept].role == "specific"),
                       first.concept)
        # the first member that gives a location category, else the first that names a site: a place the findings
        # leave open ("projecting over the greater tuberosity") is settled by the restatement that locates it
        located = next((m for m in members if m.location_category), None) or next((m for m in members if m.site), first)
        sized = next((m for m in members if m.size_mm is not None), None)
        side, conflict = merged_side(members)
        descriptors = list(dict.fromkeys([d for m in members for d in m.descriptors] + draft.descriptors))
        evidence = [ev for m in members for ev in m.evidence] + draft.evidence
        dimensions = sized.dimensions_mm if sized else draft.dimensions
        return Deposit(
            findings=draft.members, concept=concept,
            named_concepts=list(dict.fromkeys(c for m in members for c in m.named_concepts)),
            kind=first.kind, negated=all(m.negated for m in members), uncertain=all(m.uncertain for m in members),
            section=first.section, location_category=located.location_category, site=located.site,
            laterality=side, laterality_conflict=conflict, descriptors=descriptors,
            size_mm=max(dimensions) if dimensions else None, dimensions_mm=dimensions,
            modality=next((m.modality for m in members if m.modality), None),
            diagnosis=named.diagnosis if named else None,
            diagnosis_uncertain=named.diagnosis_uncertain if named else False,
            evidence=_unique(evidence),
        )


def _word_form_of(a: str, b: str) -> bool:
    """Is one of two names of a site a single word of the same stem as a word of the other ("meniscal",
    "lateral meniscus")? Two names of one anatomy.yaml entry that share no stem are different places of it
    ("RCA", "OM1")."""
    short, long = sorted((a, b), key=lambda s: len(s.split()))
    return (len(short.split()) == 1 and len(short) >= STEM
            and any(word[:STEM] == short[:STEM] for word in long.split()))


def _initials_of(a: str, b: str) -> bool:
    """Is one of two names of a site the other's initials ("FCU", "flexor carpi ulnaris tendon"; "RCA", "right
    coronary artery"), its head noun aside?"""
    short, long = sorted((a, b), key=lambda s: len(s.split()))
    initials = "".join(word[0] for word in long.split())
    return len(short.split()) == 1 and len(short) >= 2 and len(long.split()) >= len(short) and (
        initials == short or initials[:-1] == short)


def merged_side(members: list[Finding]) -> tuple[str | None, bool]:
    """The members' side: stated sides first; disagreeing sides give none, flagged as a conflict."""
    stated = {s for m in members if (s := _stated_side(m))}
    sides = stated or {m.laterality for m in members if m.laterality}
    if len(sides) > 1:
        return None, True
    return (sides.pop() if sides else None), False


def _unique(evidence: list[Evidence]) -> list[Evidence]:
    """Evidence without repeats (members often cite the same exam title or modality)."""
    seen: set[tuple] = set()
    out = []
    for ev in evidence:
        key = (ev.role, ev.start, ev.end, ev.value)
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out


def _inherit(restatement: Finding, antecedents: dict[str, Finding], unstated: bool) -> None:
    """A restatement that states no site, or only a region (``unstated``), takes its antecedent's site; one with
    no location takes its antecedent's; one that states no side takes its antecedent's side. Both are cited as
    "antecedent". ``antecedents``: the member giving each attribute (:meth:`_Draft.antecedents`)."""
    located = antecedents.get("site")
    if unstated and located is not None:
        restatement.site, restatement.location_category = located.site, located.location_category
        site = next((ev for ev in located.evidence if ev.role in ("site", "antecedent") and ev.text == located.site),
                    None)
        if site is not None:
            restatement.evidence.append(site.model_copy(update={"role": "antecedent"}))
    if restatement.location_category is None and "location" in antecedents:  # placed without a site ("a foreign body")
        restatement.location_category = antecedents["location"].location_category
    sided = antecedents.get("side")
    if sided is not None and _stated_side(restatement) is None:
        restatement.laterality, restatement.laterality_source = sided.laterality, "antecedent"
        restatement.evidence = [ev for ev in restatement.evidence if ev.role != "laterality"]
        side = next((ev for ev in sided.evidence if ev.role in ("laterality", "antecedent")
                     and ev.value == sided.laterality), None)
        if side is not None:
            restatement.evidence.append(side.model_copy(update={"role": "antecedent"}))


def _hyphen_joined(doc: Doc, i: int) -> bool:
    """Is token ``i`` part of a hyphenated word (a hyphen with no space right before or after it)?"""
    before = i > 0 and doc[i - 1].text == "-" and not doc[i - 1].whitespace_
    after = i + 1 < len(doc) and doc[i + 1].text == "-" and not doc[i].whitespace_
    return before or after


def _site_borrowed(f: Finding, text: str) -> bool:
    """Is ``f``'s site one an earlier sentence named (the place read for a mention whose own sentence names none)?"""
    site = next((ev for ev in f.evidence if ev.role == "site"), None)
    return site is not None and site.end <= f.start and any(c in text[site.end:f.start] for c in ".\n")

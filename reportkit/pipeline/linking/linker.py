"""The ``reportkit_linker`` component: from matched terms to evidence-carrying findings.

Runs after medspaCy's TargetMatcher and ConText, whose scopes it first cuts to the clause (:mod:`.scopes`).
For each sentence it

1. drops look-alikes (exclusion concepts, terms whose sentence fails the concept's word conditions);
2. merges adjacent terms of one noun phrase ("calcified phleboliths");
3. folds a specific term that restates an earlier finding in the same sentence
   ("calcifications ... favored to represent phleboliths") into that finding;
4. links site and location category, side, descriptors, size and modality;
5. labels the diagnosis the text names (a label the text does not name is inferred afterwards by
   :meth:`reportkit.reasoning.ReportReasoning.label`, called from :mod:`reportkit.engine`).

Every attribute keeps the span that gave it as :class:`~reportkit.models.Evidence`.
Steps 1-3 are in :mod:`.grouping`; each attribute of step 4 has its own module.
"""

from spacy.language import Language
from spacy.tokens import Doc

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import Finding
from reportkit.pipeline.extensions import register_extensions
from reportkit.pipeline.linking.antecedent import Interpretations
from reportkit.pipeline.linking.assertion import AssertionReader
from reportkit.pipeline.linking.attributes import DescriptorReader, ModalityReader, SizeReader
from reportkit.pipeline.linking.context import FindingContext, Group, cite, span_text
from reportkit.pipeline.linking.cues import CueFinder
from reportkit.pipeline.linking.grouping import Grouper
from reportkit.pipeline.linking.index import DocIndex
from reportkit.pipeline.linking.laterality import SideReader
from reportkit.pipeline.linking.location import SiteReader
from reportkit.pipeline.linking.phrases import Clauses
from reportkit.pipeline.linking.scopes import ScopeNarrower
from reportkit.pipeline.steps import PipelineStep


def make_linker(nlp: Language, name: str, lexicon_dir: str | None, fast: bool) -> "FindingLinker":
    """spaCy factory for :class:`FindingLinker` configured by the lexicons (``fast``: cue matching's token
    prefilter)."""
    register_extensions()
    return FindingLinker(nlp, load_lexicon(lexicon_dir), fast)


class FindingLinker(PipelineStep):
    """Sets ``doc._.rk_findings``, ``doc._.rk_queries`` (hypothetical mentions) and ``doc._.rk_modality``."""

    def __init__(self, nlp: Language, lexicon: Lexicon, fast: bool = True) -> None:
        self.nlp = nlp
        self._find_cues = CueFinder(nlp, lexicon, fast)
        heads = lexicon.anatomy.plural_heads
        self._clauses = Clauses(nlp, lexicon.linking, [*heads, *heads.values()])
        self._sites = SiteReader(nlp, lexicon, self._clauses)
        self._interpretations = Interpretations(nlp, lexicon.linking, self._clauses)
        self._sides = SideReader(nlp, lexicon, self._clauses)
        self._group = Grouper(nlp, lexicon, self._sites, self._clauses)
        self._assertion = AssertionReader(nlp, lexicon)
        self._narrow_scopes = ScopeNarrower(nlp, lexicon)
        self._size = SizeReader(lexicon.linking)
        self._descriptors = DescriptorReader(nlp, lexicon)
        self._modality = ModalityReader(lexicon)
        self._modality_order = [m.id for m in lexicon.modalities.modalities]

    def __call__(self, doc: Doc) -> Doc:
        self.check_order()
        cues = self._find_cues(doc)
        present = {c.value for c in cues.modalities}
        doc._.rk_modality = [m for m in self._modality_order if m in present]
        index = DocIndex.build(doc, cues, doc._.rk_sections)
        index.sites = self._sites.without_negative_locatives(index)
        self._narrow_scopes(doc, index.lower)
        groups = self._group(doc, index)
        index.set_groups(groups)
        findings, queries = [], []
        for group in groups:
            finding = self._finding(doc, group, index)
            (queries if finding.hypothetical else findings).append(finding)
        self._sides.restated_sides(findings, index)
        doc._.rk_findings = findings
        doc._.rk_queries = queries
        return doc

    def _finding(self, doc: Doc, group: Group, index: DocIndex) -> Finding:
        """Link one group's attributes and build its Finding, evidence in a fixed role order."""
        head = doc[group.start : group.end]
        sent = index.sentences.sent(group.start, group.end)
        next_start = index.next_group_start(group.last_end)
        ctx = FindingContext(
            doc=doc, group=group, groups=index.groups, cues=index.cues, sections=index.sections,
            section=index.section_at(head.start_char), sent=sent,
            window_end=self._clauses.window_end(index.lower, group.last_end, next_start, sent), index=index,
        )
        evidence = [cite(s, "term") for s in group.spans]
        evidence += [cite(span, "interpretation", concept.diagnosis) for span, concept in group.interpretations]
        evidence += [cite(s, "description") for s in group.descriptions]
        assertion = self._assertion(group, ctx.section, index.lower, (sent.start, sent.end), index.sites)
        concept = group.effective_concept
        near = self._sites.near_sites(ctx)
        # an interpretation naming no site of its own is where the finding it interprets is
        interpreted = None if near else self._interpretations.antecedent(ctx)
        if interpreted is not None:
            near = self._sites.clause_sites(ctx, *interpreted)
            interpreted = interpreted if near else None
        location, site_cue, site_evidence = self._sites.locate(ctx, concept, near)
        site = self._sites.site_text(ctx, site_cue) if site_cue else None
        near_sites = [cue for cue, _ in near]
        side_sites = near_sites or [site_cue] if site_cue else near_sites
        side, side_source, side_evidence = self._sides(ctx, side_sites, location, interpreted, assertion)
        found_descriptors, descriptor_evidence = self._descriptors(ctx, assertion.negated)
        dimensions, size_evidence = self._size(ctx)
        modality, modality_evidence = self._modality(ctx)
        evidence += (assertion.evidence + site_evidence + side_evidence + descriptor_evidence + size_evidence
                     + modality_evidence)

        interpretation_uncertain = any(s._.is_uncertain for s, _ in group.interpretations)
        named = [s.label_ for s in group.spans] + [c.id for _, c in group.interpretations]
        # a term that is a deposit of its kind only as the text reads it takes the kind of that reading ("echogenic
        # focus with acoustic shadowing ..., in keeping with a wooden splinter": a foreign body)
        read_kinds = [c.kind for _, c in group.interpretations if c.kind] if group.concept.kind_by_reading else []
        return Finding(
            start=head.start_char, end=head.end_char, text=span_text(head), concept=group.concept.id,
            kind=read_kinds[0] if read_kinds else group.kind,
            named_concepts=list(dict.fromkeys(named)),
            negated=assertion.negated,
            # a density that is a foreign body only as the text reads it is as uncertain as that reading
            uncertain=assertion.uncertain or (group.concept.kind_by_reading and interpretation_uncertain
                                              and not assertion.negated),
            historical=assertion.historical,
            hypothetical=assertion.hypothetical, section=ctx.section.category, location_category=location, site=site,
            laterality=side, laterality_source=side_source, descriptors=found_descriptors,
            size_mm=max(dimensions) if dimensions else None, dimensions_mm=dimensions, modality=modality,
            diagnosis=concept.diagnosis,
            diagnosis_uncertain=bool(concept.diagnosis) and interpretation_uncertain,
            diagnosis_basis=("interpretation" if group.interpretations else "named") if concept.diagnosis else None,
            sentence_start=sent.start_char, sentence_end=sent.end_char, evidence=evidence,
        )

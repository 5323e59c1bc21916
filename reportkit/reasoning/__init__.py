"""The reference article's reasoning over extracted findings.

Step 1 (:mod:`.kind`): is it a calcification, an ossification or a foreign body (descriptor cues, HU)?
Step 2 (:mod:`.differential`): the location's differential (Table 1), ranked by pattern cues and
clinical context. Then follow-up recommendations (:mod:`.followup`). All knowledge is in
lexicons/differential.yaml, lexicons/followup.yaml, lexicons/terminology.yaml and
lexicons/diagnosis_rules.yaml.

Entry point: :func:`get_reasoner` (one Reasoner per lexicon folder); ``Reasoner.over(result, text)`` gives
the :class:`ReportReasoning` of one report, which labels its mentions and then makes the StructuredReport.
Only :mod:`reportkit.engine` calls it.
"""

from __future__ import annotations

import functools

from reportkit.description import is_clinical_note
from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import (
    Assessment,
    Deposit,
    DifferentialItem,
    Finding,
    KindAssessment,
    ReportResult,
    StructuredReport,
    TermRef,
)
from reportkit.reasoning.codes import codes_for
from reportkit.reasoning.context import ReportContext, RowSites, finding_key
from reportkit.reasoning.differential import DiagnosisInferrer, DifferentialRanker
from reportkit.reasoning.followup import FollowUpRecommender
from reportkit.reasoning.kind import KindAssessor
from reportkit.reasoning.scope import ScopeReader

__all__ = ["Reasoner", "ReportContext", "ReportReasoning", "get_reasoner"]


class Reasoner:
    """The article's steps for one lexicon: kind, then differential, then diagnosis label or follow-up."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.kinds = KindAssessor(lexicon)
        self.ranker = DifferentialRanker(lexicon)
        self.diagnoses = DiagnosisInferrer(lexicon, self.ranker)
        self.followup = FollowUpRecommender(lexicon)
        self.scopes = ScopeReader(lexicon)
        self._clinical_titles = frozenset(lexicon.lint.clinical_note_titles)
        self._clinical_openers = tuple(lexicon.lint.clinical_note_openers)
        self._procedure_titles = frozenset(lexicon.followup.procedure_titles)
        self._examined_words = tuple(lexicon.differential.examined_words)
        self._row_sites = RowSites.of(lexicon.anatomy, lexicon.linking.row_competitors, lexicon.linking.around_joint)
        self.referring_determiners = frozenset(lexicon.linking.referring_determiners)

    def over(self, result: ReportResult, text: str, patient_age: int | None = None) -> ReportReasoning:
        """The reasoning over one extracted report (``patient_age``: exam metadata, used when the text states none)."""
        ctx = ReportContext.of(result, text, patient_age)
        titles = result.section_titles()
        ctx.at_procedure = not titles.isdisjoint(self._procedure_titles)
        ctx.clinical_note = is_clinical_note(result, text, self._clinical_titles, self._clinical_openers)
        ctx.examined_words = self._examined_words
        ctx.row_sites = self._row_sites
        ctx.examined_sections = [(s.start, s.end) for s in result.sections
                                 if (s.title or "").strip(" :").lower() in self._examined_words]
        return ReportReasoning(self, ctx)


class ReportReasoning:
    """One report's reasoning, made once and handed on: labelling its mentions, then assessing its deposits.

    Kind assessment and ranking read only a finding (never its diagnosis) and the report's context,
    so each distinct finding (:func:`finding_key`) is assessed and ranked once: a deposit of one mention
    and that mention, or a deposit before and after its label, share one ranking.
    """

    def __init__(self, reasoner: Reasoner, ctx: ReportContext) -> None:
        self.reasoner = reasoner
        self.ctx = ctx
        self._ranked: dict[tuple, tuple[KindAssessment, list[DifferentialItem]]] = {}
        self._advised: dict[tuple, list[DifferentialItem]] = {}

    def assess_and_rank(self, finding: Finding) -> tuple[KindAssessment, list[DifferentialItem]]:
        """Step 1, then step 2 with the assessed kind (the stated one when the cues are silent)."""
        key = finding_key(finding)
        known = self._ranked.get(key)
        if known is None:
            kind = self.reasoner.kinds.assess(finding, self.ctx)
            items = self.reasoner.ranker.rank(finding, kind.kind if kind.kind != "indeterminate" else finding.kind,
                                              self.ctx)
            known = self._ranked[key] = (kind, items)
        return known

    def advised(self, finding: Finding, kind: KindAssessment) -> list[DifferentialItem]:
        """The differential given as advice: only entities valid in the finding's scope, and cue words only
        where they belong to the deposit (its site or clause). The diagnosis label reads the full ranking."""
        key = finding_key(finding)
        items = self._advised.get(key)
        if items is None:
            # the differential reads images: none for a deposit found at operation or by examination, nor for
            # one of the history ("HO after his THA in 2019"), which this study did not show
            shown = not finding.historical and self.ctx.imaged(finding)
            items = self._advised[key] = [] if not shown else self.reasoner.ranker.rank(
                finding, kind.kind if kind.kind != "indeterminate" else finding.kind, self.ctx,
                scope=self.scope_of(finding))
        return items

    def scope_of(self, finding: Finding) -> str:
        """The finding's body system: as labelled, else read now (a record made without the pipeline)."""
        if finding.scope is None:
            finding.scope = self.reasoner.scopes.of(finding, self.ctx)
        return finding.scope

    def assess(self, index: int, finding: Finding) -> Assessment:
        """Finding ``index``'s kind, preferred term and (when asserted) its ranked differential in its scope."""
        kind, _ = self.assess_and_rank(finding)
        items = self.advised(finding, kind)
        term = self.reasoner.lexicon.term_for_concept(finding.concept)
        assessment = Assessment(
            finding=index,
            kind=kind,
            term=TermRef(id=term.id, preferred=term.preferred, category=term.category,
                         codes=codes_for(term, finding, self.ctx)) if term else None,
        )
        if not (finding.negated or finding.hypothetical or finding.historical):  # advice is for what the study shows
            self.reasoner.ranker.annotate(assessment, finding, items, self.ctx)
        return assessment

    def infer_diagnosis(self, finding: Finding) -> tuple[str | None, str | None]:
        """A diagnosis label when the text names none, and what it rests on (see DiagnosisInferrer)."""
        items = [] if finding.negated else self.assess_and_rank(finding)[1]
        return self.reasoner.diagnoses.infer(finding, items, self.ctx)

    def label(self, result: ReportResult) -> ReportResult:
        """Fill in every mention's scope, and the diagnosis of every mention whose text names none (marked
        inferred, with its basis)."""
        for finding in result.findings + result.queries:
            if self.reasoner.scopes.leaves_site(finding, self.scope_of(finding)):
                finding.location_category = "other"
            if finding.diagnosis is None:
                finding.diagnosis, finding.diagnosis_basis = self.infer_diagnosis(finding)
                finding.diagnosis_uncertain = finding.diagnosis_basis is not None
        for deposit in result.deposits:  # a deposit no mention names is judged on everything its mentions say
            if deposit.scope is None:
                merged = deposit.as_finding(result.findings)
                deposit.scope = self.scope_of(merged)
                if self.reasoner.scopes.leaves_site(merged, deposit.scope):
                    deposit.location_category = "other"
            if deposit.diagnosis is None:
                diagnosis, basis = self.infer_diagnosis(deposit.as_finding(result.findings))
                deposit.diagnosis, deposit.diagnosis_uncertain = diagnosis, basis is not None
        return result

    def report(self, result: ReportResult) -> StructuredReport:
        """Assess every deposit of ``result`` and recommend follow-up."""
        if result.findings and not result.deposits:  # a record made without the pipeline: one deposit per finding
            result = result.model_copy(
                update={"deposits": [Deposit.of_one(i, f) for i, f in enumerate(result.findings)]})
        merged = [d.as_finding(result.findings) for d in result.deposits]
        self.ctx.remember_naming(result.findings)
        not_imaged = set()
        gone = self._since_gone(result.findings, merged)
        for i, (deposit, finding) in enumerate(zip(result.deposits, merged, strict=True)):
            deposit.scope = self.scope_of(finding)
            if i in gone:
                finding.historical = True  # what the study shows is its absence: the advice is for neither
                self.ctx.imaged_deposit(finding, [])
                not_imaged.add(i)
            elif not self.ctx.imaged_deposit(finding, [result.findings[m] for m in deposit.findings]):
                not_imaged.add(i)
        assessments = []
        for index, (deposit, finding) in enumerate(zip(result.deposits, merged, strict=True)):
            assessment = self.assess(deposit.findings[0], finding)
            assessment.deposit = index
            assessments.append(assessment)
        # follow-up rules read one finding per assessment: the deposit as one finding
        per_deposit = result.model_copy(update={"findings": merged})
        report = StructuredReport(
            id=result.id,
            result=result,
            assessments=assessments,
            pertinent_negatives=[i for i, d in enumerate(result.deposits) if d.negated],
            recommendations=self.reasoner.followup.recommend(per_deposit, assessments, self.ctx),
            patient_age=self.ctx.age,
        )
        report._deposit_findings = merged  # the renderers and the post-processor read them as reasoned
        report._not_imaged = frozenset(not_imaged)
        report._row_unsettled = frozenset(i for i, finding in enumerate(merged) if not self.ctx.row_settled(finding))
        return report


    def _since_gone(self, findings: list[Finding], merged: list[Finding]) -> set[int]:
        """The deposits a later sentence says are gone: a negated restatement of the same deposit, headed by a
        referring determiner, at the same site and on no other side ("She had barbotage of a left supraspinatus
        calcific deposit. ... the calcification has completely resolved")."""
        gone: set[int] = set()
        restating = [f for f in findings if f.negated and f.site and self._refers_back(f)]
        for i, deposit in enumerate(merged):
            if deposit.negated or not deposit.site:
                continue
            if any(later.sentence_start >= deposit.sentence_end and later.kind == deposit.kind
                   and later.site == deposit.site and later.laterality in (None, deposit.laterality)
                   for later in restating):
                gone.add(i)
        return gone

    def _refers_back(self, finding: Finding) -> bool:
        """Is the mention's phrase headed by a referring determiner ("the calcification")?"""
        before = self.ctx.text[max(0, finding.start - 12):finding.start].lower().split()
        return bool(before) and before[-1] in self.reasoner.referring_determiners


@functools.cache
def get_reasoner(lexicon_dir: str | None = None) -> Reasoner:
    """The Reasoner for the lexicons in ``lexicon_dir`` (default: the shipped ones), built once."""
    return Reasoner(load_lexicon(lexicon_dir))

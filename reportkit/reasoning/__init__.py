"""The reference article's reasoning over extracted findings.

Step 1 (:mod:`.kind`): is it a calcification, an ossification or a foreign body (descriptor cues, HU)?
Step 2 (:mod:`.differential`): the location's differential (Table 1), ranked by pattern cues and
clinical context. Then follow-up recommendations (:mod:`.followup`). All knowledge is in
lexicons/differential.yaml, lexicons/followup.yaml, lexicons/terminology.yaml and
lexicons/diagnosis_rules.yaml.

Entry points: :func:`reason` (a ReportResult and its text -> StructuredReport) and
:func:`label_diagnoses` (fill in inferred diagnosis labels, used by extraction).
"""

from __future__ import annotations

import functools

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
from reportkit.reasoning.context import ReportContext, finding_key
from reportkit.reasoning.differential import DiagnosisInferrer, DifferentialRanker
from reportkit.reasoning.followup import FollowUpRecommender
from reportkit.reasoning.kind import KindAssessor

__all__ = ["Reasoner", "ReportContext", "get_reasoner", "label_diagnoses", "reason"]


class Reasoner:
    """The article's steps for one lexicon: kind, then differential, then diagnosis label or follow-up."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.kinds = KindAssessor(lexicon)
        self.ranker = DifferentialRanker(lexicon)
        self.diagnoses = DiagnosisInferrer(lexicon, self.ranker)
        self.followup = FollowUpRecommender(lexicon)
        self._last_context: tuple[tuple, ReportContext] | None = None

    def context(self, result: ReportResult, text: str, patient_age: int | None = None) -> ReportContext:
        """The context of ``result``: the last one made again when its key is equal (labelling diagnoses, then
        reasoning over the same report, ranks each finding once)."""
        key = ReportContext.key_of(result, text, patient_age)
        last = self._last_context
        if last is not None and last[0] == key:
            return last[1]
        ctx = ReportContext.of(result, text, patient_age)
        self._last_context = (key, ctx)
        return ctx

    def assess_and_rank(self, finding: Finding, ctx: ReportContext) -> tuple[KindAssessment, list[DifferentialItem]]:
        """Step 1, then step 2 with the assessed kind (the stated one when the cues are silent).

        Kept in the context by the finding's key: both steps read only the finding (never its
        diagnosis) and the context, so an equal finding gets the same answer.
        """
        key = (self, finding_key(finding))
        known = ctx.ranked.get(key)
        if known is None:
            kind = self.kinds.assess(finding, ctx)
            items = self.ranker.rank(finding, kind.kind if kind.kind != "indeterminate" else finding.kind, ctx)
            known = ctx.ranked[key] = (kind, items)
        return known

    def assess(self, index: int, finding: Finding, ctx: ReportContext) -> Assessment:
        """Finding ``index``'s kind, preferred term and (when asserted) its ranked differential."""
        kind, items = self.assess_and_rank(finding, ctx)
        term = self.lexicon.term_for_concept(finding.concept)
        assessment = Assessment(
            finding=index,
            kind=kind,
            term=TermRef(id=term.id, preferred=term.preferred, category=term.category,
                         codes=codes_for(term, finding, ctx)) if term else None,
        )
        if not (finding.negated or finding.hypothetical):
            self.ranker.annotate(assessment, finding, items, ctx)
        return assessment

    def infer_diagnosis(self, finding: Finding, ctx: ReportContext) -> tuple[str | None, str | None]:
        """A diagnosis label when the text names none, and what it rests on (see DiagnosisInferrer)."""
        items = [] if finding.negated else self.assess_and_rank(finding, ctx)[1]
        return self.diagnoses.infer(finding, items, ctx)


@functools.cache
def get_reasoner(lexicon_dir: str | None = None) -> Reasoner:
    """The Reasoner for the lexicons in ``lexicon_dir`` (default: the shipped ones), built once."""
    return Reasoner(load_lexicon(lexicon_dir))


def label_diagnoses(result: ReportResult, text: str, lexicon_dir: str | None = None,
                    patient_age: int | None = None) -> ReportResult:
    """Fill in the diagnosis of every mention whose text names none (marked inferred, with its basis)."""
    reasoner = get_reasoner(lexicon_dir)
    ctx = reasoner.context(result, text, patient_age)
    for finding in result.findings + result.queries:
        if finding.diagnosis is None:
            finding.diagnosis, finding.diagnosis_basis = reasoner.infer_diagnosis(finding, ctx)
            finding.diagnosis_uncertain = finding.diagnosis_basis is not None
    for deposit in result.deposits:  # a deposit no mention names is judged on everything its mentions say
        if deposit.diagnosis is None:
            diagnosis, basis = reasoner.infer_diagnosis(deposit.as_finding(result.findings), ctx)
            deposit.diagnosis, deposit.diagnosis_uncertain = diagnosis, basis is not None
    return result


def reason(result: ReportResult, text: str, lexicon_dir: str | None = None,
           patient_age: int | None = None) -> StructuredReport:
    """Assess every deposit of ``result`` (extracted from ``text``) and recommend follow-up."""
    reasoner = get_reasoner(lexicon_dir)
    ctx = reasoner.context(result, text, patient_age)
    if result.findings and not result.deposits:  # a record made without the pipeline: one deposit per finding
        result = result.model_copy(update={"deposits": [Deposit.of_one(i, f) for i, f in enumerate(result.findings)]})
    merged = [d.as_finding(result.findings) for d in result.deposits]
    assessments = []
    for index, (deposit, finding) in enumerate(zip(result.deposits, merged, strict=True)):
        assessment = reasoner.assess(deposit.findings[0], finding, ctx)
        assessment.deposit = index
        assessments.append(assessment)
    # follow-up rules read one finding per assessment: the deposit as one finding
    per_deposit = result.model_copy(update={"findings": merged})
    return StructuredReport(
        id=result.id,
        result=result,
        assessments=assessments,
        pertinent_negatives=[i for i, d in enumerate(result.deposits) if d.negated],
        recommendations=reasoner.followup.recommend(per_deposit, assessments, ctx),
        patient_age=ctx.age,
    )

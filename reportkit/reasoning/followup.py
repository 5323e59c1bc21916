"""Follow-up recommendations: the rules of lexicons/followup.yaml that hold for a report.

A finding rule holds for a finding (its kind, diagnosis, differential, cues); a report rule
holds for a sentence of the report. Rules that call for the same action give one line.
"""

from __future__ import annotations

import re

from reportkit.lexicon import FollowUpCondition, FollowUpRule, Lexicon
from reportkit.models import Assessment, Evidence, Finding, Recommendation, ReportResult
from reportkit.reasoning.context import TOP, ReportContext, match_evidence

SENTENCE_END = re.compile(r"[.!?\n]+")


class FollowUpRecommender:
    """The follow-up the article suggests for a report's findings and wording, with evidence."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.rules = lexicon.followup.rules

    def recommend(self, result: ReportResult, assessments: list[Assessment],
                  ctx: ReportContext) -> list[Recommendation]:
        """Every recommendation whose rule holds, merged by text, in lexicon order."""
        out: dict[str, Recommendation] = {}
        for rule in self.rules:
            if rule.scope == "report":
                evidence = self._report_rule_evidence(rule, ctx)
                if evidence is not None:
                    out[rule.id] = Recommendation(id=rule.id, text=rule.text, source=rule.source, evidence=evidence)
                continue
            for finding, assessment in zip(result.findings, assessments, strict=True):
                if self._condition_holds(rule.when, finding, assessment, ctx):
                    rec = out.setdefault(rule.id, Recommendation(id=rule.id, text=rule.text, source=rule.source))
                    rec.findings.append(assessment.finding)
                    rec.evidence += [ev for ev in finding.evidence if ev.role == "term"]
        merged: dict[str, Recommendation] = {}
        for rec in out.values():  # alternative rules that call for the same action give one line
            if rec.text in merged:
                kept = merged[rec.text]
                kept.findings = sorted(set(kept.findings) | set(rec.findings))
                kept.evidence += [ev for ev in rec.evidence if ev not in kept.evidence]
            else:
                merged[rec.text] = rec
        return list(merged.values())

    @staticmethod
    def _condition_holds(when: FollowUpCondition, finding: Finding, assessment: Assessment,
                         ctx: ReportContext) -> bool:
        """Whether a finding rule's every condition holds for one asserted finding."""
        if finding.negated and not when.include_negated:
            return False
        if finding.hypothetical:
            return False
        kinds = {finding.kind, assessment.kind.kind}
        diagnoses = {finding.diagnosis, assessment.suggested_diagnosis} - {None}
        top = {item.id for item in assessment.differential[:TOP]}
        return (
            (not when.kinds or bool(kinds & set(when.kinds)))
            and (not when.diagnoses or bool(diagnoses & set(when.diagnoses)))
            and (not when.differential_includes or bool(top & set(when.differential_includes)))
            and (not when.concepts or finding.concept in when.concepts)
            and (not when.descriptors_any or bool(set(when.descriptors_any) & ctx.descriptors(finding)))
            and (not when.sentence_any or ctx.find_in_sentence(when.sentence_any, finding) is not None)
            and (not when.document_any or ctx.find(when.document_any, finding) is not None)
            and (not when.modality_any or finding.modality in when.modality_any)
            and (not when.location_any or finding.location_category in when.location_any)
            and (when.study_lacks_modality is None or when.study_lacks_modality not in ctx.modalities)
            and (not when.study_modalities_only or ctx.modalities <= set(when.study_modalities_only))
            and (not when.document_none or ctx.find(when.document_none, finding) is None)
        )

    @staticmethod
    def _report_rule_evidence(rule: FollowUpRule, ctx: ReportContext) -> list[Evidence] | None:
        """The cue matches of the first sentence a report rule holds for, else None."""
        when = rule.when
        if when.modality_any and not ctx.modalities & set(when.modality_any):
            return None
        if when.study_lacks_modality and when.study_lacks_modality in ctx.modalities:
            return None
        if when.study_modalities_only and not ctx.modalities <= set(when.study_modalities_only):
            return None
        if when.document_none and ctx.find(when.document_none) is not None:
            return None
        start = 0
        for piece in SENTENCE_END.split(ctx.text):
            offset = ctx.text.find(piece, start)
            start = offset + len(piece)
            end = offset + len(piece)
            doc_hit = ctx.words.find(when.document_any, offset, end) if when.document_any else None
            sent_hit = ctx.words.find(when.sentence_any, offset, end) if when.sentence_any else None
            if (doc_hit or not when.document_any) and (sent_hit or not when.sentence_any):
                return [match_evidence(hit, "cue") for hit in (doc_hit, sent_hit) if hit]
        return None

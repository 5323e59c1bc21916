"""Follow-up recommendations: the rules of lexicons/followup.yaml that hold for a report.

A finding rule holds for a finding (its kind, diagnosis, differential, cues); a report rule
holds for a sentence of the report. Rules that call for the same action give one line.
What may make a rule hold is declared by :func:`reads`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportkit.lexicon import FollowUpCondition, FollowUpRule, Lexicon
from reportkit.models import Assessment, Evidence, Finding, Recommendation, ReportResult
from reportkit.reasoning.context import TOP, ReportContext, match_evidence
from reportkit.description import HaddDescription
from reportkit.triggers import MENTIONS, Reads, Words, text

SENTENCE_END = re.compile(r"[.!?\n]+")


@dataclass(frozen=True)
class _Condition:
    """A finding rule's lists as sets, made once per lexicon rather than once per finding and rule."""

    when: FollowUpCondition
    kinds: frozenset[str]
    diagnoses: frozenset[str]
    diagnoses_none: frozenset[str]
    differential: frozenset[str]
    concepts: frozenset[str]
    descriptors: frozenset[str]
    modalities: frozenset[str]
    modalities_none: frozenset[str]
    locations: frozenset[str]
    locations_none: frozenset[str]
    study_only: frozenset[str]
    scopes: frozenset[str]

    @classmethod
    def of(cls, when: FollowUpCondition) -> _Condition:
        return cls(when, frozenset(when.kinds), frozenset(when.diagnoses), frozenset(when.diagnoses_none),
                   frozenset(when.differential_includes), frozenset(when.concepts), frozenset(when.descriptors_any),
                   frozenset(when.modality_any), frozenset(when.modality_none), frozenset(when.location_any),
                   frozenset(when.location_none), frozenset(when.study_modalities_only), frozenset(when.scopes))


@dataclass(frozen=True)
class _Facts:
    """What every finding rule reads of one finding and its assessment, gathered once per finding."""

    kinds: frozenset[str]
    diagnoses: frozenset[str]
    top: frozenset[str]
    kind_unsettled: bool
    named: bool  # the report names the deposit's leading entity (Assessment.named_by_report)
    modality: str | None  # the modality that showed the deposit (ReportContext.modality_seen)

    @classmethod
    def of(cls, finding: Finding, assessment: Assessment, kinds_named: frozenset[str],
           modality: str | None) -> _Facts:
        assessed = assessment.kind
        # settled only as a foreign body named outright: HU in the calcification range cannot tell a
        # calcification from glass or silicone
        unsettled = (finding.kind != "foreign_body" or finding.uncertain or assessed.agrees is False
                     or len(kinds_named) > 1)
        diagnoses = {finding.diagnosis, assessment.suggested_diagnosis} - {None}
        if assessment._read_as and not any(item.named for item in assessment.differential):
            # a deposit its own words do not name: the label inferred from its place gives way to the reading the
            # report gives it (a ligament's calcification the opinion calls CPPD is no HADD to describe)
            diagnoses = {i.diagnosis for i in assessment.differential if i.id in assessment._read_as} - {None}
        return cls(frozenset({finding.kind, assessed.kind}),
                   frozenset(diagnoses),
                   # a differential kept as data (the report names the lead, or hedges the deposit) raises no work-up
                   # but that of the reading the deposit's sentence names ("a soft tissue tumour is the main
                   # consideration": its biopsy planning)
                   frozenset(item.id for item in assessment.differential[:TOP]) if assessment.differential_offered
                   else assessment._read_as, unsettled,
                   assessment.named_by_report, modality)


def reads(rule: FollowUpRule) -> Reads | None:
    """What may make ``rule`` hold: a finding rule, a mention; a report rule, its ``document_any`` and its
    ``sentence_any`` words both found in the text (:meth:`FollowUpRecommender._report_rule_evidence` needs a
    sentence holding both). None for a report rule that names no word: it may hold for any report."""
    if rule.scope == "finding":
        return MENTIONS
    needed = [Words(tuple(words), f"followup.yaml {rule.id} {field}")
              for field, words in (("document_any", rule.when.document_any), ("sentence_any", rule.when.sentence_any))
              if words]
    return text(*needed) if needed else None


class FollowUpRecommender:
    """The follow-up the article suggests for a report's findings and wording, with evidence."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.rules = lexicon.followup.rules
        self._conditions = [_Condition.of(rule.when) for rule in self.rules]
        self._concept_kind = {c.id: c.kind for c in lexicon.concepts.concepts}
        self._hadd_description = HaddDescription(lexicon)

    def _kinds_named(self, finding: Finding) -> frozenset[str]:
        """The kinds the words naming the deposit give it (a "calcification or foreign body" names two)."""
        return frozenset(k for c in {finding.concept, *finding.named_concepts} if (k := self._concept_kind.get(c)))

    def recommend(self, result: ReportResult, assessments: list[Assessment],
                  ctx: ReportContext) -> list[Recommendation]:
        """Every recommendation whose rule holds, merged by text, in lexicon order."""
        out: dict[tuple[str, str], Recommendation] = {}  # by rule and text
        facts = [_Facts.of(f, a, self._kinds_named(f), ctx.modality_seen(f))
                 for f, a in zip(result.findings, assessments, strict=True)]
        for rule, condition in zip(self.rules, self._conditions, strict=True):
            if rule.purpose == "description" and (ctx.at_procedure or ctx.clinical_note):
                continue  # what a report should say of its finding is for the report of the imaging study
            if rule.scope == "report":
                evidence = self._report_rule_evidence(rule, ctx)
                if evidence is not None:
                    out[rule.id, rule.text] = Recommendation(id=rule.id, text=rule.text, source=rule.source,
                                                             evidence=evidence)
                continue
            migrated = self._migrated(condition, result.findings, facts) if rule.when.description_incomplete else ()
            for i, (finding, assessment, known) in enumerate(zip(result.findings, assessments, facts, strict=True)):
                if i not in migrated and self._condition_holds(condition, finding, known, ctx):
                    text = self._text(rule, finding, ctx)
                    rec = out.setdefault((rule.id, text), Recommendation(id=rule.id, text=text, source=rule.source))
                    rec.findings.append(assessment.finding)
                    rec.evidence += [ev for ev in finding.evidence if ev.role == "term"]
        merged: dict[str, Recommendation] = {}
        given = {rule_id for rule_id, _ in out}
        made = {rule.id for rule in self.rules if rule.id in given and (
            rule.satisfied_by and ctx.find(rule.satisfied_by) is not None  # the report makes it ("F/u XR in 4-6 wks")
            or rule.considered_by and ctx.words.matches(rule.considered_by))}  # or weighs it ("no abscess")
        # alternative rules that call for the same action give one line
        for rec in (rec for (rule_id, _), rec in out.items() if rule_id not in made):
            if rec.text in merged:
                kept = merged[rec.text]
                kept.findings = sorted(set(kept.findings) | set(rec.findings))
                kept.evidence += [ev for ev in rec.evidence if ev not in kept.evidence]
            else:
                merged[rec.text] = rec
        return list(merged.values())

    def _migrated(self, condition: _Condition, deposits: list[Finding], facts: list[_Facts]) -> set[int]:
        """The deposits of the rule's diagnoses that are the migrated calcium of another one at a tendon
        (:meth:`HaddDescription.migrated`): a description rule asks it of that deposit."""
        described = [(i, f, _sites(f)) for i, (f, known) in enumerate(zip(deposits, facts, strict=True))
                     if not condition.diagnoses.isdisjoint(known.diagnoses)
                     and not (f.negated or f.hypothetical)]  # a deposit compared with its past still has one
        return {i for i, f, sites in described if self._hadd_description.migrated(
            sites, f.laterality, [(other, o.laterality) for j, o, other in described if j != i])}

    def _condition_holds(self, condition: _Condition, finding: Finding, facts: _Facts, ctx: ReportContext) -> bool:
        """Whether a finding rule's every condition holds for one asserted finding.

        The conditions have no side effects, so the set tests go first and the text lookups
        only run for a rule whose other conditions hold.
        """
        when = condition.when
        if finding.negated and not when.include_negated or finding.uncertain and when.certain:
            return False
        if finding.hypothetical or finding.historical:  # a past deposit ("excised in 2018") is not the study's
            return False
        if not ctx.imaged(finding):  # found at operation or by examination: the follow-up reads images
            return False
        return (
            (not condition.scopes or finding.scope in condition.scopes)
            and (not when.kind_unsettled or facts.kind_unsettled)
            and (not when.entity_unnamed or not facts.named)
            and (not condition.kinds or not condition.kinds.isdisjoint(facts.kinds))
            and (not condition.diagnoses or not condition.diagnoses.isdisjoint(facts.diagnoses))
            and condition.diagnoses_none.isdisjoint(facts.diagnoses)
            and (not condition.differential or not condition.differential.isdisjoint(facts.top))
            and (not condition.concepts or finding.concept in condition.concepts)
            and (not condition.modalities or facts.modality in condition.modalities)
            and facts.modality not in condition.modalities_none
            # a rule bound to rows, or barred from some, needs the deposit's row settled by its own words
            and (not (condition.locations or condition.locations_none) or ctx.row_settled(finding))
            and (not condition.locations or finding.location_category in condition.locations)
            and finding.location_category not in condition.locations_none
            and (not when.location_unsettled or (finding.location_category is None and finding.site is not None))
            and (when.study_lacks_modality is None or when.study_lacks_modality not in ctx.modalities)
            and (not condition.study_only or ctx.modalities <= condition.study_only)
            and not ctx.modalities.intersection(when.study_lacks_modalities)
            and (when.study_shows_any is None
                 or bool(ctx.modalities.intersection(when.study_shows_any.modalities))
                 or (bool(when.study_shows_any.words) and ctx.find(when.study_shows_any.words) is not None))
            and (not condition.descriptors or not condition.descriptors.isdisjoint(ctx.descriptors(finding)))
            and (not when.sentence_any or ctx.find_in_sentence(when.sentence_any, finding) is not None)
            and (not when.document_any or ctx.find(when.document_any, finding) is not None)
            and (not when.document_none or ctx.find(when.document_none, finding) is None)
            and (not when.stated_none or ctx.find_stated(when.stated_none) is None)
            and (not when.own_words_any or ctx.find_own(when.own_words_any, finding) is not None)
            and (not when.description_incomplete or not HaddDescription.COMPARED.isdisjoint(
                self._missing_description(finding, ctx)))
        )

    def _text(self, rule: FollowUpRule, finding: Finding, ctx: ReportContext) -> str:
        """The rule's text; a description rule's names what the finding's description lacks (``{missing}``)."""
        if not rule.when.description_incomplete:
            return rule.text
        return rule.text.replace("{missing}", self._hadd_description.asked(self._missing_description(finding, ctx)))

    def _missing_description(self, finding: Finding, ctx: ReportContext) -> list[str]:
        """What the deposit's description lacks; every mention's site counts, as for RK301 (the impression may name
        the tendon over whose bone the findings place the deposit). So do the size and appearance of an affirmed
        mention of its kind whose sentence names the deposit's tendon, which the linker may have placed elsewhere
        ("New 8 mm oval calcific density posterior to the humeral head, projecting in the infraspinatus tendon" for
        the impression's "infraspinatus calcific tendinopathy")."""
        sites = _sites(finding)
        size, descriptors = finding.size_mm, set(ctx.descriptors(finding))
        site = (finding.site or "").lower()
        if site:
            named = re.compile(rf"(?<!\w){re.escape(site)}(?!\w)")
            for other in ctx.naming_findings:
                if (other is not finding and other.kind == finding.kind
                        and named.search(ctx.text[other.sentence_start : other.sentence_end].lower())):
                    size = size if size is not None else other.size_mm
                    descriptors |= ctx.descriptors(other)
        return self._hadd_description.missing(sites, size, descriptors)

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
        if when.stated_none and ctx.find_stated(when.stated_none) is not None:
            return None
        # a sentence holds a match only if the whole text does (sentences end at no word character): spare the
        # sentence-by-sentence search of a report that names no cue at all
        if any(phrases and not ctx.words.matches(phrases) for phrases in (when.document_any, when.sentence_any)):
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


def _sites(finding: Finding) -> list[str | None]:
    """Every place a deposit's mentions name: its site and each site in its evidence."""
    return [finding.site, *(ev.text for ev in finding.evidence if ev.role == "site")]

"""The reference article's reasoning over extracted findings.

Step 1: is it a calcification, an ossification or a foreign body (descriptor cues, HU)?
Step 2: the location's differential (Table 1), ranked by pattern cues and clinical context.
Then follow-up recommendations. All knowledge is in lexicons/differential.yaml,
lexicons/followup.yaml, lexicons/terminology.yaml and lexicons/diagnosis_rules.yaml.

Entry point: :func:`reason` (a ReportResult and its text -> StructuredReport).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reportkit.lexicon import Entity, FollowUpCondition, FollowUpRule, Lexicon, load_lexicon
from reportkit.models import (
    Assessment,
    DifferentialItem,
    Evidence,
    Finding,
    KindAssessment,
    Recommendation,
    ReportResult,
    StructuredReport,
    TermRef,
)
from reportkit.text import find_words

AGE = re.compile(
    r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|y)\s*(?:-|\s)?\s*(?:old|o)\b|\b(\d{1,3})\s*y/o\b|\baged?\s+(\d{1,3})\b",
    re.IGNORECASE,
)
HU = re.compile(r"(-?\d{2,4})\s*(?:HU|hounsfield units?)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?\n]+")
TOP = 3  # items of the differential that count as "considered"


@dataclass
class ReportContext:
    """What a report says as a whole: text, stated age, modalities named."""

    text: str
    modalities: set[str] = field(default_factory=set)
    patient_age: int | None = None  # from exam metadata: used only when the text states no age
    _found: dict[tuple[str, ...], re.Match[str] | None] = field(default_factory=dict, repr=False)

    def find(self, phrases: Iterable[str]) -> re.Match[str] | None:
        """The first of ``phrases`` in the whole report (cached: cues ask the same question often)."""
        key = tuple(phrases)
        if key not in self._found:
            self._found[key] = find_words(key, self.text)
        return self._found[key]

    @functools.cached_property
    def age(self) -> int | None:
        for m in AGE.finditer(self.text):
            value = int(next(g for g in m.groups() if g))
            if 0 < value < 120:
                return value
        return self.patient_age

    def sentence(self, finding: Finding) -> str:
        return self.text[finding.sentence_start : finding.sentence_end]


def _evidence(text: str, match: re.Match[str], role: str, value: str | None = None, offset: int = 0) -> Evidence:
    return Evidence(role=role, text=match.group(0), start=offset + match.start(), end=offset + match.end(), value=value)


class Reasoner:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.differential = lexicon.differential
        self.suggests_kind = {d.id: d.suggests_kind for d in lexicon.descriptors.descriptors if d.suggests_kind}
        self.entities = {e.id: e for e in self.differential.entities}

    # ------------------------------------------------------------------ step 1
    def assess_kind(self, finding: Finding, ctx: ReportContext) -> KindAssessment:
        votes: dict[str, list[Evidence]] = {}
        for ev in finding.evidence:
            if ev.role == "descriptor" and ev.value in self.suggests_kind:
                votes.setdefault(self.suggests_kind[ev.value], []).append(ev)
        sentence = ctx.sentence(finding)
        low, high = self.differential.density.calcification_hu
        for m in HU.finditer(sentence):
            value = int(m.group(1))
            kind = "ossification" if value >= self.differential.density.bone_hu_min else (
                "calcification" if low <= value <= high else None)
            if kind:
                votes.setdefault(kind, []).append(_evidence(sentence, m, "cue", f"{value} HU", finding.sentence_start))
        if not votes:
            concept = self.lexicon.concept(finding.concept)
            if concept.role == "specific":  # the term itself says what it is ("enthesophyte")
                term = next(ev for ev in finding.evidence if ev.role == "term")
                return KindAssessment(kind=finding.kind, stated=finding.kind, agrees=True, evidence=[term])
            return KindAssessment(kind="indeterminate", stated=finding.kind, agrees=None)
        kind = max(votes, key=lambda k: len(votes[k]))
        if len(votes) > 1 and len({len(v) for v in votes.values()}) == 1:
            kind = "indeterminate"  # cues disagree evenly
        return KindAssessment(
            kind=kind, stated=finding.kind, agrees=None if kind == "indeterminate" else kind == finding.kind,
            evidence=[ev for evs in votes.values() for ev in evs],
        )

    # ------------------------------------------------------------------ step 2
    def _cue_matches(self, cue, finding: Finding, sentence: str, ctx: ReportContext) -> str | None:
        if cue.descriptor:
            return cue.descriptor.replace("_", " ") if cue.descriptor in finding.descriptors else None
        if cue.sentence:
            m = find_words(cue.sentence, sentence)
            return f"'{m.group(0)}' in the sentence" if m else None
        if cue.site:
            m = find_words(cue.site, finding.site or "")
            return f"site '{m.group(0)}'" if m else None
        if cue.document:
            m = ctx.find(cue.document)
            return f"'{m.group(0)}' in the report" if m else None
        age = ctx.age
        if cue.age and age is not None:
            if (cue.age.min is None or age >= cue.age.min) and (cue.age.max is None or age <= cue.age.max):
                return f"age {age}"
        return None

    def _prior(self, entity: Entity, location: str | None, kind: str) -> int | None:
        if location is None:
            values = [p[kind] for p in entity.priors.values() if kind in p]
            return min(values) if values else None
        return entity.priors.get(location, {}).get(kind)

    def rank(self, finding: Finding, kind: str, ctx: ReportContext) -> list[DifferentialItem]:
        sentence = ctx.sentence(finding)
        items = []
        for entity in self.differential.entities:
            prior = self._prior(entity, finding.location_category, kind)
            if prior is None:
                continue
            if entity.requires_site and not find_words(entity.requires_site, f"{finding.site or ''} {sentence}"):
                continue
            supporting, specific, score = [], False, prior
            for cue in entity.cues:
                why = self._cue_matches(cue, finding, sentence, ctx)
                if why:
                    supporting.append(why)
                    score += cue.weight
                    specific |= cue.specific
            is_named = bool(set(entity.concepts) & set(finding.named_concepts))
            if is_named:
                score += self.differential.named_bonus
                supporting.insert(0, "named in the report")
            if score <= 0:
                continue
            items.append(DifferentialItem(
                id=entity.id, literal=entity.literal, diagnosis=entity.diagnosis, score=score, named=is_named,
                supporting=supporting, specific=specific or is_named,
                warning=entity.warning if entity.warning and specific else None,
            ))
        items.sort(key=lambda i: -i.score)
        return items

    def assess_and_rank(self, finding: Finding, ctx: ReportContext) -> tuple[KindAssessment, list[DifferentialItem]]:
        """Step 1, then step 2 with the assessed kind (the stated one when the cues are silent)."""
        kind = self.assess_kind(finding, ctx)
        return kind, self.rank(finding, kind.kind if kind.kind != "indeterminate" else finding.kind, ctx)

    def suggestion(self, items: list[DifferentialItem]) -> DifferentialItem | None:
        """The top item, only when the evidence for it is specific and it leads."""
        if not items or not items[0].specific:
            return None
        if len(items) > 1 and items[0].score - items[1].score < self.differential.specific_margin:
            return None
        return items[0]

    def assess(self, index: int, finding: Finding, ctx: ReportContext) -> Assessment:
        kind, items = self.assess_and_rank(finding, ctx)
        term = self.lexicon.term_for_concept(finding.concept)
        assessment = Assessment(
            finding=index,
            kind=kind,
            term=TermRef(id=term.id, preferred=term.preferred, category=term.category,
                         codes=[c.model_dump() for c in term.codes]) if term else None,
        )
        if finding.negated or finding.hypothetical:
            return assessment
        top = self.suggestion(items)
        assessment.differential = items[:5]
        if top:
            assessment.suggested_diagnosis = top.diagnosis
            assessment.suggested_entity = top.id
        sentence = ctx.sentence(finding)
        for item in items[:TOP]:
            entity = self.entities[item.id]
            if item.warning:
                assessment.warnings.append(item.warning)
            for note in entity.notes:
                if (note.when_sentence and find_words(note.when_sentence, sentence)) or (
                    set(note.when_descriptors) & set(finding.descriptors)
                ):
                    assessment.notes.append(note.text)
        lead = self.entities[items[0].id] if items else None
        if lead:
            for phase in lead.phases:
                if set(phase.descriptors_any) & set(finding.descriptors):
                    assessment.phase = phase.name
                    break
        return assessment

    # ------------------------------------------------------------------ diagnosis for extraction
    def infer_diagnosis(self, finding: Finding, ctx: ReportContext) -> tuple[str | None, str | None]:
        """A diagnosis label when the text names none: a specific differential, else a lexicon rule.

        Returns (label, why) where ``why`` says what it rests on.
        """
        items: list[DifferentialItem] = []
        if not finding.negated:
            _, items = self.assess_and_rank(finding, ctx)
            top = self.suggestion(items)
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
    def _rule_applies(rule, finding: Finding, concept, ctx: ReportContext) -> bool:
        return (
            (not finding.negated or rule.include_negated)
            and (rule.kind is None or rule.kind == finding.kind)
            and (rule.location is None or rule.location == finding.location_category)
            and (not rule.roles or concept.role in rule.roles)
            and (not rule.concepts or concept.id in rule.concepts)
            and (not rule.descriptors_any or bool(set(rule.descriptors_any) & set(finding.descriptors)))
            and (not rule.document_any or ctx.find(rule.document_any) is not None)
        )

    # ------------------------------------------------------------------ follow-up
    def _condition_holds(self, when: FollowUpCondition, finding: Finding, assessment: Assessment,
                         ctx: ReportContext) -> bool:
        if finding.negated and not when.include_negated:
            return False
        if finding.hypothetical:
            return False
        kinds = {finding.kind, assessment.kind.kind}
        diagnoses = {finding.diagnosis, assessment.suggested_diagnosis} - {None}
        top = {item.id for item in assessment.differential[:TOP]}
        sentence = ctx.sentence(finding)
        return (
            (not when.kinds or bool(kinds & set(when.kinds)))
            and (not when.diagnoses or bool(diagnoses & set(when.diagnoses)))
            and (not when.differential_includes or bool(top & set(when.differential_includes)))
            and (not when.concepts or finding.concept in when.concepts)
            and (not when.descriptors_any or bool(set(when.descriptors_any) & set(finding.descriptors)))
            and (not when.sentence_any or find_words(when.sentence_any, sentence) is not None)
            and (not when.document_any or ctx.find(when.document_any) is not None)
            and (not when.modality_any or finding.modality in when.modality_any)
            and (not when.location_any or finding.location_category in when.location_any)
            and (when.study_lacks_modality is None or when.study_lacks_modality not in ctx.modalities)
        )

    def _report_rule_evidence(self, rule: FollowUpRule, ctx: ReportContext) -> list[Evidence] | None:
        when = rule.when
        if when.modality_any and not ctx.modalities & set(when.modality_any):
            return None
        if when.study_lacks_modality and when.study_lacks_modality in ctx.modalities:
            return None
        start = 0
        for piece in SENTENCE_END.split(ctx.text):
            offset = ctx.text.find(piece, start)
            start = offset + len(piece)
            doc_hit = find_words(when.document_any, piece) if when.document_any else None
            sent_hit = find_words(when.sentence_any, piece) if when.sentence_any else None
            if (doc_hit or not when.document_any) and (sent_hit or not when.sentence_any):
                return [_evidence(piece, m, "cue", offset=offset) for m in (doc_hit, sent_hit) if m]
        return None

    def recommend(self, result: ReportResult, assessments: list[Assessment],
                  ctx: ReportContext) -> list[Recommendation]:
        out: dict[str, Recommendation] = {}
        for rule in self.lexicon.followup.rules:
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


@functools.cache
def get_reasoner(lexicon_dir: str | None = None) -> Reasoner:
    return Reasoner(load_lexicon(lexicon_dir))


def label_diagnoses(result: ReportResult, text: str, lexicon_dir: str | None = None,
                    patient_age: int | None = None) -> ReportResult:
    """Fill in the diagnosis of every mention whose text names none (marked inferred, with its basis)."""
    reasoner = get_reasoner(lexicon_dir)
    ctx = ReportContext(text=text, modalities=set(result.modality), patient_age=patient_age)
    for finding in result.findings + result.queries:
        if finding.diagnosis is None:
            finding.diagnosis, finding.diagnosis_basis = reasoner.infer_diagnosis(finding, ctx)
            finding.diagnosis_uncertain = finding.diagnosis_basis is not None
    return result


def reason(result: ReportResult, text: str, lexicon_dir: str | None = None,
           patient_age: int | None = None) -> StructuredReport:
    """Assess every finding of ``result`` (extracted from ``text``) and recommend follow-up."""
    reasoner = get_reasoner(lexicon_dir)
    ctx = ReportContext(text=text, modalities=set(result.modality), patient_age=patient_age)
    assessments = [reasoner.assess(i, f, ctx) for i, f in enumerate(result.findings)]
    return StructuredReport(
        id=result.id,
        result=result,
        assessments=assessments,
        recommendations=reasoner.recommend(result, assessments, ctx),
        patient_age=ctx.age,
    )

"""Pydantic models of the reasoning lexicons: diagnosis rules, differential, follow-up, terminology, lint words.

The extraction lexicons (concepts, anatomy, descriptors, modalities, sections, ConText, linking) are in
:mod:`.schema`; both families share its base entry and validators.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from reportkit.lexicon.literals import (
    Diagnosis,
    Kind,
    LocationCategory,
    ModalityName,
    Scope,
    SectionCategory,
)
from reportkit.lexicon.schema import Code, _Entry, _lower_all, _require_unique


class HaddDescriptionAsks(_Entry):
    """What the reminder asks of each part of a HADD description (Freire 2018, Calcific tendinopathy)."""
    tendon: str = Field(min_length=1)
    size: str = Field(min_length=1)
    appearance: str = Field(min_length=1)


class LintVocabulary(_Entry):
    """Words, ids and section sets the lint rules (reportkit/lint/rules/) look for."""

    finding_sections: list[SectionCategory]
    statement_sections: list[SectionCategory]
    radiograph_rules: list[str]
    misuse_judged_elsewhere: list[str]
    cppd_concept: str
    cppd_imaging_term: str
    hadd_concept: str
    hadd_diagnosis: Diagnosis
    location_prepositions: list[str]
    spelling_variants: dict[str, str]
    crystal_proof: list[str]
    cppd_not_imaging_alone: list[str]
    hadd_appearance: list[str]
    hadd_description_asks: HaddDescriptionAsks = Field(description=(
        "the words the hadd_description reminder asks with, for each part a HADD description lacks"))
    broad_diagnoses: list[Diagnosis]
    clinical_note_titles: list[str] = Field(default_factory=list)
    clinical_note_openers: list[str] = Field(default_factory=list, description=(
        "words of a document's opening (first line, to its first full stop or colon) that name a clinical, "
        "operative or referral note, not an imaging study"))
    location_rules: list[str] = Field(default_factory=list, description="followup.yaml rules RK302 speaks for")
    location_advice: str = Field(min_length=1, description="RK302: how to settle a location the draft leaves open")

    _lower = field_validator("location_prepositions", "crystal_proof", "cppd_not_imaging_alone",
                             "misuse_judged_elsewhere", "clinical_note_titles", "clinical_note_openers")(_lower_all)


class DiagnosisRule(_Entry):
    """Label a finding whose own words name no diagnosis (first matching rule wins)."""

    diagnosis: Diagnosis
    kind: Kind | None = None
    location: LocationCategory | None = None
    roles: list[Literal["generic", "specific"]] = Field(default_factory=list)
    concepts: list[str] = Field(default_factory=list)
    descriptors_any: list[str] = Field(default_factory=list)
    document_any: list[str] = Field(default_factory=list)
    include_negated: bool = False
    inferred: bool = False
    requires_leading: bool = Field(
        default=False, description="apply only when the differential's leading item has this diagnosis"
    )
    source: str

    _lower = field_validator("document_any")(_lower_all)


class DiagnosisRules(_Entry):
    """diagnosis_rules.yaml: labels for findings whose text names no diagnosis."""
    rules: list[DiagnosisRule]


class AgeRange(_Entry):
    """An inclusive range of stated patient age."""
    min: int | None = None
    max: int | None = None


class Cue(_Entry):
    """One piece of evidence that raises a differential entity (exactly one source)."""

    descriptor: str | None = None
    sentence: list[str] = Field(default_factory=list)
    document: list[str] = Field(default_factory=list)
    site: list[str] = Field(default_factory=list)
    site_of: list[str] = Field(default_factory=list, description=(
        "anatomy.yaml site ids: with `site`, the cue also holds when the deposit's site is a term of one of these "
        "entries (a named muscle, however it is named)"))
    age: AgeRange | None = None
    weight: int = Field(gt=0)
    specific: bool = False
    owned: bool = Field(default=False, description=(
        "the words count for the advice only in the deposit's own site or clause, not anywhere in its sentence "
        "or report (a site or cause word belongs to the deposit it is linked to)"))
    unless: list[str] = Field(default_factory=list, description=(
        "for the advice, the cue fails when the clause of its words holds one of these (injected contrast "
        "is no corticoid injection)"))
    source: str = Field(min_length=1, description=(
        "why the cue raises the entity by its weight: the article section, EULAR, or 'project choice' with a reason"))

    _lower = field_validator("sentence", "document", "site", "unless")(_lower_all)

    @model_validator(mode="after")
    def _one_source(self) -> Cue:
        sources = [self.descriptor, self.sentence, self.document, self.site or self.site_of, self.age]
        if sum(1 for s in sources if s) != 1:
            raise ValueError("a cue names exactly one of descriptor, sentence, document, site (site_of), age")
        return self


class Phase(_Entry):
    """A named stage of an entity (e.g. HADD resorptive phase) and the cues that show it."""
    name: str
    descriptors_any: list[str]


class EntityNote(_Entry):
    """A note shown with an entity when its sentence words, descriptors or the patient's age say so."""
    text: str
    when_sentence: list[str] = Field(default_factory=list)
    when_descriptors: list[str] = Field(default_factory=list)
    when_age: AgeRange | None = None
    for_age: AgeRange | None = Field(default=None, description=(
        "the ages the note speaks of (\"in an elderly patient\"): not given when the report states an age outside "
        "them; given when it states none"))
    satisfied_by: list[str] = Field(default_factory=list, description=(
        "words whose affirmed mention, hedged or not, shows the report already draws the note's conclusion "
        "(\"typical of primary synovial osteochondromatosis\"): the note is then not given"))

    _lower = field_validator("when_sentence", "satisfied_by")(_lower_all)


class Entity(_Entry):
    """One row entry of the article's Table 1 differential."""

    id: str
    literal: str
    diagnosis: Diagnosis | None = None
    concepts: list[str] = Field(default_factory=list)
    requires_site: list[str] = Field(default_factory=list)
    requires_own: list[str] = Field(default_factory=list, description=(
        "advice only: the entity is listed only when one of these words belongs to the deposit (its site or own "
        "clause): an enthesophyte needs an insertion, a tendon or ligament; the diagnosis label does not read it"))
    named_by: list[str] = Field(default_factory=list, description=(
        "words that name the entity itself, not an imaging sign of it (CPPD: \"CPPD\", \"pseudogout\"; not "
        "\"chondrocalcinosis\" or \"crowned dens\"): affirmed in the report, hedged or not, the entity is the "
        "report's own diagnosis and nothing suggests it back. So is a mention of its first concept, when no entity "
        "of another diagnosis lists that concept"))
    named_in_sentence: list[str] = Field(default_factory=list, description=(
        "words that make a deposit the entity where the sentence of the deposit, or of a mention of the entity's "
        "concepts, affirms them: a calcification of an artery is arterial calcification; calcinosis \"in keeping "
        "with known dermatomyositis\" is dermatomyositis's. In an imaging report, the history naming the disease "
        "apart from the deposit does not (the suggestion joins the two); in a clinical note, whose author attributes "
        "what it records, it does"))
    ruled_out_by: list[str] = Field(default_factory=list, description=(
        "report words that take the entity out of the advice: a report of the deposit's lavage or barbotage gives "
        "the corticoid it injects as the deposit's treatment, after it, not as its cause"))
    advice_only: bool = Field(default=False, description=(
        "an entity of the advice only, absent from the ranking the diagnosis label reads (extraction)"))
    scopes: list[Scope] = Field(default_factory=lambda: ["msk"], description=(
        "the body systems where the entity is a cause: the diagnosis label keeps to them. Entities found in every "
        "system (arterial calcification, a calcified node, a phlebolith) list them all; as advice, a differential "
        "is given only for a musculoskeletal deposit, or one no place puts in a system (`unknown`)"))
    priors: dict[LocationCategory, dict[Kind, int]]
    prior_source: str = Field(min_length=1, description=(
        "why the priors are what they are: Table 1 (bold = most frequent), the article section, or 'project "
        "choice' with a reason"))
    cues: list[Cue] = Field(default_factory=list)
    lead_needs_cue: str | None = Field(default=None, min_length=1, description=(
        "advice only: the source of why the entity is not put first on its prior and shared features alone, but "
        "only when a specific cue (its stated cause, its age of onset) or the report's own naming backs it"))
    phases: list[Phase] = Field(default_factory=list)
    notes: list[EntityNote] = Field(default_factory=list)
    warning: str | None = None
    source: str

    _lower = field_validator("requires_site", "requires_own", "ruled_out_by", "named_by",
                             "named_in_sentence")(_lower_all)


class Density(_Entry):
    """Hounsfield ranges for step 1: calcification versus bone."""
    calcification_hu: tuple[int, int]
    bone_hu_min: int
    source: str


class Differential(_Entry):
    """differential.yaml: Table 1 entities with priors, cues, phases and warnings."""
    density: Density
    named_bonus: int
    specific_margin: int
    bold_prior: int = Field(description=(
        "the prior of a location's most frequent aetiology (Table 1's bold entry): placed by its own sentence in "
        "a structure of one of the `rows_naming_their_cause`, a deposit is its own evidence for that entity as the "
        "lead of advice"))
    rows_naming_their_cause: list[LocationCategory] = Field(default_factory=list, description=(
        "the rows whose structure alone names the bold aetiology (a tendon's deposit: HADD); a joint holds "
        "cartilage, capsule, bodies and periarticular deposits, so a deposit 'at the joint' names none"))
    rows_naming_their_cause_source: str = Field(default="", description="why those rows")
    alternative_notes_margin: int = Field(ge=0, description=(
        "an alternative's notes and warnings are shown only when its score is within this of the leading entity's"))
    coordination: list[str] = Field(min_length=1, description=(
        "words that join two structures: a required site word joined to the deposit's own site by one names "
        "another structure"))
    examined_words: list[str] = Field(default_factory=list, description=(
        "words saying a deposit was found by examining the patient (\"palpable\"): in a report that names no "
        "imaging, such a deposit, or any deposit of a clinical note (lint.yaml clinical_note_titles), gets no "
        "differential, which reads images"))
    examined_words_source: str = Field(default="", description="why the examined words silence the differential")
    weight_sources: dict[str, str] = Field(description=(
        "for each ranking weight, prior threshold and margin above, why it has its value (article section, EULAR, "
        "or 'project choice' with a reason)"))
    entities: list[Entity]

    @model_validator(mode="after")
    def _unique_ids(self) -> Differential:
        _require_unique(e.id for e in self.entities)
        return self

    @model_validator(mode="after")
    def _every_weight_sourced(self) -> Differential:
        weights = {name for name, field in type(self).model_fields.items() if field.annotation is int}
        missing = sorted(name for name in weights if not self.weight_sources.get(name, "").strip())
        if missing:
            raise ValueError(f"weight_sources: no source for {', '.join(missing)}")
        unknown = sorted(set(self.weight_sources) - weights)
        if unknown:
            raise ValueError(f"weight_sources: {', '.join(unknown)} is no ranking weight")
        return self


class StudyEvidence(_Entry):
    """What shows the study could measure or settle something: a modality, or words the report affirms."""
    modalities: list[ModalityName] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)

    _lower = field_validator("words")(_lower_all)


class FollowUpCondition(_Entry):
    """When a follow-up rule applies: every stated condition must hold."""
    kinds: list[Kind] = Field(default_factory=list)
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    diagnoses_none: list[Diagnosis] = Field(default_factory=list, description=(
        "the finding's diagnosis or suggested diagnosis is none of these (an entity with advice of its own)"))
    differential_includes: list[str] = Field(default_factory=list)
    concepts: list[str] = Field(default_factory=list)
    descriptors_any: list[str] = Field(default_factory=list)
    sentence_any: list[str] = Field(default_factory=list)
    document_any: list[str] = Field(default_factory=list)
    modality_any: list[ModalityName] = Field(default_factory=list)
    modality_none: list[ModalityName] = Field(default_factory=list, description=(
        "the modality that showed the finding is none of these (advice a study of that modality already settles)"))
    location_any: list[LocationCategory] = Field(default_factory=list)
    location_none: list[LocationCategory] = Field(default_factory=list, description=(
        "the deposit is in none of these locations (a vessel's calcification is no question of calcification "
        "against ossification)"))
    location_unsettled: bool = Field(default=False, description=(
        "the deposit names a place that does not say tendon, joint or soft tissue (a body region, or a structure "
        "it is only projected over)"))
    study_lacks_modality: ModalityName | None = None
    study_modalities_only: list[ModalityName] = Field(
        default_factory=list, description="every modality the report names is one of these")
    document_none: list[str] = Field(default_factory=list, description="the report affirms none of these words")
    scopes: list[Scope] = Field(default_factory=list, description="the deposit's body system is one of these")
    own_words_any: list[str] = Field(default_factory=list, description=(
        "the deposit's own site or clause (not merely its sentence or report) names one of these"))
    kind_unsettled: bool = Field(default=False, description=(
        "calcification versus foreign body is not settled: anything but a foreign body named outright, or one "
        "hedged, contradicted by its cues or named both ways"))
    study_shows_any: StudyEvidence | None = Field(default=None, description=(
        "the study is one of these modalities or the report affirms one of these words"))
    study_lacks_modalities: list[ModalityName] = Field(
        default_factory=list, description="the report names none of these modalities (exam or already described)")
    include_negated: bool = False
    description_incomplete: bool = Field(default=False, description=(
        "the deposit's description lacks the tendon or the size, which comparison at follow-up needs (lint rule "
        "RK301 also asks for the appearance)"))
    certain: bool = Field(default=False, description=(
        "the deposit is stated, not hedged (\"possible faint calcification\"): a warning about what a deposit "
        "does is for one the report asserts"))
    entity_unnamed: bool = Field(default=False, description=(
        "the report does not name the deposit's leading entity, hedged or not (Assessment.named_by_report): a "
        "caution against taking the deposit for its mimic is moot once the report says what the deposit is"))
    stated_none: list[str] = Field(default_factory=list, description=(
        "the report states none of these outright (affirmed and not hedged): a work-up for a suspected diagnosis "
        "is moot once the report states the diagnosis (\"pseudogout\"), not when it only suggests it"))

    _lower = field_validator("sentence_any", "document_any", "document_none", "own_words_any",
                             "stated_none")(_lower_all)


FollowUpPurpose = Literal["work_up", "description", "caution"]


class FollowUpRule(_Entry):
    """A follow-up recommendation, its conditions and its source."""
    id: str
    literal: str
    text: str
    scope: Literal["finding", "report"] = "finding"
    purpose: FollowUpPurpose = Field(description=(
        "work_up: a further study, test or treatment for the patient; description: what the report should say of "
        "the finding; caution: a pitfall the finding can lead to"))
    when: FollowUpCondition
    source: str
    satisfied_by: list[str] = Field(default_factory=list)
    considered_by: list[str] = Field(default_factory=list, description=(
        "words whose mention, affirmed or negated, shows the report has already weighed what a caution warns of "
        "(\"no rim-enhancing collection to suggest retropharyngeal abscess\"): the report then gets no such caution"))

    _lower = field_validator("satisfied_by", "considered_by")(_lower_all)

    @model_validator(mode="after")
    def _missing_only_where_read(self) -> FollowUpRule:
        if ("{missing}" in self.text) != self.when.description_incomplete:
            raise ValueError(f"follow-up rule '{self.id}': a text names {{missing}} exactly when the rule states "
                             "description_incomplete (what the description lacks fills it)")
        return self

    @model_validator(mode="after")
    def _finding_rule_states_scope(self) -> FollowUpRule:
        if self.scope == "finding" and not self.when.scopes:
            raise ValueError(f"follow-up rule '{self.id}' must state the body systems (when.scopes) it is advice for")
        return self


class FollowUp(_Entry):
    """followup.yaml: every follow-up rule."""
    rules: list[FollowUpRule]
    procedure_titles: list[str] = Field(default_factory=list, description=(
        "section titles of an operative or procedure note: its deposits were seen at the procedure, so the "
        "only modality that showed one is a modality its own sentence names"))

    _lower = field_validator("procedure_titles")(_lower_all)

    @model_validator(mode="after")
    def _unique_ids(self) -> FollowUp:
        _require_unique(r.id for r in self.rules)
        return self


class MisusedTerm(_Entry):
    """A term that is misused for this concept, with advice; near ``clinical_words`` it is used correctly."""
    term: str
    advice: str
    clinical_words: list[str] = Field(default_factory=list, description=(
        "words beside the term showing it names the clinical syndrome, which is correct use"))

    _lower = field_validator("clinical_words")(_lower_all)


class Term(_Entry):
    """A terminology entry: preferred term, category, synonyms, misused and deprecated terms, codes."""
    id: str
    preferred: str
    category: Literal["imaging_finding", "clinical_syndrome", "disease", "umbrella"]
    definition: str
    concepts: list[str] = Field(default_factory=list)
    synonyms: list[str] = Field(default_factory=list)
    deprecated: list[str] = Field(default_factory=list)
    misused: list[MisusedTerm] = Field(default_factory=list)
    codes: list[Code] = Field(default_factory=list)
    source: str

    @property
    def preferred_name(self) -> str:
        """The preferred term as written in a report: without its gloss in brackets
        ("calcific tendinopathy" of "calcific tendinopathy (hydroxyapatite deposition disease, HADD)")."""
        return re.sub(r"\s*\([^()]*\)\s*$", "", self.preferred) or self.preferred


class Terminology(_Entry):
    """terminology.yaml: preferred terms and verified codes."""
    terms: list[Term]

    @model_validator(mode="after")
    def _unique_ids(self) -> Terminology:
        _require_unique(t.id for t in self.terms)
        return self

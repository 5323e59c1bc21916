"""The pydantic models of the extraction lexicons' entries (unknown keys are rejected), and the shared base.

The reasoning lexicons' models (diagnosis rules, differential, follow-up, terminology, lint) are in
:mod:`.reasoning_schema`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from reportkit.text import spellings

from reportkit.lexicon.literals import (
    Diagnosis,
    Kind,
    Laterality,
    LocationCategory,
    ModalityName,
    Scope,
    SectionCategory,
    SiteCategory,
    TokenPattern,
)


class _Entry(BaseModel):
    # validators are built on first validation: a process whose lexicon comes validated from the cache never
    # builds them (:mod:`.loader`)
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _lower_all(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values]


def _lower_spellings(values: list[str]) -> list[str]:
    """Lower-cased terms, each followed by its other accepted spellings (:func:`reportkit.text.spellings`)."""
    return list(dict.fromkeys(s for v in _lower_all(values) for s in spellings(v)))


class Concept(_Entry):
    """A mineralisation concept (or a look-alike to exclude) and the words that name it."""

    id: str
    literal: str
    role: Literal["generic", "specific", "exclusion"]
    kind: Kind | None = None
    diagnosis: Diagnosis | None = None
    location: LocationCategory | None = None
    default_location: LocationCategory | None = None
    scope: Scope | None = Field(default=None, description="the body system the concept itself names (an organ-specific "
                                                          "entity); null: its site and context decide")
    term_scopes: dict[Scope, list[str]] = Field(
        default_factory=dict, description="words of a mention that name its body system (a concept of several organs)")
    negated: bool = False
    kind_by_reading: bool = Field(
        default=False,
        description="the term is a deposit of its kind only as the text reads it (a radiodensity read as a fragment):"
                    " a hedge on that reading hedges the finding",
    )
    kind_unworded: bool = Field(
        default=False,
        description="the terms name a mineral density without saying calcification or ossification "
                    "(\"mineralized\"): the cues decide the kind, and no wording contradicts them",
    )
    restates: list[str] = Field(default_factory=list, description=(
        "concepts whose object a bare mention of this one names again (\"the stone\" after \"a renal stone\")"))
    bare_restatement: bool = Field(default=False, description=(
        "the terms are bare nouns that name again a deposit already named (\"deposit\", \"fragment\"): a mention "
        "joins the last deposit of its kind at a compatible site, as an anaphor does"))
    terms: list[str] = Field(default_factory=list)
    patterns: list[TokenPattern] = Field(default_factory=list)
    requires_any: list[str] = Field(default_factory=list)
    requires_also: list[str] = Field(default_factory=list, description=(
        "a second word condition: the term's sentence names one of these as well as one of requires_any"))
    vetoed_by: list[str] = Field(default_factory=list)
    document_requires: str | None = Field(default=None, description="regex the whole report must match")
    document_vetoed_by: str | None = Field(default=None, description="regex the whole report must not match")
    gated_patterns: list[TokenPattern] = Field(
        default_factory=list,
        description="costly token patterns (typo families) whose matches count where they overlap no other term",
    )
    source: str

    _lower = field_validator("requires_any", "requires_also", "vetoed_by")(_lower_all)
    _spellings = field_validator("terms")(_lower_spellings)

    @field_validator("document_requires", "document_vetoed_by")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _kind_matches_role(self) -> Concept:
        if self.role == "exclusion" and self.kind is not None:
            raise ValueError("an exclusion has no kind")
        if self.role != "exclusion" and self.kind is None:
            raise ValueError(f"concept '{self.id}' needs a kind")
        if not self.terms and not self.patterns and not self.gated_patterns:
            raise ValueError(f"concept '{self.id}' has neither terms nor patterns")
        return self


class Site(_Entry):
    """An anatomical site and the location category it implies."""

    id: str
    literal: str
    category: SiteCategory
    beside_category: LocationCategory | None = None
    mass_category: LocationCategory | None = Field(default=None, description=(
        "the category of a mass the finding's own phrase names at the site, in it or beside it ('calcified mass "
        "centred on the trochanteric bursa': a periarticular soft-tissue mass, not a tendon's deposit)"))
    region: str | None = Field(default=None, description="the body region an exam title names by this site")
    in_every_region: bool = Field(
        default=False, description="found in every limb region (tendon, joint, bone): lies in the examined region"
    )
    midline: bool = Field(default=False, description="a midline structure: a finding here has no side")
    named_after: str | None = Field(default=None, description=(
        "a site read from a shape: shown as the structure the text names right after it, then this word "
        "('paralleling the subchondral bone of the lateral femoral condyle': 'lateral femoral condyle "
        "articular cartilage'); the word alone when the text names none"))
    in_exam_region: dict[str, str] = Field(default_factory=dict, description=(
        "exam region -> id of the site this generic word is read as in an exam of that region"))
    scope: Scope | None = Field(default=None, description="the body system of the site (null: the site does not say)")
    scope_weak: bool = Field(default=False, description=(
        "a generic word (soft tissue, capsule, cartilage): another body system named in the deposit's own clause wins"))
    names_no_structure: bool = Field(default=False, description=(
        "a word that only says 'not bone' ('soft tissue'): a soft-tissue structure the finding's own phrase names "
        "(a tendon, a ligament, a meniscus, a vessel) says where the finding is"))
    receives_migrated_calcium: bool = Field(default=False, description=(
        "where a tendon's hydroxyapatite migrates in the resorptive phase (a bursa beside it): a deposit there "
        "described beside one at a tendon is that deposit's migrated part, no tendon of its own"))
    terms: list[str]
    patterns: list[TokenPattern] = Field(default_factory=list)
    source: str | None = Field(default=None, description="where the site's reading or names come from, when it is no plain anatomy")

    _lower = field_validator("terms")(_lower_all)


class Code(_Entry):
    """A code in an external terminology, with what it was verified against."""
    system: Literal["ICD-10-CM", "SNOMED CT", "RadLex", "OIFM"]
    code: str
    display: str
    verified_by: str = Field(min_length=10, description="what the code was checked against")
    when_site: list[str] = Field(default_factory=list, description="applies only when the site names one of these")
    unless_site: list[str] = Field(default_factory=list, description="does not apply when the site names one of these")
    when_document: list[str] = Field(default_factory=list,
                                     description="applies only when the report affirms one of these words")

    _lower = field_validator("when_site", "unless_site", "when_document")(_lower_all)


class SiteCategoryReading(_Entry):
    """What a site of one category says about a finding's location category."""

    location: LocationCategory | None = Field(description="null: the site does not decide the category")
    weak: bool = Field(default=False, description="only a hint: a site that decides, or the concept, wins")
    beside: LocationCategory | None = Field(
        default=None, description="weak location when the text places the finding beside the site"
    )
    mass_beside: LocationCategory | None = Field(
        default=None, description="weak location of a mass the text places beside the site (else `beside`)"
    )
    last_resort: bool = Field(default=False, description="weak, used only when no other near site gives a category")


class Anatomy(_Entry):
    """Sites, side words and how each site category reads as a location."""

    sites: list[Site]
    site_categories: dict[SiteCategory, SiteCategoryReading]
    laterality: dict[Laterality, list[str]]
    not_sides: list[str] = Field(default_factory=list, description="names holding a side word that is no side")
    verb_sides: list[str] = Field(default_factory=list, description=(
        "side words that are also a verb's participle (\"no fragment was left in the wound\"): after an auxiliary "
        "or a noun, and before a word that opens no place, they are the verb"))
    auxiliaries: list[str] = Field(default_factory=list, description=(
        "words before a participle that make it a verb (\"was\", \"been\")"))
    participle_followers: list[str] = Field(default_factory=list, description=(
        "words after a participle, besides linking.yaml's prepositions, that make it a verb (\"left until review\")"))
    bone_regions: dict[str, str] = Field(default_factory=dict, description=(
        "long bones whose bare name, given a side, names the limb region of their shaft (\"XR LEFT FEMUR\": "
        "the thigh)"))
    bilateral_determiners: list[str] = Field(
        default_factory=list, description="words that say both sides directly before a paired structure's name")
    one_limb_pairs: list[str] = Field(default_factory=list, description=(
        "structures one limb has two of: a bilateral determiner before one (\"both menisci\") says no side"))
    side_letters: dict[str, Laterality] = Field(default_factory=dict, description=(
        "capital letters that give a side only as a label (\"R: ...\") or directly before a site's name, one "
        "modifier between at most (\"L index fingertip\", \"R 2nd DIP\")"))
    paired_organs: dict[str, list[str]] = Field(
        default_factory=dict, description="paired organs by name, with the words naming each: a later naming "
        "with no side takes the one side the report gave the organ before")

    @field_validator("paired_organs")
    @classmethod
    def _lower_organs(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {organ: _lower_all(terms) for organ, terms in value.items()}
    not_sites: list[str] = Field(default_factory=list, description="phrases holding a site word that is no site")
    plural_heads: dict[str, str] = Field(
        default_factory=dict, description="a site name's last word and its plural: the name also reads in the plural")
    laterality_codes: dict[Laterality, Code] = Field(default_factory=dict)
    scope_words: dict[Scope, list[str]] = Field(
        default_factory=dict, description="words that place a deposit in a body system without being linked sites")

    @model_validator(mode="before")
    @classmethod
    def _plural_site_names(cls, data: object) -> object:
        """Each site name ending in a word of ``plural_heads`` also in that word's plural ("gluteus medius tendons":
        a structure on each side, or of each muscle named), unless some site lists that plural itself."""
        if not isinstance(data, dict) or not isinstance(data.get("plural_heads"), dict) or not isinstance(
                data.get("sites"), list):
            return data
        heads = {str(k).strip().lower(): str(v).strip().lower() for k, v in data["plural_heads"].items()}
        names = [[t.strip().lower() for t in s["terms"] if isinstance(t, str)]
                 if isinstance(s, dict) and isinstance(s.get("terms"), list) else [] for s in data["sites"]]
        listed = {name for site_names in names for name in site_names}
        expanded = []
        for site, site_names in zip(data["sites"], names, strict=True):
            plurals = []
            for *words, last in (name.split() for name in site_names if name.strip()):
                plural = " ".join([*words, heads[last]]) if words and last in heads else None
                if plural is not None and plural not in listed:
                    listed.add(plural)
                    plurals.append(plural)
            expanded.append({**site, "terms": [*site["terms"], *plurals]} if plurals else site)
        return {**data, "sites": expanded}

    @model_validator(mode="after")
    def _unambiguous(self) -> Anatomy:
        _require_unique(s.id for s in self.sites)
        _require_unambiguous_terms((s.id, s.terms) for s in self.sites)
        unread = {s.category for s in self.sites} - set(self.site_categories)
        if unread:
            raise ValueError(f"site_categories has no reading for {sorted(unread)}")
        ids = {s.id for s in self.sites}
        unknown = {v for s in self.sites for v in s.in_exam_region.values()} - ids
        if unknown:
            raise ValueError(f"in_exam_region names unknown sites {sorted(unknown)}")
        unsourced = [s.id for s in self.sites if s.in_exam_region and not s.source]
        if unsourced:
            raise ValueError(f"sites read by exam region need a source: {unsourced}")
        return self


class Descriptor(_Entry):
    """A density, shape or pattern cue, normalised to ``id``."""

    id: str
    literal: str
    suggests_kind: Kind | None = None
    stage: bool = Field(default=False, description="names a stage of a deposit's course: never given to a negated one")
    terms: list[str]
    pattern: TokenPattern | None = Field(default=None, description="a token pattern for wordings the terms cannot list")
    source: str

    _lower = field_validator("terms")(_lower_all)


class Modality(_Entry):
    """An imaging modality and the words and token patterns that name it."""
    id: ModalityName
    literal: str
    projection_radiograph: bool = False
    scope: Scope | None = Field(default=None,
                                description="the body system every deposit it shows lies in (mammography)")
    terms: list[str] = Field(default_factory=list)
    patterns: list[TokenPattern] = Field(default_factory=list)

    _lower = field_validator("terms")(_lower_all)


class SectionDef(_Entry):
    """A report section and the header titles that open it."""

    category: SectionCategory
    literal: str
    questions: bool = False
    study_modality: bool = Field(default=False, description="a modality named here is the study's own")
    no_region_sides: bool = Field(
        default=False, description="a side named here (the arm contrast went into) is no side of a body region"
    )
    generic_prose: bool = Field(
        default=False,
        description="prose about a disease in general: a sentence here that names no patient anchor states no finding",
    )
    past_history: bool = Field(
        default=False, description="the patient's past history (PMH, PSH): a deposit named here is a historical one"
    )
    titles: list[str]

    _lower = field_validator("titles")(_lower_all)


class ContextRuleDef(_Entry):
    """One medspaCy ConText modifier rule."""

    literal: str
    category: Literal[
        "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HISTORICAL", "HYPOTHETICAL", "QUESTION", "TERMINATE", "PSEUDO"
    ]
    direction: Literal["FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"]
    max_scope: int | None = Field(default=None, gt=0)
    pattern: TokenPattern | None = None
    scope: Literal["sentence", "subject"] = Field(
        default="sentence",
        description="subject: a predicate after its finding reaches back to its clause's start, and only to the "
                    "subject's own noun phrases (not those of its prepositional phrases)")
    reason_for_study: bool = Field(
        default=False,
        description="in a question section (indication), what the trigger reaches is why the study was done "
                    "('follow-up of calcific tendinitis'), not a finding of it")

    @model_validator(mode="after")
    def _subject_is_backward(self) -> ContextRuleDef:
        if self.scope == "subject" and self.direction != "BACKWARD":
            raise ValueError("scope: subject is for a BACKWARD rule (a predicate after its subject)")
        return self


class ContextRules(_Entry):
    """context.yaml: the ConText modifier rules."""
    rules: list[ContextRuleDef]


class Linking(_Entry):
    """Words and windows that tie a finding to the rest of its sentence."""

    interpretation_links: list[str]
    interpretation_denials: list[str] = Field(default_factory=list, description=(
        "words between a finding and a later term that deny the term of it ('related to the injections rather "
        "than HADD'): the term is no interpretation folded into the finding"))
    apposition: list[str]
    apposition_openers: list[str]
    beside_bone: list[str]
    projection: list[str]
    holder_links: list[str] = Field(default_factory=list, description=(
        "words after a structure and before a finding it holds ('a mass with calcifications')"))
    likeness: list[str] = Field(default_factory=list, description=(
        "words saying a finding is like one named before ('a smaller similar deposit'): a bone it lies beside does "
        "not place it at that bone's enthesis"))
    containers: list[str] = Field(default_factory=list, description=(
        "words placing a finding inside another finding ('mineralisation within the tophus'): it lies where that "
        "one does, never at a site an earlier sentence named"))
    around_joint: list[str] = Field(default_factory=list, description=(
        "words placing a deposit around a joint, not in it ('calcific deposits around the 5th PIP joint'): "
        "periarticular soft tissue or the joint, which advice leaves open"))
    row_competitors: list[str] = Field(default_factory=list, description=(
        "site categories or ids a deposit placed in the other-soft-tissue row only by a hint may lie in instead, "
        "when its sentence names one"))
    tendon_diseases: list[str] = Field(default_factory=list, description=(
        "words naming a disease of a tendon: after a muscle whose tendon is a site of its own, they name that "
        "tendon ('gluteus medius tendinopathy with a small intrasubstance calcification')"))
    clause_breaks: list[str]
    coordinators: list[str] = Field(description="words joining two findings: a modifier never reaches across them")
    exam_side_locations: list[LocationCategory | None] = Field(
        description="location categories of a finding with no site that may take the exam title's side"
    )
    placeholder_pattern: str
    window_before: int = Field(ge=0, description="tokens before a finding searched for a site or side")
    holder_reach: int = Field(default=3, ge=0, description=(
        "words a holder link may stand before its finding (the finding's own modifiers)"))
    window_after: int = Field(gt=0, description="tokens after a finding searched for its site")
    size_units: dict[str, float] = Field(min_length=1, description="unit word -> millimetres")
    size_joiners: list[str] = Field(min_length=1, description="words between the dimensions of one size")
    anaphors: list[str] = Field(default_factory=list, description="phrases that refer back to a deposit already named")
    site_alternatives: list[str] = Field(
        default_factory=list, description="words that set two sites as alternatives for one finding (or, versus)")
    lesion_parts: list[str] = Field(
        default_factory=list,
        description="parts of one lesion: a mention naming one (\"a less mineralized centre\") describes the deposit "
                    "already named in its sentence",
    )
    negative_locatives: list[str] = Field(
        default_factory=list, description="words saying where a finding is not: the site after them is none")
    interpretation_anaphors: list[str] = Field(
        default_factory=list, description="pronouns whose interpretation takes the site of the finding they refer to")
    interpretation_hedges: list[str] = Field(
        default_factory=list, description="words that make an apposition an interpretation (', possibly a ...')")
    interpretation_reach: int = Field(default=8, gt=0,
                                      description="tokens between a pronoun or apposition and the interpretation")
    finite_verbs: list[str] = Field(default_factory=list,
                                    description="copulas, auxiliaries and modals: each stands for a clause's verb")
    subject_negations: list[str] = Field(default_factory=list,
                                         description="negations that open a clause's subject (no calcification is seen)")
    clause_openers: list[str] = Field(default_factory=list,
                                      description="words after which a new clause (and its subject) may start")
    relative_pronouns: list[str] = Field(default_factory=list, description="words that open a relative clause")
    copulas: list[str] = Field(default_factory=list, description=(
        "forms of 'be': after a relative pronoun, with a few words between at most (\"which in this setting "
        "is\"), they link a finding to the term that restates it, as \"which is\" does"))
    subject_pronouns: list[str] = Field(default_factory=list, description="pronouns that are a clause's subject")
    prepositions: list[str] = Field(default_factory=list, description="words that open a prepositional phrase")
    noun_links: list[str] = Field(default_factory=list, description="words that join two nouns into one phrase (of)")
    determiners: list[str] = Field(default_factory=list, description="words that open a noun phrase")
    other_entity: list[str] = Field(default_factory=list,
                                    description="words that set another thing beside a finding (adjacent, next to)")
    attribute_nouns: list[str] = Field(default_factory=list,
                                       description="nouns naming a part, property or the make-up of a finding")
    restating_nouns: list[str] = Field(default_factory=list, description="nouns that can restate a finding (focus)")
    predicate_adverbs: list[str] = Field(
        default_factory=list, description="adverbs without -ly that stand inside a predicate (has since been, is now)")

    patient_anchors: list[str] = Field(
        default_factory=list, description="phrases that tie a sentence of generic prose to this patient or case"
    )
    statement_verbs: list[str] = Field(
        default_factory=list, description="verbs without which a line of generic prose is a summary of findings"
    )

    locative_openers: list[str] = Field(
        default_factory=list, description="prepositions that open a sentence with the place of what the sentence states")
    referring_determiners: list[str] = Field(
        default_factory=list, description="determiners that make a finding's phrase refer back to one already named")
    restating_demonstratives: list[str] = Field(
        default_factory=list, description="words that open a clause speaking of the deposit just named (this, these)")
    referring_pronouns: list[str] = Field(
        default_factory=list, description="pronouns in a finding's clause that stand for something already named")
    referring_modifiers: list[str] = Field(
        default_factory=list, description=(
            "words before a negated finding that make it speak of the object already named (no further stones)"))
    survey_modifiers: list[str] = Field(
        default_factory=list, description=(
            "words before or just after a negated finding that make it a survey of everything but what was named "
            "(no other stones, no calcinosis elsewhere)"))
    extension: list[str] = Field(
        default_factory=list, description="words before a side naming where something reaches, not where it is")
    opposite_side: list[str] = Field(
        default_factory=list, description="words before a place that put it on the other side (contralateral)")
    referring_nouns: list[str] = Field(
        default_factory=list, description="nouns that, after a demonstrative, stand for a finding already named")

    _lower = field_validator(
        "interpretation_links", "interpretation_denials", "apposition", "apposition_openers", "beside_bone",
        "projection", "holder_links", "containers", "likeness",
        "clause_breaks", "size_joiners", "anaphors", "lesion_parts", "negative_locatives", "site_alternatives",
        "interpretation_anaphors",
        "interpretation_hedges", "subject_negations", "finite_verbs", "clause_openers", "relative_pronouns", "copulas",
        "subject_pronouns", "prepositions", "noun_links", "determiners", "other_entity", "attribute_nouns", "restating_nouns", "predicate_adverbs",
        "patient_anchors", "statement_verbs", "locative_openers", "referring_determiners", "restating_demonstratives", "referring_pronouns",
        "referring_nouns", "extension", "referring_modifiers", "survey_modifiers", "opposite_side",
    )(_lower_all)

    @field_validator("size_units")
    @classmethod
    def _lower_units(cls, value: dict[str, float]) -> dict[str, float]:
        return {unit.strip().lower(): factor for unit, factor in value.items()}

    @field_validator("placeholder_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class Concepts(_Entry):
    """concepts.yaml: every concept to find or exclude, and the words a self-audit reads sentences for."""
    concepts: list[Concept]
    audit_triggers: list[str] = Field(default_factory=list, description="word prefixes for the recall sample")
    citation_line: str | None = Field(default=None, description="regex of a line that cites literature")
    person_titles: list[str] = Field(default_factory=list, description=(
        "words before a person's name (Dr, Mr): a capitalised term after one, or after one and a given name, names"
        " a person"))
    person_suffixes: list[str] = Field(default_factory=list, description=(
        "degrees after a person's name (MD, PhD), dots left out: a capitalised term before one names a person"))

    @field_validator("person_titles", "person_suffixes")
    @classmethod
    def _plain_lower(cls, value: list[str]) -> list[str]:
        return [w.strip().lower().replace(".", "") for w in value]

    @field_validator("citation_line")
    @classmethod
    def _citation_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Concepts:
        _require_unique(c.id for c in self.concepts)
        _require_unambiguous_terms((c.id, c.terms) for c in self.concepts)
        return self


class Descriptors(_Entry):
    """descriptors.yaml: the article's density, shape and pattern cues."""
    descriptors: list[Descriptor]


# ---------------------------------------------------------------------- reasoning data


class Modalities(_Entry):
    """modalities.yaml: the modalities to recognise."""
    modalities: list[Modality]


class Sections(_Entry):
    """sections.yaml: section titles and their categories, and the abbreviations whose full stop ends no sentence."""
    sections: list[SectionDef]
    abbreviations: list[str] = Field(
        default_factory=list,
        description="words written with a full stop that does not end the sentence when a lower-case word or a "
        "number follows ('incl. infection', 'approx. 5 mm')",
    )
    _lower = field_validator("abbreviations")(_lower_all)


def _require_unambiguous_terms(entries: Iterable[tuple[str, list[str]]]) -> None:
    """A term listed under two entries would be matched to either at random."""
    owner: dict[str, str] = {}
    for entry_id, terms in entries:
        for term in terms:
            if owner.setdefault(term, entry_id) != entry_id:
                raise ValueError(f"term '{term}' is listed under both '{owner[term]}' and '{entry_id}'")


def _require_unique(ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"duplicate id '{i}'")
        seen.add(i)

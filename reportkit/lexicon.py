"""Load and validate the domain vocabulary in ``lexicons/``.

Every lexicon file is YAML, validated by a pydantic model that rejects unknown keys.
A bad file raises :class:`LexiconError` naming the file and the line of the offending
entry. The default lexicons ship inside the package (``reportkit.lexicons``) and are
found with :mod:`importlib.resources`; a user may point at another folder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

Kind = Literal["calcification", "ossification", "foreign_body"]
LocationCategory = Literal["tendon", "articular", "soft_tissue", "vascular", "other"]
SiteCategory = Literal["tendon", "articular", "soft_tissue", "vascular", "other", "bone", "limb", "level", "region"]
Laterality = Literal["left", "right", "bilateral"]
Diagnosis = Literal[
    "HADD",
    "CPPD",
    "gout",
    "tumoral_calcinosis",
    "calcinosis_SSc",
    "calcinosis_dermatomyositis",
    "myositis_ossificans",
    "heterotopic_ossification",
    "synovial_chondromatosis",
    "phlebolith",
    "enthesophyte",
    "chondroid_matrix",
    "arterial_calcification",
    "foreign_body",
    "other",
]
ModalityName = Literal["radiograph", "CT", "MRI", "ultrasound", "angiography", "nuclear_medicine", "mammography"]
SectionCategory = Literal[
    "unheaded", "exam", "indication", "technique", "comparison", "findings", "impression", "recommendation"
]
TokenPattern = list[dict[str, Any]]


class LexiconError(ValueError):
    """A lexicon file is missing, unreadable or invalid; the message names file and line."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _lower_all(values: list[str]) -> list[str]:
    return [v.strip().lower() for v in values]


class Concept(_Entry):
    """A mineralisation concept (or a look-alike to exclude) and the words that name it."""

    id: str
    literal: str
    role: Literal["generic", "specific", "exclusion"]
    kind: Kind | None = None
    diagnosis: Diagnosis | None = None
    location: LocationCategory | None = None
    default_location: LocationCategory | None = None
    negated: bool = False
    terms: list[str] = Field(default_factory=list)
    patterns: list[TokenPattern] = Field(default_factory=list)
    requires_any: list[str] = Field(default_factory=list)
    vetoed_by: list[str] = Field(default_factory=list)
    source: str

    _lower = field_validator("terms", "requires_any", "vetoed_by")(_lower_all)

    @model_validator(mode="after")
    def _kind_matches_role(self) -> Concept:
        if self.role == "exclusion" and self.kind is not None:
            raise ValueError("an exclusion has no kind")
        if self.role != "exclusion" and self.kind is None:
            raise ValueError(f"concept '{self.id}' needs a kind")
        if not self.terms and not self.patterns:
            raise ValueError(f"concept '{self.id}' has neither terms nor patterns")
        return self


class Site(_Entry):
    """An anatomical site and the location category it implies."""

    id: str
    literal: str
    category: SiteCategory
    beside_category: LocationCategory | None = None
    region: str | None = None
    terms: list[str]
    patterns: list[TokenPattern] = Field(default_factory=list)

    _lower = field_validator("terms")(_lower_all)


class Code(_Entry):
    system: Literal["ICD-10-CM", "SNOMED CT", "RadLex", "OIFM"]
    code: str
    display: str
    verified_by: str = Field(min_length=10, description="what the code was checked against")


class SiteCategoryReading(_Entry):
    """What a site of one category says about a finding's location category."""

    location: LocationCategory | None = Field(description="null: the site does not decide the category")
    weak: bool = Field(default=False, description="only a hint: a site that decides, or the concept, wins")
    beside: LocationCategory | None = Field(
        default=None, description="weak location when the text places the finding beside the site"
    )


class Anatomy(_Entry):
    """Sites, side words and how each site category reads as a location."""

    sites: list[Site]
    site_categories: dict[SiteCategory, SiteCategoryReading]
    laterality: dict[Laterality, list[str]]
    laterality_codes: dict[Laterality, Code] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unambiguous(self) -> Anatomy:
        _require_unique(s.id for s in self.sites)
        _require_unambiguous_terms((s.id, s.terms) for s in self.sites)
        unread = {s.category for s in self.sites} - set(self.site_categories)
        if unread:
            raise ValueError(f"site_categories has no reading for {sorted(unread)}")
        return self


class Descriptor(_Entry):
    """A density, shape or pattern cue, normalised to ``id``."""

    id: str
    literal: str
    suggests_kind: Kind | None = None
    terms: list[str]
    source: str

    _lower = field_validator("terms")(_lower_all)


class Modality(_Entry):
    id: ModalityName
    literal: str
    projection_radiograph: bool = False
    terms: list[str] = Field(default_factory=list)
    patterns: list[TokenPattern] = Field(default_factory=list)

    _lower = field_validator("terms")(_lower_all)


class SectionDef(_Entry):
    """A report section and the header titles that open it."""

    category: SectionCategory
    literal: str
    questions: bool = False
    study_modality: bool = Field(default=False, description="a modality named here is the study's own")
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


class ContextRules(_Entry):
    rules: list[ContextRuleDef]


class Linking(_Entry):
    """Words and windows that tie a finding to the rest of its sentence."""

    interpretation_links: list[str]
    apposition: list[str]
    apposition_openers: list[str]
    beside_bone: list[str]
    projection: list[str]
    clause_breaks: list[str]
    placeholder_pattern: str
    window_before: int = Field(ge=0, description="tokens before a finding searched for a site or side")
    window_after: int = Field(gt=0, description="tokens after a finding searched for its site")
    size_units: dict[str, float] = Field(min_length=1, description="unit word -> millimetres")
    size_joiners: list[str] = Field(min_length=1, description="words between the dimensions of one size")

    _lower = field_validator(
        "interpretation_links", "apposition", "apposition_openers", "beside_bone", "projection", "clause_breaks",
        "size_joiners",
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
    kind_words: dict[str, str]
    broad_diagnoses: list[Diagnosis]

    _lower = field_validator("location_prepositions", "crystal_proof", "cppd_not_imaging_alone",
                             "misuse_judged_elsewhere")(_lower_all)


class Concepts(_Entry):
    concepts: list[Concept]

    @model_validator(mode="after")
    def _unique_ids(self) -> Concepts:
        _require_unique(c.id for c in self.concepts)
        _require_unambiguous_terms((c.id, c.terms) for c in self.concepts)
        return self


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
    rules: list[DiagnosisRule]


class Descriptors(_Entry):
    descriptors: list[Descriptor]


# ---------------------------------------------------------------------- reasoning data


class AgeRange(_Entry):
    min: int | None = None
    max: int | None = None


class Cue(_Entry):
    """One piece of evidence that raises a differential entity (exactly one source)."""

    descriptor: str | None = None
    sentence: list[str] = Field(default_factory=list)
    document: list[str] = Field(default_factory=list)
    site: list[str] = Field(default_factory=list)
    age: AgeRange | None = None
    weight: int = Field(gt=0)
    specific: bool = False

    _lower = field_validator("sentence", "document", "site")(_lower_all)

    @model_validator(mode="after")
    def _one_source(self) -> Cue:
        sources = [self.descriptor, self.sentence, self.document, self.site, self.age]
        if sum(1 for s in sources if s) != 1:
            raise ValueError("a cue names exactly one of descriptor, sentence, document, site, age")
        return self


class Phase(_Entry):
    name: str
    descriptors_any: list[str]


class EntityNote(_Entry):
    text: str
    when_sentence: list[str] = Field(default_factory=list)
    when_descriptors: list[str] = Field(default_factory=list)

    _lower = field_validator("when_sentence")(_lower_all)


class Entity(_Entry):
    """One row entry of the article's Table 1 differential."""

    id: str
    literal: str
    diagnosis: Diagnosis | None = None
    concepts: list[str] = Field(default_factory=list)
    requires_site: list[str] = Field(default_factory=list)
    priors: dict[LocationCategory, dict[Kind, int]]
    cues: list[Cue] = Field(default_factory=list)
    phases: list[Phase] = Field(default_factory=list)
    notes: list[EntityNote] = Field(default_factory=list)
    warning: str | None = None
    source: str

    _lower = field_validator("requires_site")(_lower_all)


class Density(_Entry):
    calcification_hu: tuple[int, int]
    bone_hu_min: int
    source: str


class Differential(_Entry):
    density: Density
    named_bonus: int
    specific_margin: int
    entities: list[Entity]

    @model_validator(mode="after")
    def _unique_ids(self) -> Differential:
        _require_unique(e.id for e in self.entities)
        return self


class FollowUpCondition(_Entry):
    kinds: list[Kind] = Field(default_factory=list)
    diagnoses: list[Diagnosis] = Field(default_factory=list)
    differential_includes: list[str] = Field(default_factory=list)
    concepts: list[str] = Field(default_factory=list)
    descriptors_any: list[str] = Field(default_factory=list)
    sentence_any: list[str] = Field(default_factory=list)
    document_any: list[str] = Field(default_factory=list)
    modality_any: list[ModalityName] = Field(default_factory=list)
    location_any: list[LocationCategory] = Field(default_factory=list)
    study_lacks_modality: ModalityName | None = None
    include_negated: bool = False

    _lower = field_validator("sentence_any", "document_any")(_lower_all)


class FollowUpRule(_Entry):
    id: str
    literal: str
    text: str
    scope: Literal["finding", "report"] = "finding"
    when: FollowUpCondition
    source: str
    satisfied_by: list[str] = Field(default_factory=list)

    _lower = field_validator("satisfied_by")(_lower_all)


class FollowUp(_Entry):
    rules: list[FollowUpRule]

    @model_validator(mode="after")
    def _unique_ids(self) -> FollowUp:
        _require_unique(r.id for r in self.rules)
        return self


class MisusedTerm(_Entry):
    term: str
    advice: str


class Term(_Entry):
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


class Terminology(_Entry):
    terms: list[Term]

    @model_validator(mode="after")
    def _unique_ids(self) -> Terminology:
        _require_unique(t.id for t in self.terms)
        return self


class Modalities(_Entry):
    modalities: list[Modality]


class Sections(_Entry):
    sections: list[SectionDef]


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


class Lexicon(BaseModel):
    """All lexicons, validated. Built once per process by :func:`load_lexicon`."""

    model_config = ConfigDict(frozen=True)

    concepts: Concepts
    anatomy: Anatomy
    descriptors: Descriptors
    modalities: Modalities
    sections: Sections
    context: ContextRules
    linking: Linking
    diagnosis_rules: DiagnosisRules
    differential: Differential
    followup: FollowUp
    terminology: Terminology
    lint: LintVocabulary
    source: str

    @model_validator(mode="after")
    def _references_resolve(self) -> Lexicon:
        concept_ids = {c.id for c in self.concepts.concepts}
        descriptor_ids = {d.id for d in self.descriptors.descriptors}
        entity_ids = {e.id for e in self.differential.entities}
        checks: list[tuple[str, Iterable[str], set[str]]] = []
        for i, rule in enumerate(self.diagnosis_rules.rules):
            checks += [(f"diagnosis_rules.yaml: rule {i}", rule.concepts, concept_ids),
                       (f"diagnosis_rules.yaml: rule {i}", rule.descriptors_any, descriptor_ids)]
        for entity in self.differential.entities:
            where = f"differential.yaml: entity {entity.id}"
            checks.append((where, entity.concepts, concept_ids))
            checks.append((where, [c.descriptor for c in entity.cues if c.descriptor], descriptor_ids))
            checks += [(where, p.descriptors_any, descriptor_ids) for p in entity.phases]
            checks += [(where, n.when_descriptors, descriptor_ids) for n in entity.notes]
        for rule in self.followup.rules:
            where = f"followup.yaml: rule {rule.id}"
            checks += [(where, rule.when.concepts, concept_ids), (where, rule.when.descriptors_any, descriptor_ids),
                       (where, rule.when.differential_includes, entity_ids)]
        for term in self.terminology.terms:
            checks.append((f"terminology.yaml: term {term.id}", term.concepts, concept_ids))
        checks.append(("lint.yaml: hadd_appearance", self.lint.hadd_appearance, descriptor_ids))
        for where, refs, known in checks:
            missing = set(refs) - known
            if missing:
                raise ValueError(f"{where} names unknown ids {sorted(missing)}")
        return self

    def term_for_concept(self, concept_id: str) -> Term | None:
        return self._term_index.get(concept_id)

    _concept_index: dict[str, Concept] = PrivateAttr(default_factory=dict)
    _term_index: dict[str, Term] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        self._concept_index = {c.id: c for c in self.concepts.concepts}
        self._term_index = {concept: t for t in self.terminology.terms for concept in t.concepts}

    def concept(self, concept_id: str) -> Concept:
        return self._concept_index[concept_id]


# file name -> (Lexicon field, model)
LEXICON_FILES: dict[str, tuple[str, type[BaseModel]]] = {
    "concepts.yaml": ("concepts", Concepts),
    "anatomy.yaml": ("anatomy", Anatomy),
    "descriptors.yaml": ("descriptors", Descriptors),
    "modalities.yaml": ("modalities", Modalities),
    "sections.yaml": ("sections", Sections),
    "context.yaml": ("context", ContextRules),
    "linking.yaml": ("linking", Linking),
    "diagnosis_rules.yaml": ("diagnosis_rules", DiagnosisRules),
    "differential.yaml": ("differential", Differential),
    "followup.yaml": ("followup", FollowUp),
    "terminology.yaml": ("terminology", Terminology),
    "lint.yaml": ("lint", LintVocabulary),
}


class _LineDict(dict):
    """A mapping that remembers the YAML line it started on."""

    line: int = 0


class _LineList(list):
    """A sequence that remembers the YAML line of each item."""

    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records line numbers, and reads yes/no/on/off as words, not booleans."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    sequence = _LineList(loader.construct_sequence(node, deep=True))
    sequence.lines = [item.start_mark.line + 1 for item in node.value]
    return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Lexicons are lists of words: only `true`/`false` are booleans (YAML 1.2), not "no" or "off".
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest node on the path ``loc`` of a validation error."""
    line = getattr(data, "line", None)
    node = data
    for key in loc:
        try:
            child = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, _LineList) and isinstance(key, int):
            line = node.lines[key]
        node = child
        line = getattr(node, "line", line)
    return line


def parse_yaml_file(name: str, text: str, model: type[BaseModel]) -> BaseModel:
    """Parse one lexicon file's text and validate it, raising LexiconError with file:line."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark else name
        raise LexiconError(f"{where}: not valid YAML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        line = _line_of(data, tuple(first["loc"]))
        where = f"{name}:{line}" if line else name
        path = ".".join(str(p) for p in first["loc"])
        raise LexiconError(f"{where}: {path}: {first['msg']}") from exc


def default_lexicon_dir() -> Traversable:
    """The lexicons shipped in the installed package."""
    return files("reportkit.lexicons")


@functools.cache
def load_lexicon(directory: str | None = None) -> Lexicon:
    """Load and validate every lexicon file from ``directory`` (default: the shipped ones)."""
    root: Traversable = Path(directory) if directory else default_lexicon_dir()
    parsed: dict[str, BaseModel] = {}
    for name, (field, model) in LEXICON_FILES.items():
        entry = root / name
        if not entry.is_file():
            raise LexiconError(f"{name}: lexicon file is missing from {root}")
        try:
            text = entry.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise LexiconError(f"{name}: not UTF-8 text ({exc})") from exc
        parsed[field] = parse_yaml_file(name, text, model)
    try:
        return Lexicon(source=str(root), **parsed)
    except ValidationError as exc:
        raise LexiconError(str(exc.errors()[0]["msg"])) from exc

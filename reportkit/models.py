"""The output contract: plain pydantic records, never spaCy objects.

``schema/report.schema.json`` is generated from :class:`ReportResult` by
``reportkit schema`` and checked against these models by the tests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from reportkit.lexicon import Diagnosis, Kind, Laterality, LocationCategory, ModalityName, Scope, SectionCategory

EvidenceRole = Literal[
    "term",
    "interpretation",
    "description",
    "site",
    "laterality",
    "descriptor",
    "size",
    "modality",
    "negation",
    "uncertainty",
    "historical",
    "hypothetical",
    "question",
    "cue",
    "antecedent",
]


# The longest report any command reads (characters). spaCy's default max_length (1,000,000) is
# a guard for parsers and NER; this pipeline has neither, so it is raised to this on purpose.
MAX_REPORT_CHARS = 5_000_000


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Evidence(_Record):
    """A span of the original text that supports one attribute of a finding."""

    role: EvidenceRole
    text: str
    start: int = Field(description="character offset into the original text")
    end: int = Field(description="exclusive character offset")
    value: str | None = Field(default=None, description="the normalised value this span gave, if any")


class Finding(_Record):
    """One soft-tissue calcification, ossification or foreign-body mention."""

    start: int = Field(description="character offset of the mention in the original text")
    end: int = Field(description="exclusive character offset")
    text: str
    concept: str = Field(description="id of the lexicon concept that matched")
    named_concepts: list[str] = Field(
        default_factory=list, description="every concept the text names for this finding, interpretations included"
    )
    kind: Kind
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    section: SectionCategory
    location_category: LocationCategory | None = None
    site: str | None = Field(default=None, description="the anatomical site as written")
    scope: Scope | None = Field(default=None, description=(
        "the body system of the site and its context: 'msk' is the reference article's (musculoskeletal soft "
        "tissue); other systems are outside its scope and get none of its advice ('unknown': nothing says)"))
    laterality: Laterality | None = None
    laterality_source: Literal["mention", "clause", "exam", "region", "antecedent"] | None = Field(
        default=None, description=(
            "the basis of the side: the finding's own phrase, its clause, the exam title, or the side the "
            "report gives the finding's body region, or the deposit it restates (antecedent)"
        ))
    descriptors: list[str] = Field(default_factory=list, description="normalised cue names")
    size_mm: float | None = Field(default=None, description="largest stated dimension in millimetres")
    dimensions_mm: list[float] = Field(default_factory=list)
    modality: ModalityName | None = None
    diagnosis: Diagnosis | None = Field(default=None, description=(
        "the diagnosis of the concept the text names; when it names none, one inferred from a specific "
        "differential or a lexicon rule (see diagnosis_basis); else null"
    ))
    diagnosis_uncertain: bool = Field(
        default=False, description="the text hedges the diagnosis, or it was inferred rather than named"
    )
    diagnosis_basis: str | None = Field(
        default=None, description="what the diagnosis rests on when the text does not name it"
    )
    sentence_start: int = Field(default=0, description="character offset of the finding's sentence")
    sentence_end: int = Field(default=0, description="exclusive end of the finding's sentence")
    evidence: list[Evidence] = Field(default_factory=list)


class Section(_Record):
    """A report section: its category, the title as written and its character range."""
    category: SectionCategory
    title: str | None
    start: int
    end: int


class AssertionScope(_Record):
    """A stretch of text a ConText trigger makes non-affirmed: its words are not evidence of what they name."""
    start: int = Field(description="character offset where the scope starts")
    end: int = Field(description="exclusive character offset")
    category: Literal["NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL", "QUESTION"]
    trigger: str = Field(description="the trigger words as written")


class Deposit(_Record):
    """One deposit (or object) the report describes, perhaps in several mentions, with merged attributes."""

    findings: list[int] = Field(description="indexes of the findings (mentions) that describe this deposit")
    concept: str
    named_concepts: list[str] = Field(default_factory=list)
    kind: Kind
    negated: bool = Field(default=False, description="every mention says the deposit is absent")
    uncertain: bool = Field(default=False, description="every mention hedges the deposit")
    section: SectionCategory = Field(description="section of the first mention")
    location_category: LocationCategory | None = None
    site: str | None = None
    scope: Scope | None = Field(default=None, description="the body system of the deposit (see Finding.scope)")
    laterality: Laterality | None = None
    laterality_conflict: bool = Field(default=False, description="the mentions state different sides")
    descriptors: list[str] = Field(default_factory=list, description="cue ids of every mention and anaphor")
    size_mm: float | None = None
    dimensions_mm: list[float] = Field(default_factory=list, description="the dimensions of one stated size")
    modality: ModalityName | None = None
    diagnosis: Diagnosis | None = None
    diagnosis_uncertain: bool = False
    evidence: list[Evidence] = Field(default_factory=list, description="every mention's evidence, then anaphors'")

    @classmethod
    def of_one(cls, index: int, finding: Finding) -> Deposit:
        """A deposit described by one mention only."""
        fields = set(cls.model_fields) - {"findings", "laterality_conflict"}
        return cls(findings=[index], **{name: getattr(finding, name) for name in fields})

    def as_finding(self, findings: list[Finding]) -> Finding:
        """The deposit as one Finding: its first mention with the merged attributes (for reasoning, rendering)."""
        first = findings[self.findings[0]]
        # the deposit's fields have the finding's types: copied over (lists as copies) without a dump and validation
        merged = {name: list(value) if isinstance(value, list) else value
                  for name, value in self if name not in ("findings", "laterality_conflict")}
        sided = next((findings[i] for i in self.findings if findings[i].laterality == self.laterality), None)
        merged["laterality_source"] = sided.laterality_source if sided and self.laterality else None
        return first.model_copy(update=merged)


class ReportResult(_Record):
    """Everything reportkit extracted from one report.

    ``findings`` are what the report says about the patient (asserted, negated or hedged).
    ``queries`` are mentions that are not statements about the patient: clinical questions
    in the indication ("rule out calcific tendinitis"), risks of a planned procedure.
    """

    id: str
    source: str | None = Field(default=None, description="file name, or '-' for standard input")
    line: int | None = Field(default=None, description="1-based line of a JSONL input")
    findings: list[Finding] = Field(default_factory=list)
    queries: list[Finding] = Field(default_factory=list)
    modality: list[ModalityName] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    assertion_scopes: list[AssertionScope] = Field(
        default_factory=list, description="negated, hedged, hypothetical and questioned stretches of the text"
    )
    deposits: list[Deposit] = Field(
        default_factory=list, description="the findings grouped by the deposit they describe, in text order"
    )

    def section_titles(self) -> set[str]:
        """The sections' titles as the lexicons list them: lower case, without surrounding spaces or colons."""
        return {(s.title or "").strip(" :").lower() for s in self.sections}


class ErrorRecord(_Record):
    """An input that could not be processed; written in place of its result."""

    id: str | None = None
    source: str = Field(description="file name, or '-' for standard input")
    line: int | None = Field(default=None, description="1-based line of a JSONL input")
    error: str


# ---------------------------------------------------------------------- reasoning output


class KindAssessment(_Record):
    """The article's first step: calcification, ossification or foreign body, from the cues."""

    kind: Literal["calcification", "ossification", "foreign_body", "indeterminate"]
    stated: Kind
    agrees: bool | None = Field(description="null when the cues are silent")
    evidence: list[Evidence] = Field(default_factory=list)


class DifferentialItem(_Record):
    """One entity of the location's differential, with its score and the cues that raised it."""
    id: str
    literal: str
    diagnosis: Diagnosis | None
    score: int
    named: bool = Field(description="the report itself names this diagnosis")
    supporting: list[str] = Field(default_factory=list, description="cues that raised this item")
    specific: bool = Field(description="backed by a cue the article calls characteristic")
    warning: str | None = None
    # the deposit's own evidence makes it the lead (DifferentialRanker.rank): advice may rest on it
    _own_evidence: bool = PrivateAttr(default=False)


class TermRef(_Record):
    """The terminology entry for a finding's concept: preferred term, category and verified codes."""
    id: str
    preferred: str
    category: str
    codes: list[dict] = Field(default_factory=list)


class Assessment(_Record):
    """The article's reasoning for one deposit: kind, differential, suggestion, phase, notes, warnings."""
    finding: int = Field(description="index into the report's findings: the deposit's first mention")
    deposit: int | None = Field(default=None, description="index into the report's deposits")
    kind: KindAssessment
    differential: list[DifferentialItem] = Field(default_factory=list)
    suggested_diagnosis: Diagnosis | None = None
    suggested_entity: str | None = None
    named_by_report: bool = Field(default=False, description=(
        "the report names the leading entity (hedged or not, by its name, its treatment or a cause in the "
        "deposit's sentence): that is the report's own diagnosis, so nothing is suggested, the entity's warning "
        "is not given and the differential is kept as data, not offered as advice"))
    differential_offered: bool = Field(default=False, description=(
        "the differential is advice: the report neither names the leading entity (named_by_report) nor hedges the "
        "deposit (\"possible faint chondrocalcinosis, may be artefact\"), whose ranking, notes and warnings would "
        "rest on a deposit the report does not assert"))
    phase: str | None = None
    notes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    term: TermRef | None = None
    # entities of the ranking other than the lead that the deposit's own sentence names: the report's reading,
    # whose work-up still holds when the differential is kept as data (not serialised)
    _read_as: frozenset[str] = PrivateAttr(default=frozenset())


class Recommendation(_Record):
    """A follow-up to consider, with its source in the article and the findings and spans behind it."""
    id: str
    text: str
    source: str
    findings: list[int] = Field(default_factory=list, description="indexes of the findings that call for it")
    evidence: list[Evidence] = Field(default_factory=list)


class StructuredReport(_Record):
    """A report's findings with the article's reasoning: differential, follow-up."""

    id: str
    result: ReportResult
    assessments: list[Assessment] = Field(default_factory=list, description="one per deposit, in deposit order")
    pertinent_negatives: list[int] = Field(
        default_factory=list, description="indexes of the deposits the report says are absent"
    )
    recommendations: list[Recommendation] = Field(default_factory=list)
    patient_age: int | None = None
    disclaimer: str = (
        "Generated by reportkit from the report text: suggestions and differentials to consider, "
        "not a diagnosis. Every claim cites the words it rests on."
    )
    # each deposit as one finding, as the reasoning read it (not serialised; made again for a parsed report)
    _deposit_findings: list[Finding] | None = PrivateAttr(default=None)
    # the deposits found at operation or by examination, not on imaging (not serialised; none for a parsed report)
    _not_imaged: frozenset[int] = PrivateAttr(default=frozenset())
    # the deposits whose own sentences do not settle their row of Table 1 (ReportContext.row_settled; not serialised)
    _row_unsettled: frozenset[int] = PrivateAttr(default=frozenset())

    def imaged(self, finding: int) -> bool:
        """Was mention ``finding``'s deposit seen on imaging, as the reasoning read the report (advice that
        describes an image is for those only)?"""
        return not any(finding in self.result.deposits[d].findings for d in self._not_imaged)

    def row_settled(self, deposit: int) -> bool:
        """Does deposit ``deposit``'s own wording settle its location row, as advice on it needs?"""
        return deposit not in self._row_unsettled

    def assessed_finding(self, assessment: Assessment) -> Finding:
        """The finding ``assessment`` is about: its deposit merged into one finding, or its mention."""
        result = self.result
        if assessment.deposit is None:
            return result.findings[assessment.finding]
        if self._deposit_findings is None:
            self._deposit_findings = [d.as_finding(result.findings) for d in result.deposits]
        return self._deposit_findings[assessment.deposit]


def output_schema() -> dict:
    """JSON Schema for one line of ``reportkit extract`` output: a result or an error."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(ReportResult | ErrorRecord).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "reportkit extract output line"
    return schema

"""The output contract: plain pydantic records, never spaCy objects.

``schema/report.schema.json`` is generated from :class:`ReportResult` by
``reportkit schema`` and checked against these models by the tests.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reportkit.lexicon import Diagnosis, Kind, Laterality, LocationCategory, ModalityName, SectionCategory

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
]


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
    kind: Kind
    negated: bool = False
    uncertain: bool = False
    historical: bool = False
    hypothetical: bool = False
    section: SectionCategory
    location_category: LocationCategory | None = None
    site: str | None = Field(default=None, description="the anatomical site as written")
    laterality: Laterality | None = None
    laterality_source: Literal["mention", "sentence", "preceding_text"] | None = None
    descriptors: list[str] = Field(default_factory=list, description="normalised cue names")
    size_mm: float | None = Field(default=None, description="largest stated dimension in millimetres")
    dimensions_mm: list[float] = Field(default_factory=list)
    modality: ModalityName | None = None
    diagnosis: Diagnosis | None = Field(default=None, description="the concept the text names, else null")
    diagnosis_uncertain: bool = Field(default=False, description="the text hedges the named diagnosis")
    evidence: list[Evidence] = Field(default_factory=list)


class Section(_Record):
    category: SectionCategory
    title: str | None
    start: int
    end: int


class ReportResult(_Record):
    """Everything reportkit extracted from one report.

    ``findings`` are what the report says about the patient (asserted, negated or hedged).
    ``queries`` are mentions that are not statements about the patient: clinical questions
    in the indication ("rule out calcific tendinitis"), risks of a planned procedure.
    """

    id: str
    findings: list[Finding] = Field(default_factory=list)
    queries: list[Finding] = Field(default_factory=list)
    modality: list[ModalityName] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)


class ErrorRecord(_Record):
    """An input that could not be processed; written in place of its result."""

    id: str | None = None
    source: str = Field(description="file name, or '-' for standard input")
    line: int | None = Field(default=None, description="1-based line of a JSONL input")
    error: str


def output_schema() -> dict:
    """JSON Schema for one line of ``reportkit extract`` output: a result or an error."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(ReportResult | ErrorRecord).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "reportkit extract output line"
    return schema

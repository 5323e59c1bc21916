"""Find the lexicon folder, read every file and validate the whole into one :class:`Lexicon`."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from reportkit.lexicon.reasoning_schema import (
    DiagnosisRules,
    Differential,
    FollowUp,
    LintVocabulary,
    Term,
    Terminology,
)
from reportkit.lexicon.schema import (
    Anatomy,
    Concept,
    Concepts,
    ContextRules,
    Descriptors,
    Linking,
    Modalities,
    Sections,
)
from reportkit.lexicon.yaml_lines import LexiconError, parse_yaml_file


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
        site_ids = {s.id for s in self.anatomy.sites}
        checks: list[tuple[str, Iterable[str], set[str]]] = []
        checks += [(f"concepts.yaml: concept {c.id} restates", c.restates, concept_ids)
                   for c in self.concepts.concepts if c.restates]
        for i, rule in enumerate(self.diagnosis_rules.rules):
            checks += [(f"diagnosis_rules.yaml: rule {i}", rule.concepts, concept_ids),
                       (f"diagnosis_rules.yaml: rule {i}", rule.descriptors_any, descriptor_ids)]
        for entity in self.differential.entities:
            where = f"differential.yaml: entity {entity.id}"
            checks.append((where, entity.concepts, concept_ids))
            checks.append((where, [c.descriptor for c in entity.cues if c.descriptor], descriptor_ids))
            checks.append((where, [i for c in entity.cues for i in c.site_of], site_ids))
            checks += [(where, p.descriptors_any, descriptor_ids) for p in entity.phases]
            checks += [(where, n.when_descriptors, descriptor_ids) for n in entity.notes]
        for rule in self.followup.rules:
            where = f"followup.yaml: rule {rule.id}"
            checks += [(where, rule.when.concepts, concept_ids), (where, rule.when.descriptors_any, descriptor_ids),
                       (where, rule.when.differential_includes, entity_ids)]
        for term in self.terminology.terms:
            checks.append((f"terminology.yaml: term {term.id}", term.concepts, concept_ids))
        checks.append(("lint.yaml: hadd_appearance", self.lint.hadd_appearance, descriptor_ids))
        checks.append(("lint.yaml: location_rules", self.lint.location_rules, {r.id for r in self.followup.rules}))
        for where, refs, known in checks:
            missing = set(refs) - known
            if missing:
                raise ValueError(f"{where} names unknown ids {sorted(missing)}")
        return self

    def term_for_concept(self, concept_id: str) -> Term | None:
        """The terminology entry that covers ``concept_id``, if any."""
        return self.__pydantic_private__["_term_index"].get(concept_id)  # not through pydantic's __getattr__

    _concept_index: dict[str, Concept] = PrivateAttr(default_factory=dict)
    _term_index: dict[str, Term] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any) -> None:
        """Index concepts by id once, after validation."""
        self._concept_index = {c.id: c for c in self.concepts.concepts}
        self._term_index = {concept: t for t in self.terminology.terms for concept in t.concepts}

    def concept(self, concept_id: str) -> Concept:
        """The concept with ``concept_id`` (KeyError names it when missing)."""
        # read straight from the private-attribute dict: pydantic's __getattr__ costs 40x the lookup, per finding
        return self.__pydantic_private__["_concept_index"][concept_id]


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

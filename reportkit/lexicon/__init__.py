"""Load and validate the domain vocabulary in ``lexicons/``.

Every lexicon file is YAML, validated by a pydantic model that rejects unknown keys
(:mod:`.schema`). A bad file raises :class:`LexiconError` naming the file and the line of the
offending entry (:mod:`.yaml_lines`). The default lexicons ship inside the package
(``reportkit.lexicons``) and are found with :mod:`importlib.resources`; a user may point at
another folder (:mod:`.loader`).
"""

from __future__ import annotations

from reportkit.lexicon.literals import (
    Diagnosis,
    Kind,
    SCOPES,
    Laterality,
    LocationCategory,
    Scope,
    ModalityName,
    SectionCategory,
    SiteCategory,
    TokenPattern,
)
from reportkit.lexicon.loader import (
    LEXICON_FILES,
    Lexicon,
    default_lexicon_dir,
    load_lexicon,
)
from reportkit.lexicon.reasoning_schema import (
    AgeRange,
    Cue,
    Density,
    DiagnosisRule,
    DiagnosisRules,
    Differential,
    Entity,
    EntityNote,
    FollowUp,
    FollowUpCondition,
    FollowUpRule,
    LintVocabulary,
    MisusedTerm,
    Phase,
    Term,
    Terminology,
)
from reportkit.lexicon.schema import (
    Anatomy,
    Code,
    Concept,
    Concepts,
    ContextRuleDef,
    ContextRules,
    Descriptor,
    Descriptors,
    Linking,
    Modalities,
    Modality,
    SectionDef,
    Sections,
    Site,
)
from reportkit.lexicon.yaml_lines import (
    LexiconError,
    parse_yaml_file,
)

__all__ = [
    "AgeRange",
    "Anatomy",
    "Code",
    "Concept",
    "Concepts",
    "ContextRuleDef",
    "ContextRules",
    "Cue",
    "Density",
    "Descriptor",
    "Descriptors",
    "Diagnosis",
    "DiagnosisRule",
    "DiagnosisRules",
    "Differential",
    "Entity",
    "EntityNote",
    "FollowUp",
    "FollowUpCondition",
    "FollowUpRule",
    "Kind",
    "LEXICON_FILES",
    "Laterality",
    "SCOPES",
    "Scope",
    "Lexicon",
    "LexiconError",
    "Linking",
    "LintVocabulary",
    "LocationCategory",
    "MisusedTerm",
    "Modalities",
    "Modality",
    "ModalityName",
    "Phase",
    "SectionCategory",
    "SectionDef",
    "Sections",
    "Site",
    "SiteCategory",
    "Term",
    "Terminology",
    "TokenPattern",
    "default_lexicon_dir",
    "load_lexicon",
    "parse_yaml_file",
]

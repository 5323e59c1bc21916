"""The closed value sets shared by lexicon entries and the output models (reportkit.models)."""

from __future__ import annotations

from typing import Any, Literal

Kind = Literal["calcification", "ossification", "foreign_body"]
LocationCategory = Literal["tendon", "articular", "soft_tissue", "vascular", "other"]
SiteCategory = Literal[
    "tendon", "articular", "soft_tissue", "vascular", "other", "bone", "limb", "level", "lesion", "region"
]
Laterality = Literal["left", "right", "bilateral"]
# The body system a deposit lies in: the reference article covers only musculoskeletal soft tissue ("msk")
Scope = Literal["msk", "thoracic", "abdominal_pelvic", "neuro_head_neck", "trunk_vessel", "unknown"]
SCOPES: tuple[str, ...] = ("msk", "thoracic", "abdominal_pelvic", "neuro_head_neck", "trunk_vessel", "unknown")
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
    "unheaded", "exam", "indication", "technique", "comparison", "findings", "impression", "recommendation",
    "discussion",
]
TokenPattern = list[dict[str, Any]]

"""The article's reasoning: every Table 1 row and pattern cue on a sentence.

Sentences are the reference article's figure captions or written by the team. Each case
asserts the finding's kind and location, the leading differential item, the diagnosis
label, and the follow-up recommendations that must (and must not) appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from reportkit import extract
from reportkit.engine import get_engine

reason = get_engine().reason


@dataclass
class Case:
    id: str
    text: str
    kind: str
    location: str | None
    top: str | None  # leading differential entity (None: no differential)
    diagnosis: str | None  # the finding's diagnosis label
    recommendations: set[str] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)  # recommendations that must not appear
    assessed: str | None = None  # step 1 result, when the case is about it
    phase: str | None = None
    warning: bool = False
    suggested: str | None = None  # entity the reasoning suggests, when the evidence is specific


CASES = [
    # ---------------------------------------------------------------- tendon, calcification
    Case("hadd-formative", "EXAM: AP radiograph of the right shoulder.\nFINDINGS: Dense, homogeneous, well-defined oval "
         "calcification in the supraspinatus tendon measuring 12 mm.", "calcification", "tendon", "hadd", "HADD",
         # described with its tendon, size and appearance: no reminder to describe it
         set(), {"radiograph_correlation", "hadd_mimic", "hadd_description"},
         phase="calcific stage, formative or resting phase"),
    Case("hadd-resorptive", "EXAM: Radiograph of the left shoulder.\nFINDINGS: Fluffy ill-defined calcification of the "
         "supraspinatus tendon with a comet tail appearance and a crescent streak in the subacromial bursa.",
         "calcification", "tendon", "hadd", "HADD", {"hadd_description", "hadd_mimic"}, phase="calcific stage, resorptive phase",
         suggested="hadd"),
    Case("hadd-intraosseous-ct", "EXAM: CT of the right shoulder.\nFINDINGS: Amorphous calcification in the supraspinatus "
         "tendon with intraosseous extension causing cortical erosion of the greater tuberosity.", "calcification",
         "tendon", "hadd", "HADD", {"hadd_mimic"}, {"radiograph_correlation"}, phase="calcific stage, resorptive phase"),
    Case("cppd-tendon", "EXAM: Lateral radiograph of the knee.\nFINDINGS: Thin linear, stratified calcification in the "
         "quadriceps tendon.", "calcification", "tendon", "cppd", "CPPD", suggested="cppd"),
    # ---------------------------------------------------------------- tendon, ossification
    Case("enthesophyte", "EXAM: Lateral radiograph of the right knee.\nFINDINGS: Ossification at the insertion of the "
         "quadriceps tendon on the patella.", "ossification", "tendon", "enthesophyte", "enthesophyte",
         suggested="enthesophyte"),
    Case("avulsion", "EXAM: Radiograph of the left elbow after a fall.\nFINDINGS: Small ossification within the "
         "distal triceps tendon, likely an avulsion.", "ossification", "tendon", "avulsion_fracture", None,
         suggested="avulsion_fracture"),
    Case("tendon-rupture-sequela", "EXAM: Radiograph of the ankle. HISTORY: Achilles tendon repair two years ago.\n"
         "FINDINGS: Ossification within the Achilles tendon.", "ossification", "tendon", "tendon_rupture_sequela",
         "heterotopic_ossification"),
    Case("seronegative", "EXAM: Radiograph of the heel. HISTORY: Psoriatic arthritis.\nFINDINGS: Proliferative "
         "ossification at the plantar fascia enthesis.", "ossification", "tendon", "seronegative_enthesitis", None,
         suggested="seronegative_enthesitis"),
    Case("accessory-bone", "EXAM: Radiograph of the foot.\nFINDINGS: Corticated ossification in the peroneus longus "
         "tendon, in keeping with an accessory ossicle or sesamoid.", "ossification", "tendon", "accessory_bone", None,
         assessed="ossification"),
    # ---------------------------------------------------------------- articular, calcification
    Case("cppd-hyaline-arthropathy", "EXAM: AP radiograph of both knees.\nFINDINGS: Linear calcification of the hyaline "
         "cartilage paralleling the subchondral bone, with patellofemoral joint space narrowing and large subchondral "
         "cysts.", "calcification", "articular", "cppd", "CPPD", {"cppd_workup"}, suggested="cppd"),
    Case("cppd-wrist-slac", "EXAM: PA radiograph of the left wrist.\nFINDINGS: Calcification of the triangular "
         "fibrocartilage with scapholunate widening (SLAC wrist).", "calcification", "articular", "cppd", "CPPD",
         {"cppd_workup"}, assessed="indeterminate"),
    Case("chondrocalcinosis-incidental", "EXAM: Radiograph of the right knee.\nFINDINGS: Meniscal chondrocalcinosis.",
         "calcification", "articular", "cppd", "CPPD", absent={"cppd_workup", "radiograph_correlation"}),
    Case("crowned-dens", "EXAM: CT of the cervical spine. HISTORY: 81-year-old with fever and neck pain.\nFINDINGS: "
         "Curvilinear calcification of the transverse ligament around the dens.", "calcification",
         "tendon", "cppd", "CPPD", {"spine_crystal_mimic"}, {"radiograph_correlation"}),  # CT: no radiograph
    # the report that names the crowned dens has not taken it for meningitis: no caution
    Case("crowned-dens-named", "EXAM: CT of the cervical spine. HISTORY: 81-year-old with fever and neck pain.\n"
         "FINDINGS: Calcification of the transverse ligament around the dens, in keeping with crowned dens.",
         "calcification", "tendon", "cppd", "CPPD", absent={"spine_crystal_mimic", "radiograph_correlation"}),
    Case("longus-colli", "EXAM: CT of the neck.\nFINDINGS: Amorphous calcification anterior to C1-C2 in the longus colli "
         "tendon with prevertebral effusion, compatible with calcific tendinitis of the longus colli.", "calcification",
         "tendon", "hadd", "HADD", {"hadd_description"}, {"spine_crystal_mimic"}),  # named: no mimic caution
    Case("facet-hadd", "EXAM: CT of the cervical spine.\nFINDINGS: Cloudlike amorphous calcification in the right C2-C3 "
         "facet joint.", "calcification", "articular", "hadd", "HADD", {"hadd_description"}, suggested="hadd"),
    Case("synovial-chondromatosis-primary", "EXAM: AP radiograph of the left hip.\nFINDINGS: Multiple intra-articular "
         "calcified bodies with rings and arcs, marginal pressure erosions of the femoral neck.", "calcification",
         "articular", "synovial_chondromatosis", "synovial_chondromatosis", suggested="synovial_chondromatosis"),
    Case("corticoid-injection", "EXAM: Radiograph of the wrist. HISTORY: Carpal tunnel corticoid injection one month "
         "ago.\nFINDINGS: Faint periarticular calcification at the palmar aspect of the wrist joint.", "calcification",
         "soft_tissue", "corticoid_injection", "other", suggested="corticoid_injection"),
    Case("gout-tophus", "EXAM: Radiograph of the right foot.\nFINDINGS: Punched-out erosions of the first metatarsal head "
         "with overhanging edges and an adjacent mineralized tophus.", "calcification", "soft_tissue", "gout", "gout"),
    Case("rapidly-destructive", "EXAM: Radiograph of the right shoulder, follow-up at 3 months.\nFINDINGS: Rapid "
         "destruction of the glenohumeral joint with bone lysis and periarticular calcifications and debris.",
         "calcification", "soft_tissue", "destructive_arthropathy", "other", {"destructive_arthropathy"},
         warning=True),
    Case("cppd-mcp-distribution", "EXAM: PA radiographs of both hands.\nFINDINGS: Joint space narrowing of the second "
         "and third metacarpophalangeal joints with hook-like osteophytes and chondrocalcinosis of the triangular "
         "fibrocartilage.", "calcification", "articular", "cppd", "CPPD", {"cppd_workup"}),
    # ---------------------------------------------------------------- spine: disc CPPD versus HADD
    Case("disc-cppd", "EXAM: CT of the lumbar spine.\nFINDINGS: Thin vertical calcification of the L4-L5 disc annulus.",
         "calcification", "other", "disc_cppd", "CPPD", set(), {"hadd_description", "radiograph_correlation"},
         suggested="disc_cppd"),
    Case("disc-hadd", "EXAM: CT of the lumbar spine.\nFINDINGS: Round central calcification in the nucleus pulposus of "
         "the L3-L4 disc.", "calcification", "other", "disc_hadd", "HADD", absent={"hadd_description"},
         suggested="disc_hadd"),
    Case("disc-degenerative", "EXAM: Radiograph of the lumbar spine.\nFINDINGS: Degenerative calcification of the L5-S1 "
         "disc with vacuum phenomenon.", "calcification", "other", "disc_degeneration", "other"),
    # ---------------------------------------------------------------- articular, ossification
    Case("ankylosis", "EXAM: Radiograph of the right hip.\nFINDINGS: Ossification across the hip joint space with bony "
         "ankylosis.", "ossification", "articular", "ankylosis", None, suggested="ankylosis"),
    Case("syndesmophytes", "EXAM: Lateral radiograph of the lumbar spine. HISTORY: Ankylosing spondylitis.\nFINDINGS: "
         "Thin marginal syndesmophytes at multiple levels.", "ossification", "other", "syndesmophyte", "other"),
    Case("ho-arthroplasty", "EXAM: AP radiograph of the right hip after total hip arthroplasty.\nFINDINGS: Heterotopic "
         "ossification lateral to the hip joint.", "ossification", "articular", "heterotopic_ossification",
         "heterotopic_ossification", set(), {"early_heterotopic_ossification"}),  # mature HO: no sarcoma follow-up
    # ---------------------------------------------------------------- other soft tissue, calcification
    Case("tumoral-calcinosis-idiopathic", "EXAM: Radiograph of the right hip. HISTORY: 14-year-old with a painless "
         "mass.\nFINDINGS: Large multiloculated periarticular calcified mass along the extensor surface with "
         "fluid-fluid levels.", "calcification", "soft_tissue", "tumoral_calcinosis_idiopathic", "tumoral_calcinosis",
         {"calcinosis_labs"}),
    Case("tumoral-calcinosis-renal", "EXAM: CT of the left hip. HISTORY: Chronic renal failure on haemodialysis.\n"
         "FINDINGS: Multiloculated periarticular calcification around the left hip with fluid-fluid levels.",
         "calcification", "soft_tissue", "tumoral_calcinosis_secondary", "tumoral_calcinosis",
         set(), {"radiograph_correlation", "calcinosis_labs"}),  # the cause is stated: no investigation for it
    Case("calcinosis-ssc", "EXAM: PA radiograph of the right hand. HISTORY: Scleroderma.\nFINDINGS: Subcutaneous "
         "calcifications in the fingertips with acro-osteolysis.", "calcification", "soft_tissue", "calcinosis_ssc",
         "calcinosis_SSc", absent={"calcinosis_labs"}),
    Case("calcinosis-dermatomyositis", "EXAM: Radiographs of the left leg. HISTORY: Dermatomyositis.\nFINDINGS: "
         "Sheet-like calcification along the fascial planes of the calf muscles.", "calcification", "soft_tissue",
         "calcinosis_dermatomyositis", "calcinosis_dermatomyositis", absent={"calcinosis_labs"}),
    Case("sarcoma-warning", "EXAM: Radiograph of the left knee. HISTORY: 28-year-old with an enlarging painful mass.\n"
         "FINDINGS: Periarticular soft tissue mass posterior to the knee with faint central calcifications.",
         "calcification", "soft_tissue", "soft_tissue_tumour", "other", {"mass_cross_sectional"}, warning=True),
    Case("injection-granuloma", "EXAM: AP radiograph of the pelvis.\nFINDINGS: Multiple small oval calcifications in the "
         "gluteus maximus muscles at typical injection sites, compatible with injection granulomas.", "calcification",
         "soft_tissue", "injection_granuloma", "other"),
    Case("cysticercosis", "EXAM: AP radiograph of the pelvis.\nFINDINGS: Innumerable small cigar-shaped calcifications "
         "within the thigh and gluteal muscles.", "calcification", "soft_tissue", "infection_calcification", "other",
         suggested="infection_calcification"),
    Case("phlebolith-venous-malformation", "EXAM: AP radiograph of the right elbow.\nFINDINGS: Round calcifications with "
         "central lucency in the forearm soft tissues, with a soft tissue mass suggesting a venous malformation.",
         "calcification", "soft_tissue", "phlebolith", "phlebolith", {"venous_malformation_doppler"},
         suggested="phlebolith"),
    Case("arterial-intimal", "EXAM: Oblique radiograph of the femur.\nFINDINGS: Chunky irregular double-track "
         "calcification of the superficial femoral artery.", "calcification", "vascular", "arterial_calcification",
         "arterial_calcification"),
    Case("arterial-medial", "EXAM: Lateral radiograph of the ankle. HISTORY: Dialysis.\nFINDINGS: Thin and delicate "
         "tram-track calcification of the posterior tibial artery.", "calcification", "vascular",
         "arterial_calcification", "arterial_calcification"),
    # ---------------------------------------------------------------- other soft tissue, ossification
    Case("myositis-ossificans-zonal", "EXAM: CT of the right thigh. HISTORY: Football injury.\nFINDINGS: Ossification in "
         "the vastus lateralis muscle with a zonal pattern and peripheral ossification.", "ossification",
         "soft_tissue", "myositis_ossificans", "myositis_ossificans", set(), {"early_heterotopic_ossification"},
         warning=True, suggested="myositis_ossificans"),
    Case("myositis-ossificans-early", "EXAM: Radiograph of the right thigh. HISTORY: Contusion three weeks ago.\n"
         "FINDINGS: Faint ill-defined calcification within the quadriceps muscle.", "calcification", "soft_tissue",
         "myositis_ossificans", "myositis_ossificans", {"early_heterotopic_ossification"}, warning=True,
         suggested="myositis_ossificans"),
    Case("ho-burns", "EXAM: Radiograph of the left elbow. HISTORY: Extensive burns.\nFINDINGS: Heterotopic ossification "
         "posterior to the elbow.", "ossification", "soft_tissue", "heterotopic_ossification",
         "heterotopic_ossification", set(), {"early_heterotopic_ossification"}),
    Case("ho-venous-insufficiency", "EXAM: Radiograph of both legs. HISTORY: Chronic venous insufficiency.\nFINDINGS: "
         "Subcutaneous ossification with a honeycomb appearance in the lower legs.", "ossification", "soft_tissue",
         "heterotopic_ossification", "heterotopic_ossification", suggested="heterotopic_ossification"),
    # ---------------------------------------------------------------- step 1: what is it?
    Case("foreign-body-glass", "EXAM: Radiograph of the foot.\nFINDINGS: Glass fragments in the plantar soft tissues "
         "with sharp edges and a rectangular shape.", "foreign_body", "soft_tissue", None, "foreign_body",
         assessed="foreign_body"),
    Case("ossification-cues-called-calcification", "EXAM: CT of the thigh.\nFINDINGS: Calcification in the adductor "
         "muscles with cortical and trabecular pattern and fatty marrow.", "calcification", "soft_tissue",
         "heterotopic_ossification", None, set(), {"radiograph_correlation"}, assessed="ossification"),
    Case("hounsfield-units", "EXAM: CT of the shoulder.\nFINDINGS: Calcification in the subscapularis tendon measuring "
         "250 HU.", "calcification", "tendon", "hadd", "HADD", set(), {"radiograph_correlation"}, assessed="calcification"),
    Case("indeterminate", "FINDINGS: Calcification in the infraspinatus tendon.", "calcification", "tendon", "hadd",
         "HADD", assessed="indeterminate"),
    Case("mri-tear-mimic", "EXAM: MRI of the left knee.\nFINDINGS: Low signal within the posterior horn of the medial "
         "meniscus, possibly a tear or meniscal calcification.", "calcification", "articular", "cppd", "CPPD",
         {"radiograph_correlation", "radiograph_correlation_tear_mimic"}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reasoning_case(case: Case):
    result = extract(case.text, case.id)
    report = reason(result, case.text)
    positives = [(f, a) for f, a in zip(result.findings, report.assessments, strict=True) if not f.negated]
    assert positives, "no finding extracted"
    finding, assessment = positives[0]
    assert finding.kind == case.kind
    assert finding.location_category == case.location
    assert (assessment.differential[0].id if assessment.differential else None) == case.top
    assert finding.diagnosis == case.diagnosis
    if case.assessed:
        assert assessment.kind.kind == case.assessed
    if case.phase:
        assert assessment.phase == case.phase
    if case.suggested:
        assert assessment.suggested_entity == case.suggested
    assert bool(assessment.warnings) == case.warning
    recommended = {r.id for r in report.recommendations}
    assert case.recommendations <= recommended
    assert not (case.absent & recommended)
    # every differential item explains itself
    for item in assessment.differential:
        assert item.supporting or not item.specific


def test_named_diagnosis_is_not_overridden(captions):
    text = captions["freire2018-fig19"]["text"]  # "tumoural calcinosis ... characteristic of systemic sclerosis"
    result = extract(text)
    report = reason(result, text)
    assert result.findings[0].diagnosis == "tumoral_calcinosis"
    assert report.assessments[0].differential[0].named
    # the caption names the cause (systemic sclerosis): the investigations that look for one are not suggested
    assert "calcinosis_labs" not in {r.id for r in report.recommendations}


def test_kind_assessment_keeps_cue_evidence(captions):
    text = captions["freire2018-fig3"]["text"]  # cortical and trabecular pattern, zonal distribution
    report = reason(extract(text), text)
    kind = report.assessments[0].kind
    assert kind.kind == "ossification" and kind.agrees is True
    assert "cortical_trabecular" in {ev.value for ev in kind.evidence}
    assert all(text[ev.start:ev.end] == ev.text for ev in kind.evidence)


def test_synovial_chondromatosis_primary_versus_secondary_notes():
    primary = "FINDINGS: Multiple intra-articular calcified bodies with rings and arcs and marginal pressure erosions."
    secondary = ("FINDINGS: Advanced osteoarthritis with several ring-like calcified bodies of different sizes in the "
                 "joint.")
    notes_primary = reason(extract(primary), primary).assessments[0].notes
    notes_secondary = reason(extract(secondary), secondary).assessments[0].notes
    assert any("primary" in n for n in notes_primary)
    assert any("secondary" in n for n in notes_secondary)


def test_arterial_intimal_versus_medial_notes():
    text = "FINDINGS: Chunky irregular double-track calcification of the femoral artery."
    assert any("intimal" in n for n in reason(extract(text), text).assessments[0].notes)
    text = "HISTORY: Dialysis.\nFINDINGS: Thin and delicate tram-track calcification of the tibial artery."
    assert any("medial" in n for n in reason(extract(text), text).assessments[0].notes)


def test_radiograph_in_comparison_suppresses_correlation():
    text = ("EXAM: MRI of the right shoulder.\nCOMPARISON: Radiographs of 3 March.\nFINDINGS: Calcification in the "
            "supraspinatus tendon.")
    assert "radiograph_correlation" not in {r.id for r in reason(extract(text), text).recommendations}


def test_negated_findings_get_no_differential_or_recommendation():
    text = "EXAM: MRI of the left knee.\nFINDINGS: No chondrocalcinosis. No soft tissue calcification."
    report = reason(extract(text), text)
    assert all(a.differential == [] for a in report.assessments)
    assert report.recommendations == []


def test_recommendations_say_consider_and_cite_a_source():
    text = CASES[1].text
    recommendations = reason(extract(text), text).recommendations
    assert recommendations  # the case expects "hadd_description" and "hadd_mimic"
    for rec in recommendations:
        assert rec.source.startswith("Freire 2018")
        assert rec.findings and rec.evidence


@pytest.mark.parametrize("text, age", [
    ("HISTORY: 45-year-old with shoulder pain. Calcification in the supraspinatus tendon.", 45),
    ("HISTORY: Shoulder pain, patient aged 62. Size 12 mm, follow-up in 3 months.", 62),
    ("HISTORY: 7 y/o boy. FINDINGS: 2 mm focus.", 7),
    ("HISTORY: No history of a 30 year old injury; 51 yrs old.", 51),  # the negated statement is skipped
    ("HISTORY: Pain for 3 weeks. FINDINGS: 4 x 6 mm calcification, 2019-04-01.", None),
    ("HISTORY: \u201c45 years old\u201d \u2013 pain.", 45),  # typographic quotes and dash: the regex path
    ("HISTORY: \u0664\u0665 years old.", 45),  # Arabic-Indic digits are digits to the pattern
])
def test_the_stated_age_is_the_first_affirmed_one(text, age):
    from reportkit.reasoning.context import AGE, ReportContext, _age_matches

    report = reason(extract(text, "age"), text)
    assert report.patient_age == age
    assert [m.span() for m in _age_matches(text)] == [m.span() for m in AGE.finditer(text)]
    assert ReportContext(text=text).age == (age if "No history" not in text else 30)

"""Named entities read as one concept, neutral mineral wording, ranking before a location is known, and the
work-up of a calcified mass seen on a cross-sectional study.

Short reports written for these tests; the article is Freire 2018 (Insights Imaging, CC BY 4.0).
"""

from __future__ import annotations

import pytest

from reportkit.api import analyse
from reportkit.engine import lint_text
from reportkit.lint import LintConfig
from reportkit.render import render
from reportkit.text import spellings


def _pairs(text: str):
    report = analyse(text)
    return report, [(report.result.findings[a.finding], a) for a in report.assessments]


# ---------------------------------------------------------------- a longer named entity is one concept


@pytest.mark.parametrize("text", [
    "EXAM: Radiographs of the left foot.\nHISTORY: Diabetic, 71 years.\nFINDINGS: Parallel linear calcification "
    "of the dorsalis pedis artery.\nIMPRESSION: Mönckeberg medial calcinosis.",
    "EXAM: Radiograph of the right leg.\nFINDINGS: Medial arterial calcinosis of the calf vessels.",
    "EXAM: Radiograph of the left ankle.\nIMPRESSION: Findings in keeping with Moenckeberg calcinosis of the "
    "anterior tibial artery.",
    "EXAM: Radiographs of both feet.\nFINDINGS: Extensive medial calcinosis along the plantar arteries.",
])
def test_an_arterial_calcinosis_name_is_one_vascular_finding_without_calcinosis_workup(text):
    report, pairs = _pairs(text)
    assert pairs and all(f.location_category == "vascular" for f, _ in pairs)
    assert "arterial_calcification" in {f.concept for f in report.result.findings}
    assert not any(f.concept == "calcinosis" for f in report.result.findings)
    assert not {"calcinosis_labs", "calcinosis_concept_labs"} & {r.id for r in report.recommendations}


@pytest.mark.parametrize("name", ["Teutschländer disease", "Teutschlaender disease", "Teutschlander disease",
                                  "TEUTSCHLÄNDER DISEASE"])
def test_a_german_name_matches_with_the_umlaut_its_transliteration_or_its_plain_letter(name):
    text = (f"EXAM: Radiograph of the right hip.\nHISTORY: 13-year-old.\nFINDINGS: Large lobulated calcified mass "
            f"lateral to the hip joint.\nIMPRESSION: {name}.")
    report = analyse(text)
    assert "tumoral_calcinosis" in {f.concept for f in report.result.findings}


def test_the_transliterated_spelling_is_added_only_where_a_term_has_an_umlaut():
    assert spellings("mönckeberg sclerosis") == ["mönckeberg sclerosis", "moenckeberg sclerosis"]
    assert spellings("tumoral calcinosis") == ["tumoral calcinosis"]


def test_tumoral_calcinosis_named_in_full_stays_one_tumoral_calcinosis_finding():
    report = analyse("EXAM: Radiograph of the left shoulder.\nFINDINGS: Idiopathic tumoral calcinosis about "
                     "the shoulder.")
    assert [f.concept for f in report.result.findings] == ["tumoral_calcinosis"]


# ---------------------------------------------------------------- ranking: the renal form needs its cause


@pytest.mark.parametrize("text", [
    "HISTORY: 24-year-old with a painful swelling behind the knee.\nEXAM: Radiographs of the right knee.\n"
    "FINDINGS: Periarticular soft tissue mass posterior to the knee with faint calcifications.",
    "Patient: 31 years old. Radiograph of the left ankle: a periarticular soft-tissue mass containing faint "
    "calcification anterior to the ankle.",
    "EXAM: Radiographs of the right hip. HISTORY: 28-year-old man, enlarging lump. FINDINGS: Periarticular mass "
    "near the hip with faint calcifications.",
])
def test_a_young_adults_periarticular_mass_with_faint_calcification_leads_with_a_tumour(text):
    _, pairs = _pairs(text)
    assert pairs
    for _, assessment in pairs:
        ranking = [i.id for i in assessment.differential]
        assert ranking[0] == "soft_tissue_tumour"


@pytest.mark.parametrize("text", [
    "EXAM: Radiograph of the left elbow.\nFINDINGS: Lobulated calcified mass on the extensor surface of the "
    "elbow.",
    "EXAM: Radiograph of the right shoulder.\nHISTORY: 55 years.\nFINDINGS: Multiloculated periarticular "
    "calcified masses about the shoulder with fluid-fluid levels.",
])
def test_the_secondary_form_of_chronic_renal_failure_does_not_lead_without_a_renal_cue(text):
    _, pairs = _pairs(text)
    assert pairs
    for _, assessment in pairs:
        assert assessment.differential and assessment.differential[0].id != "tumoral_calcinosis_secondary"


def test_with_renal_failure_stated_the_secondary_form_still_leads():
    text = ("HISTORY: End-stage renal disease on haemodialysis.\nEXAM: Radiograph of the left elbow.\n"
            "FINDINGS: Lobulated calcified mass on the extensor surface of the elbow.")
    _, pairs = _pairs(text)
    assert pairs[0][1].differential[0].id == "tumoral_calcinosis_secondary"


@pytest.mark.parametrize("text", [
    "EXAM: Radiographs of the right elbow, two views.\nFINDINGS: A small calcific density projects over the "
    "lateral elbow.",
    "EXAM: Radiograph of the left wrist.\nFINDINGS: Punctate calcification around the wrist, seen on one view "
    "only.",
    "EXAM: Radiographs of the right ankle.\nFINDINGS: A calcific focus behind the ankle; whether it lies in "
    "the tendon or the joint cannot be told.",
])
def test_an_unlocated_deposit_gets_the_advice_to_locate_it_instead_of_a_ranking(text):
    report, pairs = _pairs(text)
    assert pairs
    for finding, assessment in pairs:
        assert finding.location_category is None
        assert assessment.differential == []
    assert "locate_by_shape_or_oblique_views" in {r.id for r in report.recommendations}


# ---------------------------------------------------------------- neutral mineral wording


@pytest.mark.parametrize("text", [
    "EXAM: CT of the right thigh.\nHISTORY: 30-year-old, thigh injury 5 weeks ago.\nFINDINGS: Peripheral "
    "mineralization within the rectus femoris with a lucent centre, a zonal pattern.",
    "EXAM: Radiographs of the left arm.\nFINDINGS: Mineralized mass in the brachialis muscle with a well-formed "
    "peripheral cortex and a zonal pattern.",
    "EXAM: Radiograph of the right forearm.\nFINDINGS: Mineralised focus in the flexor muscles with trabecular "
    "pattern and a cortical rim.",
])
def test_neutral_mineral_wording_is_not_said_to_contradict_ossification_cues(text):
    report, pairs = _pairs(text)
    assert pairs
    assert not any(a.kind.agrees is False for _, a in pairs)


def test_the_word_calcification_with_ossification_cues_is_recorded_not_advised():
    text = ("EXAM: Radiograph of the left thigh.\nFINDINGS: Calcification in the adductor muscles with cortical "
            "and trabecular pattern.")
    report = analyse(text)
    assert [(a.kind.stated, a.kind.kind, a.kind.agrees) for a in report.assessments] == [
        ("calcification", "ossification", False)]
    assert "cues suggest" not in render(report, text, "text") + render(report, text, "html")


@pytest.mark.parametrize("text", [
    "EXAM: CT of the left thigh.\nFINDINGS: A 4 cm mass in the vastus lateralis with rim-like mineralization "
    "and a less mineralized centre.",
    "EXAM: CT of the right calf.\nFINDINGS: Lesion of the soleus with peripheral calcification and a "
    "partially calcified core.",
    "EXAM: Radiograph of the left thigh.\nFINDINGS: Soft tissue mass in the adductors with dense ossification "
    "and a less ossified center.",
])
def test_a_part_of_the_same_lesion_is_no_second_deposit(text):
    report = analyse(text)
    assert len(report.result.findings) == 2
    assert len(report.result.deposits) == 1


def test_two_deposits_named_in_one_sentence_stay_two():
    report = analyse("EXAM: Radiograph of the right shoulder.\nFINDINGS: Calcification in the supraspinatus "
                     "tendon and calcification in the subscapularis tendon.")
    assert len(report.result.deposits) == 2


# ---------------------------------------------------------------- a calcified mass on a cross-sectional study


@pytest.mark.parametrize("text", [
    "EXAM: CT of the right arm.\nHISTORY: 50-year-old with a slowly enlarging lump.\nFINDINGS: Lobulated soft "
    "tissue mass of the biceps brachii containing central calcifications, 5 cm.",
    "EXAM: MRI of the left thigh.\nFINDINGS: Heterogeneous mass within the vastus intermedius with central "
    "calcification.",
    "EXAM: CT of the left forearm.\nFINDINGS: 3 cm calcified mass within the pronator teres.\nIMPRESSION: "
    "Calcified intramuscular mass, a soft tissue tumour is the main consideration.",
])
def test_a_calcified_muscle_mass_on_ct_or_mri_keeps_the_biopsy_planning_advice(text):
    recommendations = {r.id for r in analyse(text).recommendations}
    assert "mass_biopsy_planning" in recommendations


@pytest.mark.parametrize("text", [
    "EXAM: CT of the left thigh.\nHISTORY: Kicked playing football 4 weeks ago.\nFINDINGS: Mass in the vastus "
    "medialis with peripheral rim-like calcification and a lucent centre, in keeping with myositis ossificans.",
    "EXAM: CT of the left thigh.\nFINDINGS: Calcified mass in the vastus medialis; biopsy has been arranged.",
])
def test_no_biopsy_planning_advice_for_myositis_ossificans_or_when_a_biopsy_is_planned(text):
    assert "mass_biopsy_planning" not in {r.id for r in analyse(text).recommendations}


@pytest.mark.parametrize("text", [
    "EXAM: CT RIGHT HIP\nHISTORY: Haemodialysis for chronic kidney disease.\nFINDINGS: Multiloculated calcified "
    "periarticular mass lateral to the hip with fluid-fluid levels.",
    "EXAM: MRI LEFT SHOULDER\nHISTORY: End-stage renal disease.\nFINDINGS: Lobulated calcified periarticular mass "
    "about the shoulder with fluid-calcium levels.",
    "EXAM: RADIOGRAPH RIGHT ELBOW\nHISTORY: Chronic kidney disease stage 5.\nFINDINGS: Large lobulated calcified "
    "mass over the extensor surface of the elbow.",
])
def test_tumoral_calcinosis_with_its_cause_stated_gets_labs_not_a_biopsy_work_up(text):
    # the renal cause read from the report makes the mass calcinosis: serum calcium and phosphate are its work-up
    ids = {r.id for r in analyse(text).recommendations}
    assert not ids & {"mass_biopsy_planning", "mass_cross_sectional"}


# ---------------------------------------------------------------- an ossicle described as bone at an insertion


def _found(text: str) -> list[tuple[str, str | None]]:
    return [(f.kind, f.location_category) for f in analyse(text).result.findings]


@pytest.mark.parametrize("text", [
    "EXAM: Radiographs of the right knee.\nFINDINGS: Well-corticated ossific fragment with trabecular pattern "
    "anterior to the tibial tuberosity, in keeping with an ununited ossicle.",
    "EXAM: Radiograph of the left knee.\nFINDINGS: A corticated ossicle lies within the distal patellar tendon at "
    "its insertion.",
    "EXAM: Radiograph of the right hip.\nFINDINGS: Ossific fragment with cortex and trabeculae adjacent to the "
    "anterior inferior iliac spine at the rectus femoris tendon origin, old avulsion.",
])
def test_an_ossicle_with_bone_structure_at_a_tendon_insertion_is_a_tendon_ossification(text):
    assert _found(text) == [("ossification", "tendon")]


@pytest.mark.parametrize("text", [
    "EXAM: Radiograph of the left foot.\nFINDINGS: Corticated ossicle at the navicular tuberosity, an accessory "
    "navicular.",
    "EXAM: Radiograph of the right ankle.\nFINDINGS: Small ossific fragment at the tip of the lateral malleolus, "
    "likely an old avulsion.",
    "EXAM: Radiograph of the left knee.\nFINDINGS: Well-corticated ossific body in the joint, a loose body.",
    "EXAM: Radiograph of the right foot.\nFINDINGS: A corticated ossicle with trabeculae beside the cuboid.",
])
def test_accessory_bones_and_fragments_without_bone_structure_at_an_insertion_stay_unlabelled(text):
    assert _found(text) == []


# ---------------------------------------------------------------- the report's own reading leads


def test_a_hedged_reading_the_report_gives_leads_over_report_wide_cues():
    """Loose bodies the report reads as secondary osteochondromatosis, beside chondrocalcinosis of another
    structure: that chondrocalcinosis is no reason to lead the bodies' differential with CPPD."""
    report, pairs = _pairs(
        "EXAM: Radiographs of the left hip.\nFINDINGS: Advanced osteoarthritis with subchondral cysts. Two "
        "ring-calcified bodies in the inferior recess, which may be secondary synovial osteochondromatosis. Linear "
        "chondrocalcinosis of the superior labrum.")
    bodies = next(a for f, a in pairs if "synovial_chondromatosis" in f.named_concepts)
    assert bodies.differential[0].id == "synovial_chondromatosis"
    assert bodies.named_by_report and not bodies.differential_offered and bodies.suggested_entity is None


@pytest.mark.parametrize("history", ["lcSSc (ACA+), Raynaud's.", "dcSSc on mycophenolate."])
def test_a_systemic_sclerosis_subtype_is_the_named_cause_of_calcinosis(history):
    report, pairs = _pairs(f"RHEUMATOLOGY REVIEW\nBackground: {history}\nHand radiographs last year showed "
                           "calcinosis in several fingertips.\nPlan: review in three months.")
    [(finding, assessment)] = pairs
    assert finding.diagnosis == "calcinosis_SSc" and assessment.differential[0].id == "calcinosis_ssc"
    assert assessment.named_by_report and not assessment.differential_offered
    assert not {"calcinosis_labs", "calcinosis_concept_labs"} & {r.id for r in report.recommendations}


@pytest.mark.parametrize("text, hedged", [
    ("Lateral meniscus: linear low-signal foci could reflect chondrocalcinosis.", True),
    ("Lateral meniscus: linear chondrocalcinosis.", False),
])
def test_a_modal_before_a_verb_of_reading_hedges_the_finding(text, hedged):
    report, pairs = _pairs(f"MRI RIGHT KNEE\n{text}")
    [(finding, assessment)] = pairs
    assert finding.uncertain == hedged
    assert (assessment.suggested_entity is None) == hedged


def test_a_denial_before_in_keeping_with_does_not_reach_the_named_reading():
    """"..., no facet ankylosis, in keeping with DISH": the denial is of the ankylosis, the reading is affirmed."""
    report, pairs = _pairs("CT SPINE\nFlowing ossification along the anterior margins of T6 to T12 with preserved "
                           "disc heights and no facet ankylosis, in keeping with DISH.")
    [(finding, assessment)] = pairs
    assert assessment.differential[0].id == "dish" and assessment.named_by_report
    assert not assessment.differential_offered
    denial = analyse("No findings in keeping with chondrocalcinosis.").result.findings
    assert denial and all(f.negated for f in denial)


def test_a_named_seronegative_disease_is_the_cause_of_an_enthesis_ossification():
    report, pairs = _pairs("Lumbar spine radiographs: bilateral sacroiliitis with erosions. Ossification of the "
                           "interspinous ligaments at L1-L3, in keeping with ankylosing spondylitis.")
    ossification = next(a for f, a in pairs if f.kind == "ossification")
    assert ossification.differential[0].id == "seronegative_enthesitis"
    assert ossification.named_by_report and ossification.suggested_entity is None


def test_a_subject_that_is_questioned_is_not_affirmed():
    report, pairs = _pairs("Lumbar spine radiographs: ossification of the interspinous ligaments at L1-L3 is "
                           "questioned.")
    [(finding, assessment)] = pairs
    assert finding.uncertain and not assessment.differential_offered


@pytest.mark.parametrize("sentence, named", [
    ("Appearances typical of scleroderma-related calcinosis in both hands.", True),
    ("Appearances typical of scleroderma related calcinosis in both hands.", True),
    ("Calcinosis in both hands with scleroderma-like thickening of the skin.", False),
])
def test_a_cause_hyphenated_to_related_still_names_it(sentence, named):
    report, pairs = _pairs(f"Radiograph both hands PA.\n{sentence}")
    calcinosis = next(a for f, a in pairs if f.concept == "calcinosis")
    assert (calcinosis.differential[0].id == "calcinosis_ssc" and calcinosis.named_by_report) == named


def test_of_equal_scores_the_reading_the_report_gives_another_mention_leads():
    """The radiograph's calcification and the impression's myositis ossificans are one lesion the report reads:
    the calcification's ranking does not lead with an entity of equal score the report never names."""
    report, pairs = _pairs("MRI RIGHT THIGH\nHistory: 19-year-old rugby player, thigh swelling after a kick.\n"
                           "Findings: Today's radiograph shows faint calcification in the anterior thigh soft "
                           "tissues.\nImpression: Evolving myositis ossificans of vastus intermedius is favoured.")
    calcification = next(a for f, a in pairs if f.concept == "calcification")
    assert calcification.differential[0].id == "myositis_ossificans"
    assert calcification.named_by_report and not calcification.warnings


def test_a_finding_inside_another_takes_no_site_from_an_earlier_sentence():
    report, pairs = _pairs("DUAL-ENERGY CT BOTH FEET\nA 12 mm urate-coded tophus lies medial to the right first "
                           "metatarsal head. Urate deposits in the left Achilles tendon near its insertion. Faint "
                           "mineralisation within the right tophus.")
    finding, assessment = next((f, a) for f, a in pairs if f.concept == "mineralisation")
    assert finding.location_category != "tendon" and finding.diagnosis == "gout"
    assert not assessment.differential_offered
    assert not {"hadd_description", "hadd_mimic"} & {r.id for r in report.recommendations}


def test_a_deposit_like_one_named_before_is_not_placed_at_the_enthesis_it_lies_beside():
    """"Smaller similar deposit adjacent to the ischial tuberosity" in a dialysis patient is another tumoural
    calcinosis mass, not a hamstring tendon's deposit."""
    report, pairs = _pairs("Radiographs, AP pelvis. On haemodialysis. Large lobulated densely calcified periarticular "
                           "mass lateral to the left greater trochanter. Smaller similar deposit adjacent to the right "
                           "ischial tuberosity. Findings compatible with secondary tumoral calcinosis.")
    similar = next((f, a) for f, a in pairs if f.text == "deposit")
    assert similar[0].location_category != "tendon" and similar[0].diagnosis != "HADD"
    assert not {"hadd_description", "locate_by_shape_or_oblique_views"} & {r.id for r in report.recommendations}
    # without the likeness, a deposit beside the tuberosity is the hamstring enthesis's
    plain, _ = _pairs("Radiographs, AP pelvis. Small calcific deposit adjacent to the right ischial tuberosity.")
    assert plain.result.findings[0].location_category == "tendon"


def test_a_neutral_mineral_word_restates_the_ossified_bodies_before_it():
    """"These correspond to the ring-and-arc mineralised densities": the bodies, not a second deposit (and the
    "and" inside "ring-and-arc" opens no clause)."""
    report, pairs = _pairs("MRI LEFT HIP\nInnumerable small uniform intra-articular bodies, the larger ones with "
                           "central fat signal consistent with ossified marrow, distend the capsule and extend into "
                           "the iliopsoas bursa. These correspond to the ring-and-arc mineralised densities seen on "
                           "the prior radiograph.\nIMPRESSION: Primary synovial osteochondromatosis of the left hip.")
    findings = report.result.findings
    ossified, mineralised = (next(i for i, f in enumerate(findings) if f.text == word)
                             for word in ("ossified", "mineralised"))
    assert any({ossified, mineralised} <= set(d.findings) for d in report.result.deposits)
    assert not any(a.differential_offered for _, a in pairs)
    assert "hadd_description" not in {r.id for r in report.recommendations}


@pytest.mark.parametrize("text", [
    "Suggest serology; thigh radiographs may show intramuscular calcifications if further support is needed.",
    "Pelvis radiograph: ossification about the triradiate cartilage normal for age.",
])
def test_what_a_study_may_show_and_normal_development_get_no_differential(text):
    report, pairs = _pairs(text)
    assert pairs and all(f.uncertain or f.negated for f, _ in pairs)  # the finding is read, hedged or denied
    assert not any(a.differential_offered for _, a in pairs)


def test_frog_lateral_views_are_a_radiograph():
    report, pairs = _pairs("RIGHT HIP AP AND FROG LATERAL\nRounded bodies with ring-and-arc mineralisation fill the "
                           "joint. Appearances are those of primary synovial osteochondromatosis. MRI would define "
                           "extent before synovectomy.")
    assert "radiograph_correlation" not in {r.id for r in report.recommendations}


def test_the_description_reminder_counts_the_tendon_another_mention_names():
    """The findings place the deposit over the greater tuberosity; the same sentence and the conclusion name the
    supraspinatus: the reminder does not ask for the tendon, as RK301 does not."""
    text = ("RIGHT SHOULDER, 3 VIEWS\nFindings: A 14 x 6 mm homogeneous, well-defined calcific density is projected "
            "over the greater tuberosity, in keeping with calcific tendinopathy of supraspinatus.\nConclusion: "
            "Supraspinatus calcific tendinopathy, slightly smaller than before.")
    report, _ = _pairs(text)
    assert "hadd_description" not in {r.id for r in report.recommendations}
    assert "RK301" not in {d.code for d in lint_text(text, "d.txt", LintConfig())}

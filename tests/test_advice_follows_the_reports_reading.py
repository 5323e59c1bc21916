"""Advice that follows the report's own reading of the deposit, and lint that reads what the writer meant.

Every report is written for this file. Each case pairs the situation where advice is wrong (the report already
reads the deposit, the deposit's row is not settled, a line is no exam title) with a near one where the advice or
the diagnostic is still given, so that a test fails if the advice is simply switched off.
"""

from __future__ import annotations

import pytest

from reportkit.engine import get_engine, lint_text


def analyse(text: str):
    return get_engine().analyse(text, "case").report


def offered(report) -> list[list[str]]:
    """The differentials given as advice, each as its entity ids."""
    return [[item.id for item in a.differential] for a in report.assessments if a.differential_offered]


def notes(report) -> list[str]:
    return [str(n) for a in report.assessments for n in a.notes]


def codes(text: str) -> set[str]:
    return {d.code for d in lint_text(text)}


# ------------------------------------------------------------------ a restatement after "which ... is"

def test_a_deposit_restated_after_which_and_a_few_words_is_the_reports_reading():
    text = ("Renal clinic letter. He has been on haemodialysis for nine years. Plain films show a multilobulated "
            "calcified mass in the olecranon bursa region, which in this setting is uraemic tumoral calcinosis.")
    report = analyse(text)
    assert [f.diagnosis for f in report.result.findings] == ["tumoral_calcinosis"]
    assert not offered(report) and not notes(report)


def test_a_relative_clause_that_opens_another_clause_restates_nothing():
    text = "Calcification in the supraspinatus tendon that was present before, and a tophus at the first MTP joint."
    report = analyse(text)
    assert [f.diagnosis for f in report.result.findings] == ["HADD", "gout"]


# ------------------------------------------------------------------ a deposit beside a joint

def test_a_deposit_volar_to_a_joint_gets_no_joint_differential():
    beside = "XR LEFT HAND\nFINDINGS: A 4 mm amorphous calcific deposit lies volar to the thumb IP joint."
    inside = "XR LEFT HAND\nFINDINGS: A 4 mm amorphous calcific deposit lies within the thumb IP joint."
    assert not offered(analyse(beside))
    assert any("cppd" in ids for ids in offered(analyse(inside)))


# ------------------------------------------------------------------ a fine line of calcification (CPPD's pattern)

def test_a_fine_line_of_calcification_in_a_ligament_reads_as_cppd_not_hadd():
    line = "XR LEFT WRIST: A fine line of calcification in the region of the lunotriquetral ligament."
    lump = "XR LEFT WRIST: An oval 5 mm calcific deposit in the region of the lunotriquetral ligament."
    [lined] = analyse(line).result.findings
    [lumped] = analyse(lump).result.findings
    assert lined.diagnosis == "CPPD" and "linear" in lined.descriptors
    assert lumped.diagnosis == "HADD"


# ------------------------------------------------------------------ a tendon group's name and its member

def test_a_cuff_label_and_the_impressions_tendon_are_one_deposit_whose_size_is_known():
    text = ("MRI LEFT SHOULDER\nFindings:\nRotator cuff: Rounded 9 mm signal void in the infraspinatus tendon, "
            "matching a calcific deposit on the radiograph.\nIMPRESSION: Calcific tendinitis of infraspinatus.")
    report = analyse(text)
    assert len(report.result.deposits) == 1
    assert "hadd_description" not in {r.id for r in report.recommendations}
    unsized = text.replace("Rounded 9 mm signal void", "Rounded signal void")
    assert "hadd_description" in {r.id for r in analyse(unsized).recommendations}


# ------------------------------------------------------------------ a spinal ligament's ossification of its own name

def test_ossification_of_the_ligamentum_flavum_gets_no_tendon_ossification_differential():
    report = analyse("CT THORACIC SPINE: Ossification of the ligamentum flavum at T10-11, narrowing the canal.")
    [finding] = report.result.findings
    assert finding.concept == "olf" and finding.kind == "ossification"
    assert not offered(report)


# ------------------------------------------------------------------ a vascular pattern's own name

def test_pipe_stem_calcification_already_gives_the_medial_reading():
    named = "Foot X-ray: extensive pipe-stem calcification of the dorsalis pedis arteries. On haemodialysis."
    thin = "Foot X-ray: thin, delicate calcification of the dorsalis pedis arteries. On haemodialysis."
    assert not any("medial" in n for n in notes(analyse(named)))
    assert any("medial" in n for n in notes(analyse(thin)))


# ------------------------------------------------------------------ lint reads what the writer meant

@pytest.mark.parametrize(("code", "silent", "fires"), [
    # a clinical note's procedure line is no exam title for the side check ("irrigated, left open")
    ("RK501",
     "ED NOTE\nPC: splinter R palm\nXR R hand: no radio-opaque FB.\nBedside US: 8 mm linear echogenic structure 3 mm "
     "deep to the puncture - likely residual wooden fragment in the right palm.\nProcedure: LA, wound explored - "
     "wooden splinter removed intact, irrigated, left open.",
     "EXAM: LEFT HAND RADIOGRAPH\nFINDINGS: Wooden splinter in the right palm soft tissues."),
    # CPPD offered as the reading of an arthropathy is the umbrella term used rightly
    ("RK202",
     "OPINION: Chondrocalcinosis of both knees. The patellofemoral-predominant arthropathy is in keeping with CPPD "
     "rather than primary OA.",
     "IMPRESSION: CPPD of the lateral meniscus."),
])
def test_lint_reads_what_the_writer_meant(code, silent, fires):
    assert code not in codes(silent)
    assert code in codes(fires)


# ------------------------------------------------------------------ the writer's conclusion after a spaced dash

def test_a_conclusion_after_a_spaced_dash_is_the_findings_reading_and_no_denial_reaches_it():
    text = ("Plain film: early cloudy mineralisation anterior to the left hip, no mature cortex yet - early "
            "heterotopic ossification.")
    [finding] = analyse(text).result.findings
    assert finding.diagnosis == "heterotopic_ossification" and not finding.negated
    denied = analyse("No calcification - tophus at the first MTP joint.").result.findings
    assert [(f.text, f.negated) for f in denied] == [("calcification", True), ("tophus", False)]


# ------------------------------------------------------------------ a reading preferred to another

def test_a_diagnosis_a_reading_is_favoured_over_is_no_finding_and_asks_nothing():
    text = ("XR LEFT WRIST: A small dense amorphous deposit lies in the palmar soft tissues at the carpal tunnel; "
            "steroid injection here 6 weeks ago, so post-injection calcification is favoured over HADD.")
    report = analyse(text)
    assert "HADD" not in {f.diagnosis for f in report.result.findings}
    assert "hadd_description" not in {r.id for r in report.recommendations}
    plain = analyse(text.replace("is favoured over HADD", "and HADD is favoured"))
    assert "HADD" in {f.diagnosis for f in plain.result.findings}


# ------------------------------------------------------------------ places that are no joint

def test_an_extra_articular_mass_is_in_the_soft_tissue_row():
    text = ("CT LEFT SHOULDER: On haemodialysis. A 7 cm multiloculated, densely calcified mass lies in the "
            "subdeltoid region, extra-articular, with fluid-calcium levels.")
    [finding] = analyse(text).result.findings
    assert finding.location_category == "soft_tissue"
    assert not any("cppd" in ids for ids in offered(analyse(text)))


def test_calcified_laryngeal_cartilage_is_the_necks_not_a_joints():
    report = analyse("LATERAL NECK XR: linear density anterior to C5, although calcified laryngeal cartilage can "
                     "look similar.")
    assert [(f.location_category, f.scope) for f in report.result.findings if f.text == "calcified"] == [
        ("other", "neuro_head_neck")]
    assert not offered(report) and not notes(report)


def test_a_density_read_as_carotid_atheroma_gets_no_musculoskeletal_advice():
    text = ("OPG (dental panoramic radiograph): calcific density projected over the soft tissues at the level of "
            "C3/C4, likely carotid bifurcation atheroma.")
    report = analyse(text)
    [finding] = report.result.findings
    assert finding.location_category == "vascular"
    assert not report.recommendations


# ------------------------------------------------------------------ the deposit's own sentence names its lesion

def test_a_nodule_its_sentence_names_as_a_tumour_gets_no_calcinosis_differential():
    named = ("OPERATIVE NOTE\nPre-op diagnosis: pilomatrixoma, left cheek (US: 11 mm calcified subcutaneous nodule "
             "with posterior shadowing).\nProcedure: excision under GA. Specimen to histology.")
    report = analyse(named)
    assert not offered(report)
    assert "radiograph_correlation_shadowing" not in {r.id for r in report.recommendations}


# ------------------------------------------------------------------ an impression that names a side only

def test_an_impressions_named_deposit_on_one_side_is_the_findings_only_deposit_on_that_side():
    text = ("AP PELVIS\nHeterotopic ossification lateral to the right hip has matured. New faint ossification is "
            "seen adjacent to the left greater trochanter.\nCONCLUSION: Mature HO right hip, early HO left.")
    report = analyse(text)
    assert len(report.result.deposits) == 2
    assert not offered(report)
    # two left deposits: the impression is not given to the trochanter's as the only one on its side
    two = analyse(text.replace("trochanter.", "trochanter and faint ossification beside the left ischium."))
    trochanter = next(i for i, f in enumerate(two.result.findings) if f.site == "greater trochanter")
    assert [trochanter] in [d.findings for d in two.result.deposits]


# ------------------------------------------------------------------ a deposit inside what its clause named

def test_calcifications_within_a_bone_lesion_are_the_bones_and_get_no_soft_tissue_advice():
    text = ("L HAND XR: Undisplaced fracture through a lucent expansile lesion in the proximal phalanx of the ring "
            "finger, with endosteal scalloping and a few punctate and ring-like calcifications within it.")
    report = analyse(text)
    [finding] = report.result.findings
    assert finding.location_category == "other" and finding.site == "phalanx"
    assert not offered(report) and not notes(report) and not report.recommendations
    beside = text.replace("within it", "in the adjacent soft tissues")
    assert analyse(beside).result.findings[0].location_category == "soft_tissue"


# ------------------------------------------------------------------ a description the report already gives

def test_a_size_given_in_a_sentence_naming_the_tendon_completes_the_impressions_deposit():
    text = ("RIGHT SHOULDER XR\nNew 8 mm well-defined oval calcific density posterior to the humeral head, "
            "projecting in the infraspinatus tendon.\nIMPRESSION: New infraspinatus calcific tendinopathy.")
    assert "hadd_description" not in {r.id for r in analyse(text).recommendations}
    unsized = text.replace("8 mm well-defined oval", "oval")
    assert "hadd_description" in {r.id for r in analyse(unsized).recommendations}


# ------------------------------------------------------------------ a deposit named by an entity's own word

def test_a_spur_named_again_without_its_insertion_is_still_the_enthesophyte():
    text = ("PHYSIOTHERAPY\nS: plantar heel pain L. GP XR report: 'small plantar spur left calcaneus'.\n"
            "A: L plantar fasciopathy; incidental spur unlikely to be the pain generator.")
    report = analyse(text)
    assert not offered(report)
    assert [f.diagnosis for f in report.result.findings] == ["enthesophyte", "enthesophyte"]

"""Issue 9: reasoning as the reference article teaches. One test (or more) per item; the sentences
are written for these tests, not taken from the article."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from reportkit.api import analyse, extract
from reportkit.assertion import AffirmedText
from reportkit.cli import app
from reportkit.lint import LintConfig
from reportkit.engine import lint_text
from reportkit.render.fhir import to_fhir


def recs(text: str) -> set[str]:
    return {r.id for r in analyse(text).recommendations}


def assessment_of(text: str, word: str):
    report = analyse(text)
    for finding, assessment in zip(report.result.findings, report.assessments, strict=True):
        if word.lower() in finding.text.lower():
            return finding, assessment
    raise AssertionError(f"no finding '{word}' in {[f.text for f in report.result.findings]}")


def codes(text: str, word: str) -> set[str]:
    _, assessment = assessment_of(text, word)
    return {c["code"] for c in assessment.term.codes} if assessment.term else set()


# ---------------------------------------------------------------- 1. evidence respects assertion


def test_scopes_are_exported_and_skip_negated_words():
    text = "HISTORY: Not on dialysis. No history of trauma.\nFINDINGS: Calcification without bone erosion."
    result = extract(text)
    negated = [text[s.start : s.end] for s in result.assertion_scopes if s.category == "NEGATED_EXISTENCE"]
    assert any("dialysis" in s for s in negated) and any("trauma" in s for s in negated)
    words = AffirmedText(text, result.assertion_scopes)
    assert words.find(["dialysis"]) is None and words.find(["trauma"]) is None and words.find(["erosion"]) is None
    assert words.find(["calcification"]) is not None


def test_negated_chondrocalcinosis_does_not_support_cppd():
    base = "EXAM: Radiograph of the left knee.\nFINDINGS: Calcification within the knee joint.{}"
    _, affirmed = assessment_of(base.format(" Chondrocalcinosis of the menisci."), "Calcification")
    _, negated = assessment_of(base.format(" No chondrocalcinosis."), "Calcification")
    support = {i.id: i.supporting for i in affirmed.differential}
    assert any("chondrocalcinosis" in s.lower() for s in support["cppd"])
    support = {i.id: i.supporting for i in negated.differential}
    assert not any("chondrocalcinosis" in s.lower() for s in support.get("cppd", []))


def test_no_history_of_trauma_is_not_trauma():
    text = ("EXAM: Radiograph of the left thigh.\nHISTORY: No history of trauma.\n"
            "FINDINGS: Ossification in the quadriceps muscle, in keeping with myositis ossificans.")
    finding, assessment = assessment_of(text, "ossification")
    support = {i.id: i.supporting for i in assessment.differential}
    assert not any("trauma" in s for s in support.get("myositis_ossificans", []))
    assert "M61.0" not in codes(text, "ossification")
    text = ("EXAM: Radiograph of the right arm.\nHISTORY: No history of trauma.\n"
            "FINDINGS: Calcification in the biceps muscle.")
    finding, _ = assessment_of(text, "Calcification")
    assert finding.diagnosis != "heterotopic_ossification"


@pytest.mark.parametrize("negation", ["No osteoarthritis.", "No arthropathy.", "There is no evidence of arthropathy."])
def test_negated_arthropathy_does_not_call_for_cppd_workup(negation):
    text = f"EXAM: PA radiograph of the right wrist.\nFINDINGS: Chondrocalcinosis of the triangular fibrocartilage. {negation}"
    assert "cppd_workup" not in recs(text)
    affirmed = "EXAM: PA radiograph of the right wrist.\nFINDINGS: Chondrocalcinosis of the triangular fibrocartilage. " \
               "Osteoarthritis of the radiocarpal joint."
    assert "cppd_workup" in recs(affirmed)


def test_not_on_dialysis_does_not_suggest_secondary_calcinosis():
    finding, assessment = assessment_of(
        "EXAM: Radiograph of the left hip.\nHISTORY: Patient is not on dialysis.\n"
        "FINDINGS: Lobulated calcification in the soft tissues lateral to the hip.", "calcification")
    assert assessment.suggested_entity != "tumoral_calcinosis_secondary"
    assert finding.diagnosis != "tumoral_calcinosis"


def test_without_bone_erosion_is_not_resorptive():
    text = ("EXAM: Radiograph of the right shoulder.\nFINDINGS: Amorphous calcification in the supraspinatus tendon "
            "without bone erosion.")
    _, assessment = assessment_of(text, "calcification")
    assert assessment.phase is None or "resorptive" not in assessment.phase
    assert "hadd_mimic" not in recs(text)
    with_erosion = text.replace("without bone erosion", "with cortical erosion of the greater tuberosity")
    assert "hadd_mimic" in recs(with_erosion)


# ---------------------------------------------------------------- 2. radiograph correlation by modality


def test_mri_always_calls_for_radiographs():
    assert "radiograph_correlation" in recs("EXAM: MRI of the left shoulder.\nFINDINGS: Calcification in the "
                                            "infraspinatus tendon.")


def test_ultrasound_only_when_shadowing_leaves_the_kind_open():
    shadow = ("EXAM: Ultrasound of the left elbow.\nFINDINGS: Echogenic focus with dense acoustic shadowing in the "
              "common extensor tendon, calcification or ossification.")
    assert "radiograph_correlation_shadowing" in recs(shadow)
    plain = ("EXAM: Ultrasound of the left shoulder.\nFINDINGS: Small calcification in the supraspinatus tendon without "
             "shadowing.")
    assert not recs(plain) & {"radiograph_correlation", "radiograph_correlation_shadowing"}


def test_ct_never_calls_for_radiographs_and_says_nothing_against_ct():
    text = ("EXAM: CT of the neck with contrast.\nFINDINGS: Amorphous calcification anterior to C2 in the longus colli "
            "tendon with retropharyngeal fluid.\nIMPRESSION: Longus colli calcific tendinitis.")
    report = analyse(text)
    assert not {r.id for r in report.recommendations} & {"radiograph_correlation", "radiograph_correlation_shadowing"}
    assert not any("CT can overlook" in r.text or "CT" in r.text.split(":")[0] and "overlook" in r.text
                   for r in report.recommendations)
    assert not [d for d in lint_text(text, "ct.txt", LintConfig(select=["RK101"]))]


# ---------------------------------------------------------------- 3. CPPD terminology (EULAR)


def test_pseudogout_as_imaging_finding_is_flagged_and_clinical_use_is_correct():
    imaging = "EXAM: Radiographs of both knees.\nFINDINGS: Pseudogout in both menisci.\n"
    found = lint_text(imaging, "a.txt", LintConfig(select=["RK201"]))
    assert found and "chondrocalcinosis" in found[0].message
    clinical = "EXAM: Radiograph of the left knee.\nIMPRESSION: Effusion, which may fit an acute pseudogout flare.\n"
    assert not lint_text(clinical, "b.txt", LintConfig(select=["RK201"]))


def test_known_pseudogout_in_history_and_cppd_pattern_are_not_flagged():
    text = ("EXAM: Radiographs of both knees.\nHISTORY: Known pseudogout.\n"
            "FINDINGS: Meniscal calcification in a CPPD pattern.\n")
    assert not [d for d in lint_text(text, "c.txt", LintConfig(select=["RK201", "RK202"]))]


def test_eular_terms_and_lookup_by_code():
    runner = CliRunner()
    for query in ("OA with CPPD", "chronic CPP crystal inflammatory arthritis", "asymptomatic CPPD"):
        assert runner.invoke(app, ["terms", query]).exit_code == 0
    by_code = runner.invoke(app, ["terms", "M77.3"])
    assert by_code.exit_code == 0 and "enthesophyte" in by_code.stdout
    oa = lint_text("IMPRESSION: Pseudo-osteoarthritis of the knee.\n", "d.txt", LintConfig(select=["RK203"]))
    assert oa and "OA with CPPD" in oa[0].message


# ---------------------------------------------------------------- 4. codes by site and context


def test_codes_depend_on_site_and_documented_trauma():
    shoulder = "EXAM: Radiograph of the right shoulder.\nFINDINGS: Calcific tendinitis of the supraspinatus tendon."
    assert "M75.3" in codes(shoulder, "calcific") and "M65.2" not in codes(shoulder, "calcific")
    hip = "EXAM: Radiograph of the left hip.\nFINDINGS: Calcific tendinitis of the gluteus medius tendon."
    assert "M75.3" not in codes(hip, "calcific") and "M65.2" in codes(hip, "calcific")
    heel = "EXAM: Lateral radiograph of the foot.\nFINDINGS: Enthesophyte at the plantar calcaneus."
    knee = "EXAM: Lateral radiograph of the knee.\nFINDINGS: Enthesophyte at the quadriceps insertion on the patella."
    assert "M77.3" in codes(heel, "enthesophyte") and "M77.3" not in codes(knee, "enthesophyte")
    injured = ("EXAM: Radiograph of the thigh.\nHISTORY: Struck by a hockey stick last month.\n"
               "FINDINGS: Myositis ossificans in the vastus lateralis.")
    assert "M61.0" in codes(injured, "myositis")


def test_fhir_codings_follow_the_same_rules():
    def fhir_codes(text: str) -> set[str]:
        bundle = to_fhir(analyse(text))
        return {c["code"] for e in bundle["entry"] for c in e["resource"].get("code", {}).get("coding", [])}
    assert "M75.3" in fhir_codes("EXAM: Radiograph of the right shoulder.\nFINDINGS: Calcific tendinitis of the "
                                 "infraspinatus tendon.")
    assert "M75.3" not in fhir_codes("EXAM: CT of the neck.\nFINDINGS: Calcific tendinitis of the longus colli.")


# ---------------------------------------------------------------- 5. articular differential


def test_tophus_leads_despite_negated_chondrocalcinosis():
    _, assessment = assessment_of("EXAM: Radiograph of the right foot in a 78-year-old.\nFINDINGS: No "
                                  "chondrocalcinosis. Calcified tophus at the first metatarsophalangeal joint.", "tophus")
    # a tophus is gout's own name: gout leads, and the report already says it
    assert assessment.differential[0].id == "gout" and assessment.named_by_report


def test_described_intra_articular_bodies_lead():
    _, assessment = assessment_of("EXAM: Radiograph of the right knee in a 71-year-old.\nFINDINGS: Several "
                                  "intra-articular calcified bodies within the knee joint.", "calcified")
    assert assessment.differential[0].id == "synovial_chondromatosis"


# ---------------------------------------------------------------- 6. HO follow-up only for early MO


def test_sarcoma_follow_up_only_for_early_myositis_ossificans():
    early = ("EXAM: Radiograph of the right thigh.\nHISTORY: Kicked during a match three weeks ago.\n"
             "FINDINGS: Faint calcification in the vastus lateralis muscle, early myositis ossificans.")
    assert recs(early) & {"early_heterotopic_ossification", "early_myositis_ossificans_described"}
    mature = [
        "EXAM: AP radiograph of the left hip after hip arthroplasty.\nFINDINGS: Mature heterotopic ossification "
        "lateral to the prosthesis.",
        "EXAM: Radiographs of both legs. HISTORY: Chronic venous insufficiency.\nFINDINGS: Honeycomb subcutaneous "
        "ossification of the lower legs.",
        "EXAM: Radiograph of the back. HISTORY: Fibrodysplasia ossificans progressiva.\nFINDINGS: Heterotopic "
        "ossification along the paraspinal muscles.",
    ]
    for text in mature:
        assert not recs(text) & {"early_heterotopic_ossification", "early_myositis_ossificans_described",
                                 "early_myositis_ossificans_suspected"}, text


# ---------------------------------------------------------------- 7. HADD stages (Uhthoff)


@pytest.mark.parametrize("words, phase", [
    ("Dense well-defined calcification", "calcific stage, formative or resting phase"),
    ("Fluffy ill-defined calcification", "calcific stage, resorptive phase"),
    ("Post-calcific residual shell of calcification", "post-calcific stage"),
])
def test_hadd_stages(words, phase):
    _, assessment = assessment_of(f"EXAM: Radiograph of the left shoulder.\nFINDINGS: {words} in the supraspinatus "
                                  "tendon.", "calcif")
    assert assessment.phase == phase


# ---------------------------------------------------------------- 8. vascular medial pattern


@pytest.mark.parametrize("words, noted", [("Mönckeberg calcification", False), ("Monckeberg calcification", False),
                                           ("Thin, delicate parallel calcification", True)])
def test_medial_pattern_note(words, noted):
    # the eponym is the medial reading itself: the note would repeat it
    _, assessment = assessment_of(f"EXAM: Radiograph of the left foot.\nFINDINGS: {words} of the dorsalis pedis "
                                  "artery.", "calcification")
    assert any("medial" in note for note in assessment.notes) is noted


# ---------------------------------------------------------------- 9. ring and arc in a soft-tissue mass


def test_ring_and_arc_in_a_soft_tissue_mass_reaches_the_tumour_differential():
    _, assessment = assessment_of("EXAM: Radiograph of the left hand.\nFINDINGS: Soft-tissue mass of the middle finger "
                                  "containing ring-and-arc calcification.", "calcification")
    assert "extraskeletal_chondroma" in {i.id for i in assessment.differential}


# ---------------------------------------------------------------- missing pieces, now added


def test_added_article_knowledge():
    assert "foreign_body_hu_overlap" in recs("EXAM: CT of the foot.\nHISTORY: Stepped on broken glass.\n"
                                             "FINDINGS: Calcification in the plantar soft tissues measuring 300 HU.")
    assert "facet_hadd_septic_mimic" in recs("EXAM: CT of the cervical spine.\nFINDINGS: Cloudlike calcification in "
                                             "the left C3-C4 facet joint.")
    assert "mri_low_signal_differential" in recs("EXAM: MRI of the right knee.\nFINDINGS: Low signal in the meniscus "
                                                 "and the articular cartilage.")
    _, young = assessment_of("EXAM: Radiograph of the knee in a 38-year-old.\nFINDINGS: Chondrocalcinosis of the "
                             "lateral meniscus.", "chondrocalcinosis")
    assert any("haemochromatosis" in n for n in young.notes)
    # a node among the other soft tissues of a limb (Table 1); a neck or chest node is another body system's
    _, node = assessment_of("EXAM: Radiograph of the left hip.\nFINDINGS: Calcified lymph nodes in the left groin.",
                            "Calcified")
    assert "calcified_lymph_node" in {i.id for i in node.differential}

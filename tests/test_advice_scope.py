"""Advice only where the reference article applies: musculoskeletal soft-tissue deposits.

Each case is a short report written for this file. Out-of-scope findings (heart valve, gallbladder,
kidney, lung, costal cartilage, liver) are still reported, but get no article differential, note or
follow-up; a cue word counts only when it belongs to the deposit; an alternative's note is not
printed under the leading entity. The musculoskeletal examples keep their advice.
"""

from __future__ import annotations

import json

import pytest

from reportkit.engine import get_engine, lint_text
from reportkit.render import render


def analyse(text: str):
    return get_engine().analyse(text, "case").report


def entities(report) -> set[str]:
    return {item.id for a in report.assessments for item in a.differential}


def supported(report, entity: str) -> list[str]:
    """The cues that raised ``entity`` in any assessment (empty when it is listed on its prior alone, or not)."""
    return [cue for a in report.assessments for item in a.differential if item.id == entity for cue in item.supporting]


def recommendations(report) -> set[str]:
    return {r.id for r in report.recommendations}


def test_a_heart_valve_annulus_gets_no_intradiscal_cppd():
    report = analyse("EXAM: CT of the chest.\nFINDINGS: Dense calcification of the mitral valve annulus. "
                     "Mild degenerative disc disease of the thoracic spine.")
    assert report.result.deposits, "the valve calcification is still reported"
    assert not entities(report) & {"disc_cppd", "disc_hadd", "cppd"}
    assert report.result.deposits[0].scope == "thoracic"


def test_gallbladder_and_urinary_stones_get_no_calcinosis_of_renal_failure():
    report = analyse("HISTORY: On dialysis for renal failure.\nFINDINGS: Calcified density in the right upper "
                     "quadrant representing a gallstone. Calcified density projecting at the ureterovesical "
                     "junction, likely a stone.")
    assert len(report.result.deposits) == 2
    assert not entities(report) & {"tumoral_calcinosis_secondary", "calcinosis_ssc", "gout", "hadd"}
    assert not report.recommendations  # no calcinosis work-up
    assert {d.scope for d in report.result.deposits} == {"abdominal_pelvic"}


def test_a_shadowing_gallstone_on_ultrasound_gets_no_radiograph():
    report = analyse("EXAM: Ultrasound of the abdomen.\nFINDINGS: The gallbladder is distended. Multiple "
                     "shadowing calcifications are present, consistent with gallstones.")
    assert report.result.deposits
    assert "radiograph_correlation_shadowing" not in recommendations(report)


def test_lung_granulomas_over_the_spine_get_no_destructive_spondyloarthropathy():
    report = analyse("EXAM: Chest radiograph, two views.\nFINDINGS: Calcified granulomas in the right lower lobe "
                     "projecting over the lower thoracic spine, where there is dense sclerosis and disc space "
                     "narrowing.")
    assert report.result.deposits
    assert "destructive_spondyloarthropathy" not in entities(report)
    assert not any(a.warnings for a in report.assessments)


def test_costal_cartilage_calcification_gets_no_cppd():
    report = analyse("EXAM: Chest radiograph.\nFINDINGS: Mild calcification of the cartilage of the first ribs. "
                     "Lungs are clear.")
    assert report.result.deposits
    # the conventions file costal cartilage under "other": the thoracic scope overrules the joint word
    assert report.result.deposits[0].location_category == "other"
    assert not entities(report) & {"cppd", "disc_cppd"}
    assert report.result.deposits[0].scope == "thoracic"


def test_a_liver_capsule_calcification_gets_no_articular_advice():
    report = analyse("EXAM: CT of the abdomen.\nFINDINGS: Punctate calcification of the capsule of the liver.")
    assert report.result.deposits
    assert report.result.deposits[0].location_category == "other"  # a liver's capsule is no joint's
    assert entities(report) == set()
    assert not report.recommendations
    assert report.result.deposits[0].scope == "abdominal_pelvic"


def test_injected_arthrogram_contrast_is_no_corticoid_injection():
    report = analyse("EXAM: MR arthrogram of the right shoulder.\nTECHNIQUE: Dilute gadolinium contrast injection "
                     "into the glenohumeral joint under fluoroscopic guidance.\nFINDINGS: Small calcification in "
                     "the subacromial bursa.")
    assert report.result.deposits
    assert supported(report, "corticoid_injection") == []
    assert report.assessments[0].suggested_entity != "corticoid_injection"
    # a corticoid injection stated as the history still counts
    treated = analyse("EXAM: Radiograph of the right shoulder. HISTORY: Corticosteroid injection of the "
                      "subacromial bursa two months ago.\nFINDINGS: Small calcification in the subacromial bursa.")
    assert supported(treated, "corticoid_injection")


def test_dens_and_facet_words_of_another_structure_give_no_spine_crystal_advice():
    report = analyse("EXAM: CT of the cervical spine.\nFINDINGS: The dens is intact. Amorphous calcification of "
                     "the nuchal ligament posterior to C6, and mild facet arthropathy at C4-C5.")
    assert report.result.deposits
    assert not recommendations(report) & {"spine_crystal_mimic", "facet_hadd_septic_mimic"}
    # the same words, when they are the deposit's own, keep the advice
    own = analyse("EXAM: CT of the cervical spine.\nFINDINGS: Amorphous calcification surrounding the dens. "
                  "Cloudlike calcification in the left C3-C4 facet joint.")
    assert {"spine_crystal_mimic", "facet_hadd_septic_mimic"} <= recommendations(own)


def test_an_alternatives_note_is_not_printed_under_calcific_tendinitis():
    report = analyse("EXAM: Radiograph of the right shoulder. HISTORY: 45-year-old with shoulder pain.\nFINDINGS: "
                     "Amorphous cloudlike calcification in the supraspinatus tendon, consistent with calcific "
                     "tendinitis.")
    assessment = report.assessments[0]
    assert assessment.differential[0].id == "hadd"
    assert "cppd" in {item.id for item in assessment.differential}  # still listed as an alternative
    assert not [note for note in assessment.notes if "haemochromatosis" in note]


def test_the_hu_note_needs_ct_or_hu_wording():
    operative = analyse("PROCEDURE: Removal of a glass foreign body from the palm of the left hand.\n"
                        "The glass fragment was removed through a small incision.")
    assert "foreign_body_hu_overlap" not in recommendations(operative)
    on_ct = analyse("EXAM: CT of the foot.\nHISTORY: Stepped on broken glass.\nFINDINGS: Calcification in the "
                    "plantar soft tissues measuring 300 HU.")
    assert "foreign_body_hu_overlap" in recommendations(on_ct)


def test_radiograph_correlation_only_for_a_musculoskeletal_finding():
    aorta = analyse("EXAM: MRI of the lumbar spine.\nFINDINGS: Calcification of the abdominal aorta.")
    assert "radiograph_correlation" not in recommendations(aorta)
    assert aorta.result.deposits[0].scope == "trunk_vessel"
    tendon = analyse("EXAM: MRI of the right shoulder.\nFINDINGS: Calcification in the supraspinatus tendon.")
    assert "radiograph_correlation" in recommendations(tendon)


def test_no_cross_sectional_imaging_for_a_mass_already_on_ct():
    text = "FINDINGS: Soft-tissue mass of the thigh with central calcification."
    assert "mass_cross_sectional" in recommendations(analyse("EXAM: Radiograph of the left thigh.\n" + text))
    assert "mass_cross_sectional" not in recommendations(analyse("EXAM: CT of the left thigh.\n" + text))


def test_scope_is_in_the_json_output_and_the_report():
    engine = get_engine()
    text = "EXAM: CT of the chest.\nFINDINGS: Calcified granuloma in the left upper lobe."
    report = engine.analyse(text, "case").report
    data = json.loads(report.model_dump_json())
    assert data["result"]["deposits"][0]["scope"] == "thoracic"
    assert data["result"]["findings"][0]["scope"] == "thoracic"
    from reportkit.render.templates import render_template

    assert "outside the article's scope" in render_template(report, text, "report.txt.j2")


@pytest.mark.parametrize("text", [
    "FINDINGS: There is a small calcification.",
    "FINDINGS: Vascular calcification is noted. No acute process.",  # named, but in no known body system
    "FINDINGS: Mixed calcified and noncalcified plaque in the distal vessel.",
])
def test_unknown_scope_stays_quiet(text):
    report = analyse(text)
    assert report.result.deposits[0].scope == "unknown"
    assert report.assessments[0].differential == []
    assert not report.recommendations


def test_rule_documentation_prints_the_precondition():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "reportkit", "rule", "RK301"], capture_output=True, text=True,
                         check=True).stdout
    assert "Applies to: deposits of body system msk; affirmed" in out
    out = subprocess.run([sys.executable, "-m", "reportkit", "rule", "RK302"], capture_output=True, text=True,
                         check=True).stdout
    assert "locate_by_shape_or_oblique_views: {" in out and "'location_unsettled': True" in out
    out = subprocess.run([sys.executable, "-m", "reportkit", "rule", "RK101"], capture_output=True, text=True,
                         check=True).stdout
    assert "radiograph_correlation: {" in out and "'scopes': ['msk']" in out


def test_a_follow_up_rule_for_a_finding_must_state_its_body_systems():
    import pytest
    from pydantic import ValidationError

    from reportkit.lexicon.reasoning_schema import FollowUpRule

    rule = {"id": "r", "literal": "r", "purpose": "work_up", "text": "Consider it.", "source": "test",
            "when": {"kinds": ["calcification"]}}
    with pytest.raises(ValidationError, match="must state the body systems"):
        FollowUpRule.model_validate(rule)
    FollowUpRule.model_validate({**rule, "when": {"kinds": ["calcification"], "scopes": ["msk"]}})


def lint_codes(text: str) -> list[str]:
    return [d.code for d in get_engine().lint_text(text)]


def test_an_impression_restating_a_deposit_the_findings_describe_is_no_disagreement():
    # the findings affirm the foreign body and negate "another" one: the impression agrees with them
    radiology = ("EXAM: Radiograph of the right hand.\nFINDINGS: Metallic foreign body in the soft tissues of the "
                 "thenar eminence. No additional foreign body.\nIMPRESSION: Foreign body in the thenar soft tissues.")
    assert "RK601" not in lint_codes(radiology)
    # a clinical note: its "assessment" and examination headers are no radiology findings and impression
    clinic = ("CHIEF COMPLAINT: Thorn in the left palm.\nPHYSICAL EXAM: A thorn is seen under the skin of the palm; "
              "no foreign body in the wrist.\nASSESSMENT: Foreign body of the left hand.\nPLAN: Removal.")
    assert "RK601" not in lint_codes(clinic)
    # a true disagreement still speaks, quoting the term
    messages = [d.message for d in get_engine().lint_text(
        "EXAM: Radiograph of the left knee.\nFINDINGS: No chondrocalcinosis.\nIMPRESSION: Chondrocalcinosis.")
        if d.code == "RK601"]
    assert messages and "'Chondrocalcinosis'" in messages[0]


def test_a_deposit_seen_at_surgery_gets_no_radiograph_correlation():
    operative = ("PREOPERATIVE DIAGNOSIS: Lumbar disc herniation.\nINDICATION: Back pain; MRI showed a large disc "
                 "herniation at L4-L5.\nPROCEDURE: The patient was brought to the operating room under general "
                 "anesthesia. A skin incision was made. Calcified disc material was removed from the L4-L5 disc "
                 "space with a curette under fluoroscopy.")
    report = analyse(operative)
    assert report.result.deposits, "the calcified disc material is still reported"
    assert not recommendations(report) & {"radiograph_correlation", "mri_inflammation_mimic"}
    assert "RK101" not in lint_codes(operative)
    # the same deposit on the MRI itself keeps its correlation
    mri = "EXAM: MRI of the lumbar spine.\nFINDINGS: Calcified disc material at L4-L5 in the disc space."
    assert "radiograph_correlation" in recommendations(analyse(mri))
    assert "RK101" in lint_codes(mri)


def leading(report) -> list[str]:
    return [a.differential[0].id for a in report.assessments if a.differential]


def test_flowing_spine_ossification_or_named_dish_leads_to_dish_not_syndesmophytes():
    for text in ("EXAM: Chest radiograph.\nFINDINGS: Flowing anterior osteophytes along the mid thoracic spine.",
                 "EXAM: Chest radiograph.\nFINDINGS: Degenerative thoracic spine, possibly related to DISH."):
        report = analyse(text)
        assert leading(report) == ["dish"], text
    # DISH raised, even hedged, or flowing ossification, a name of DISH itself: the report's own diagnosis
    assert analyse(text).assessments[0].named_by_report
    flowing = analyse("EXAM: Chest radiograph.\nFINDINGS: Flowing anterior osteophytes along the mid thoracic spine.")
    assert flowing.assessments[0].named_by_report and flowing.assessments[0].suggested_entity is None
    # a report that says syndesmophytes keeps them
    spondylitis = analyse("EXAM: Radiograph of the lumbar spine. HISTORY: Ankylosing spondylitis.\nFINDINGS: "
                          "Thin marginal syndesmophytes bridging L1 to L4.")
    assert leading(spondylitis)[0] == "syndesmophyte"


def test_spurs_at_the_margins_of_an_osteoarthritic_joint_are_no_enthesophytes():
    report = analyse("EXAM: Radiographs of the left knee.\nFINDINGS: Severe narrowing of the medial compartment "
                     "with spurs at the joint margins and on the patella, consistent with osteoarthritis.")
    # osteophytes are not labelled (eval conventions): no deposit, so no advice at all
    assert not report.result.deposits
    assert "enthesophyte" not in entities(report)
    # a spur where a tendon or fascia inserts stays an enthesophyte
    heel = analyse("EXAM: Radiograph of the right foot.\nFINDINGS: Plantar calcaneal spur at the insertion of the "
                   "plantar fascia.")
    assert leading(heel) == ["enthesophyte"]


def test_words_of_another_structure_give_no_node_or_musculoskeletal_advice():
    mammogram = analyse("EXAM: Bilateral screening mammogram.\nFINDINGS: Scattered benign-appearing calcifications "
                        "in both breasts as well as normal axillary lymph nodes.")
    assert mammogram.result.deposits
    assert entities(mammogram) == set()
    rib = analyse("EXAM: Chest radiograph, two views.\nFINDINGS: There is a large calcified tip to the left "
                  "anterior first rib. The lungs are clear.")
    assert rib.result.deposits
    assert entities(rib) == set()
    assert rib.result.deposits[0].scope == "thoracic"


@pytest.mark.parametrize(("text", "label"), [
    ("EXAM: CT of the chest.\nFINDINGS: Calcified mediastinal lymph nodes, likely old granulomatous disease.",
     "other"),
    ("EXAM: CT coronary calcium score.\nFINDINGS: Dense calcification of the left anterior descending artery.",
     "arterial_calcification"),
    ("EXAM: Chest radiograph.\nFINDINGS: Calcified plaque in the aortic arch. The lungs are clear.",
     "arterial_calcification"),
    ("EXAM: CT head.\nFINDINGS: Calcified atherosclerosis of the cavernous carotid arteries.",
     "arterial_calcification"),
])
def test_a_deposit_of_another_body_system_keeps_its_label_and_gets_no_differential(text, label):
    report = analyse(text)
    (deposit,) = report.result.deposits
    assert deposit.scope != "msk"
    assert report.result.findings[0].diagnosis == label
    assert entities(report) == set() and not report.assessments[0].differential


def test_an_artery_of_a_limb_keeps_the_vascular_differential():
    report = analyse("EXAM: Radiographs of the left foot.\nFINDINGS: Tram-track calcification of the dorsalis pedis "
                     "artery.")
    assert report.result.deposits[0].scope == "msk"
    assert leading(report) == ["arterial_calcification"]


def test_a_capsule_named_after_another_structure_gets_no_joint_advice():
    implant = analyse("OPERATIVE FINDINGS: The old incision under the left breast was reopened. "
                      "Dissection reached the capsule. It was densely calcified.")
    assert implant.result.deposits and implant.result.deposits[0].scope == "thoracic"
    assert not entities(implant) & {"cppd", "corticoid_injection", "hadd"}
    joint = analyse("FINDINGS: Effusion of the left knee. The capsule is thickened. It is densely calcified.")
    assert joint.result.deposits and joint.result.deposits[0].scope == "msk"


def test_a_site_word_sharing_a_head_noun_with_the_next_is_read_with_that_head():
    """"the aortic and mitral valves" are two heart valves, not the aorta; "biceps and triceps muscles" are
    muscles, not the biceps tendon: no arterial or tendon advice for them."""
    valves = analyse("FINDINGS: Calcification of the aortic and mitral valves.")
    (finding,) = valves.result.findings
    assert (finding.location_category, finding.diagnosis) == ("other", "other")
    assert entities(valves) == set()
    muscles = analyse("FINDINGS: Calcification of the biceps and triceps muscles.")
    (finding,) = muscles.result.findings
    assert finding.location_category == "soft_tissue" and finding.diagnosis != "HADD"
    assert "hadd" not in entities(muscles)


def test_no_kind_note_for_a_deposit_not_asserted_or_an_object_named_outright():
    """A kind note disputes what the report calls a deposit: a negated one has nothing to dispute, and a device
    named outright is a foreign body whatever its shape. A generic word the cues contradict still gets one."""
    notes = {}
    for name, text in [
        ("negated", "EXAM: Radiograph of the left hand.\nFINDINGS: No metallic calcific density in the soft tissues."),
        ("device", "EXAM: CT chest.\nFINDINGS: A 2 cm linear fragment of a fractured central venous catheter lies in "
                   "the right atrium."),
        ("generic", "EXAM: Radiograph of the left foot.\nFINDINGS: Metallic-density calcification in the plantar soft "
                    "tissues."),
    ]:
        (assessment,) = analyse(text).assessments
        notes[name] = assessment.kind.agrees
    assert notes["negated"] is not False and notes["device"] is not False  # no note
    assert notes["generic"] is False


def test_a_condition_named_by_its_own_name_that_the_article_does_not_rank_gets_no_differential():
    report = analyse("EXAM: CT of the cervical spine.\nFINDINGS: Ossification of the posterior longitudinal ligament "
                     "from C4 to C6 narrows the canal.")
    (finding,) = report.result.findings
    assert (finding.kind, finding.diagnosis) == ("ossification", "other")
    assert entities(report) == set()
    # a generic word at the same ligament is still ranked by its location
    ranked = analyse("EXAM: Radiograph of the right ankle.\nFINDINGS: Ossification at the insertion of the "
                     "Achilles tendon.")
    assert leading(ranked) == ["enthesophyte"]


def test_a_mineralised_mass_read_as_a_gouty_tophus_gets_no_sarcoma_work_up():
    def recommended(text: str) -> set[str]:
        return {r.id for r in analyse(text).recommendations}

    tophus = recommended("EXAM: Radiograph of the left foot.\nFINDINGS: A faintly mineralised periarticular soft "
                         "tissue mass next to erosions of the first MTP joint, consistent with a tophus of gout.")
    assert "mass_cross_sectional" not in tophus
    mass = recommended("EXAM: Radiograph of the left foot.\nFINDINGS: A soft tissue mass with central mineralisation "
                       "over the dorsum of the foot.")
    assert "mass_cross_sectional" in mass


def test_a_deposit_of_the_history_gets_no_differential_or_follow_up():
    report = analyse("EXAM: MRI of the left knee.\nHISTORY: Knee pain. Status post excision of heterotopic "
                     "ossification from the right hip in 2016.\nFINDINGS: Chondrocalcinosis of the medial meniscus.")
    by_text = {report.result.findings[a.finding].text: a for a in report.assessments}
    past = by_text["heterotopic ossification"]
    assert report.result.findings[past.finding].historical
    assert not past.differential
    assert not any(past.finding in r.findings for r in report.recommendations)
    assert leading(report) == ["cppd"]  # the study's own deposit keeps its advice


@pytest.mark.parametrize("header", ["PSH", "Past surgical history", "PMH"])
def test_a_deposit_listed_in_the_past_history_is_historical_and_gets_no_advice(header):
    # the study's own deposit, under its own header, keeps its advice
    report = analyse(f"PRE-OP NOTE: 66M for left hip arthroplasty.\n{header}: excision of heterotopic ossification "
                     "from the right hip in 2019.\nXR PELVIS: Chondrocalcinosis of the left hip joint.")
    past, current = report.result.findings
    assert past.historical and past.laterality == "right"  # labels kept
    assert not current.historical
    by_finding = {a.finding: a for a in report.assessments}
    assert not by_finding[0].differential


@pytest.mark.parametrize("text", [
    "HPI: Gout for ten years with a tophus over the right elbow.\nASSESSMENT: Tophaceous gout, flare settling.",
    "RHEUMATOLOGY VISIT: Known gout. Firm tophi palpable over both Achilles tendons. Uric acid 6.1.",
    # a clinical note that names imaging of something else
    "HPI: Gout. Physical exam: chalky tophus over the right first MTP noted on exam. XR of the left foot: no "
    "fracture. Assessment: gout stable.",
])
def test_a_deposit_found_by_examination_with_no_imaging_gets_no_differential(text):
    report = analyse(text)
    assert report.result.findings and entities(report) == set()


@pytest.mark.parametrize("text", [
    "EXAM: Radiograph of the right elbow.\nFINDINGS: Mineralised tophus over the olecranon with adjacent erosion, in "
    "keeping with gout.",
    # an entity the report names is ranked wherever the deposit lies
    "EXAM: Dual-energy CT of the left ankle.\nFINDINGS: A mineralised tophus within the distal Achilles tendon.",
])
def test_an_imaged_tophus_leads_with_gout_wherever_it_lies(text):
    assert leading(analyse(text)) == ["gout"]


@pytest.mark.parametrize("text", [
    "EXAM: CT of the neck.\nFINDINGS: Calcification of both stylohyoid ligaments, longer on the left.",
    "EXAM: CT of the orbits.\nFINDINGS: Punctate calcifications at both optic discs, in keeping with drusen.",
])
def test_a_structure_of_the_head_and_neck_named_like_a_musculoskeletal_one_gets_no_advice(text):
    report = analyse(text)
    assert report.result.deposits and all(d.scope != "msk" for d in report.result.deposits)
    assert entities(report) == set() and not report.recommendations
    assert all(f.diagnosis not in ("HADD", "disc_cppd") for f in report.result.findings)


@pytest.mark.parametrize(("history", "labs"), [
    ("HISTORY: 15-year-old with a painless lump.", True),
    ("HISTORY: 15-year-old with a painless lump. End-stage renal disease on haemodialysis.", False),
    ("HISTORY: 15-year-old with a painless lump. Limited cutaneous systemic sclerosis.", False),
    ("HISTORY: 15-year-old with a painless lump. No history of renal failure.", True),  # a negated cause is none
])
def test_calcinosis_investigations_only_while_the_cause_is_unknown(history, labs):
    report = analyse(f"EXAM: Radiograph of the right elbow.\n{history}\nFINDINGS: Large multiloculated periarticular "
                     "calcified mass along the extensor surface with fluid-fluid levels.")
    assert ("calcinosis_labs" in {r.id for r in report.recommendations}) is labs


OPERATIVE = ("PREOPERATIVE DIAGNOSIS: Calcific tendinitis, right shoulder.\nPROCEDURE: Arthroscopic debridement of a "
             "calcific deposit of the supraspinatus tendon.\nOPERATIVE FINDINGS: A chalky calcium deposit within the "
             "supraspinatus tendon was opened with a needle and removed with a shaver.")


def test_a_deposit_found_at_operation_gets_no_imaging_advice():
    report = analyse(OPERATIVE)
    assert report.result.deposits
    assert entities(report) == set() and not report.recommendations
    assert not {"RK301", "RK302"} & {d.code for d in lint_text(OPERATIVE)}


def test_a_deposit_an_operative_note_places_on_imaging_keeps_its_advice():
    text = OPERATIVE.replace("PROCEDURE:", "HISTORY: MRI showed an 11 mm calcific deposit in the supraspinatus "
                                           "tendon.\nPROCEDURE:")
    report = analyse(text)
    assert leading(report) == ["hadd"]  # the deposit the MRI showed; the diagnosis line alone names no image


def test_heterotopic_bone_at_a_limb_joint_is_no_spinal_ossification():
    report = analyse("EXAM: CT of the left elbow.\nFINDINGS: Maturing heterotopic bone anterior to the joint along the "
                     "brachialis, three months after a fracture-dislocation.")
    (finding,) = report.result.findings
    assert finding.location_category != "other"  # "bone" is the deposit's own name, not its place
    assert "syndesmophyte" not in entities(report)


def test_radiopaque_suggests_no_kind_and_a_tendon_abbreviation_places_the_deposit():
    plaque = analyse("EXAM: Panoramic dental radiograph.\nFINDINGS: Radiopaque calcified atheroma at the left carotid "
                     "bifurcation.")
    assert all(a.kind.agrees is not False for a in plaque.assessments)
    wrist = ("EXAM: Radiograph of the right wrist.\nFINDINGS: Amorphous 6 mm ill-defined calcification in the FCU "
             "tendon.")
    (finding,) = analyse(wrist).result.findings
    assert finding.location_category == "tendon"
    assert "RK301" not in {d.code for d in lint_text(wrist)}


def test_rk302_reads_the_location_a_restatement_gives_the_deposit():
    text = ("EXAM: Radiographs of the right shoulder.\nFINDINGS: Oval well-defined 12 mm calcific density projecting "
            "over the greater tuberosity.\nIMPRESSION: Calcific tendinitis of the supraspinatus.")
    assert "RK302" not in {d.code for d in lint_text(text)}


def test_a_hedged_deposit_gets_no_mimic_warning_and_no_description_lint():
    def advice(text: str) -> tuple[set[str], set[str]]:
        return {r.id for r in analyse(text).recommendations}, {d.code for d in lint_text(text)}

    hedged = ("EXAM: Radiographs of the left hip.\nFINDINGS: Possible faint ill-defined calcification near the greater "
              "trochanter, which may reflect calcific tendinitis of the gluteus medius.")
    stated = ("EXAM: Radiographs of the left hip.\nFINDINGS: Faint ill-defined 9 mm calcification in the gluteus "
              "medius tendon with a comet tail.")
    recs, codes = advice(hedged)
    assert "hadd_mimic" not in recs and "RK301" not in codes
    assert "hadd_mimic" in advice(stated)[0]


@pytest.mark.parametrize(("text", "rule"), [
    # the report asks for the follow-up itself
    ("EXAM: MRI of the right thigh.\nFINDINGS: Intramuscular lesion of the vastus lateralis with a thin peripheral "
     "rim of calcification, early myositis ossificans.\nIMPRESSION: F/u radiograph in 6 wks to show maturation.",
     "early_myositis_ossificans_described"),
    # the ultrasound that would show the flow was done
    ("EXAM: Radiograph and US of the left forearm.\nFINDINGS: Two round calcifications with central lucency in a "
     "compressible soft tissue mass of the forearm; US shows slow venous flow.\nIMPRESSION: Venous malformation "
     "with phleboliths.", "venous_malformation_doppler"),
    # the cause of the calcinosis is stated, in the abbreviation a clinic uses
    ("EXAM: Radiograph of both elbows.\nHISTORY: Juvenile DM.\nFINDINGS: Punctate subcutaneous calcinosis over "
     "both elbows.", "calcinosis_labs"),
    # described with its tendon, size and appearance: nothing to remind
    ("EXAM: Radiograph of the left shoulder.\nFINDINGS: Dense, well-defined 11 mm calcification in the "
     "infraspinatus tendon.\nIMPRESSION: Calcific tendinitis.", "hadd_description"),
    # CPPD stated outright: the survey for a suspected CPPD is moot
    ("EXAM: Radiographs of both knees.\nFINDINGS: Calcification of the menisci of both knees with patellofemoral "
     "narrowing.\nIMPRESSION: Chondrocalcinosis with arthropathy, c/w CPPD.", "cppd_workup"),
    ("RHEUMATOLOGY CLINIC. Knee radiographs last year showed meniscal chondrocalcinosis. Recurrent swelling of the "
     "left knee.\nASSESSMENT: Recurrent pseudogout of the left knee; start colchicine.", "cppd_workup"),
    # image-guided treatment where the pain is refractory, in the note of the lavage itself
    ("PROCEDURE: US-guided lavage of a 12 mm calcific deposit in the right supraspinatus tendon, pain refractory to "
     "physiotherapy.", "hadd_refractory_treatment"),
])
def test_a_recommendation_the_report_already_makes_or_needs_not_is_not_given(text, rule):
    engine = get_engine()
    analysis = engine.analyse(text, "case")
    assert analysis.report.result.deposits
    assert rule not in recommendations(analysis.report)
    assert "RK701" not in {d.code for d in engine.lint(analysis)}


@pytest.mark.parametrize(("text", "rule"), [
    # the same four reports as above, without what made each recommendation needless
    ("EXAM: MRI of the right thigh.\nFINDINGS: Intramuscular lesion of the vastus lateralis with a thin peripheral "
     "rim of calcification, early myositis ossificans.", "early_myositis_ossificans_described"),
    ("EXAM: Radiograph of the left forearm.\nFINDINGS: Two round calcifications with central lucency in a "
     "compressible soft tissue mass of the forearm.\nIMPRESSION: Phleboliths; possible venous malformation.",
     "venous_malformation_doppler"),
    ("EXAM: Radiograph of both elbows.\nFINDINGS: Punctate subcutaneous calcinosis over both elbows.",
     "calcinosis_labs"),
    ("EXAM: Radiograph of the left shoulder.\nFINDINGS: Calcification in the infraspinatus tendon.",
     "hadd_description"),
    # CPPD only suggested: the survey stands
    ("EXAM: Radiographs of both knees.\nFINDINGS: Calcification of the menisci of both knees with patellofemoral "
     "narrowing.\nIMPRESSION: Chondrocalcinosis with arthropathy; the pattern favours CPPD.", "cppd_workup"),
    ("RHEUMATOLOGY CLINIC. Knee radiographs last year showed meniscal chondrocalcinosis. Recurrent swelling of the "
     "left knee.\nASSESSMENT: Knee arthropathy, likely pseudogout.", "cppd_workup"),
    # refractory pain and no lavage yet
    ("EXAM: Radiograph of the right shoulder.\nHISTORY: Pain refractory to six months of physiotherapy.\nFINDINGS: "
     "Dense well-defined 12 mm calcification in the supraspinatus tendon.", "hadd_refractory_treatment"),
])
def test_the_same_recommendation_is_given_when_the_report_lacks_it(text, rule):
    assert rule in recommendations(analyse(text))


def test_cppd_named_outright_is_no_intradiscal_cppd_until_a_disc_is_named():
    # "crowned dens" names CPPD; the disc entity of the same concept still needs a disc
    crowned = analyse("EXAM: CT of the cervical spine.\nFINDINGS: Curvilinear calcification of the transverse ligament "
                      "behind the dens.\nIMPRESSION: Crowned dens, in keeping with CPPD.")
    assert crowned.result.deposits and "disc_cppd" not in entities(crowned)
    disc = analyse("EXAM: CT of the lumbar spine.\nFINDINGS: Thin vertical calcification of the L2-3 disc annulus, "
                   "in keeping with CPPD.")
    assert "disc_cppd" in entities(disc)


@pytest.mark.parametrize("text", [
    "ADMISSION NOTE: Acute left knee effusion. PMH also notable for gout with a tophus at the right elbow.",
    "CLINIC NOTE: Myositis ossificans of the right quadriceps in 2021, since resolved. Now knee pain.",
])
def test_a_deposit_of_a_past_history_phrase_or_one_since_resolved_gets_no_differential(text):
    report = analyse(text)
    assert report.result.findings and entities(report) == set()
    assert all(f.historical or f.negated for f in report.result.findings)


def test_a_calcification_of_a_hemipelvis_on_an_abdominal_study_gets_no_advice():
    report = analyse("EXAM: CT of the abdomen and pelvis, renal stone protocol.\nFINDINGS: A 4 mm calcification in the "
                     "left hemipelvis separate from the ureter, in keeping with a phlebolith.")
    [finding] = report.result.findings
    assert finding.laterality == "left" and finding.scope != "msk"
    assert entities(report) == set()


def test_dx_in_an_operative_note_is_a_diagnosis_not_a_radiograph():
    report = analyse("OPERATIVE NOTE. PREOP DX: Right shoulder calcific tendinitis, refractory. PROCEDURE: "
                     "Arthroscopic excision of the calcific deposit from the supraspinatus.")
    assert report.result.findings and all(f.modality is None for f in report.result.findings)
    assert entities(report) == set() and not report.recommendations


def test_the_description_reminder_is_for_a_stated_deposit_and_carries_no_treatment():
    stated = analyse("EXAM: Radiograph of the left shoulder.\nFINDINGS: Calcification in the infraspinatus tendon.")
    [reminder] = [r for r in stated.recommendations if r.id == "hadd_description"]
    assert "lavage" not in reminder.text  # treatment has its own precondition: pain refractory to conservative care
    hedged = analyse("EXAM: Radiograph of the left shoulder.\nFINDINGS: Questionable tiny calcification in the "
                     "infraspinatus tendon.")
    assert hedged.result.findings and "hadd_description" not in recommendations(hedged)


def test_rk602_asks_the_impression_only_for_a_deposit_that_calls_for_a_work_up():
    # a reminder of what to describe changes no management: an incidental deposit need not reach the impression
    incidental = ("EXAM: Chest radiograph, pre-operative.\nFINDINGS: Lungs clear. Incidental calcification in "
                  "the right supraspinatus tendon.\nIMPRESSION: No acute cardiopulmonary process.")
    report = analyse(incidental)
    assert "hadd_description" in recommendations(report)
    assert "RK602" not in {d.code for d in lint_text(incidental)}
    # on MRI alone the deposit calls for radiographs, a work-up the impression should carry
    mri = ("EXAM: MRI of the right shoulder.\nFINDINGS: Calcification in the supraspinatus tendon.\n"
           "IMPRESSION: No rotator cuff tear.")
    assert "radiograph_correlation" in recommendations(analyse(mri))
    assert "RK602" in {d.code for d in lint_text(mri)}


def test_a_deposit_named_only_in_an_imaging_reports_history_sentence_gets_no_differential():
    history = analyse("EXAM: Ultrasound of the kidneys.\nHISTORY: Known calcinosis of the fingertips.\nFINDINGS: Both "
                      "kidneys are normal in size. No calculus.")
    calcinosis = [f for f in history.result.findings if not f.negated]
    assert calcinosis and entities(history) == set()
    # the findings written on after a history header's sentence are the study's own
    unheaded = analyse("EXAM: Radiograph of the right hand.\nHISTORY: Scleroderma. Clumped calcinosis in the pulp of "
                       "the index finger.")
    assert "calcinosis_ssc" in entities(unheaded)


@pytest.mark.parametrize(("text", "entity"), [
    # the findings describe, the impression names: one diagnosis the report already makes
    ("EXAM: Radiograph of the right wrist.\nFINDINGS: Amorphous calcification within the flexor carpi ulnaris "
     "tendon.\nCONCLUSION: Acute calcific tendinitis of FCU.", "hadd"),
    ("EXAM: Radiograph of the right forearm.\nFINDINGS: Two phleboliths in the volar soft tissues.", "phlebolith"),
    # a hedge still names it: the report has raised what the suggestion would
    ("EXAM: Radiograph of the right wrist.\nFINDINGS: Amorphous calcification within the flexor carpi ulnaris "
     "tendon, possibly calcific tendinitis.", "hadd"),
    ("EXAM: Radiograph of the right forearm.\nFINDINGS: Two round calcifications with lucent centres in the volar "
     "soft tissues, likely phleboliths.", "phlebolith"),
    # the disease named in the deposit's own sentence makes the calcinosis its own
    ("EXAM: Radiographs of both thighs.\nFINDINGS: Sheet-like calcification along the fascial planes of the left "
     "thigh.\nIMPRESSION: Calcinosis in keeping with known juvenile dermatomyositis.",
     "calcinosis_dermatomyositis"),
    # a name several entities share, with the cause the report affirms elsewhere: the report's own reading
    ("EXAM: Radiographs of both hands. HISTORY: Scleroderma.\nFINDINGS: Subcutaneous calcinosis of the fingertips.",
     "calcinosis_ssc"),
    # a calcification the report places in an artery is arterial calcification
    ("EXAM: Radiograph of the right knee.\nFINDINGS: Calcification of the popliteal artery. Joint spaces preserved.",
     "arterial_calcification"),
    # the treatment of a deposit has made its diagnosis
    ("EXAM: Ultrasound of the right shoulder.\nFINDINGS: A 12 mm hard calcific deposit in the supraspinatus tendon "
     "with acoustic shadowing. US-guided barbotage was performed without complication.", "hadd"),
])
def test_a_diagnosis_the_report_states_is_not_suggested_back_to_it(text, entity):
    report = analyse(text)
    assert report.assessments and all(a.differential[0].id == entity for a in report.assessments)
    assert all(a.named_by_report and a.suggested_entity is None for a in report.assessments)


@pytest.mark.parametrize(("text", "entity"), [
    # unnamed: the tendon's differential is the advice
    ("EXAM: Radiograph of the right wrist.\nFINDINGS: Amorphous calcification within the flexor carpi ulnaris "
     "tendon.", "hadd"),
    # named only to be excluded
    ("EXAM: Radiograph of the right wrist.\nFINDINGS: Amorphous calcification within the flexor carpi ulnaris "
     "tendon. No calcific tendinitis of the other wrist tendons.", "hadd"),
    # the imaging finding, not the disease it belongs to (chondrocalcinosis of CPPD)
    ("EXAM: Radiograph of the left knee.\nFINDINGS: Meniscal chondrocalcinosis.", "cppd"),
    # a name several entities share: which calcinosis is what the suggestion adds, when the report names no cause
    ("EXAM: Radiographs of both hands.\nFINDINGS: Subcutaneous calcinosis of the fingertips with resorption of the "
     "distal tufts (acro-osteolysis).", "calcinosis_ssc"),
])
def test_an_entity_the_report_does_not_state_is_still_suggested(text, entity):
    report = analyse(text)
    [assessment] = [a for a in report.assessments if not report.assessed_finding(a).negated]
    assert not assessment.named_by_report and assessment.suggested_entity == entity


def test_a_deposit_a_later_sentence_says_is_gone_gets_no_advice():
    letter = ("Dear Dr Smith,\nShe had US-guided barbotage of a right infraspinatus calcific deposit in May. Today's "
              "radiograph shows that the calcification has completely resolved.")
    report = analyse(letter)
    assert [f.negated for f in report.result.findings] == [False, True]
    assert entities(report) == set() and not report.recommendations
    assert "RK301" not in {d.code for d in lint_text(letter)}
    # gone at another site is another deposit's news
    other = analyse("EXAM: Radiograph of the right shoulder.\nFINDINGS: Calcific deposit in the infraspinatus "
                    "tendon. The calcification in the supraspinatus tendon has resolved.")
    assert "hadd" in entities(other)


def test_a_deposit_under_the_physical_examination_of_a_note_is_not_imaged():
    note = ("RHEUMATOLOGY FOLLOW-UP\nPMH: Raynaud's.\n{title}: hard subcutaneous calcinosis nodules over the left "
            "elbow.\nPlan: radiographs of both hands.")
    examined = analyse(note.format(title="O/E"))
    assert examined.result.findings and entities(examined) == set()
    assert entities(analyse(note.format(title="XR left elbow")))  # the same words read off an image


def test_an_injection_related_interpretation_leads_the_differential():
    report = analyse("EXAM: Radiograph of the left forearm.\nFINDINGS: A few small calcified subcutaneous nodules "
                     "along the forearm, probably old injection-related fat necrosis.")
    [assessment] = report.assessments
    assert assessment.differential[0].id == "injection_granuloma"


def test_rk204_does_not_ask_a_ligament_deposit_to_be_called_tendinopathy():
    text = ("EXAM: Radiograph of the left hand.\nFINDINGS: Amorphous calcific density in the radial collateral "
            "ligament of the index MCP joint (acute calcific periarthritis).\nIMPRESSION: HADD of the index MCP joint.")
    assert [f.text for f in analyse(text).result.findings if f.concept == "hadd"] == ["calcific periarthritis", "HADD"]
    assert "RK204" not in {d.code for d in lint_text(text)}
    tendon = ("EXAM: Radiograph of the right shoulder.\nFINDINGS: Calcific tendinitis of the supraspinatus.\n"
              "IMPRESSION: HADD.")
    assert "RK204" in {d.code for d in lint_text(tendon)}


def test_a_lavage_note_lists_no_calcification_after_its_own_corticoid_injection():
    note = ("PROCEDURE NOTE: US-guided barbotage of a right supraspinatus calcific deposit.\nThe 15 mm calcification "
            "was punctured and lavaged with saline. 40 mg triamcinolone injected into the subacromial bursa.")
    report = analyse(note)
    assert report.assessments and all("corticoid_injection" not in [d.id for d in a.differential]
                                      for a in report.assessments)
    # the same deposit with a steroid injection in its history keeps the entity
    history = analyse("EXAM: Radiograph of the right shoulder. HISTORY: Two subacromial steroid injections last "
                      "year.\nFINDINGS: Amorphous calcification in the supraspinatus tendon.")
    assert "corticoid_injection" in [d.id for d in history.assessments[0].differential]


def test_a_definite_restatement_with_its_size_joins_the_deposit_named_before():
    from reportkit import extract

    found = extract("PROCEDURE NOTE: US-guided barbotage of left supraspinatus calcific deposit.\nConsent "
                    "confirmed.\nThe 17 mm calcification was identified in the anterior supraspinatus.")
    [deposit] = found.deposits
    assert len(deposit.findings) == 2 and deposit.size_mm == 17


def test_a_calcification_after_a_kick_leads_with_myositis_ossificans():
    report = analyse("EXAM: MRI of the right thigh. HISTORY: Footballer kicked in the thigh 4 weeks ago.\nFINDINGS: "
                     "Intramuscular lesion of the vastus intermedius with a thin peripheral rim of early "
                     "mineralisation.")
    assert report.assessments[0].differential[0].id == "myositis_ossificans"


def test_the_prior_state_of_a_lesion_that_has_matured_gets_no_advice():
    report = analyse("EXAM: Radiographs of the left femur. COMPARISON: 6 weeks prior.\nFINDINGS: The faint flocculent "
                     "calcification in the anterior thigh has matured into a well-corticated ossific mass.\n"
                     "IMPRESSION: Maturing myositis ossificans of the quadriceps.")
    assert report.result.findings[0].historical
    assert not report.recommendations  # matured: no follow-up to watch it mature


def test_a_caution_the_report_has_already_weighed_is_not_given():
    text = ("EXAM: CT of the neck with contrast.\nFINDINGS: Amorphous calcification anterior to C1-C2 in the longus "
            "colli with prevertebral swelling. {weighed}")
    assert "spine_crystal_mimic" in recommendations(analyse(text.format(weighed="")))
    weighed = analyse(text.format(weighed="No rim-enhancing collection to suggest retropharyngeal abscess."))
    assert "spine_crystal_mimic" not in recommendations(weighed)


def test_pseudogout_stated_names_cppd_but_chondrocalcinosis_alone_does_not():
    named = analyse("EXAM: Radiograph of the right knee.\nFINDINGS: Meniscal chondrocalcinosis.\nIMPRESSION: Acute "
                    "pseudogout of the right knee.")
    led = [a for a in named.assessments if a.differential and a.differential[0].id == "cppd"]
    assert led and all(a.named_by_report and a.suggested_entity is None for a in led)
    finding_only = analyse("EXAM: Radiograph of the right knee.\nFINDINGS: Meniscal chondrocalcinosis.")
    assert finding_only.assessments[0].suggested_entity == "cppd"


def test_a_bare_deposit_in_a_clinic_letter_joins_the_tendinopathy_it_restates():
    from reportkit import extract

    letter = ("Diagnosis: left calcific tendinopathy of supraspinatus.\nXR: 18 mm dense homogeneous deposit in "
              "supraspinatus.")
    [deposit] = extract(letter).deposits
    assert deposit.size_mm == 18 and "dense" in deposit.descriptors


def test_a_foreign_body_named_outright_keeps_its_kind_whatever_its_echo():
    report = analyse("HAND CLINIC. US: 8 mm linear echogenic FB with a hypoechoic halo in the left thumb pulp.")
    [assessment] = report.assessments
    assert assessment.kind.kind == "foreign_body" and assessment.kind.agrees
    assert not assessment.differential and not report.recommendations


def test_the_facet_a_tendon_inserts_on_is_no_facet_joint():
    trochanter = analyse("EXAM: Radiograph of the right hip.\nFINDINGS: Amorphous calcific deposit at the gluteus "
                         "medius insertion on the lateral facet of the greater trochanter.")
    assert trochanter.result.deposits and "facet_hadd_septic_mimic" not in recommendations(trochanter)
    spine = analyse("EXAM: CT of the lumbar spine.\nFINDINGS: Amorphous calcification about the left L4-5 facet joint "
                    "with surrounding soft tissue swelling.")
    assert "facet_hadd_septic_mimic" in recommendations(spine)


def test_calcification_of_the_transverse_ligament_about_the_dens_leads_with_cppd():
    report = analyse("EXAM: CT of the cervical spine.\nFINDINGS: Curvilinear calcification of the transverse ligament "
                     "posterior to the odontoid peg.")
    assert report.assessments[0].differential[0].id == "cppd"


def test_scattered_deposits_with_no_mass_get_no_tumour_differential():
    scattered = analyse("EXAM: Radiograph of the pelvis.\nFINDINGS: Multiple oval and ring-like calcifications in the "
                        "subcutaneous fat of both buttocks.")
    assert scattered.assessments and "soft_tissue_tumour" not in entities(scattered)
    mass = analyse("EXAM: Radiograph of the left thigh.\nFINDINGS: Soft tissue mass of the thigh with ring-and-arc "
                   "calcifications.")
    assert "soft_tissue_tumour" in entities(mass)


def test_the_history_naming_a_disease_apart_from_the_deposit_leaves_the_suggestion_to_join_them():
    history = analyse("EXAM: Radiographs of both thighs. HISTORY: Juvenile dermatomyositis.\nFINDINGS: Sheet-like "
                      "calcification along the fascial planes of the left thigh.")
    [assessment] = history.assessments
    assert not assessment.named_by_report and assessment.suggested_entity == "calcinosis_dermatomyositis"
    # an artery named in another sentence places no deposit in it
    elsewhere = analyse("EXAM: Radiograph of the right thigh.\nFINDINGS: Amorphous calcification in the soft "
                        "tissues of the medial thigh. The femoral artery is not calcified.")
    assert elsewhere.assessments and not any(a.named_by_report for a in elsewhere.assessments)


def test_a_caution_against_mistaking_an_entity_is_not_given_where_the_report_names_it():
    unnamed = analyse("EXAM: Radiograph of the left thigh.\nHISTORY: Kicked playing football 3 weeks ago.\n"
                      "FINDINGS: Faint ill-defined calcification within the vastus lateralis.")
    [assessment] = unnamed.assessments
    assert assessment.differential[0].id == "myositis_ossificans" and assessment.warnings
    named = analyse("EXAM: Radiograph of the left thigh.\nHISTORY: Kicked playing football 6 weeks ago.\n"
                    "FINDINGS: Zonal ossification within the vastus lateralis, consistent with myositis ossificans.")
    led = [a for a in named.assessments if a.differential and a.differential[0].id == "myositis_ossificans"]
    assert led and all(a.named_by_report and not a.warnings for a in led)


def test_a_description_reminder_is_for_the_imaging_report_and_for_what_comparison_needs():
    unsized = ("EXAM: Radiograph of the right shoulder.\nFINDINGS: Amorphous calcification in the supraspinatus "
               "tendon.")
    assert "hadd_description" in recommendations(analyse(unsized))
    # tendon and size given: the appearance alone is the linter's to ask for
    sized = ("EXAM: Radiograph of the right shoulder.\nFINDINGS: 14 mm calcification in the supraspinatus tendon.")
    report = analyse(sized)
    assert report.result.deposits and "hadd_description" not in recommendations(report)
    assert "RK301" in {d.code for d in lint_text(sized)}
    # a clinic letter records the deposit; it is not the report of the study
    letter = analyse("SHOULDER CLINIC\nRight shoulder pain for 3 months. XR: amorphous calcification in the "
                     "supraspinatus tendon. Plan: physiotherapy.")
    assert letter.result.deposits and "hadd_description" not in recommendations(letter)


def test_a_note_about_elderly_patients_is_not_given_at_a_stated_younger_age():
    text = ("EXAM: Radiograph of the left knee. HISTORY: {age}-year-old, trauma.\nFINDINGS: No fracture. "
            "Chondrocalcinosis of the menisci, asymptomatic.")
    elderly = "Chondrocalcinosis without symptoms"
    assert any(n.startswith(elderly) for a in analyse(text.format(age=78)).assessments for n in a.notes)
    young = analyse(text.format(age=38))
    assert young.assessments and not any(n.startswith(elderly) for a in young.assessments for n in a.notes)


def test_a_linear_ossification_is_no_calcification_by_its_shape():
    text = ("EXAM: Radiograph of the left knee.\nFINDINGS: Linear ossification adjacent to the medial femoral "
            "condyle at the origin of the medial collateral ligament.")
    [assessment] = analyse(text).assessments
    assert assessment.kind.stated == "ossification" and assessment.kind.agrees is not False


def test_a_lesion_called_the_sequela_of_old_myositis_ossificans_gets_no_early_follow_up():
    text = ("EXAM: CT of the pelvis.\nFINDINGS: 1.5 cm rim-calcified lesion in the right gluteus medius muscle, "
            "{reading} myositis ossificans.")
    early = analyse(text.format(reading="possibly early"))
    assert early.result.deposits and {"early_heterotopic_ossification", "early_myositis_ossificans_described"} & (
        recommendations(early))
    old = analyse(text.format(reading="likely the sequela of old"))
    assert old.result.deposits and not {"early_heterotopic_ossification", "early_myositis_ossificans_described",
                                        "early_myositis_ossificans_suspected"} & recommendations(old)


def test_a_note_opening_as_a_clinic_or_referral_is_asked_no_description():
    body = ("Large dense calcific deposit in the R supraspinatus on XR, failed two barbotage attempts. Listed for "
            "arthroscopic excision.")
    imaging = "XR RIGHT SHOULDER. " + body
    assert {"RK301"} <= {d.code for d in lint_text(imaging)}
    assert "hadd_description" in recommendations(analyse(imaging))  # no size: the reminder the notes are spared
    for opening in ("Pre-op clinic. ", "Physiotherapy referral\n", "Sports medicine review. "):
        note = opening + body
        assert analyse(note).result.deposits
        assert not {"RK301", "RK302"} & {d.code for d in lint_text(note)}, opening
        assert "hadd_description" not in recommendations(analyse(note)), opening


def test_a_plaque_in_an_artery_raises_no_calcification_or_ossification_question():
    text = ("ARTERIAL DUPLEX ULTRASOUND RIGHT LEG. Densely calcified plaque in the popliteal artery causing acoustic "
            "shadowing that limits assessment.")
    report = analyse(text)
    assert report.result.deposits and report.result.findings[0].location_category == "vascular"
    assert not {"radiograph_correlation_shadowing", "radiograph_correlation"} & recommendations(report)
    assert "RK101" not in {d.code for d in lint_text(text)}
    # a tendon deposit with the same shadowing still asks for the radiograph
    tendon = analyse("ULTRASOUND RIGHT SHOULDER. Calcific deposit in the supraspinatus tendon with acoustic "
                     "shadowing.")
    assert "radiograph_correlation_shadowing" in recommendations(tendon)


def test_a_clinical_notes_history_names_the_cause_of_the_calcinosis_it_records():
    text = ("{title} 16-year-old with juvenile dermatomyositis diagnosed age 9. Radiographs show sheet-like "
            "calcification along the fascial planes of the left thigh.")
    note = analyse(text.format(title="Paediatric rheumatology clinic."))
    led = [a for a in note.assessments if a.differential and a.differential[0].id == "calcinosis_dermatomyositis"]
    assert led and all(a.named_by_report for a in led)
    # the same history in an imaging report leaves the suggestion to join the two
    imaging = analyse(text.format(title="XR LEFT FEMUR."))
    assert [a.suggested_entity for a in imaging.assessments] == ["calcinosis_dermatomyositis"]


def test_an_age_given_as_a_notes_opening_counts():
    text = ("{age}, knee pain. XR left knee: incidental chondrocalcinosis of the menisci, no symptoms of "
            "arthropathy.")
    old = analyse(text.format(age="82M"))
    young = analyse(text.format(age="38M"))
    assert old.patient_age == 82 and young.patient_age == 38
    assert any("younger patient" in n for a in young.assessments for n in a.notes)
    assert not any("younger patient" in n for a in old.assessments for n in a.notes)


def test_a_calcification_the_report_ties_to_an_injection_in_its_sentence_gets_no_suggestion():
    text = ("EXAM: Radiograph of the right wrist.\nHISTORY: Numbness, awaiting surgery.\nFINDINGS: Faint amorphous "
            "calcification in the palmar soft tissues, probably related to the previous steroid injections rather "
            "than HADD.")
    report = analyse(text)
    assert report.result.deposits and "hadd" not in entities(report)
    led = [a for a in report.assessments if a.differential and a.differential[0].id == "corticoid_injection"]
    assert led and all(a.named_by_report for a in led)
    # nor does the ranking kept as data raise the work-ups of its other entities
    assert {"myositis_ossificans", "heterotopic_ossification"} & {d.id for a in led for d in a.differential[:3]}
    assert not {"hadd_mimic", "early_myositis_ossificans_suspected"} & recommendations(report)


def test_little_shadowing_or_a_zonal_pattern_ends_the_reason_for_the_follow_up():
    shadowing = ("ULTRASOUND LEFT SHOULDER. Ill-defined, {degree} calcific deposit within the infraspinatus tendon "
                 "measuring 9 mm.")
    assert "radiograph_correlation_shadowing" in recommendations(analyse(shadowing.format(degree="densely shadowing")))
    weak = analyse(shadowing.format(degree="poorly shadowing"))
    assert weak.result.deposits and "radiograph_correlation_shadowing" not in recommendations(weak)
    mo = ("EXAM: Radiograph of the left thigh.\nHISTORY: Kicked 6 weeks ago.\nFINDINGS: {pattern} ossification "
          "within the vastus lateralis, in keeping with early myositis ossificans.")
    follow_up = {"early_heterotopic_ossification", "early_myositis_ossificans_described",
                 "early_myositis_ossificans_suspected"}
    assert follow_up & recommendations(analyse(mo.format(pattern="Faint ill-defined")))
    zonal = analyse(mo.format(pattern="Zonal peripheral"))
    assert zonal.result.deposits and not follow_up & recommendations(zonal)


def test_a_renal_stones_density_and_a_discs_hydroxyapatite_get_no_musculoskeletal_lint():
    stone = ("Urology clinic. CT KUB reviewed: 9 mm stone in the left renal pelvis, 1100 HU, skin-to-stone distance "
             "9 cm. She opts for lithotripsy.")
    report = analyse(stone)
    assert [f.text for f in report.result.findings] == ["stone"]  # the distance names no second stone
    assert report.assessments[0].kind.agrees is not False
    # the same density in a soft-tissue deposit is the article's ossification cue
    thigh = "EXAM: CT of the left thigh.\nFINDINGS: 2 cm calcification in the vastus lateralis, 1100 HU."
    assert analyse(thigh).assessments[0].kind.agrees is False
    disc = ("EXAM: Radiograph of the cervical spine.\nFINDINGS: Round central calcification of the C5-6 nucleus "
            "pulposus, consistent with hydroxyapatite deposition.")
    assert [(d.diagnosis, d.location_category) for d in analyse(disc).result.deposits] == [("HADD", "other")]
    assert "RK301" not in {d.code for d in lint_text(disc)}


@pytest.mark.parametrize(("unnamed", "named", "rule"), [
    ("EXAM: CT of the cervical spine.\nFINDINGS: Curvilinear calcification of the transverse ligament around the dens.",
     "EXAM: CT of the cervical spine.\nFINDINGS: Curvilinear calcification of the transverse ligament around the dens."
     "\nIMPRESSION: Crowned dens syndrome, in keeping with CPPD deposition.", "spine_crystal_mimic"),
    ("EXAM: Radiographs of the left hip.\nFINDINGS: Faint ill-defined 9 mm calcification in the gluteus medius tendon "
     "with a comet tail.",
     "EXAM: Radiographs of the left hip.\nFINDINGS: Faint ill-defined 9 mm calcification in the gluteus medius tendon "
     "with a comet tail, likely calcific tendinitis in its resorptive phase.", "hadd_mimic"),
])
def test_a_caution_against_a_mimic_is_not_given_once_the_report_names_the_deposit(unnamed, named, rule):
    assert rule in recommendations(analyse(unnamed))
    report = analyse(named)
    assert report.assessments[0].named_by_report
    assert rule not in recommendations(report)


def test_a_venous_malformation_the_report_states_needs_no_doppler_to_tell_it_apart():
    text = ("EXAM: Radiograph of the left forearm.\nFINDINGS: Two round calcifications with central lucency in a "
            "compressible soft tissue mass of the forearm, typical of phleboliths {within}.")
    assert "venous_malformation_doppler" in recommendations(analyse(text.format(within="; ?venous malformation")))
    for stated in ("in the known venous malformation", "within a low-flow vascular malformation"):
        assert "venous_malformation_doppler" not in recommendations(analyse(text.format(within=stated)))


def test_a_named_post_traumatic_ligament_ossification_gets_no_differential_and_no_alternative_warning():
    text = ("EXAM: Radiographs of the right knee.\nFINDINGS: Curvilinear ossification adjacent to the medial femoral "
            "condyle, in the region of the medial collateral ligament{named}.")
    unnamed = analyse(text.format(named=""))
    assert unnamed.assessments and not unnamed.assessments[0].named_by_report
    named = analyse(text.format(named=", consistent with a Pellegrini-Stieda lesion from old injury"))
    assessment = named.assessments[0]
    assert assessment.named_by_report and assessment.suggested_entity is None and not assessment.warnings


def test_the_clinical_question_is_the_referrers_wording_not_a_second_name_to_unify():
    text = ("EXAM: Radiographs of the right shoulder.\nINDICATION: Shoulder pain, query calcific tendinitis.\n"
            "FINDINGS: Dense oval 14 mm calcific deposit in the supraspinatus tendon.\n"
            "IMPRESSION: Calcific tendinopathy of the supraspinatus.")
    assert "RK204" not in {d.code for d in lint_text(text)}


def test_a_note_reading_an_appearance_is_not_given_when_the_report_gives_the_reading():
    text = ("EXAM: CT angiogram of the lower limbs.\nFINDINGS: {words} calcification of both tibial arterial trees.")
    described = analyse(text.format(words="Thin, delicate"))
    assert any("medial (metabolic)" in n for a in described.assessments for n in a.notes)
    read = analyse(text.format(words="Dense medial"))
    assert not any("medial (metabolic)" in n for a in read.assessments for n in a.notes)


def test_crystals_found_at_aspiration_name_cppd():
    text = ("Rheumatology letter. Hot left wrist in March; aspiration showed {crystals}. Radiographs show "
            "chondrocalcinosis of the triangular fibrocartilage of both wrists.")
    assert not analyse(text.format(crystals="no crystals")).assessments[0].named_by_report
    assert analyse(text.format(crystals="positively birefringent rhomboid crystals")).assessments[0].named_by_report


def test_a_deposit_the_report_hedges_gets_its_ranking_as_data_only():
    text = ("EXAM: Radiograph of the right knee.\nFINDINGS: {words} in the lateral meniscus. Medial joint space "
            "narrowing with subchondral sclerosis.")
    stated = analyse(text.format(words="Chondrocalcinosis"))
    assert stated.assessments[0].differential_offered and "cppd_workup" in recommendations(stated)
    hedged = analyse(text.format(words="Possible faint chondrocalcinosis, although this may be artefact,"))
    [assessment] = hedged.assessments
    assert assessment.differential and not assessment.differential_offered
    assert assessment.suggested_entity is None and not assessment.notes and not assessment.warnings
    assert "cppd_workup" not in recommendations(hedged)


def test_rk302_speaks_only_where_the_location_recommendation_holds():
    codes = lambda text: {d.code for d in lint_text(text)}  # noqa: E731
    assert "RK302" in codes("EXAM: Radiographs of the right shoulder.\nFINDINGS: Calcification in the shoulder.")
    # a brother's deposit, a place the report gives, a note: no location to ask for
    assert "RK302" not in codes("Shoulder clinic. His brother needed surgery for a calcium deposit in his shoulder.")
    assert "RK302" not in codes("EXAM: Radiographs of the left knee.\nFINDINGS: Numerous ossified bodies fill the "
                                "suprapatellar pouch and the posterior recess.")


def test_an_early_zonal_rim_of_calcification_is_no_kind_dispute():
    text = ("EXAM: CT of the right thigh.\nFINDINGS: Five weeks after a kick, the lesion in the vastus intermedius "
            "has a well-defined peripheral rim of calcification with a less dense centre, a zonal pattern.")
    report = analyse(text)
    assert report.assessments and all(a.kind.agrees is not False for a in report.assessments)


@pytest.mark.parametrize("text, offered", [
    # a tendon named in the deposit's sentence: "soft tissues" beside a bone does not settle the row
    ("EXAM: Radiographs of the right wrist.\nFINDINGS: Sheet-like calcification in the soft tissues volar to the "
     "pisiform, along the course of flexor carpi ulnaris. Joint spaces preserved.", False),
    ("EXAM: Radiographs of the right wrist.\nFINDINGS: Sheet-like calcification in the soft tissues volar to the "
     "pisiform. Joint spaces preserved.", True),
    ("EXAM: Radiographs of both hands.\nFINDINGS: Calcification in the soft tissues of the pulp of the left index "
     "finger with acro-osteolysis of the tuft.", True),
    # the only place is another sentence's: the healed wounds are no site of the residual fleck
    ("Shoulder clinic, post-op review. Left shoulder arthroscopy six weeks ago. Wounds healed, full range. "
     "Radiograph today shows a small residual fleck of calcification, expected to resorb.", False),
])
def test_the_other_soft_tissue_differential_needs_the_row_settled_in_the_deposits_own_sentence(text, offered):
    report = analyse(text)
    [assessment] = report.assessments
    assert assessment.differential_offered is offered
    assert ("Differential:" in render(report, text, "text")) is offered


def test_a_letters_request_supposes_nothing_of_the_patients_conditions():
    text = ("Dear Dr Smith, I would be grateful if you could see this 56-year-old woman with limited cutaneous "
            "systemic sclerosis. She has calcinosis over both elbows, seen on radiographs in March.")
    report = analyse(text)
    assert [f.text for f in report.result.findings] == ["calcinosis"] and not report.result.queries
    assert report.assessments[0].named_by_report  # the letter names the cause: no differential, no work-up
    assert not report.assessments[0].differential_offered and not report.recommendations
    plain = analyse("Please repeat the radiograph if you could, given the calcific tendinitis of the right shoulder.")
    assert [f.hypothetical for f in plain.result.findings] == [False]


@pytest.mark.parametrize("text, advised", [
    ("EXAM: Radiograph of the right forearm.\nFINDINGS: Soft tissue mass of the forearm with several phleboliths.",
     True),
    ("EXAM: Radiographs of the pelvis.\nFINDINGS: Large lobulated calcified mass lateral to the left greater "
     "trochanter. Several pelvic phleboliths.", False),
])
def test_the_venous_malformation_doppler_needs_the_mass_in_the_phleboliths_sentence(text, advised):
    assert ("venous_malformation_doppler" in {r.id for r in analyse(text).recommendations}) is advised


def test_a_tendon_named_only_in_an_earlier_sentence_gets_no_hadd_advice_or_lint():
    text = ("EXAM: Radiograph of the left knee.\nFINDINGS: Pellegrini-Stieda ossification at the MCL origin. "
            "Calcification. Moderate medial osteoarthritis.")
    report = analyse(text)
    later = next(a for a in report.assessments if report.assessed_finding(a).text == "Calcification")
    assert report.assessed_finding(later).location_category == "tendon"  # the label keeps the linker's guess
    assert not later.differential_offered
    assert "hadd_description" not in {r.id for r in report.recommendations}
    assert "RK301" not in {d.code for d in lint_text(text)}
    own = text.replace("Calcification. ", "Calcification in the MCL. ")
    assert "RK301" in {d.code for d in lint_text(own)}


def test_a_superficial_femoral_artery_by_its_abbreviation_is_a_vessel():
    text = "Vascular clinic. Known bilateral calcified SFA disease with claudication at 200 m."
    [finding] = analyse(text).result.findings
    assert finding.location_category == "vascular" and finding.site == "SFA"


def test_a_second_place_with_its_own_side_past_the_phrase_keeps_the_first_sides_from_the_deposit():
    text = ("EXAM: Radiographs of both hands.\nFINDINGS: Dense amorphous calcific deposits in the pulp soft tissues "
            "of the right index and middle fingers and the left thumb.\nIMPRESSION: Calcinosis. The left thumb "
            "deposit has enlarged.")
    report = analyse(text)
    assert report.result.findings[0].laterality != "right"
    assert "RK501" not in {d.code for d in lint_text(text)}


def test_a_reading_offered_as_the_alternative_is_hedged_and_asks_for_no_description():
    text = ("EXAM: Radiograph of the left wrist.\nFINDINGS: Small amorphous calcification in the palmar soft tissues "
            "at the carpal tunnel, which may relate to the steroid injection given in May; HADD is the alternative.")
    report = analyse(text)
    assert [(f.text, f.uncertain) for f in report.result.findings] == [("calcification", False), ("HADD", True)]
    assert "hadd_description" not in {r.id for r in report.recommendations}
    plain = analyse(text.replace("; HADD is the alternative", ". HADD of the flexor tendon is the main finding"))
    assert [f.uncertain for f in plain.result.findings if f.text == "HADD"] == [False]


@pytest.mark.parametrize("history, leader, named", [
    ("Known juvenile dermatomyositis.", "calcinosis_dermatomyositis", True),
    ("Known systemic sclerosis.", "calcinosis_ssc", True),
    ("Thigh pain.", "calcinosis_dermatomyositis", False),  # the pattern suggests a cause the report does not name
    ("No history of dermatomyositis.", "calcinosis_dermatomyositis", False),
])
def test_calcinosis_with_its_cause_affirmed_anywhere_in_the_report_is_the_reports_own_reading(history, leader, named):
    text = (f"EXAM: Radiographs of both thighs.\nHISTORY: {history}\nFINDINGS: Sheet-like calcinosis along the "
            "fascial planes of both thighs.")
    [assessment] = analyse(text).assessments
    assert assessment.differential[0].id == leader
    assert assessment.named_by_report is named and assessment.differential_offered is not named


def test_a_reports_suggestion_is_given_once_for_its_deposits():
    text = ("EXAM: Radiographs of both lower limbs.\nHISTORY: 12-year-old, proximal muscle weakness.\nFINDINGS: "
            "Sheet-like calcification along the fascial planes of the left thigh. Separate sheet-like calcification "
            "along the fascial planes of the right calf.")
    report = analyse(text)
    assert len(report.assessments) == 2
    assert [a.differential[0].id for a in report.assessments] == ["calcinosis_dermatomyositis"] * 2
    assert [a.suggested_entity for a in report.assessments] == ["calcinosis_dermatomyositis", None]
    assert report.assessments[1].differential_offered is False and not report.assessments[1].notes
    # two deposits with different advice keep both
    mixed = analyse(text.replace("Separate sheet-like calcification along the fascial planes of the right calf",
                                 "Amorphous calcification in the right supraspinatus tendon"))
    assert [a.differential_offered for a in mixed.assessments] == [True, True]


def test_a_limb_hint_beside_a_named_vessel_leaves_a_duplex_reports_calcification_without_soft_tissue_advice():
    text = ("RIGHT LOWER LIMB ARTERIAL DUPLEX ULTRASOUND\nSFA: heavily calcified along its length with acoustic "
            "shadowing limiting assessment of the mid segment.\nTibials: calcified, occlusion of the ATA suspected at "
            "mid calf.\nConclusion: Calcified SFA disease; tibial disease.")
    report = analyse(text)
    assert not any(a.differential_offered for a in report.assessments)
    assert "radiograph_correlation_shadowing" not in {r.id for r in report.recommendations}
    assert not {"RK602", "RK301"} & {d.code for d in lint_text(text)}


def test_deposits_around_a_joint_of_a_scleroderma_hand_get_no_joint_differential():
    text = ("Radiographs both hands: Known systemic sclerosis. Clumped dense calcinosis in the pulp soft tissues of "
            "the right thumb. Smaller calcific deposits around the left 5th PIP joint.")
    report = analyse(text)
    around = next(a for a in report.assessments if report.assessed_finding(a).location_category == "articular")
    assert around.differential[0].id == "cppd" and not around.differential_offered
    inside = analyse("EXAM: Radiograph of the left hand.\nFINDINGS: Linear calcification within the 5th PIP joint.")
    assert inside.assessments[0].differential_offered


def test_a_muscle_named_with_its_tendon_disease_places_the_calcification_in_the_tendon():
    [finding] = analyse("US left hip: gluteus medius tendinopathy with a small intrasubstance calcification."
                        ).result.findings
    assert (finding.site, finding.location_category) == ("gluteus medius", "tendon")
    [muscle] = analyse("US left hip: calcification in the gluteus medius muscle belly.").result.findings
    assert muscle.location_category == "soft_tissue"


def test_heterotopic_bone_of_a_known_operation_gets_no_sarcoma_follow_up():
    text = ("Orthopaedic clinic. Reviewed 4 months after ORIF of a left distal humerus fracture. Radiographs today "
            "show maturing heterotopic bone anteriorly over brachialis, not bridging.")
    assert "early_myositis_ossificans_described" not in {r.id for r in analyse(text).recommendations}
    early = ("EXAM: CT of the right thigh.\nFINDINGS: Early myositis ossificans in the vastus lateralis, faint "
             "peripheral mineralisation.")
    assert "early_myositis_ossificans_described" in {r.id for r in analyse(early).recommendations}


def test_a_note_is_given_once_in_a_report():
    text = ("EXAM: CT of the cervical spine.\nHISTORY: 48-year-old with neck pain.\nFINDINGS: Chondrocalcinosis of "
            "the transverse ligament of the atlas (crowned dens). Chondrocalcinosis of both knees on the scout.")
    report = analyse(text)
    assert len(report.assessments) == 2  # two deposits of one age-bound note
    assert [len(a.notes) for a in report.assessments] == [1, 0]


def test_a_tendon_named_by_its_initials_is_the_same_deposit():
    text = ("US R WRIST.\nEchogenic 6 x 3 mm focus with posterior acoustic shadowing within the distal flexor carpi "
            "ulnaris tendon.\nImpression: calcific tendinitis of distal FCU (R).")
    report = analyse(text)
    assert [d.findings for d in report.result.deposits] == [[0, 1]]
    assert report.result.deposits[0].size_mm == 6.0

"""Advice for a deposit the report reads in another mention, for the calcium a tendon deposit sheds into its bursa,
and for a deposit named by what no entity of Table 1 ranks.

Every report is written for this file. Each case pairs the situation where the advice is wrong with a near one where
it is still given, so that a test fails if the advice is simply switched off.
"""

from __future__ import annotations

from reportkit.engine import get_engine, lint_text


def analyse(text: str):
    return get_engine().analyse(text, "case").report


def offered(report) -> list[list[str]]:
    """The differentials given as advice, each as its entity ids."""
    return [[item.id for item in a.differential] for a in report.assessments if a.differential_offered]


def recommended(report) -> set[str]:
    return {r.id for r in report.recommendations}


def codes(text: str) -> set[str]:
    return {d.code for d in lint_text(text)}


# ------------------------------------------------------------------ the reading another mention gives the deposit

WRIST = ("XR RIGHT WRIST: Calcification of the triangular fibrocartilage, and faint calcification of the "
         "lunotriquetral ligament.\nOpinion: {opinion}")


def test_a_ligament_deposit_the_opinion_reads_as_cppd_gets_no_tendon_advice():
    read = analyse(WRIST.format(opinion="appearances favour CPPD arthropathy of the R wrist."))
    unread = analyse(WRIST.format(opinion="no fracture."))
    assert not offered(read) and "hadd_description" not in recommended(read)
    assert any(ids[0] == "hadd" for ids in offered(unread))


def test_a_reading_of_the_other_side_or_of_another_row_is_no_reading_of_the_deposit():
    knees = ("XR both knees: Calcification of the left medial meniscus. "
             "{side} knee: features favour synovial chondromatosis.")
    assert not offered(analyse(knees.format(side="Left")))
    assert any(ids[0] == "cppd" for ids in offered(analyse(knees.format(side="Right"))))
    other_row = analyse("XR right shoulder: 9 mm amorphous calcification in the supraspinatus tendon. "
                        "Chondrocalcinosis of the glenohumeral joint cartilage.")
    assert any(ids[0] == "hadd" for ids in offered(other_row))


def test_the_clinical_question_is_no_reading():
    text = ("XR RIGHT SHOULDER\nClinical: ?CPPD\nFindings: 9 mm amorphous calcification in the supraspinatus tendon.")
    assert any(ids[0] == "hadd" for ids in offered(analyse(text)))


# ------------------------------------------------------------------ a normal urate is no gout

def test_a_urate_level_is_no_evidence_of_gout_but_urate_crystals_are():
    letter = ("Clinic letter. Radiographs show a calcified soft-tissue nodule at the left first MTP joint. "
              "Her serum urate is {urate}.")
    normal = analyse(letter.format(urate="normal"))
    crystals = analyse(letter.format(urate="normal but urate crystals were aspirated from it"))
    assert normal.assessments[0].differential[0].id != "gout"
    assert crystals.assessments[0].differential[0].id == "gout"


# ------------------------------------------------------------------ the subject of "is calcified"

def test_a_predicate_lies_in_its_subject_not_in_the_region_that_qualifies_it():
    report = analyse("The triangular fibrocartilage at the left wrist is also calcified.")
    finding = report.result.findings[0]
    assert (finding.site, finding.location_category, finding.laterality) == (
        "triangular fibrocartilage", "articular", "left")
    region_only = analyse("The left wrist is calcified.").result.findings[0]
    assert region_only.location_category is None


# ------------------------------------------------------------------ calcium migrated to the bursa

SHOULDER = "XR RIGHT SHOULDER\nFindings: {tendon}A faint crescent of calcification lies in the subacromial bursa."


def test_calcium_in_the_bursa_beside_a_described_tendon_deposit_is_not_asked_for_its_description():
    text = SHOULDER.format(tendon="Ill-defined 12 mm calcific deposit in the supraspinatus tendon. ")
    assert "hadd_description" not in recommended(analyse(text))
    assert "RK301" not in codes(text)


def test_calcium_in_the_bursa_with_no_tendon_deposit_is_still_asked_for_one():
    text = SHOULDER.format(tendon="") + "\nImpression: calcific tendinitis."
    assert "RK301" in codes(text)


def test_a_tendon_deposit_on_the_other_side_describes_no_bursal_calcium():
    text = ("XR BOTH SHOULDERS\nFindings: Ill-defined 12 mm calcific deposit in the left supraspinatus tendon. "
            "Calcification in the right subacromial bursa.\nImpression: bilateral calcific tendinitis.")
    assert "RK301" in codes(text)


# ------------------------------------------------------------------ the matrix of a bone lesion

def test_mineralisation_a_bone_lesion_holds_gets_no_soft_tissue_advice():
    bone = analyse("XR LEFT HAND\nExpansile lucent lesion in the proximal phalanx of the ring finger with punctate "
                   "and ring-like internal mineralisation - enchondroma.")
    mass = analyse("XR LEFT THIGH\nSoft tissue mass of the thigh with punctate and ring-like internal "
                   "mineralisation.")
    assert [f.location_category for f in bone.result.findings] == ["other"]
    assert not offered(bone) and not any(a.warnings for a in bone.assessments)
    assert any(ids[0] == "soft_tissue_tumour" for ids in offered(mass))


# ------------------------------------------------------------------ an impression's side against both sides

def test_an_impression_of_one_side_restates_a_finding_of_both_sides():
    both = ("Findings: Chondrocalcinosis of both knee menisci. The triangular fibrocartilage at the left wrist is also "
            "calcified.\nImpression: chondrocalcinosis of the right knee.")
    other = "Findings: Chondrocalcinosis of the left knee menisci.\nImpression: chondrocalcinosis of the right knee."
    assert "RK501" not in codes(both)
    assert "RK501" in codes(other)


# ------------------------------------------------------------------ notes go with advice

def test_an_entitys_notes_go_with_advice_or_with_the_reports_own_diagnosis():
    knee = "Radiograph of the left knee in a 45 year old man. Findings: {finding}"
    offered_ = analyse(knee.format(finding="Linear calcification of the meniscus."))
    named = analyse(knee.format(finding="Chondrocalcinosis of the meniscus. Impression: pseudogout."))
    hedged = analyse(knee.format(finding="Possible faint calcification of the meniscus."))
    assert offered(offered_) and any("younger patient" in n for a in offered_.assessments for n in a.notes)
    assert not offered(named) and any("younger patient" in n for a in named.assessments for n in a.notes)
    assert not any(a.notes for a in hedged.assessments)


# ------------------------------------------------------------------ the deposit's own evidence

def test_a_rows_usual_cause_needs_no_other_entitys_characteristic_appearance():
    plain = analyse("XR RIGHT SHOULDER: 9 mm calcification in the supraspinatus tendon.")
    linear = analyse("XR RIGHT SHOULDER: 9 mm linear calcification in the supraspinatus tendon.")
    assert any(ids[0] == "hadd" for ids in offered(plain))
    assert not offered(linear)


def test_a_clinical_note_advises_on_what_imaging_showed_not_on_a_concern():
    note = ("PHYSIOTHERAPY NOTE\nS: dead leg left thigh three weeks ago.\nA: {line}\n"
            "P: X-ray requested.")
    concern = analyse(note.format(line="the firmness raises concern for early myositis ossificans."))
    shown = analyse(note.format(line="X-ray today shows faint early myositis ossificans in the vastus lateralis."))
    assert "early_myositis_ossificans_described" not in recommended(concern)
    assert "early_myositis_ossificans_described" in recommended(shown)


def test_two_mentions_of_one_tendons_deposit_describe_it_together():
    text = ("US RIGHT SHOULDER\nFindings: Within the supraspinatus there is an echogenic ovoid deposit measuring "
            "14 x 6 mm which casts a clean shadow, in keeping with a hard calcific deposit.{more}")
    assert "RK301" not in codes(text.format(more=""))
    other = " A second calcification lies in the infraspinatus tendon."
    assert "RK301" in codes(text.format(more=other) + "\nImpression: calcific tendinopathy.")


def test_an_exam_of_a_midline_region_shows_both_sides():
    finding = "\nFINDINGS: A small calcified deposit lies posterior to the left hip joint."
    assert "RK501" not in codes("EXAM: CT PELVIS AND RIGHT HIP" + finding)
    assert "RK501" in codes("EXAM: XR RIGHT HIP" + finding)


def test_a_deposit_at_a_joint_names_no_cause_but_one_in_its_cartilage_does():
    joint = analyse("XR RIGHT HAND: Small calcific deposit along the radial aspect of the thumb IP joint.")
    cartilage = analyse("XR RIGHT KNEE: Calcification of the meniscus.")
    assert not offered(joint)
    assert any(ids[0] == "cppd" for ids in offered(cartilage))


def test_one_loose_body_is_no_sign_of_synovial_chondromatosis_but_many_bodies_are():
    one = analyse("XR LEFT KNEE: A 7 mm ossified body in the suprapatellar recess, likely a loose body.")
    many = analyse("XR LEFT KNEE: Multiple ossified bodies of similar size fill the suprapatellar recess.")
    assert not offered(one) and one.assessments[0].differential[0].id == "synovial_chondromatosis"
    assert any(ids[0] == "synovial_chondromatosis" for ids in offered(many))


def test_an_impression_naming_both_sides_contradicts_neither():
    findings = ("CT PELVIS\nFindings: Calcified mass centred on the left trochanteric bursa. Smaller similar calcified "
                "collection posterior to the right ischial tuberosity.\n")
    both = findings + "Impression: tumoral calcinosis, left trochanteric region and right ischial region."
    assert "RK501" not in codes(both)
    one = ("CT PELVIS\nFindings: Calcified collection posterior to the right ischial tuberosity, in keeping with "
           "tumoral calcinosis.\nImpression: tumoral calcinosis, left ischial region.")
    assert "RK501" in codes(one)

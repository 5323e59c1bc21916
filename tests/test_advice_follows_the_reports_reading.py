"""Advice that follows the report's own reading of the deposit, and lint that reads what the writer meant.

Every report is written for this file. Each case pairs the situation where advice is wrong (the report already
reads the deposit, the deposit's row is not settled, a line is no exam title) with a near one where the advice or
the diagnostic is still given, so that a test fails if the advice is simply switched off.
"""

from __future__ import annotations

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

def test_a_clinical_notes_procedure_line_is_no_exam_title_for_the_side_check():
    note = ("ED NOTE\nPC: splinter R palm\nXR R hand: no radio-opaque FB.\nBedside US: 8 mm linear echogenic "
            "structure 3 mm deep to the puncture - likely residual wooden fragment in the right palm.\n"
            "Procedure: LA, wound explored - wooden splinter removed intact, irrigated, left open.")
    report = "EXAM: LEFT HAND RADIOGRAPH\nFINDINGS: Wooden splinter in the right palm soft tissues."
    assert "RK501" not in codes(note)
    assert "RK501" in codes(report)


def test_cppd_offered_as_the_reading_of_an_arthropathy_is_the_umbrella_term_used_rightly():
    reading = ("OPINION: Chondrocalcinosis of both knees. The patellofemoral-predominant arthropathy is in keeping "
               "with CPPD rather than primary OA.")
    named = "IMPRESSION: CPPD of the lateral meniscus."
    assert "RK202" not in codes(reading)
    assert "RK202" in codes(named)

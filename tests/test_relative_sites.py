"""Reading where a deposit is from the words around its site: a mass beside a bone, a bursa the exam names only
by its region, a nodule in a tendon, and the site named as the report names it. The reports are written for
these tests."""

from __future__ import annotations

import pytest

from reportkit.api import analyse
from reportkit.engine import lint_text


def deposits(text: str):
    """Each affirmed deposit's first finding with its assessment."""
    report = analyse(text)
    return [(report.result.findings[a.finding], a) for a in report.assessments]


def only_deposit(text: str):
    found = deposits(text)
    assert len(found) == 1, [f.text for f, _ in found]
    return found[0]


def leading(assessment) -> str:
    return assessment.differential[0].id


# ---------------------------------------------------------------- a mass beside a bone is in the soft tissue


@pytest.mark.parametrize("exam, sentence", [
    ("RADIOGRAPHS LEFT HIP", "Large lobulated calcified mass lateral to the greater trochanter."),
    ("RADIOGRAPHS RIGHT ELBOW", "Densely calcified lobulated mass posterior to the lateral epicondyle."),
    ("RADIOGRAPHS LEFT KNEE", "Multilobulated calcified mass just medial to the tibial tuberosity."),
])
def test_a_calcified_mass_beside_an_enthesis_is_a_soft_tissue_mass(exam, sentence):
    finding, _ = only_deposit(f"EXAM: {exam}\nCLINICAL HISTORY: 12-year-old.\nFINDINGS: {sentence}")
    assert finding.location_category == "soft_tissue"


def test_a_calcified_mass_by_the_trochanter_in_a_child_reads_as_tumoural_calcinosis():
    _, assessment = only_deposit("EXAM: RADIOGRAPHS LEFT HIP\nCLINICAL HISTORY: 10-year-old girl.\n"
                                 "FINDINGS: Large lobulated calcified mass lateral to the greater trochanter.")
    assert leading(assessment) == "tumoral_calcinosis_idiopathic"


def test_a_small_deposit_beside_an_enthesis_stays_at_the_tendon():
    finding, assessment = only_deposit("EXAM: RADIOGRAPHS RIGHT SHOULDER\nFINDINGS: Amorphous calcification "
                                       "just superior to the greater tuberosity.")
    assert finding.location_category == "tendon"
    assert leading(assessment) == "hadd"


@pytest.mark.parametrize("sentence", [
    "Lobulated calcified mass over the extensor surface of the elbow.",
    "Densely calcified mass over the anterior surface of the tibia.",
    "Calcified mass overlying the dorsal surface of the third metacarpal.",
])
def test_a_mass_over_the_surface_of_a_part_lies_beside_it(sentence):
    finding, _ = only_deposit(f"EXAM: RADIOGRAPHS\nFINDINGS: {sentence}")
    assert finding.location_category == "soft_tissue"


def test_a_mass_holding_the_calcifications_names_their_site_not_a_nearby_bone():
    finding, _ = only_deposit("EXAM: RADIOGRAPHS RIGHT KNEE\nFINDINGS: Soft tissue mass behind the knee with "
                              "faint calcifications, near the fibular head.")
    assert finding.location_category == "soft_tissue"
    assert finding.site != "fibular head"


# ---------------------------------------------------------------- a bursa in a shoulder or hip exam


@pytest.mark.parametrize("exam, text", [
    ("RADIOGRAPHS RIGHT SHOULDER", "FINDINGS: Crescentic calcification in the bursa.\nIMPRESSION: Bursal calcification."),
    ("RADIOGRAPHS LEFT SHOULDER", "FINDINGS: Bursal calcification, 6 mm, ill-defined."),
    ("RADIOGRAPHS RIGHT HIP", "FINDINGS: Ill-defined calcific density within the bursa, 10 mm."),
])
def test_a_bursal_calcification_in_a_shoulder_or_hip_exam_reads_as_tendon_hydroxyapatite(exam, text):
    found = deposits(f"EXAM: {exam}\nCLINICAL HISTORY: 52-year-old with acute pain.\n{text}")
    assert found
    for finding, assessment in found:
        assert finding.location_category == "tendon"
        assert leading(assessment) == "hadd"


def test_a_bursa_of_a_knee_exam_stays_a_bursa():
    finding, _ = only_deposit("EXAM: RADIOGRAPHS RIGHT KNEE\nFINDINGS: Calcification in the bursa.")
    assert finding.location_category == "articular"


@pytest.mark.parametrize("sentence", [
    "Fluffy calcification in the supraspinatus tendon measuring 12 mm.",
    "Cloud-like calcific deposit of the infraspinatus tendon, 8 mm.",
    "A 15 mm cloudy calcification in the subscapularis tendon.",
])
def test_a_fluffy_deposit_has_its_appearance_described(sentence):
    text = f"EXAM: RADIOGRAPHS RIGHT SHOULDER\nFINDINGS: {sentence}\nIMPRESSION: Calcific tendinopathy."
    assert "RK301" not in {d.code for d in lint_text(text)}


def test_a_deposit_with_size_but_no_appearance_is_still_flagged():
    text = ("EXAM: RADIOGRAPHS RIGHT SHOULDER\nFINDINGS: Calcification in the supraspinatus tendon measuring 12 mm."
            "\nIMPRESSION: Calcific tendinopathy.")
    assert "RK301" in {d.code for d in lint_text(text)}


# ---------------------------------------------------------------- a nodule is where its phrase puts it


@pytest.mark.parametrize("exam, text, location", [
    ("MRI RIGHT WRIST", ("Blooming hypointense nodule in the extensor carpi ulnaris tendon. "
                         "It likely represents a calcification."), "tendon"),
    ("CT LEFT THIGH", "Calcified nodule in the vastus lateralis muscle.", "soft_tissue"),
    ("RADIOGRAPHS RIGHT FOREARM", "Small calcified nodule within the subcutaneous fat of the forearm.", "soft_tissue"),
])
def test_a_nodule_in_a_musculoskeletal_structure_is_musculoskeletal(exam, text, location):
    report = analyse(f"EXAM: {exam}\nFINDINGS: {text}")
    assert report.result.deposits, "no deposit"
    assert {d.scope for d in report.result.deposits} == {"msk"}
    assert {f.location_category for f in report.result.findings if not f.negated} == {location}


@pytest.mark.parametrize("text", [
    "EXAM: CT CHEST\nFINDINGS: Calcified nodule in the right upper lobe.",
    "EXAM: CT CHEST\nFINDINGS: A densely calcified nodule, unchanged.",
])
def test_a_calcified_lung_nodule_stays_thoracic(text):
    report = analyse(text)
    assert {d.scope for d in report.result.deposits} == {"thoracic"}


# ---------------------------------------------------------------- the site as the report names it


@pytest.mark.parametrize("sentence, site", [
    ("Lobulated soft tissue mass of the biceps brachii containing faint calcifications, abutting the humeral cortex.",
     "biceps brachii"),
    ("Soft-tissue mass in the vastus medialis with peripheral calcification, close to the femoral shaft.",
     "vastus medialis"),
    ("Calcified soft tissue mass of the deltoid muscle.", "deltoid muscle"),
    ("Densely calcified soft-tissue mass in the médial gastrocnemius.", "médial gastrocnemius"),
])
def test_a_muscle_holding_a_mass_is_its_site(sentence, site):
    finding, _ = only_deposit(f"EXAM: CT\nFINDINGS: {sentence}")
    assert finding.site == site
    assert finding.location_category == "soft_tissue"


@pytest.mark.parametrize("sentence, site, category", [
    ("Soft tissue calcification in the supraspinatus tendon.", "supraspinatus tendon", "tendon"),
    ("Linear soft-tissue calcification along the ulnar collateral ligament.", "collateral ligament", "tendon"),
    ("Soft tissue calcification in the medial meniscus.", "medial meniscus", "articular"),
    # a bone beside it says only where the soft tissue is: it stays a soft-tissue deposit
    ("Soft tissue calcification adjacent to the greater trochanter.", "Soft tissue", "soft_tissue"),
])
def test_soft_tissue_names_no_structure_the_phrase_names_one(sentence, site, category):
    """"Soft tissue" says only that a deposit is not in bone: a structure named in its phrase says where."""
    finding, _ = only_deposit(f"EXAM: Radiograph\nFINDINGS: {sentence}")
    assert (finding.site, finding.location_category) == (site, category)


@pytest.mark.parametrize("sentence, site", [
    ("Thin linear calcification paralleling the subchondral bone of the lateral femoral condyle.",
     "lateral femoral condyle articular cartilage"),
    ("Fine calcification outlining the articular surface of the humeral head.", "humeral head articular cartilage"),
    ("Delicate calcification parallel to the subchondral bone.", "articular cartilage"),
])
def test_a_deposit_following_the_articular_surface_names_the_cartilage(sentence, site):
    finding, _ = only_deposit(f"EXAM: RADIOGRAPHS\nAge: 80\nFINDINGS: {sentence}")
    assert finding.site == site
    assert finding.location_category == "articular"


def test_a_lung_nodule_named_by_its_lobe_and_restated_as_a_nodule_is_one_deposit():
    report = analyse("EXAM: CHEST RADIOGRAPH\nFINDINGS: In the right lung base there is an 8 mm nodule that is "
                     "possibly calcified.\nIMPRESSION: 8 mm right lower lobe pulmonary nodule possibly calcified.")
    assert len(report.result.deposits) == 1
    assert report.result.deposits[0].scope == "thoracic"


@pytest.mark.parametrize("text", [
    "EXAM: MRI LEFT SHOULDER\nFINDINGS: Calcified mass in the deltoid muscle with ring-and-arc chondroid "
    "mineralisation.",
    "EXAM: CT RIGHT THIGH\nFINDINGS: Mass in the vastus lateralis with ill-defined, cloud-like calcification.",
    "EXAM: RADIOGRAPH LEFT FOREARM\nFINDINGS: Soft tissue mass of the forearm with popcorn-like calcifications.",
])
def test_a_hyphenated_modifier_does_not_cut_a_finding_off_from_the_mass_holding_it(text):
    # "with ring-and-arc ...": the hyphenated words are one modifier, so the mass's soft-tissue site still holds
    # the finding; none of them is read as intra-osseous matrix
    assert all(f.location_category == "soft_tissue" for f, _ in deposits(text)), [
        (f.text, f.location_category) for f, _ in deposits(text)]

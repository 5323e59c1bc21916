"""Where a deposit is: an interpretation takes the site of the finding it interprets, a place the text
rules out is no site, a muscle is a site however it is named, and a relative position to a bone does not
put a deposit inside it. Short reports written by the team."""

import pytest

from reportkit import analyse, extract


def placed(text: str) -> list[tuple[str, str | None, str | None]]:
    """(finding text, location category, site) for every finding of ``text``."""
    return [(f.text, f.location_category, f.site) for f in extract(text).findings]


# ---------------------------------------------------------------- an interpretation and what it interprets

@pytest.mark.parametrize(("text", "location", "site"), [
    ("EXAM: MRI RIGHT SHOULDER\nFINDINGS: Ovoid focus of low signal on all sequences within the infraspinatus "
     "tendon, with a small amount of fluid in the subacromial-subdeltoid bursa; this most likely represents a "
     "calcific deposit.", "tendon", "infraspinatus tendon"),
    ("EXAM: CT NECK\nFINDINGS: Amorphous density in the longus colli anterior to C1-C2 with prevertebral "
     "swelling, possibly a calcific deposit.", "tendon", "longus colli"),
    ("EXAM: XR LEFT FOOT\nFINDINGS: 3 mm linear radiopaque density in the plantar subcutaneous fat beneath the "
     "fourth metatarsal head, consistent with a retained glass fragment.", "soft_tissue", "subcutaneous fat"),
    ("EXAM: RADIOGRAPHS RIGHT ELBOW\nFINDINGS: Small dense focus in the common flexor tendon just distal to the "
     "medial epicondyle. It may be a calcific deposit.", "tendon", "common flexor tendon"),
    ("FINDINGS: Punctate density in the scapholunate ligament next to the lunate, which probably represents "
     "calcification.", "tendon", "scapholunate ligament"),
    ("FINDINGS: Rounded opacity in the prepatellar bursa anterior to the patella. These appearances are "
     "compatible with calcification.", "articular", "prepatellar bursa"),
    ("EXAM: MRI LEFT SHOULDER\nFINDINGS: Focal low signal in the subscapularis tendon near the lesser "
     "tuberosity; findings are consistent with a calcific deposit.", "tendon", "subscapularis tendon"),
    ("EXAM: MRI RIGHT HIP\nFINDINGS: Low-signal focus in the gluteus medius tendon adjacent to the greater "
     "trochanter.\nAppearances suggest a calcific deposit.", "tendon", "gluteus medius tendon"),
    ("EXAM: RADIOGRAPH LEFT WRIST\nFINDINGS: Amorphous opacity in the flexor carpi ulnaris tendon by the "
     "pisiform, probably a well-defined calcific deposit.", "tendon", "flexor carpi ulnaris tendon"),
    ("EXAM: RADIOGRAPH RIGHT FOOT\nFINDINGS: Radiodense object beneath the third metatarsal head, consistent "
     "with a retained glass fragment.", "soft_tissue", "metatarsal"),
])
def test_an_interpretation_takes_the_site_of_the_finding_it_interprets(text, location, site):
    [(_, found_location, found_site)] = placed(text)
    assert (found_location, found_site) == (location, site)


@pytest.mark.parametrize(("text", "side"), [
    ("EXAM: CT BOTH KNEES\nFINDINGS: Ovoid density in the left quadriceps tendon, and a joint effusion on the "
     "right. It probably represents a calcific deposit.", "left"),
    ("EXAM: RADIOGRAPH BOTH HANDS\nFINDINGS: Linear radiopaque density in the soft tissues of the left thumb, "
     "compatible with a glass fragment. The right hand is normal.", "left"),
])
def test_an_interpretation_takes_the_side_its_finding_states(text, side):
    [finding] = extract(text).findings
    assert finding.laterality == side


def test_an_interpretation_naming_its_own_site_keeps_it():
    text = ("FINDINGS: Low-signal focus in the supraspinatus tendon; this likely represents a calcific deposit "
            "in the glenohumeral joint.")
    assert [location for _, location, _ in placed(text)] == ["articular"]


@pytest.mark.parametrize("text", [
    "EXAM: MRI LEFT KNEE\nIMPRESSION: HADD of the quadriceps tendon. Possible chondrocalcinosis.",
    "EXAM: MRI RIGHT ANKLE\nIMPRESSION: Calcific tendinopathy of the peroneus longus tendon. Probable "
    "chondrocalcinosis.",
    "EXAM: CT LEFT HIP\nFINDINGS: Enthesophyte at the gluteus medius insertion. Suspected heterotopic "
    "ossification.",
])
def test_a_hedge_opening_a_sentence_names_a_finding_of_its_own(text):
    # "Possible X." is a hedged finding, not an interpretation of the sentence before: it does not take that
    # sentence's tendon as its site
    last = extract(text).findings[-1]
    assert last.location_category != "tendon" and "tendon" not in (last.site or "") and "insertion" not in (last.site or "")


# ---------------------------------------------------------------- a place the text rules out

@pytest.mark.parametrize(("text", "location", "site"), [
    ("EXAM: RADIOGRAPH LEFT ELBOW\nFINDINGS: Ossification in the brachialis, separate from the joint and the "
     "coronoid process.", "soft_tissue", "brachialis"),
    ("EXAM: CT RIGHT KNEE\nFINDINGS: Ossification away from the joint within the distal vastus medialis.",
     "soft_tissue", "vastus medialis"),
    ("EXAM: CT LEFT THIGH\nFINDINGS: Calcification in the rectus femoris, not involving the tendon.",
     "soft_tissue", "rectus femoris"),
    ("EXAM: RADIOGRAPH RIGHT THIGH\nFINDINGS: Ossification distinct from the femoral cortex.", None, None),
])
def test_a_negative_locative_is_never_the_site(text, location, site):
    [(_, found_location, found_site)] = placed(text)
    assert (found_location, found_site) == (location, site)


@pytest.mark.parametrize("muscle", [
    "vastus intermedius", "rectus femoris", "gastrocnemius", "brachialis", "gluteus minimus", "adductor longus",
    "quadriceps", "biceps femoris", "pectoralis major", "tibialis anterior muscle",
])
def test_a_muscle_named_without_the_word_muscle_is_soft_tissue(muscle):
    [(_, location, site)] = placed(f"FINDINGS: Ossification in the {muscle}.")
    assert (location, site.lower()) == ("soft_tissue", muscle)


# ---------------------------------------------------------------- mineralisation in a mass, relative positions

@pytest.mark.parametrize("text", [
    "EXAM: RADIOGRAPH LEFT ARM\nFINDINGS: Calcification in an enlarging mass in the brachialis.",
    "EXAM: MRI LEFT THIGH\nFINDINGS: Peripheral ossification within a mass in the adductor magnus, with a zonal "
    "pattern.",
    "EXAM: CT LEFT LEG\nFINDINGS: Mineralised mass of the medial gastrocnemius after a kick during football.",
])
def test_mineralisation_in_a_muscle_mass_is_soft_tissue_with_myositis_ossificans_considered(text):
    report = analyse(text)
    [finding] = report.result.findings
    assert finding.location_category == "soft_tissue"
    [assessment] = report.assessments
    [item] = [item for item in assessment.differential if item.id == "myositis_ossificans"]
    assert f"site '{finding.site}'" in item.supporting  # any named muscle, by the anatomy lexicon


@pytest.mark.parametrize("text", [
    "EXAM: RADIOGRAPH RIGHT FOOT\nFINDINGS: Metallic foreign body beneath the third metatarsal head.",
    "EXAM: RADIOGRAPH RIGHT FOOT\nFINDINGS: Wooden splinter under the first metatarsal head.",
    "EXAM: RADIOGRAPH LEFT KNEE\nFINDINGS: Calcification below the inferior pole of the patella, within Hoffa's "
    "fat pad.",
    "EXAM: RADIOGRAPH LEFT HAND\nFINDINGS: Glass fragment between the third and fourth metacarpal heads.",
])
def test_a_position_relative_to_a_bone_is_not_inside_it(text):
    assert [location for _, location, _ in placed(text)] == ["soft_tissue"]


@pytest.mark.parametrize("text", [
    "EXAM: CT LEFT FEMUR\nFINDINGS: Intramedullary calcification within the distal femoral metaphysis.",
    "EXAM: RADIOGRAPH RIGHT ANKLE\nFINDINGS: Calcification within the talus.",
])
def test_words_that_put_a_deposit_inside_a_bone_still_do(text):
    assert [location for _, location, _ in placed(text)] == ["other"]

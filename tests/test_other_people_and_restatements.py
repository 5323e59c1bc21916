"""Words that are not this patient's finding now, and sides that belong to another structure.

A relative's or a spouse's stones, a study proposed to look for a deposit, what a pattern is known for in
general; a restatement in other words ("i.e.") is the same finding; a side the sentence gives a structure of
another limb region after the finding is not the finding's; a tendon's usual abbreviation is its site.
"""

from __future__ import annotations

import pytest

from reportkit import extract


def findings(text: str) -> list[tuple[str, bool, bool, str | None]]:
    return [(f.text, f.negated, f.hypothetical, f.laterality) for f in extract(text).findings]


@pytest.mark.parametrize(("text", "own"), [
    ("ED NOTE. 44F with right loin pain. FH: father and brother both have kidney stones.",
     "ED NOTE. 44F with right loin pain. PMH: kidney stones."),
    ("GP consult. Asked about his wife's kidney stones; advised she books her own appointment.",
     "GP consult. Asked about his kidney stones; advised he books an appointment."),
    ("Clinic letter. Her mother had gallstones removed last year.",
     "Clinic letter. She had gallstones removed last year."),
])
def test_another_persons_stones_are_not_the_patients(text, own):
    assert findings(own)  # the same words of the patient are a finding
    assert not [f for f in findings(text) if not f[2]]


def test_the_patients_own_stones_beside_a_relatives_are_still_found():
    found = findings("ED NOTE. Known right renal calculi. FH: mother has kidney stones.")
    assert [(text, hypothetical) for text, _, hypothetical, _ in found] == [("renal calculi", False)]


@pytest.mark.parametrize(("text", "stated", "term"), [
    ("CT NECK. Calcification of the transverse ligament behind the dens. Suggest correlation with knee and wrist "
     "radiographs for chondrocalcinosis.",
     "CT NECK. Calcification of the transverse ligament behind the dens. Knee and wrist radiographs show "
     "chondrocalcinosis.", "chondrocalcinosis"),
    ("XR KNEES. Moderate patellofemoral narrowing, a pattern often seen in CPPD arthropathy.",
     "XR KNEES. Moderate patellofemoral narrowing, a pattern of CPPD arthropathy.", "CPPD arthropathy"),
])
def test_what_a_study_would_look_for_or_a_pattern_is_known_for_is_no_finding(text, stated, term):
    assert [f for f in findings(stated) if f[0] == term and not f[2]]
    assert not [f for f in findings(text) if f[0] == term and not f[2]]


def test_a_restatement_in_other_words_is_the_same_finding():
    report = extract("XR BOTH KNEES. Fine linear calcification of the menisci, i.e. chondrocalcinosis.")
    [finding] = report.findings
    assert "chondrocalcinosis" in finding.named_concepts


def test_a_side_given_later_to_another_limb_region_is_not_the_findings():
    found = findings("Her knee radiographs show chondrocalcinosis of both menisci, and she also has calcification "
                     "of the triangular fibrocartilage in the left wrist.")
    assert found == [("chondrocalcinosis", False, False, None), ("calcification", False, False, "left")]
    # a side stated before, of the limb the structure is in, is still its side
    before = findings("19F, 5 weeks after a blow to the left thigh, now with calcification in the vastus lateralis.")
    assert before[-1][3] == "left"


def test_a_tendons_abbreviation_is_its_site_and_takes_its_own_side():
    report = extract("Physiotherapy referral. Diagnosis: L shoulder calcific tendinitis (SSP). Also has "
                     "asymptomatic calcification in the R SSP on the same film.")
    assert [(f.laterality, f.location_category) for f in report.findings] == [("left", "tendon"), ("right", "tendon")]


def test_a_term_the_report_denies_of_the_finding_is_not_folded_into_it():
    text = "Faint amorphous calcification in the palmar soft tissues, probably related to {}."
    folded = extract(text.format("HADD"))
    assert [(f.text, "hadd" in f.named_concepts) for f in folded.findings] == [("calcification", True)]
    # the alternative set aside is neither the finding's interpretation nor a finding of its own
    denied = extract(text.format("the previous injections rather than HADD"))
    assert [(f.text, "hadd" in f.named_concepts) for f in denied.findings] == [("calcification", False)]
    # a negation before the linking words speaks of something else ("no interval change"): the term still restates
    kept = extract("Round calcification in the pelvis with no interval change, consistent with a phlebolith.")
    [finding] = kept.findings
    assert "phlebolith" in finding.named_concepts


def test_a_calcified_mass_centred_on_a_bursa_is_a_soft_tissue_mass():
    mass = extract("CT HIP. Large multiloculated calcified mass centred on the left trochanteric bursa, with "
                   "calcium-fluid levels.")
    assert mass.findings[0].location_category == "soft_tissue"
    deposit = extract("US RIGHT SHOULDER. Calcific deposit in the subacromial-subdeltoid bursa.")
    assert deposit.findings[0].location_category == "tendon"  # calcium migrated from the cuff


def test_an_anaphor_after_a_place_word_of_another_thing_names_the_deposit_already_placed():
    text = ("EXAM: MRI of the right shoulder.\nFINDINGS: Focal low-signal calcific deposit in the supraspinatus tendon "
            "with surrounding oedema. Marrow oedema in the greater tuberosity adjacent to the deposit.")
    result = extract(text)
    assert len(result.deposits) == 1
    assert all(f.site is None or "supraspinatus" in f.site.lower() for f in result.findings)


def test_a_bilateral_summary_is_not_one_placed_deposit_of_no_side():
    text = ("Bilateral shoulder ultrasound. Right: 6 mm calcific focus in the infraspinatus tendon. Left: 11 mm "
            "supraspinatus calcification, now fragmented. A little calcific material has migrated into the "
            "subacromial-subdeltoid bursa. Conclusion: bilateral calcific tendinopathy.")
    result = extract(text)
    bursal = next(d for d in result.deposits if "bursa" in (d.site or "").lower())
    assert bursal.laterality != "bilateral"
    # a summary joins a deposit that states both sides itself
    both = extract("EXAM: Radiographs of both knees.\nFINDINGS: Chondrocalcinosis of both menisci.\n"
                   "IMPRESSION: Bilateral chondrocalcinosis.")
    assert len(both.deposits) == 1 and both.deposits[0].laterality == "bilateral"


def test_a_side_label_gives_its_side_to_the_sentences_of_its_segment():
    text = ("Bilateral shoulder ultrasound. Right: 6 mm calcific focus in the infraspinatus tendon. Left: 11 mm "
            "supraspinatus calcification, now fragmented. A little calcific material has migrated into the "
            "subacromial-subdeltoid bursa.")
    bursal = next(f for f in extract(text).findings if "bursa" in (f.site or "").lower())
    assert bursal.laterality == "left"
    # another label ends the segment: the liver's granuloma takes no side from the kidney's label
    other = extract("US abdomen. Left: kidney normal, no calculus. Liver: a small calcified granuloma.")
    granuloma = next(f for f in other.findings if not f.negated)
    assert granuloma.laterality is None


@pytest.mark.parametrize("text", ["There are no findings consistent with chondrocalcinosis.",
                                  "No findings compatible with myositis ossificans.",
                                  "No radiographic features suggestive of calcific tendinitis."])
def test_no_findings_consistent_with_a_deposit_deny_it(text):
    [finding] = extract(text).findings
    assert finding.negated


@pytest.mark.parametrize("text, word, denied", [
    ("Faint calcification in the vastus lateralis that was not visible at 1 week, suggestive of early myositis "
     "ossificans.", "myositis", False),
    ("Faint calcification in the vastus intermedius, no periosteal reaction - early myositis ossificans likely.",
     "myositis", False),
    ("No calcification, possibly a small phlebolith.", "phlebolith", False),
    # a list of denials stays denied, and a hyphen inside a word is no clause break
    ("No fracture, dislocation or calcification is seen, possibly due to positioning.", "calcification", True),
    ("No post-traumatic myositis ossificans, likely a haematoma.", "myositis", True),
])
def test_a_hedged_clause_after_a_denial_is_hedged_not_denied(text, word, denied):
    """A comma or a dash standing between words, then a hedge: what follows is a new clause's reading."""
    at = text.index(word)
    scopes = extract(text).assertion_scopes
    assert any(s.category == "NEGATED_EXISTENCE" and s.start <= at < s.end for s in scopes) == denied


def test_a_deposit_consistent_with_a_named_diagnosis_is_still_affirmed():
    result = extract("Calcification in the supraspinatus tendon, consistent with calcific tendinitis. "
                     "No other findings.")
    assert result.findings and not any(f.negated for f in result.findings)

"""Behaviour of the extraction pipeline on real sentences (article captions) and written ones."""

from __future__ import annotations

import pytest

from reportkit import extract
from reportkit.pipeline import get_pipeline


def only(result, **expected):
    assert len(result.findings) == 1, [f.text for f in result.findings]
    finding = result.findings[0]
    for key, value in expected.items():
        assert getattr(finding, key) == value, (key, getattr(finding, key))
    return finding


def test_offsets_point_into_the_original_text(captions):
    for item in captions.values():
        result = extract(item["text"], item["id"])
        for finding in result.findings:
            assert item["text"][finding.start : finding.end] == finding.text
            for ev in finding.evidence:
                assert item["text"][ev.start : ev.end] == ev.text


def test_hadd_caption_fig7_is_one_tendon_finding(captions):
    # "HADD in the flexor carpi ulnaris with amorphous cloudlike calcifications"
    finding = only(extract(captions["freire2018-fig7"]["text"]), kind="calcification",
                   location_category="tendon", diagnosis="HADD")
    assert {"amorphous", "cloudlike"} <= set(finding.descriptors)
    assert any(ev.role == "description" and ev.text == "calcifications" for ev in finding.evidence)
    assert finding.site == "flexor carpi ulnaris"


def test_glass_fragments_fig4_are_foreign_bodies_in_soft_tissue(captions):
    finding = only(extract(captions["freire2018-fig4"]["text"]), kind="foreign_body",
                   location_category="soft_tissue", diagnosis="foreign_body", modality="radiograph")
    assert "sharp_geometric" in finding.descriptors


def test_myositis_ossificans_fig3_folds_its_pattern_description(captions):
    finding = only(extract(captions["freire2018-fig3"]["text"]), kind="ossification",
                   location_category="soft_tissue", diagnosis="myositis_ossificans", negated=False)
    assert {"cortical_trabecular", "zonal"} <= set(finding.descriptors)


def test_interpretation_in_the_same_sentence_is_folded_not_a_second_finding():
    text = "FINDINGS: There are calcifications about the left hemipelvis, favored to represent phleboliths."
    finding = only(extract(text), diagnosis="phlebolith", location_category="vascular", uncertain=False,
                   laterality="left")
    assert finding.diagnosis_uncertain is True  # "favored to represent" hedges the interpretation only
    assert [ev.text for ev in finding.evidence if ev.role == "interpretation"] == ["phleboliths"]


def test_restatement_in_the_impression_is_its_own_finding():
    text = "FINDINGS: Calcification in the supraspinatus tendon.\nIMPRESSION: Calcific tendinitis."
    result = extract(text)
    assert [(f.section, f.diagnosis) for f in result.findings] == [("findings", "HADD"), ("impression", "HADD")]


def test_negation_does_not_cross_a_semicolon():
    result = extract("No fracture; calcific tendinitis of the supraspinatus tendon.")
    only(result, negated=False, diagnosis="HADD", location_category="tendon")


def test_negation_list_covers_each_item():
    result = extract("No soft tissue calcification, ossification or radiopaque foreign body.")
    assert [(f.kind, f.negated) for f in result.findings] == [
        ("calcification", True), ("ossification", True), ("foreign_body", True)
    ]
    assert all(any(ev.role == "negation" and ev.text == "No" for ev in f.evidence) for f in result.findings)


def test_resolved_deposit_is_negated():
    finding = only(extract("The calcific deposit in the left supraspinatus tendon has resolved."), negated=True)
    assert any(ev.role == "negation" for ev in finding.evidence)


def test_rule_out_in_the_indication_is_a_query_not_a_finding():
    result = extract("INDICATION: Shoulder pain, rule out calcific tendinitis.\nFINDINGS: Normal radiograph.")
    assert result.findings == []
    assert [(q.text, q.hypothetical, q.section) for q in result.queries] == [("calcific tendinitis", True, "indication")]


def test_question_mark_in_history_is_a_query():
    result = extract("HISTORY: Knee swelling. ? pseudogout.\nFINDINGS: Chondrocalcinosis of the menisci.")
    assert [q.text for q in result.queries] == ["pseudogout"]
    only(result, diagnosis="CPPD", location_category="articular")


def test_hedged_finding_is_uncertain():
    only(extract("IMPRESSION: Possible early myositis ossificans in the right quadriceps muscle."),
         uncertain=True, laterality="right", laterality_source="mention")


def test_look_alikes_are_not_findings():
    text = ("FINDINGS: Marginal osteophytes. Small loose body in the suprapatellar recess. Intact orthopedic "
            "hardware. Bone mineralization is normal. Os acromiale. No sharp fracture fragments.")
    assert extract(text).findings == []


def test_lung_granuloma_is_kept_with_location_other():
    only(extract("Calcified granuloma in the right upper lobe."), location_category="other", diagnosis="other")


def test_typo_and_abbreviated_interpretation():
    only(extract("Amorphous calcifcation near the greater tuberosity, c/w calcific tendonitis."),
         diagnosis="HADD", location_category="tendon")


def test_size_is_normalised_to_millimetres():
    finding = only(extract("There is a 1.2 x 0.8 cm calcification in the infraspinatus tendon."))
    assert finding.dimensions_mm == [12.0, 8.0]
    assert finding.size_mm == 12.0


def test_laterality_from_the_exam_line_when_the_sentence_has_none():
    finding = only(extract("EXAM: MRI LEFT SHOULDER\nFINDINGS: Small calcification in the supraspinatus tendon."))
    assert (finding.laterality, finding.laterality_source, finding.modality) == ("left", "exam", "MRI")


def test_conflicting_sides_in_one_phrase_give_no_side():
    finding = only(extract("Metallic fragments overlying the left chest and right neck base."))
    assert finding.laterality is None
    assert finding.location_category is None  # only projected over a region


def test_sections_are_found_inline_and_on_their_own_lines():
    text = "Reason for exam:rt hand swelling     Findings: No calcification.     Impression: Negative hand"
    result = extract(text)
    assert [s.category for s in result.sections] == ["indication", "findings", "impression"]
    only(result, negated=True, section="findings", laterality="right")


def test_pipeline_is_built_from_blank_english_without_a_model():
    nlp = get_pipeline()
    assert (nlp.lang, nlp.meta["name"], len(nlp.vocab.vectors)) == ("en", "pipeline", 0)  # blank, no model
    assert nlp.pipe_names == ["reportkit_sections", "medspacy_target_matcher",
                              "reportkit_gates", "medspacy_context", "reportkit_linker", "reportkit_deposits",
                              "reportkit_findings"]


@pytest.mark.parametrize("text", ["", "   \n", "x" * 5000, "?? ;; .. ::"])
def test_odd_text_does_not_crash(text):
    assert extract(text).findings == []


def test_two_findings_joined_by_a_comma_stay_two():
    result = extract("Calcification in the supraspinatus tendon, phleboliths in the pelvis.")
    assert [(f.text, f.location_category, f.diagnosis) for f in result.findings] == [
        ("Calcification", "tendon", "HADD"), ("phleboliths", "vascular", "phlebolith")
    ]


def test_apposition_folds_a_restatement():
    only(extract("Flowing syndesmophytes in the thoracic spine, DISH."), location_category="other",
         diagnosis="other", kind="ossification")


def test_beside_a_tendon_insertion_is_tendon_beside_a_shaft_is_soft_tissue():
    only(extract("Calcification adjacent to the greater tuberosity."), location_category="tendon", diagnosis="HADD")
    only(extract("Calcified mass posterior to the femur."), location_category="soft_tissue")
    only(extract("Calcification within the femoral metaphysis."), location_category="other")


def test_interpretation_after_which_could_be_is_folded():
    finding = only(extract("Tiny punctate calcification, which could be a phlebolith or a distal ureteral stone."),
                   diagnosis="phlebolith", location_category="vascular", uncertain=False)
    assert finding.diagnosis_uncertain


@pytest.mark.parametrize("typo", ["calcificaton", "calcfication", "calcificaiton", "Calcifiction"])
def test_one_word_slips_are_still_calcifications(typo):
    only(extract(f"Small {typo} in the supraspinatus tendon."), kind="calcification", location_category="tendon")


def test_words_that_only_look_alike_are_not():
    assert extract("Classification of the fracture. Calculation of the angle. Decalcification noted.").findings == []


def test_vertebral_levels_and_xr_exam_lines():
    result = extract("EXAM: XR CERVICAL SPINE\nFINDINGS: Calcification anterior to C5. Calcification in the right "
                     "C2-C3 facet joint.")
    assert result.modality == ["radiograph"]
    assert [(f.location_category, f.site) for f in result.findings] == [("other", "C5"), ("articular", "facet joint")]

"""Negation, resolution and stage words reach only what they speak of; descriptors stay in their phrase.

Written reports, read through the public calls: a resolution verb after a long subject negates that
subject (and only it), a sentence about what another disease does not do negates nothing else, the
pre-calcific stage makes no deposit, and a descriptor of a neighbouring noun ("an adjacent corticated
erosion") is not the finding's.
"""

from __future__ import annotations

import pytest

from reportkit import analyse, extract
from reportkit.engine import get_engine


def mention(result, text: str):
    found = [f for f in result.findings + result.queries if f.text.lower() == text.lower()]
    assert found, (text, [f.text for f in result.findings + result.queries])
    return found[0]


def codes(text: str) -> set[str]:
    return {d.code for d in get_engine().lint_text(text)}


# ---------------------------------------------------------------- resolution reaches its subject

@pytest.mark.parametrize("sentence, term", [
    (("The previously seen calcific deposit within the distal supraspinatus tendon near its footprint has "
     "completely resolved."), "calcific deposit"),
    (("The 12 mm amorphous calcification projecting over the infraspinatus insertion on the prior study is no "
     "longer visible on today's images."), "calcification"),
    (("Compared with March, the ill-defined calcific deposit in the subscapularis tendon has since been "
     "resorbed."), "calcific deposit"),
    (("The cloud-like calcification adjacent to the greater trochanter in the gluteus medius tendon seen last "
     "year has disappeared."), "calcification"),
    (("The calcification that was described on the outside study in the teres minor tendon is no longer "
     "identified."), "calcification"),
    ("Calcification in the infraspinatus tendon shows interval resolution.", "calcification"),
])
def test_a_resolution_after_a_long_subject_negates_the_subject(sentence, term):
    assert mention(extract("FINDINGS: " + sentence), term).negated


@pytest.mark.parametrize("sentence, kept, gone", [
    (("A 9 mm dense calcification in the supraspinatus tendon is unchanged, and the calcific deposit in the "
     "subscapularis tendon has resolved."), "calcification", "calcific deposit"),
    ("The soft tissue swelling around the calcific deposit in the supraspinatus tendon has resolved.",
     "calcific deposit", None),
    ("The calcific deposit in the supraspinatus tendon has only partially resolved.", "calcific deposit", None),
    ("The calcific deposit in the infraspinatus tendon has not yet been resorbed.", "calcific deposit", None),
])
def test_a_resolution_leaves_what_is_not_its_subject(sentence, kept, gone):
    result = extract("FINDINGS: " + sentence)
    assert not mention(result, kept).negated
    if gone:
        assert mention(result, gone).negated


def test_a_resolved_deposit_asks_for_no_description_and_disagrees_with_no_impression():
    text = ("EXAM: Radiographs of the right shoulder.\n"
            "FINDINGS: The previously seen calcific tendinitis involving the distal supraspinatus tendon near "
            "the greater tuberosity has completely resolved.\n"
            "IMPRESSION: No calcific tendinitis.\n")
    found = codes(text)
    assert "RK301" not in found
    assert "RK601" not in found
    report = analyse(text)
    assert all(f.negated for f in report.result.findings)
    assert not report.recommendations  # nothing positive left to advise on


# ---------------------------------------------------------------- a negated predicate negates its own argument

@pytest.mark.parametrize("sentence, term", [
    ("Gout does not calcify cartilage, so CPPD is the likely explanation.", "CPPD"),
    ("Gout does not calcify cartilage and CPPD is the likely explanation.", "CPPD"),
    (("Hyperparathyroidism does not explain this finding in the absence of subperiosteal resorption, so "
     "idiopathic chondrocalcinosis is favoured."), "chondrocalcinosis"),
    ("A sarcoma would not show peripheral maturation, so myositis ossificans is most likely.",
     "myositis ossificans"),
    (("No calcification is seen in the bursa, and the calcific deposit in the infraspinatus tendon is "
     "unchanged."), "calcific deposit"),
])
def test_a_negation_does_not_reach_the_subject_of_another_clause(sentence, term):
    assert not mention(extract("FINDINGS: " + sentence), term).negated


@pytest.mark.parametrize("sentence, terms", [
    ("No calcification, ossification or foreign body is seen.", ["calcification", "ossification", "foreign body"]),
    ("The tendon does not contain calcification and is otherwise normal.", ["calcification"]),
    ("There is no calcification or ossification that is visible.", ["calcification", "ossification"]),
])
def test_a_negation_still_reaches_its_own_argument(sentence, terms):
    result = extract("FINDINGS: " + sentence)
    assert all(mention(result, term).negated for term in terms)


@pytest.mark.parametrize("sentence, term", [
    ("Hydroxyapatite does not typically involve the menisci, so the meniscal calcification is most in keeping "
     "with CPPD.", "meniscal calcification"),
    ("Gout does not usually calcify hyaline cartilage, so this chondrocalcinosis is read as CPPD.",
     "chondrocalcinosis"),
])
def test_a_negated_general_statement_leaves_the_next_clause_affirmed(sentence, term):
    finding = mention(extract("FINDINGS: " + sentence), term)
    assert not (finding.negated or finding.hypothetical or finding.uncertain)


def test_an_explanation_of_what_gout_does_not_do_leaves_the_cppd_reading():
    report = analyse("EXAM: Radiographs of both knees.\n"
                     "FINDINGS: Thin linear calcification of both menisci. Gout does not calcify cartilage, so "
                     "CPPD is the likely explanation.\n")
    negatives = [report.result.findings[i].text for i in report.pertinent_negatives]
    assert "CPPD" not in negatives
    assert report.assessments[0].differential[0].id == "cppd"


# ---------------------------------------------------------------- stage words make no deposit

@pytest.mark.parametrize("sentence", [
    "Thickened supraspinatus tendon. Pre-calcific stage; no calcification is seen.",
    "Supraspinatus tendinopathy in its precalcific stage, without calcification.",
    "Pre-calcific stage of supraspinatus tendinopathy on ultrasound; no calcific deposit is seen.",
])
def test_the_pre_calcific_stage_makes_no_deposit(sentence):
    result = extract("EXAM: Ultrasound of the left shoulder.\nFINDINGS: " + sentence)
    assert all(f.negated for f in result.findings), [(f.text, f.negated) for f in result.findings]
    assert all("calcific_stage" not in f.descriptors for f in result.findings)


def test_a_negated_deposit_gets_no_stage():
    result = extract("FINDINGS: There is no calcification in the rotator cuff; the calcific stage has not "
                     "been reached.")
    finding = mention(result, "calcification")
    assert finding.negated and finding.descriptors == []


def test_a_stated_stage_still_describes_its_deposit():
    report = analyse("EXAM: Radiographs right shoulder.\nFINDINGS: Ill-defined 8 mm calcification in the "
                     "supraspinatus tendon, calcific stage, resorptive phase.\n")
    assert report.assessments[0].phase == "calcific stage, resorptive phase"


# ---------------------------------------------------------------- a descriptor stays in its phrase

@pytest.mark.parametrize("sentence, term, absent", [
    (("Soft tissue density at the first MTP joint, a tophus with an adjacent corticated erosion of the "
     "metatarsal head."), "tophus", "cortical_trabecular"),
    ("A corticated erosion at the second metacarpal head lies next to a lobulated tophus.", "tophus",
     "cortical_trabecular"),
    ("Amorphous calcification lateral to the elbow next to a trabeculated bone fragment.", "calcification",
     "cortical_trabecular"),
    ("Mineralised focus in the prepatellar soft tissues beside a corticated osteophyte.", "mineralised focus",
     "cortical_trabecular"),
    ("Two cysts with thin calcified rims and well-defined walls in the liver, and dense nodules in the lung.",
     "calcified", "dense"),
    ("Calcification in the supraspinatus tendon and a cloud-like ossicle near the greater tuberosity.",
     "calcification", "cloudlike"),
])
def test_a_descriptor_of_a_neighbouring_noun_is_not_the_findings(sentence, term, absent):
    assert absent not in mention(extract("FINDINGS: " + sentence), term).descriptors


@pytest.mark.parametrize("sentence, term, present", [
    ("Ossification in the vastus lateralis with mature trabecular bone and a corticated margin.", "ossification",
     "cortical_trabecular"),
    (("A 15 mm ill-defined calcification in the supraspinatus tendon with adjacent cortical erosion of the "
     "greater tuberosity."), "calcification", "intraosseous_extension"),
    ("Soft tissue mass with punctate foci of calcification showing a ring-and-arc pattern.", "calcification",
     "rings_and_arcs"),
    ("Dense, amorphous calcification in the supraspinatus tendon.", "calcification", "dense"),
    ("The calcification in the gluteus medius tendon is cloud-like.", "calcification", "cloudlike"),
])
def test_a_descriptor_of_the_finding_or_its_parts_is_kept(sentence, term, present):
    assert present in mention(extract("FINDINGS: " + sentence), term).descriptors


def test_a_tophus_beside_a_corticated_erosion_is_no_ossification():
    text = ("EXAM: Radiographs of the right foot.\n"
            "FINDINGS: Soft tissue density at the first metatarsophalangeal joint, a tophus with an adjacent "
            "corticated erosion of the metatarsal head.\n")
    report = analyse(text)
    assessment = report.assessments[0]
    assert assessment.kind.agrees
    assert assessment.differential[0].id == "gout"
    assert "heterotopic_ossification" not in [item.id for item in assessment.differential]


@pytest.mark.parametrize(("sentence", "negated", "hypothetical"), [
    # a consent list in parentheses speaks of its risks only
    ("After consent (risks incl. infection, tendon rupture, incomplete removal), a 12 x 6 mm calcification "
     "within the left supraspinatus was localized.", False, False),
    # a negation outside the parentheses still reaches through them
    ("No calcification (of the tendon or bursa) is seen.", True, False),
    # an aside may comment on what stands before it
    ("PMH: hypertension; calcific tendinitis of the right shoulder (resolved 2020).", True, False),
])
def test_a_trigger_inside_parentheses_speaks_forward_only_to_the_aside_s_end(sentence, negated, hypothetical):
    [finding] = extract(sentence).findings
    assert (finding.negated, finding.hypothetical) == (negated, hypothetical)

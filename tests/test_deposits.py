"""Deposits: the mentions that describe one deposit are grouped, merged, and reported once.

Every sentence here is written by the team.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reportkit import analyse, extract
from reportkit.engine import lint_text
from reportkit.render import render

SHOULDER = (Path(__file__).parent.parent / "examples" / "shoulder_mri.txt").read_text()


def members(text: str) -> list[list[int]]:
    return [d.findings for d in extract(text).deposits]


def test_impression_restatement_is_one_deposit_with_one_finding_per_mention():
    text = ("EXAM: Radiographs of the left shoulder.\n"
            "FINDINGS: Amorphous calcification in the infraspinatus tendon, measuring 8 mm.\n"
            "IMPRESSION: Calcific tendinitis of the infraspinatus tendon.")
    result = extract(text)
    assert len(result.findings) == 2  # the evaluation counts mentions
    [deposit] = result.deposits
    assert deposit.findings == [0, 1]
    assert (deposit.concept, deposit.diagnosis, deposit.size_mm) == ("hadd", "HADD", 8.0)
    assert {ev.text for ev in deposit.evidence if ev.role == "term"} == {"calcification", "Calcific tendinitis"}


def test_a_named_diagnosis_without_a_site_restates_the_one_deposit_where_it_belongs():
    one = "FINDINGS: Amorphous calcification in the supraspinatus tendon, 9 mm.\nIMPRESSION: Calcific tendinitis."
    result = extract(one)
    assert members(one) == [[0, 1]]
    assert (result.findings[1].site, result.findings[1].location_category) == ("supraspinatus tendon", "tendon")
    two = ("FINDINGS: Amorphous calcification in the supraspinatus tendon. Calcification in the infraspinatus "
           "tendon.\nIMPRESSION: Calcific tendinitis.")
    assert members(two) == [[0], [1], [2]]  # which tendon? neither
    elsewhere = "FINDINGS: Vascular calcification in the thigh.\nIMPRESSION: Calcific tendinitis."
    assert members(elsewhere) == [[0], [1]]


def test_a_named_diagnosis_at_the_tendon_restates_the_one_deposit_placed_at_its_insertion():
    text = ("EXAM: Radiographs of the left shoulder.\nFINDINGS: Round 7 mm ill-defined calcification projecting "
            "over the greater tuberosity.\nIMPRESSION: Calcific tendinitis of the supraspinatus.")
    assert members(text) == [[0, 1]]
    # the tendon the impression names counts for the description the article asks for
    assert "RK301" not in {d.code for d in lint_text(text)}
    two = ("FINDINGS: Calcification over the greater tuberosity. Calcification over the lesser tuberosity.\n"
           "IMPRESSION: Calcific tendinitis of the supraspinatus.")
    assert members(two) == [[0], [1], [2]]  # which of the two? neither
    tendons = ("FINDINGS: Calcification in the supraspinatus tendon.\nIMPRESSION: Calcific tendinitis of the "
               "subscapularis.")
    assert members(tendons) == [[0], [1]]  # two tendons are two places


def test_anaphor_in_the_impression_inherits_the_site_and_side_of_its_antecedent():
    text = ("FINDINGS: Coarse calcification in the right gluteus medius tendon.\n"
            "IMPRESSION: This calcification likely reflects calcific tendinitis.")
    result = extract(text)
    restatement = result.findings[1]
    assert (restatement.site, restatement.location_category) == ("gluteus medius tendon", "tendon")
    assert (restatement.laterality, restatement.laterality_source) == ("right", "antecedent")
    cited = [(ev.text, ev.value) for ev in restatement.evidence if ev.role == "antecedent"]
    assert ("gluteus medius tendon", "tendon") in cited and ("right", "right") in cited
    assert members(text) == [[0, 1]]


def test_a_restatement_that_states_its_own_side_keeps_it():
    text = ("FINDINGS: Calcification in the left supraspinatus tendon. Calcification in the right supraspinatus "
            "tendon.\nIMPRESSION: Calcific tendinitis of the left supraspinatus tendon.")
    result = extract(text)
    assert members(text) == [[0, 2], [1]]
    assert [d.laterality for d in result.deposits] == ["left", "right"]
    assert result.findings[2].laterality_source == "mention"


def test_size_and_appearance_from_different_sentences_are_merged():
    text = ("FINDINGS: A 12 mm calcific deposit in the supraspinatus tendon, compatible with calcific tendinitis. "
            "The deposit is ill-defined and cloudlike.")
    result = extract(text)
    [deposit] = result.deposits
    assert deposit.size_mm == 12.0
    assert {"ill_defined", "cloudlike"} <= set(deposit.descriptors)
    # "The deposit", restating a calcification, is a mention of its own (a restatement) and one of the deposit's
    assert [result.findings[i].text for i in deposit.findings] == ["calcific deposit", "deposit"]
    assert ("descriptor", "ill-defined") in {(ev.role, ev.text) for ev in deposit.evidence}
    assert not [d for d in lint_text(text) if d.code == "RK301"]


def test_an_anaphor_sentence_far_from_any_deposit_describes_none():
    text = ("FINDINGS: A 12 mm calcific deposit in the supraspinatus tendon, compatible with calcific tendinitis. "
            "The acromion is type II. The labrum is intact. The joint capsule is normal. The lesion is ill-defined.")
    [deposit] = extract(text).deposits
    assert "ill_defined" not in deposit.descriptors


@pytest.mark.parametrize("text", [
    "FINDINGS: No calcification in the supraspinatus tendon.\nIMPRESSION: Calcification of the supraspinatus tendon.",
    "FINDINGS: Chondrocalcinosis of the knee.\nIMPRESSION: No chondrocalcinosis of the knee.",
])
def test_negated_and_affirmed_mentions_are_never_one_deposit(text):
    result = extract(text)
    assert members(text) == [[0], [1]]
    assert [d.negated for d in result.deposits] == [f.negated for f in result.findings]


def test_mentions_on_different_sides_are_never_one_deposit():
    text = ("FINDINGS: Chondrocalcinosis of the left knee. Chondrocalcinosis of the right knee.\n"
            "IMPRESSION: Chondrocalcinosis of the right knee.")
    assert members(text) == [[0], [1, 2]]


def test_an_ambiguous_restatement_inherits_nothing():
    text = ("FINDINGS: Metallic fragments in the left arm. Metallic fragments in the right thigh.\n"
            "IMPRESSION: Retained metallic fragments, as above.")
    result = extract(text)
    assert members(text) == [[0], [1], [2]]
    assert not [ev for ev in result.findings[2].evidence if ev.role == "antecedent"]


# ---------------------------------------------------------------------- the structured report


def test_shoulder_report_lists_each_deposit_once_with_size_appearance_and_phase():
    text = render(analyse(SHOULDER, "shoulder"), SHOULDER, "text")
    findings = text.split("\nFINDINGS\n", 1)[1].split("PERTINENT NEGATIVES")[0]
    entries = [line for line in findings.splitlines() if line.startswith("  - ")]
    assert len(entries) == 2
    tendon = next(line for line in entries if "supraspinatus" in line)
    assert "14.0 mm" in tendon and "ill-defined" in tendon and "oval" in tendon
    impression = text.split("IMPRESSION", 1)[1].split("RECOMMENDATIONS")[0]
    assert impression.count("Calcific tendinopathy") == 1 and impression.count("Chondrocalcinosis") == 1
    assert "resorptive phase" in impression


def test_shoulder_lint_finds_the_appearance_in_the_next_sentence():
    assert "RK301" not in {d.code for d in lint_text(SHOULDER)}


def test_negated_foreign_body_is_only_a_pertinent_negative_in_every_format():
    report = analyse(SHOULDER, "shoulder")
    assert report.pertinent_negatives == [2]
    text = render(report, SHOULDER, "text")
    before, negatives = text.split("PERTINENT NEGATIVES")
    assert "foreign body" not in before.split("\nFINDINGS\n", 1)[1].lower()
    assert "No foreign body" in negatives.split("IMPRESSION")[0]
    md = render(report, SHOULDER, "md")
    assert "foreign body" not in md.split("## Pertinent negatives")[0].split("## Findings")[1]
    assert "- No foreign body" in md.split("## Pertinent negatives")[1].split("## Impression")[0]
    html = render(report, SHOULDER, "html")
    table = html.split('<table id="findings">')[1].split("</table>")[0]
    assert "foreign body" not in table
    assert "No foreign body" in html.split('<ul id="pertinent-negatives">')[1].split("</ul>")[0]
    data = json.loads(render(report, SHOULDER, "json"))
    assert data["result"]["deposits"][data["pertinent_negatives"][0]]["concept"] == "foreign_body"
    bundle = json.loads(render(report, SHOULDER, "fhir"))
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    panels = {r["code"]["text"]: r for r in by_url.values() if r.get("hasMember")}
    [negative] = [by_url[m["reference"]] for m in panels["Pertinent negatives"]["hasMember"]]
    assert negative["interpretation"][0]["coding"][0]["code"] == "NEG"
    positive = [by_url[m["reference"]] for m in next(p for name, p in panels.items() if name != "Pertinent negatives")
                ["hasMember"]]
    assert all(o["interpretation"][0]["coding"][0]["code"] != "NEG" for o in positive)


def test_descriptors_render_in_the_report_words():
    text = ("FINDINGS: A round calcification in the soft tissues of the left thigh. "
            "A radiopaque foreign body in the soft tissues of the right hand.")
    report = analyse(text)
    for fmt in ("text", "md", "html"):
        out = render(report, text, fmt)
        findings = out.split("IMPRESSION")[0] if fmt == "text" else out
        assert "oval" not in findings.lower() and "metallic" not in findings.lower(), fmt
    fhir = render(report, text, "fhir")
    assert '"valueString": "round"' in fhir and '"valueString": "radiopaque"' in fhir


def test_sides_read_elsewhere_that_disagree_give_no_side_and_a_flag():
    from reportkit.pipeline.deposits import merged_side

    left, right = (extract(f"FINDINGS: Chondrocalcinosis of the {side} knee.").findings[0] for side in ("left", "right"))
    assert merged_side([left, left]) == ("left", False)
    unstated = right.model_copy(update={"laterality_source": "preceding_text"})
    assert merged_side([left, unstated]) == ("left", False)  # a stated side outranks one read elsewhere
    assert merged_side([left.model_copy(update={"laterality_source": "preceding_text"}), unstated]) == (None, True)


def test_a_result_without_deposits_is_reasoned_one_deposit_per_finding():
    from reportkit.engine import get_engine
    reason = get_engine().reason

    result = extract(SHOULDER).model_copy(update={"deposits": []})
    report = reason(result, SHOULDER)
    assert [a.finding for a in report.assessments] == list(range(len(result.findings)))
    assert report.pertinent_negatives == [i for i, f in enumerate(result.findings) if f.negated] != []


def test_an_impression_restating_a_deposit_of_the_findings_is_no_contradiction():
    restated = ("FINDINGS: Chondrocalcinosis of the left knee. No chondrocalcinosis of the right knee.\n"
                "IMPRESSION: Chondrocalcinosis of the left knee.")
    assert "RK601" not in {d.code for d in lint_text(restated)}
    contradicted = "FINDINGS: No chondrocalcinosis of the knee.\nIMPRESSION: Chondrocalcinosis of the knee."
    assert "RK601" in {d.code for d in lint_text(contradicted)}


def test_a_restatement_at_the_region_takes_the_site_of_the_deposit_in_that_region():
    text = ("FINDINGS: Amorphous calcification in the supraspinatus tendon, 9 mm.\n"
            "IMPRESSION: Calcific tendinitis of the right shoulder.")
    result = extract(text)
    assert members(text) == [[0, 1]]
    assert result.findings[1].site == "supraspinatus tendon"
    assert ("antecedent", "supraspinatus tendon") in {(ev.role, ev.text) for ev in result.findings[1].evidence}
    assert members("FINDINGS: Calcification in the pelvis.\nIMPRESSION: Calcification of the knee.") == [[0], [1]]


def test_a_restatement_prefers_the_deposit_naming_the_same_thing_at_the_same_site():
    text = ("FINDINGS: Calcific tendinitis of the supraspinatus tendon. Calcification in the shoulder.\n"
            "IMPRESSION: Calcific tendinitis of the supraspinatus.")
    assert members(text) == [[0, 2], [1]]


def test_a_restatement_takes_the_side_of_a_deposit_placed_only_in_a_sided_region():
    # "in the L hip" places the deposit in a region only: it gives no site, but its side is the deposit's
    text = ("CT LEFT HIP: Large multiloculated calcified mass along the lateral aspect of the L hip, with "
            "fluid-calcium levels.\nIMP: secondary tumoral calcinosis in a patient on dialysis.")
    result = extract(text)
    assert members(text) == [[0, 1]]
    restatement = result.findings[1]
    assert (restatement.laterality, restatement.laterality_source) == ("left", "antecedent")
    assert restatement.site is None  # the region is no site to pass on
    assert ("antecedent", "L") in {(ev.role, ev.text) for ev in restatement.evidence}


def test_a_generic_tendon_and_a_named_tendon_can_be_one_deposit():
    text = ("US LEFT SHOULDER: Supraspinatus: 9 x 4 mm hyperechoic focus within the tendon, consistent with a "
            "calcific deposit.\nIMPRESSION: Calcific tendinitis of the supraspinatus.")
    assert members(text) == [[0, 1]]

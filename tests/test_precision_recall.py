"""Issue 8 precision and recall categories, on sentences written for these tests; laterality_all and
location_category_all; the self-audit review sheet."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from reportkit.api import extract
from reportkit.cli import app
from reportkit.evaluation import score
from reportkit.selfaudit import Corpus, draw_sheet, score_sheet, summarise, trigger_regex, write_sheet


def found(text: str) -> list[tuple[str, str, bool, bool]]:
    """(text, kind, negated, uncertain) of every finding."""
    return [(f.text.lower(), f.kind, f.negated, f.uncertain) for f in extract(text).findings]


def kinds(text: str) -> list[str]:
    return [f.kind for f in extract(text).findings]


# ----------------------------------------------------------------- precision: not findings
@pytest.mark.parametrize("text", [
    # atherosclerosis without calcification wording outside a radiograph/CT report
    "Past medical history: hypertension, diabetes, atherosclerosis and smoking.",
    "Autopsy: the abdominal aorta shows moderate atherosclerosis.",
    "Transesophageal echocardiogram: mild atherosclerotic plaque in the descending aorta.",
    "Angiogram: atherosclerotic plaque with 70% narrowing of the left carotid artery.",
    # teaching and reference prose
    "On CT these tumours show septations with or without calcification.",
    "The peritoneal surface may also contain punctate calcifications.",
    "In gunshot cases it is important to account for every projectile: an exit wound or a bullet.",
    "Smith AB, Jones CD. Calcific tendinitis of the rotator cuff. Journal of Shoulder Imaging 2001;12:34-40.",
    "The dish was placed on the tray.",
    "Dr. Hadd reviewed the films.",
    # osteophytes and nasal spurs are not enthesophytes
    "The nasal septum deviates to the right with a septal spur.",
    "There is a small spur on the left inferior turbinate side of the nose.",
    "Marginal osteophytes and spurs at the medial knee joint.",
    # instruments in a procedure, wounds without an object
    "Fluoroscopy confirmed the needle tip at the L4-L5 facet joint.",
    "Rigid bronchoscopy with removal of foreign body; the stent was removed piecemeal.",
    "Gas in the gluteal muscle marks the bullet tract.",
    "Splinter forceps were used on the nail bed.",
    # dental calculus (tartar) is no stone in a lumen, even in a report about the kidneys
    "The kidneys are normal; heavy calculus on the lower teeth.",
    # tartar on teeth is not a luminal stone
    "Dental cleaning removed calculus from the lower teeth.",
    # a follow-up plan, a proposed study
    "Come back if needed, and watch the wound for more foreign bodies.",
    "A CT would be of benefit for exclusion of calcification.",
])
def test_look_alikes_are_not_findings(text):
    assert found(text) == []


# ----------------------------------------------------------------- recall: findings
@pytest.mark.parametrize("text, kind", [
    ("PA and lateral chest radiograph. The aorta is atherosclerotic.", "calcification"),
    ("Chest x-ray: the aorta is tortuous and atherosclerotic.", "calcification"),
    ("Fibrocalcific mitral valve leaflets.", "calcification"),
    ("Several calcificied foci in the deltoid muscle.", "calcification"),
    ("There are calficications in the vastus lateralis.", "calcification"),
    ("CT shows a 7 mm left renal stone.", "calcification"),
    ("Staghorn calculus in the right kidney.", "calcification"),
    ("Cystoscopy of the bladder: the stone was fragmented with the laser.", "calcification"),
    ("A catheter fragment is lodged in the right subclavian vein.", "foreign_body"),
])
def test_category_is_found(text, kind):
    assert kind in kinds(text)


# Guards (already right before this change): the other side of each category must stay as it is.
@pytest.mark.parametrize("text, kind", [
    ("Chest radiograph: atherosclerotic changes of the thoracic aorta.", "calcification"),
    ("The supraspinatus tendon is calcified.", "calcification"),
    ("A retained bullet lies in the left thigh.", "foreign_body"),
    ("A small spur at the Achilles tendon insertion.", "ossification"),
    ("Porcelain gallbladder.", "calcification"),
    ("Flowing ossification of the thoracic spine, consistent with DISH.", "ossification"),
    ("Noncontrast CT abdomen per renal stone protocol.", None),
])
def test_guards_stay_as_they_were(text, kind):
    assert kinds(text) == ([kind] if kind else [])


def test_negated_bare_calculi_in_a_urinary_report():
    assert found("Renal ultrasound: no calculi or hydronephrosis.") == [("calculi", "calcification", True, False)]


def test_phlebolith_or_ureteral_stone_stays_one_finding():
    assert len(extract("Pelvic calcification, probably a phlebolith or a distal ureteral stone.").findings) == 1


def test_typo_family_does_not_read_ordinary_words():
    assert found("The clarified report was classified and certified.") == []


# ----------------------------------------------------------------- negation and hedge scope
def test_except_for_after_present_is_absent():
    assert found("All features of the tumour are present except for calcification.")[0][2] is True


def test_except_for_after_a_negation_is_affirmed():
    assert found("No abnormality except for a calcification in the supraspinatus tendon.")[0][2] is False


def test_not_definitively_calcified_is_negated_not_uncertain():
    # the corpus conventions: a nodule not shown to be calcified is a negated calcification
    assert found("An 8 mm nodule in the left lung, not definitively calcified.") == [
        ("calcified", "calcification", True, False)]


def test_negation_stops_at_a_new_clause():
    assert found("I could not reach it, I thus pulled the foreign body out with the scope.")[0][2] is False


def test_study_that_did_not_resolve_the_nature_does_not_negate():
    assert found("The biopsy did not resolve the nature of the calcifications.")[0][2] is False


def test_hedge_of_a_neighbouring_clause_is_not_borrowed():
    assert found("A few nodules suggestive of infection and few calcified hilar lymph nodes.")[0][3] is False


# ----------------------------------------------------------------- laterality_all / location_category_all
def _mention(start, end, **attrs):
    base = {"start": start, "end": end, "kind": "calcification", "negated": False, "uncertain": False,
            "location_category": None, "laterality": None, "diagnosis": None}
    return base | attrs


def test_null_is_scored_as_a_value_for_side_and_location():
    gold = [{"id": "a", "text": "x" * 60, "gold": {"mentions": [
        _mention(0, 10), _mention(20, 30, laterality="left", location_category="tendon"), _mention(40, 50)]}}]
    pred = {"a": [_mention(0, 10, laterality="right", location_category="soft_tissue"),
                  _mention(20, 30, laterality="left", location_category="tendon"), _mention(40, 50)]}
    attrs = score(gold, pred).attributes
    assert (attrs["laterality"].correct, attrs["laterality"].total) == (1, 1)
    assert (attrs["laterality_all"].correct, attrs["laterality_all"].total) == (2, 3)
    assert (attrs["location_category_all"].correct, attrs["location_category_all"].total) == (2, 3)


def test_eval_json_and_text_report_the_null_scored_attributes(tmp_path):
    text = "Calcific tendinitis of the supraspinatus tendon. No foreign body."
    gold = {"id": "g1", "text": text, "gold": {"modality": [], "mentions": [
        _mention(0, 19, span=text[0:19], location_category="tendon", diagnosis="HADD"),
        _mention(52, 64, span=text[52:64], kind="foreign_body", negated=True, diagnosis="foreign_body")]}}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(gold) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path), "--json"])
    attrs = json.loads(result.output)["attributes"]
    assert attrs["laterality_all"]["total"] == 2 and attrs["location_category_all"]["total"] == 2
    assert attrs["laterality_all"]["correct"] == 2
    table = CliRunner().invoke(app, ["eval", str(path)]).output
    assert "laterality_all" in table and "location_category_all" in table


# ----------------------------------------------------------------- self-audit sheet
TEXTS = {
    "r1": "Calcific tendinitis of the supraspinatus tendon. The spur was not seen. Mild stone dust.",
    "r2": "A metallic fragment in the thigh. The pellet is gone. Normal study.",
    "r3": "Chondrocalcinosis of the meniscus. Some calcium in the diet.",
}


def _corpora() -> list[Corpus]:
    first = Corpus("a.jsonl", {k: TEXTS[k] for k in ("r1", "r2")}, {})
    second = Corpus("b.jsonl", {"r3": TEXTS["r3"]}, {})
    for corpus in (first, second):
        corpus.findings = {rid: [f.model_dump() for f in extract(t, rid).findings] for rid, t in corpus.texts.items()}
    return [first, second]


def test_sheet_is_seeded_reproducible_and_holds_no_text(tmp_path):
    triggers = trigger_regex(["calcif", "calcium", "spur", "stone", "pellet", "fragment"])
    corpora = _corpora()
    one = draw_sheet(corpora, triggers, seed=5, found=4, sentences=4)
    assert one == draw_sheet(corpora, triggers, seed=5, found=4, sentences=4)
    assert {r["sample"] for r in one} == {"found", "trigger"}
    assert {r["file"] for r in one} == {"a.jsonl", "b.jsonl"}
    path = tmp_path / "sheet.csv"
    write_sheet(one, path)
    content = path.read_text(encoding="utf-8")
    pairs = {" ".join(p) for t in TEXTS.values() for p in zip(t.lower().split(), t.lower().split()[1:])}
    assert not [p for p in pairs if p in content.lower()]  # ids, offsets and labels only, no running text
    assert list(csv.reader(content.splitlines()))[0][:4] == ["row", "sample", "file", "id"]
    for row in one:
        if row["sample"] == "trigger":  # a trigger sentence overlaps no finding
            spans = [(f["start"], f["end"]) for c in corpora for f in c.findings.get(row["id"], [])]
            assert not any(s < row["end"] and row["start"] < e for s, e in spans)


def test_filled_sheet_gives_precision_recall_and_wrong_side():
    rows = [
        {"sample": "found", "file": "a", "stratum_size": "10", "judgement": "tp", "side": "ok", "missed": ""},
        {"sample": "found", "file": "a", "stratum_size": "10", "judgement": "fp", "side": "wrong", "missed": ""},
        {"sample": "found", "file": "b", "stratum_size": "30", "judgement": "tp", "side": "", "missed": ""},
        {"sample": "trigger", "file": "a", "stratum_size": "4", "judgement": "miss", "side": "", "missed": ""},
        {"sample": "trigger", "file": "a", "stratum_size": "4", "judgement": "ok", "side": "", "missed": ""},
        {"sample": "trigger", "file": "b", "stratum_size": "6", "judgement": "ok", "side": "", "missed": ""},
    ]
    summary = summarise(score_sheet(rows))
    assert summary["files"]["a"]["precision"] == 0.5 and summary["files"]["b"]["precision"] == 1.0
    assert summary["precision_sample"] == round(2 / 3, 4)
    assert summary["precision_weighted"] == round((5 + 30) / 40, 4)
    # file a: 5 true found, 0.5 * 4 = 2 missed; file b: 30 true, 0 missed
    assert summary["recall"] == round(35 / 37, 4)
    assert (summary["wrong_side"], summary["judged"]) == (1, 3)


def test_audit_score_cli_names_the_bad_row(tmp_path):
    path = tmp_path / "sheet.csv"
    write_sheet([{"row": 1, "sample": "found", "file": "a", "id": "r1", "start": 0, "end": 4,
                  "stratum_size": 3, "judgement": "maybe"}], path)
    result = CliRunner().invoke(app, ["audit-score", str(path)])
    assert result.exit_code == 2 and ":2:" in result.output


@pytest.mark.parametrize("text, kinds_found", [
    # a service named after what it treats is no stone of the patient's
    ("Follow-up: urology stone clinic in 6 weeks.", []),
    ("CT KUB confirmed a 4 mm calculus in the right distal ureter. On day 2 he passed the stone; review in the "
     "stone clinic.", ["calcification", "calcification"]),
    # "calcinotic" heads the deposit it names
    ("Examination: a 5 mm calcinotic nodule at the left index fingertip.", ["calcification"]),
    ("Firm calcinotic plaques along the fascial planes of both thighs.", ["calcification"]),
])
def test_services_are_not_stones_and_calcinotic_names_a_deposit(text, kinds_found):
    assert kinds(text) == kinds_found


@pytest.mark.parametrize("text", ["A 4 mm calculus at the right VUJ.", "Obstructing 5 mm stone at the left PUJ.",
                                  "4 mm right VUJ calculus with mild hydroureter."])
def test_the_british_names_of_the_ureter_junctions_place_a_stone(text):
    [finding] = extract(text).findings
    assert finding.kind == "calcification" and finding.location_category == "other"
    assert finding.laterality in ("left", "right")


@pytest.mark.parametrize("text, location", [
    ("Echo: severe calcific aortic stenosis with a porcelain aorta.", "vascular"),
    ("OPG: pulp stones in the lower molars.", "other"),
])
def test_a_porcelain_aorta_and_pulp_stones_are_calcifications(text, location):
    named = [f for f in extract(text).findings if f.text.lower() in ("porcelain aorta", "pulp stones")]
    assert [(f.kind, f.location_category) for f in named] == [("calcification", location)]

"""Sides stated for a finding, in its own sentence or in what it refers back to, and names that state none.

Every sentence is written by the team. The rules are the project's labelling rules (tests/gold/CONVENTIONS.md
R1-R4): lobe abbreviations give a side, names of parts of unpaired organs do not, a plural alone is not
"bilateral", and a side carries to a mention that refers back to one lateralised thing.
"""

import pytest

from reportkit import extract


def sides(text: str) -> list[tuple[str, str | None]]:
    """(finding text, side) for every finding of ``text``."""
    return [(f.text, f.laterality) for f in extract(text).findings]


def side_of(text: str, finding: str) -> str | None:
    """The side of the last finding of ``text`` whose text is ``finding``."""
    found = [side for name, side in sides(text) if name == finding]
    assert found, sides(text)
    return found[-1]


# ------------------------------------------------------------------ lobe abbreviations and the lingula (R2)

@pytest.mark.parametrize(("text", "side"), [
    ("FINDINGS: Small calcified granuloma in the RLL.", "right"),
    ("FINDINGS: A densely calcified nodule is present in the LUL.", "left"),
    ("IMPRESSION: RML calcified granuloma, unchanged.", "right"),
    ("FINDINGS: Punctate calcification within the lingula.", "left"),
    ("FINDINGS: Calcified lingular granuloma.", "left"),
])
def test_a_lobe_abbreviation_or_the_lingula_gives_the_lung_side(text, side):
    assert [s for _, s in sides(text)] == [side]


# ------------------------------------------------------------------ "both" and "each" before a paired structure

@pytest.mark.parametrize("text", [
    "FINDINGS: Calcified lymph nodes in both hila.",
    "FINDINGS: Small nonobstructing stones are seen in each kidney.",
    "FINDINGS: Calcified lymph XXXX in both XXXX.",
    "FINDINGS: There are punctate calcifications in both adrenal glands.",
])
def test_both_or_each_before_a_paired_structure_is_bilateral(text):
    assert [s for _, s in sides(text)] == ["bilateral"]


@pytest.mark.parametrize("text", [
    "FINDINGS: Calcified lymph nodes, both hilar and mediastinal.",
    "FINDINGS: Calcification of both the aortic arch and the descending aorta.",
    "FINDINGS: Calcified granulomas in the lungs.",
    "FINDINGS: Multiple kidney stones.",
])
def test_both_of_two_named_things_or_a_plural_alone_is_no_side(text):
    assert all(s is None for _, s in sides(text))


# ------------------------------------------------------------------ each side named for one kind of structure

@pytest.mark.parametrize("text", [
    "IMPRESSION: Small calcified granulomas in the right upper lobe and left lower lobe.",
    "FINDINGS: Calcified nodules in the left lung and the right lung.",
    "FINDINGS: Chondrocalcinosis of the right knee and the left knee.",
])
def test_a_left_and_a_right_structure_of_one_kind_are_bilateral(text):
    assert [s for _, s in sides(text)][0] == "bilateral"


@pytest.mark.parametrize(("text", "finding"), [
    ("Sheet-like calcification in the muscles of both calves and subcutaneous calcinosis around the wrists.",
     "subcutaneous calcinosis"),
    ("RIGHT HIP: no fracture. Calcinosis in the soft tissues about the knees.", "Calcinosis"),
])
def test_a_site_of_every_region_lies_in_the_region_named_with_it(text, finding):
    # the plural region of its own phrase states no side (R3); the side of another region is not its own
    assert side_of(text, finding) is None


def test_a_place_joined_past_the_finding_phrase_keeps_its_side_in_view():
    # "... at the right second toe and over the lateral aspect of the left fifth toe": both sides are the finding's
    text = ("Small calcific densities in the subcutaneous tissue at the tip of the right second toe and over the "
            "lateral aspect of the left fifth toe.")
    assert sides(text)[0] == ("calcific densities", "bilateral")  # a right and a left toe named for one deposit (R3)


def test_a_left_and_a_right_of_two_places_listed_are_no_side_and_joined_are_both():
    # a list of places with a comma states no side of the finding (as DEV reads one); places joined by "and the"
    # name each side for it (R3)
    assert sides("FINDINGS: Metallic fragments overlying the left chest, right neck base.")[0][1] is None
    assert sides("FINDINGS: Metallic fragments overlying the left chest and the right neck.")[0][1] == "bilateral"


# ------------------------------------------------------------------ a paired structure beside a midline one

@pytest.mark.parametrize(("text", "side"), [
    ("FINDINGS: Dense calcification of mediastinal and right hilar nodes.", "right"),
    ("FINDINGS: Calcified mediastinal and left hilar nodes from old granulomatous disease.", "left"),
])
def test_a_side_naming_a_paired_structure_beside_a_midline_one_is_taken(text, side):
    assert sides(text)[0][1] == side


def test_a_midline_structure_of_another_sentence_does_not_block_a_side():
    text = "FINDINGS: The trachea is midline. Small calcified nodules are seen bilaterally."
    assert [s for _, s in sides(text)] == ["bilateral"]


# ------------------------------------------------------------------ the place a sentence opens with

@pytest.mark.parametrize(("text", "side"), [
    ("FINDINGS: In the left lung base, a 9 mm nodule is seen which is not calcified.", "left"),
    ("FINDINGS: However, in the right upper lobe there is a small calcified granuloma.", "right"),
    ("FINDINGS: Within the left kidney there is a 4 mm stone.", "left"),
    ("FINDINGS: In the right middle lobe, there is a small nodule that is densely calcified.", "right"),
])
def test_a_sentence_opening_with_a_place_gives_its_side(text, side):
    assert [s for _, s in sides(text)] == [side]


def test_an_opening_place_belongs_to_the_first_finding_only():
    text = "FINDINGS: In the left lower lobe there is a calcified granuloma and an old bullet fragment."
    assert sides(text)[-1][1] is None


# ------------------------------------------------------------------ a relative clause hanging on a host

@pytest.mark.parametrize(("text", "side"), [
    ("FINDINGS: Many bilateral pulmonary nodules are seen, most of which are calcified.", "bilateral"),
    ("FINDINGS: Several nodules are seen in the left lung, some of which are calcified.", "left"),
    ("FINDINGS: Scattered left-sided densities are present, a few of which are calcified.", "left"),
])
def test_a_finding_in_a_relative_clause_takes_its_host_side(text, side):
    assert sides(text)[-1][1] == side


# ------------------------------------------------------------------ a finding referring back (R4)

@pytest.mark.parametrize(("text", "finding", "side"), [
    ("FINDINGS: A 2 cm nodule has developed in the left lower lobe. It is not calcified.", "calcified", "left"),
    ("IMPRESSION: Ill-defined densities are seen in both frontal lobes. Less likely, this finding could be due "
     "to cortical calcification.", "calcification", "bilateral"),
    ("PREOPERATIVE DIAGNOSIS: Right renal stone.\nPROCEDURE: Shockwave lithotripsy.\nDETAILS: The patient was "
     "placed supine. With increasing energy the stone broke into small fragments.", "stone", "right"),
    ("FINDINGS: A 5 cm mass arises from the right kidney. No calcification is seen within the mass.",
     "calcification", "right"),
    ("HISTORY: She had a left ureteral stone. The patient was told this was a struvite stone.", "stone", "left"),
])
def test_a_finding_referring_back_takes_the_side_of_what_it_refers_to(text, finding, side):
    assert side_of(text, finding) == side


@pytest.mark.parametrize(("text", "finding"), [
    # no reference back: a general survey statement
    ("FINDINGS: Right lower lobe pneumonia. Calcified granuloma.", "Calcified granuloma"),
    # a definite noun, but nothing of its kind was named with a side before
    ("FINDINGS: Right lower lobe pneumonia. The calcified granulomas are stable.", "calcified granulomas"),
    # two sides were given to what it may refer to
    ("FINDINGS: A stone was seen in the right kidney. A stone was seen in the left kidney. The stone is small.",
     "stone"),
    # a side that names no structure ("right-sided deviation") is no side of the lesion
    ("FINDINGS: There is right-sided deviation of the pituitary stalk by a mass. The mass contains a "
     "calcification.", "calcification"),
    # "the" before a finding at another site refers to no earlier finding of the lung
    ("FINDINGS: A calcified granuloma lies in the left lung. Heart size is normal. The calcified costal "
     "cartilages are unremarkable.", "calcified costal cartilages"),
    # a midline structure takes no side, whatever came before
    ("INDICATION: Left flank pain.\nFINDINGS: Stone in the bladder. The stone measures 5 mm.", "stone"),
])
def test_no_side_is_carried_without_a_single_stated_referent(text, finding):
    assert side_of(text, finding) is None


def test_a_lesion_takes_the_side_given_to_a_lesion_of_the_same_name():
    text = ("FINDINGS: A 3 cm mass arises from the left kidney. There is a simple cyst in the right kidney. "
            "There is no calcification within the mass.")
    assert side_of(text, "calcification") == "left"


def test_a_lesion_referred_to_as_known_takes_the_one_side_given_to_lesions():
    text = ("FINDINGS: The larger lesion lies in the left parietal lobe. The smaller lesion lies in the left "
            "frontal lobe. The signal is due to chondroid matrix produced by the tumor.")
    assert side_of(text, "chondroid matrix") == "left"


@pytest.mark.parametrize("text", [
    "FINDINGS: A sellar mass extends into the left cavernous sinus. The mass contains a focus of calcification.",
    "FINDINGS: The pituitary lesion is invading the right cavernous sinus. There is calcification within the lesion.",
])
def test_where_a_lesion_reaches_is_no_side_of_it(text):
    assert side_of(text, "calcification") is None


def test_a_solid_mass_named_in_passing_gives_a_later_generic_mass_no_side():
    text = ("FINDINGS: The right kidney shows a solid mass.\nThe left kidney is hydronephrotic. "
            "No stone or solid masses seen.")
    # never the right mass's side; the sentence continues the left kidney's (project labelling rules R4)
    assert side_of(text, "stone") == "left"
    text = ("FINDINGS: The right kidney shows a solid mass.\nNo stone or solid masses seen in the other kidney.")
    assert side_of(text, "stone") is None


def test_a_paired_organ_named_again_in_the_clause_takes_the_side_of_its_sentence():
    text = ("FINDINGS: The right ureter filled freely with contrast and there was no stone along the entire "
            "course of the ureter.")
    assert side_of(text, "stone") == "right"


# ------------------------------------------------------------------ names that state no side (R1) and "left" as a verb

@pytest.mark.parametrize("text", [
    "FINDINGS: Two cysts with calcified rims in the right hepatic lobe.",
    "FINDINGS: Coarse calcification in the left lobe of the liver.",
    "FINDINGS: A calcified appendicolith is not seen; stool fills the right colon.",
    "FINDINGS: There was absolutely no foreign body left behind.",
    "FINDINGS: The drain was left in place and no retained stone was seen.",
])
def test_unpaired_organ_parts_and_left_as_a_verb_give_no_side(text):
    assert all(s is None for _, s in sides(text))


@pytest.mark.parametrize("text", [
    "FINDINGS: Shrapnel overlies the midline and surgical clips are identified at the right lung apex.",
    "IMPRESSION: Nephrolithiasis status post lithotripsy and a stent placed in the left ureter.",
])
def test_a_side_in_a_statement_about_another_thing_is_not_taken(text):
    assert sides(text)[0][1] is None


@pytest.mark.parametrize("text", [
    "FINDINGS: No renal stone or obstruction bilaterally.",
    "IMPRESSION: Residual stone, status post right percutaneous nephrolithotomy.",
])
def test_a_side_after_the_finding_still_belongs_to_it(text):
    assert sides(text)[0][1] in ("bilateral", "right")


# ------------------------------------------------------------------ side letters and a bilateral exam

@pytest.mark.parametrize(("text", "expected"), [
    ("Shoulders, both, 2 views. R: amorphous calcification in the infraspinatus tendon. L: faint calcific focus in "
     "the teres minor tendon.", [("calcification", "right"), ("calcific focus", "left")]),
    ("Two views of the L ankle. Small enthesophyte at the Achilles tendon insertion.", [("enthesophyte", "left")]),
    ("Wooden splinter in the R thumb pulp.", [("Wooden splinter", "right")]),
])
def test_a_capital_side_letter_as_a_label_or_before_a_site_gives_its_side(text, expected):
    assert sides(text) == expected


@pytest.mark.parametrize("text", [
    "Calcification of the L3-L4 disc.",
    "Aspirated 2 L of fluid; calcified granuloma in the lung.",
    "Disc calcification at L 5 with a vacuum phenomenon.",
])
def test_a_capital_letter_that_names_no_place_gives_no_side(text):
    assert all(side is None for _, side in sides(text))


def test_a_bilateral_exam_gives_no_side_to_a_single_finding():
    # both shoulders were examined: one deposit is in one of them, which one is not said
    assert sides("EXAM: Radiographs of both shoulders.\nFINDINGS: Calcification in the supraspinatus tendon.") == [
        ("Calcification", None)]


@pytest.mark.parametrize(("text", "finding", "side"), [
    ("IMP: Obstructing 6 mm L UVJ stone. No R renal calculi.", "UVJ stone", "left"),
    ("CT KUB: 4 mm calculus at the R ureterovesical junction.", "calculus", "right"),
    # before the finding's own term, or a site a clinic abbreviates
    ("IMP: 6 mm L UVJ stone. Nonobstructing R nephrolithiasis.", "nephrolithiasis", "right"),
    ("Left heel pain. Chalky tophus over the R 1st MTP noted on exam.", "tophus", "right"),
    ("MAMMOGRAM: Suspicious L UOQ calcifications.", "calcifications", "left"),
    # a run of numbers between the letter and the site
    ("Chalky tophus over the L olecranon; small tophi on R 2nd and 3rd DIPs.", "tophi", "right"),
])
def test_a_side_letter_before_a_paired_organ_a_site_or_the_finding_is_its_side(text, finding, side):
    assert side_of(text, finding) == side

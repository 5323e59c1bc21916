from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from reportkit.lexicon import LEXICON_FILES, LexiconError, load_lexicon


def _copy_lexicons(tmp_path: Path) -> Path:
    target = tmp_path / "lexicons"
    target.mkdir()
    for name in LEXICON_FILES:
        shutil.copy(Path(str(files("reportkit.lexicons") / name)), target / name)
    return target


def test_shipped_lexicons_load_from_the_installed_package():
    lexicon = load_lexicon()
    assert "reportkit" in lexicon.source or "lexicons" in lexicon.source
    ids = {c.id for c in lexicon.concepts.concepts}
    # the disease-level terms the issue lists are all present as concepts
    for concept in ["chondrocalcinosis", "hadd", "cppd", "phlebolith", "gout_tophus", "enthesophyte",
                    "heterotopic_ossification", "myositis_ossificans", "calcinosis", "tumoral_calcinosis",
                    "synovial_chondromatosis", "syndesmophyte", "dish", "foreign_body"]:
        assert concept in ids


def test_unknown_key_is_rejected_with_file_and_line(tmp_path):
    folder = _copy_lexicons(tmp_path)
    path = folder / "descriptors.yaml"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip() == "- id: oval")
    lines.insert(index + 1, "    colour: blue")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(LexiconError) as err:
        load_lexicon(str(folder))
    message = str(err.value)
    assert message.startswith(f"descriptors.yaml:{index + 1}:")
    assert "colour" in message and "Extra inputs are not permitted" in message


def test_bad_yaml_names_the_line(tmp_path):
    folder = _copy_lexicons(tmp_path)
    (folder / "linking.yaml").write_text("interpretation_links: [represent\napposition: [\n")
    with pytest.raises(LexiconError, match=r"^linking\.yaml:\d+: not valid YAML"):
        load_lexicon(str(folder))


def test_words_like_no_and_off_stay_words():
    lexicon = load_lexicon()
    assert "off" in lexicon.linking.beside_bone
    assert any(rule.literal == "no" for rule in lexicon.context.rules)


def test_diagnosis_rules_must_name_known_concepts(tmp_path):
    folder = _copy_lexicons(tmp_path)
    path = folder / "diagnosis_rules.yaml"
    path.write_text(path.read_text().replace("concepts: [calcinosis, calcification]", "concepts: [calcinosys]", 1))
    with pytest.raises(LexiconError, match="unknown ids"):
        load_lexicon(str(folder))


def test_missing_file_is_named(tmp_path):
    folder = _copy_lexicons(tmp_path)
    (folder / "anatomy.yaml").unlink()
    with pytest.raises(LexiconError, match="anatomy.yaml: lexicon file is missing"):
        load_lexicon(str(folder))


def test_a_term_under_two_sites_is_rejected(tmp_path):
    folder = _copy_lexicons(tmp_path)
    path = folder / "anatomy.yaml"
    path.write_text(path.read_text().replace("terms: [vein, veins,", "terms: [aorta, vein, veins,", 1))
    with pytest.raises(LexiconError, match="'aorta' is listed under both 'artery' and 'vein'"):
        load_lexicon(str(folder))

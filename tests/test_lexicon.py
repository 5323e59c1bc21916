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


def test_missing_file_is_named(tmp_path):
    folder = _copy_lexicons(tmp_path)
    (folder / "anatomy.yaml").unlink()
    with pytest.raises(LexiconError, match="anatomy.yaml: lexicon file is missing"):
        load_lexicon(str(folder))


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("diagnosis_rules.yaml", "concepts: [calcinosis, calcification]", "concepts: [calcinosys]", "unknown ids"),
        ("anatomy.yaml", "terms: [vein, veins,", "terms: [arteries, vein, veins,",
         "'arteries' is listed under both 'artery' and 'vein'"),
        ("differential.yaml", "{descriptor: zonal, weight: 3", "{descriptor: zonall, weight: 3", "unknown ids"),
        ("differential.yaml", "site_of: [muscle]", "site_of: [muscles]", "unknown ids"),
        ("followup.yaml", "differential_includes: [soft_tissue_tumour]", "differential_includes: [sarcoma]",
         "unknown ids"),
    ],
)
def test_cross_references_and_ambiguous_terms_are_rejected(tmp_path, name, old, new, message):
    folder = _copy_lexicons(tmp_path)
    path = folder / name
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(LexiconError, match=message):
        load_lexicon(str(folder))


def test_the_fast_yaml_parser_reads_every_lexicon_as_the_pure_one_does():
    """libyaml's parser (used where PyYAML has it) gives the same data and the same line marks."""
    import yaml

    from reportkit.lexicon import yaml_lines

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml")

    class PureLoader(yaml.SafeLoader):
        pass

    PureLoader.yaml_constructors = dict(yaml_lines.line_loader().yaml_constructors)
    PureLoader.yaml_implicit_resolvers = yaml_lines.line_loader().yaml_implicit_resolvers

    def marks(node):
        if isinstance(node, dict):
            return [getattr(node, "line", None)] + [m for v in node.values() for m in marks(v)]
        if isinstance(node, list):
            return [tuple(getattr(node, "lines", ()))] + [m for v in node for m in marks(v)]
        return []

    lexicons = Path(__file__).parent.parent / "lexicons"
    for path in sorted(lexicons.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        fast = yaml.load(text, Loader=yaml_lines.line_loader())  # noqa: S506 - SafeLoader subclasses
        pure = yaml.load(text, Loader=PureLoader)  # noqa: S506
        assert fast == pure, path.name
        assert marks(fast) == marks(pure), path.name


def test_a_site_name_also_reads_in_the_plural_of_its_last_word_unless_another_site_lists_it():
    from reportkit.lexicon.schema import Anatomy

    shipped = load_lexicon().anatomy.model_dump()
    sites = {s["id"]: s for s in shipped["sites"]}
    sites["hip_tendons"]["terms"] = ["gluteus medius tendon", "abductor tendon"]
    sites["bursae"] = {"id": "bursae", "literal": "bursa", "category": "articular", "terms": ["abductor tendons"]}
    anatomy = Anatomy.model_validate({**shipped, "sites": list(sites.values()),
                                      "plural_heads": {"tendon": "tendons"}})
    read = {s.id: s.terms for s in anatomy.sites}
    assert read["hip_tendons"] == ["gluteus medius tendon", "abductor tendon", "gluteus medius tendons"]
    assert read["bursae"] == ["abductor tendons"]  # listed there: that site's, and no ambiguity
    without = Anatomy.model_validate({**shipped, "sites": list(sites.values()), "plural_heads": {}})
    assert {s.id: s.terms for s in without.sites}["hip_tendons"] == ["gluteus medius tendon", "abductor tendon"]

"""The pre-filter keeps its compiled regexes in reportkit's cache folder: a new process reads them instead of
compiling again, and what it reads is exactly what ``re.compile`` and the key derivation give."""

from __future__ import annotations

import re

import pytest

from reportkit import prefilter, regex_syntax
from reportkit.engine import get_engine
from reportkit.lexicon.loader import kept_regexes_file
from reportkit.prefilter import Prefilter
from reportkit.regex_syntax import derive_keys

TEXTS = [
    "FINDINGS: Calcific tendinitis of the supraspinatus tendon.",
    "IMPRESSION: No acute osseous abnormality. MRI of the left knee recommended.",
    "Clinical history: pain.\n\nFINDINGS: Joint spaces preserved. Soft tissues unremarkable.",
    "CALCÍFICATION in the soft tissues lateral to the hip; ultrasound follow-up.",
    "Radiographs of the right ankle: a metallic foreign body in the heel pad.",
]


@pytest.fixture()
def engine():
    return get_engine(None)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("REPORTKIT_NO_CACHE", raising=False)
    return tmp_path


def _never_compiled(monkeypatch) -> None:
    def compiled(*_):
        raise AssertionError("a kept regex was compiled again")

    monkeypatch.setattr(regex_syntax, "_program", compiled)
    monkeypatch.setattr(regex_syntax, "derive_keys", compiled)


def _assert_same_filter(kept: Prefilter, made: Prefilter) -> None:
    assert kept._scan.patterns == made._scan.patterns  # re.Pattern equality: same source, flags and program
    assert all(p == re.compile(p.pattern, p.flags) for p in kept._scan.patterns)
    assert [derive_keys(p) for p in kept._scan.patterns] == [derive_keys(p) for p in made._scan.patterns]
    for text in TEXTS:
        assert kept.verdict(text) == made.verdict(text)


def test_a_second_filter_reads_its_regexes_instead_of_compiling_them(engine, cache, monkeypatch):
    made = Prefilter(engine.lexicon, engine.nlp)
    assert kept_regexes_file(engine.lexicon, "prefilter").is_file()
    _never_compiled(monkeypatch)
    folds = prefilter._fold_classes.cache_info()
    kept = Prefilter(engine.lexicon, engine.nlp)
    assert prefilter._fold_classes.cache_info() == folds  # the case-fold table was read, not made or looked up
    monkeypatch.undo()
    _assert_same_filter(kept, made)


def test_a_fold_table_kept_for_other_code_is_made_again(engine, cache, monkeypatch):
    made = Prefilter(engine.lexicon, engine.nlp)
    monkeypatch.setattr(prefilter, "_fold_classes_name", lambda: "fold classes of other code")
    calls = prefilter._fold_classes.cache_info()
    again = Prefilter(engine.lexicon, engine.nlp)
    info = prefilter._fold_classes.cache_info()
    assert info.hits + info.misses == calls.hits + calls.misses + 1
    _assert_same_filter(again, made)


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not ours"])
def test_a_damaged_file_is_ignored_and_written_again(engine, cache, monkeypatch, damage):
    made = Prefilter(engine.lexicon, engine.nlp)
    path = kept_regexes_file(engine.lexicon, "prefilter")
    content = path.read_bytes()
    path.write_bytes({"truncated": content[: len(content) // 2],
                      "flipped": content[:-40] + bytes([content[-40] ^ 1]) + content[-39:],
                      "not ours": b'{"format": 1}'}[damage])
    _assert_same_filter(Prefilter(engine.lexicon, engine.nlp), made)
    _never_compiled(monkeypatch)
    kept = Prefilter(engine.lexicon, engine.nlp)
    monkeypatch.undo()
    _assert_same_filter(kept, made)


def test_no_cache_writes_nothing(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("REPORTKIT_NO_CACHE", "1")
    Prefilter(engine.lexicon, engine.nlp)
    assert list(tmp_path.iterdir()) == []


def test_the_scope_readers_place_words_are_kept_as_well(engine, cache, monkeypatch):
    """The scope reader's one large regex (every place word of the lexicon) is kept the same way."""
    from reportkit.reasoning.scope import ScopeReader

    made = ScopeReader(engine.lexicon)._place_words
    assert kept_regexes_file(engine.lexicon, "scope").is_file()
    _never_compiled(monkeypatch)
    kept = ScopeReader(engine.lexicon)._place_words
    monkeypatch.undo()
    assert kept == made == re.compile(made.pattern, made.flags)
    assert kept.search("calcification in the left kidney") and not kept.search("no words of a place here")

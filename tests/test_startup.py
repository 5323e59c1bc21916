"""Start-up: what a process imports before it does anything, and the lexicon cache."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fresh_process import cli_script
from fresh_process import run_python as _run

from reportkit.lexicon import LexiconError, load_lexicon, loader
from reportkit.pipeline.extensions import MENTION_GROUP, context_span_attrs

# ---------------------------------------------------------------------- imports

# the modules of spaCy and medspaCy a process loaded
LOADED = "'loaded': sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'medspacy', 'thinc'))"


@pytest.mark.parametrize("args", [["--version"], ["rule", "--all"], ["rule", "RK101"], ["terms", "calcific"],
                                  ["schema"]])
def test_commands_that_need_no_pipeline_never_import_spacy(args):
    """The command runs in the process (its exit code is 0), and spaCy, thinc and medspaCy were never imported."""
    output, seen = _run(cli_script(args, LOADED))
    assert seen == {"code": 0, "loaded": []} and output.strip()


def test_a_bare_spacy_pipeline_does_not_import_reportkit_components():
    """spaCy imports every package's spacy_factories entry points for any pipeline: reportkit's import only spaCy."""
    script = ("import json, sys, spacy\n"
              "nlp = spacy.blank('en')\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('reportkit', 'medspacy'))))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["reportkit", "reportkit.pipeline", "reportkit.pipeline.factories"]


def test_the_light_factories_configure_the_components_as_the_pipeline_does():
    from reportkit.pipeline import factories

    assert factories.MENTION_GROUP == MENTION_GROUP
    assert factories.CONTEXT_SPAN_ATTRS == context_span_attrs()


# ---------------------------------------------------------------------- the lexicon cache


def _load(folder: Path):
    """A fresh load (load_lexicon keeps one lexicon per folder for the process)."""
    return load_lexicon.__wrapped__(str(folder))


def _cache_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("lexicon-*.json"))


def _count_yaml_parses(monkeypatch) -> list[str]:
    parsed: list[str] = []
    real = loader.parse_yaml

    def counting(name, text):
        parsed.append(name)
        return real(name, text)

    monkeypatch.setattr(loader, "parse_yaml", counting)
    return parsed


def test_a_cache_hit_gives_the_same_lexicon_without_parsing_yaml(lexicons, tmp_path, monkeypatch):
    parsed = _count_yaml_parses(monkeypatch)
    first = _load(lexicons)
    assert len(parsed) == len(loader.LEXICON_FILES) and len(_cache_files(tmp_path)) == 1
    parsed.clear()
    second = _load(lexicons)
    assert parsed == []
    assert second == first and second.model_dump() == first.model_dump()
    assert second.concept("calcification") == first.concept("calcification")  # the indexes are rebuilt too


@pytest.mark.parametrize("damage", [
    b"{not json",
    b"",
    b'{"format": 1, "checksum": "0", "data": {}}',
    b"[1, 2, 3]",
])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rebuilt(lexicons, tmp_path, monkeypatch, damage):
    expected = _load(lexicons)
    cache = _cache_files(tmp_path)[0]
    cache.write_bytes(damage)
    parsed = _count_yaml_parses(monkeypatch)
    assert _load(lexicons) == expected
    assert len(parsed) == len(loader.LEXICON_FILES)
    assert json.loads(cache.read_text())["checksum"] != "0"
    parsed.clear()
    assert _load(lexicons) == expected and parsed == []


def test_a_cache_whose_data_no_longer_validates_is_ignored(lexicons, tmp_path):
    """Right checksum, wrong data (written by hand or by a broken writer): the files decide."""
    expected = _load(lexicons)
    cache = _cache_files(tmp_path)[0]
    stored = json.loads(cache.read_text())
    stored["data"]["concepts.yaml"]["concepts"][0]["unknown_key"] = True
    cache.write_text(json.dumps(stored))
    assert _load(lexicons) == expected
    assert "unknown_key" not in cache.read_text()


def test_a_changed_lexicon_file_invalidates_the_cache(lexicons, tmp_path):
    before = _load(lexicons)
    terminology = lexicons / "terminology.yaml"
    first_definition = before.terminology.terms[0].definition
    text = terminology.read_text(encoding="utf-8")
    assert text.count(first_definition) >= 1
    terminology.write_text(text.replace(first_definition, "A definition changed after the cache was written.", 1),
                           encoding="utf-8")
    after = _load(lexicons)
    assert after.terminology.terms[0].definition == "A definition changed after the cache was written."
    assert len(_cache_files(tmp_path)) == 1  # the folder's one cache file, replaced


def test_an_invalid_lexicon_is_reported_with_its_line_even_after_a_cached_load(lexicons):
    _load(lexicons)
    concepts = lexicons / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("role: generic", "role: unheard_of", 1),
                        encoding="utf-8")
    with pytest.raises(LexiconError, match=r"concepts\.yaml:\d+: "):
        _load(lexicons)


def test_a_cache_folder_that_cannot_be_written_does_not_fail_the_load(lexicons, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(loader.CACHE_DIR_ENV, str(blocker / "cache"))
    assert _load(lexicons) == _load(lexicons)


def test_the_cache_can_be_switched_off(lexicons, tmp_path, monkeypatch):
    monkeypatch.setenv(loader.NO_CACHE_ENV, "1")
    _load(lexicons)
    assert _cache_files(tmp_path) == [] and loader.cache_dir() is None


def test_the_cache_folder_follows_the_platform(monkeypatch, tmp_path):
    monkeypatch.delenv(loader.CACHE_DIR_ENV, raising=False)
    monkeypatch.delenv(loader.NO_CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert loader.cache_dir() == tmp_path / "xdg" / "reportkit"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
        assert loader.cache_dir() == Path.home() / ".cache" / "reportkit"
    monkeypatch.setenv(loader.CACHE_DIR_ENV, str(tmp_path / "own"))
    assert loader.cache_dir() == tmp_path / "own"


def test_the_cli_uses_the_cache_across_processes(tmp_path):
    """Two `terms` processes: the first writes the cache, the second reads it, imports no YAML parser, and prints
    the same."""
    env = {loader.CACHE_DIR_ENV: str(tmp_path / "cache")}
    script = ("import json, sys\n"
              "from reportkit.lexicon import loader\n"
              "calls = []\n"
              "real = loader.parse_yaml\n"
              "loader.parse_yaml = lambda name, text: calls.append(name) or real(name, text)\n"
              + cli_script(["terms", "calcific"], "'parsed': len(calls), 'yaml': 'yaml' in sys.modules, " + LOADED))
    first_output, first = _run(script, **env)
    second_output, second = _run(script, **env)
    assert first["parsed"] == len(loader.LEXICON_FILES) and second["parsed"] == 0
    assert first["yaml"] and not second["yaml"]
    assert first["code"] == second["code"] == 0
    assert second_output == first_output and "calcific" in first_output.lower()


# ---------------------------------------------------------------------- lint and report start light

STARTED = "'collector_on': gc.isenabled(), 'nltk_loaded': 'nltk.corpus' in sys.modules"


@pytest.mark.parametrize("args", [["lint", "examples/draft_shoulder.txt"], ["report", "examples/shoulder_mri.txt"],
                                  ["lint", "--base", "x", "examples/draft_shoulder.txt"]])
def test_lint_and_report_skip_nltk_and_end_with_the_collector_on(args):
    """The same output as a process that imported nltk first; nltk's modules never loaded; the collector is back on
    after the command, a usage error included."""
    output, seen = _run(cli_script(args, STARTED))
    with_nltk, seen_with_nltk = _run(cli_script(args, STARTED, before="import nltk, nltk.corpus"))
    assert output == with_nltk
    assert seen == {"code": seen_with_nltk["code"], "collector_on": True, "nltk_loaded": False}
    assert seen_with_nltk["nltk_loaded"] and (output.strip() or seen["code"] == 2)


def test_a_deferred_module_is_the_real_one_once_read():
    script = ("import json, sys\n"
              "from reportkit.startup import defer_unused_imports\n"
              "defer_unused_imports()\n"
              "import nltk\n"
              "stand_in = type(nltk).__name__\n"
              "from nltk.corpus import stopwords\n"
              "print(json.dumps([stand_in, nltk.__version__ == sys.modules['nltk'].__version__,\n"
              "                  type(sys.modules['nltk']).__name__, stopwords.__class__.__name__ != '']))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["_DeferredModule", True, "module", True]

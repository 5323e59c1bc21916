"""A one-shot command (`lint`, `report`) starts and ends light: medspaCy without the components reportkit never
uses, the lexicon validated once per cache, one click command, no collections at exit. Same output throughout."""

from pathlib import Path

import pytest
from fresh_process import CLI_COMMAND as COMMAND
from fresh_process import run_python as _run
from jinja2.bccache import bc_magic
from test_audit_resume import canonical_dump

from reportkit.lexicon import load_lexicon, loader

LINT = ["lint", "examples/draft_shoulder.txt"]
REPORT = ["report", "examples/shoulder_mri.txt"]



# medspaCy's components that reportkit never makes, and what they import
UNUSED = ("PyRuSH", "loguru", "asyncio", "quicksectx", "PyFastNER", "medspacy.sentence_splitting",
          "medspacy.section_detection")


@pytest.mark.parametrize("args", [LINT, REPORT])
def test_lint_and_report_import_only_the_medspacy_they_use(args):
    """The same output as a process that imported the whole of medspaCy first, without its unused components."""
    seen = "'unused': sorted(m for m in sys.modules if m in " + repr(UNUSED) + ")"
    output, light = _run(COMMAND.format(before="", args=args, after="", seen=seen))
    whole, heavy = _run(COMMAND.format(before="import medspacy", args=args, after="", seen=seen))
    assert output == whole and output.strip()
    assert light == {"code": heavy["code"], "unused": []}
    assert heavy["unused"]  # the comparison means something: the whole package imports them


def test_the_medspacy_stand_in_is_the_whole_package_once_another_name_is_read():
    script = ("import json, sys\n"
              "from reportkit.startup import defer_unused_imports\n"
              "defer_unused_imports()\n"
              "import medspacy\n"
              "untouched = 'spacy' in sys.modules\n"  # the set-up waits for the first submodule
              "import medspacy.context\n"
              "from spacy.tokens import Span, Token\n"
              "before = [type(sys.modules['medspacy']).__name__, 'PyRuSH' in sys.modules,\n"
              "          Span.has_extension('is_negated'), Token.has_extension('section')]\n"
              "version = medspacy.__version__\n"
              "import medspacy as package\n"
              "print(json.dumps([untouched] + before + [type(package).__name__, 'PyRuSH' in sys.modules,\n"
              "                           package.context is medspacy.context, callable(package.load)]))\n")
    _, seen = _run(script)
    # before: a stand-in, no PyRuSH, medspaCy's extensions set as its __init__ sets them (once a submodule is
    # imported: not before, when nothing of medspaCy has been used); after: the package
    assert seen == [False, "_PackageStandIn", False, True, True, "module", True, True, True]


def test_a_one_shot_command_builds_only_its_own_click_command():
    """typer builds one click command for `lint`, and every one for another command; `lint --help` is the same
    as from the whole command group."""
    count = ("import typer.main\n"
             "built = []\n"
             "real = typer.main.get_command_from_info\n"
             "typer.main.get_command_from_info = lambda *a, **k: built.append(1) or real(*a, **k)")
    _, lint = _run(COMMAND.format(before=count, args=LINT, after="", seen="'built': len(built)"))
    _, terms = _run(COMMAND.format(before=count, args=["terms", "calcific"], after="", seen="'built': len(built)"))
    assert lint == {"code": 1, "built": 1} and terms["code"] == 0 and terms["built"] > 10
    alone, _ = _run(COMMAND.format(before="import os; os.environ['COLUMNS'] = '100'", args=["lint", "--help"],
                                   after="", seen="'x': 0"))
    whole, _ = _run(COMMAND.format(
        before="import os; os.environ['COLUMNS'] = '100'\nimport typer.main\nfrom reportkit.cli import app as full",
        args=["lint", "--help"], after="", seen="'x': 0").replace(
        "app(args=", "typer.main.get_command(full)(args="))
    assert alone == whole and "--fail-on" in alone


@pytest.mark.parametrize("args", [LINT, REPORT])
def test_lint_and_report_leave_every_object_out_of_the_exit_collections(args):
    """At exit (the atexit handlers run here by hand) every object is frozen: the interpreter's last collections
    walk nothing; a process running another command keeps them all."""
    after = "import atexit\natexit._run_exitfuncs()"
    seen = "'frozen': gc.get_freeze_count(), 'tracked': len(gc.get_objects())"
    _, one_shot = _run(COMMAND.format(before="", args=args, after=after, seen=seen))
    _, other = _run(COMMAND.format(before="import spacy", args=["terms", "calcific"], after=after, seen=seen))
    assert one_shot["frozen"] > 100_000 and one_shot["tracked"] < 1_000
    assert other["frozen"] == 0 and other["tracked"] > 50_000


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_audit_run_starts_light_and_runs_its_reports_with_the_collector_on(workers, tmp_path):
    """`audit run` starts as a one-shot command does (medspaCy without its unused components, the collector
    paused), yet every chunk is processed with the collector running, in this process or in the workers forked
    from it; the store holds the same rows as a run in a process that imported the whole of medspaCy first."""
    archive = Path("examples/reports.jsonl").resolve()
    stores = {}
    for name, before in (("light", ""), ("whole", "import medspacy")):
        run_dir, states = tmp_path / name, tmp_path / f"{name}-collector.txt"
        # each chunk processed (here or in a worker) and each commit (here) notes whether the collector runs
        watch = ("import reportkit.audit.work as work, reportkit.audit.store as store\n"
                 "def watching(real):\n"
                 "    def watched(*args, **kwargs):\n"
                 f"        with open({str(states)!r}, 'a') as out:\n"
                 "            out.write(f'{real.__name__}:{gc.isenabled()}\\n')\n"
                 "        return real(*args, **kwargs)\n"
                 "    return watched\n"
                 "work.process_chunk = watching(work.process_chunk)\n"
                 "store.Store.commit_chunks = watching(store.Store.commit_chunks)\n")
        args = ["audit", "run", str(run_dir), str(archive), "--workers", workers, "--quiet", "--chunk-size", "2"]
        seen = "'unused': sorted(m for m in sys.modules if m in " + repr(UNUSED) + ")"
        _, stores[name] = _run(COMMAND.format(before=before + "\n" + watch, args=args, after="", seen=seen))
        stores[name]["rows"] = canonical_dump(run_dir)
        stores[name]["collector"] = states.read_text().split()
    light, whole = stores["light"], stores["whole"]
    assert light["code"] == whole["code"] == 0 and light["unused"] == [] and whole["unused"]
    assert light["rows"] == whole["rows"] and light["rows"]["findings"]
    assert sorted(set(light["collector"])) == ["commit_chunks:True", "process_chunk:True"]


# ---------------------------------------------------------------------- the validated lexicon


def _load(folder: Path):
    return load_lexicon.__wrapped__(str(folder))


def _count_validations(monkeypatch) -> list[str]:
    validated: list[str] = []
    real = loader._validate

    def counting(root, parsed):
        validated.append(str(root))
        return real(root, parsed)

    monkeypatch.setattr(loader, "_validate", counting)
    return validated


def _validated_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("lexicon-*.validated"))


def test_a_second_load_from_the_cache_validates_nothing(lexicons, tmp_path, monkeypatch):
    validated = _count_validations(monkeypatch)
    first = _load(lexicons)
    assert len(validated) == 1 and len(_validated_files(tmp_path)) == 1
    second = _load(lexicons)
    assert len(validated) == 1
    assert second == first and second.model_dump() == first.model_dump() and second.source == str(lexicons)
    assert second.concept("calcification") == first.concept("calcification")
    assert second.term_for_concept("chondrocalcinosis") == first.term_for_concept("chondrocalcinosis")


@pytest.mark.parametrize("damage", [b"", b"not a key\n", b"0" * 64 + b"\nnot a pickle"])
def test_a_damaged_validated_lexicon_is_ignored_and_rewritten(lexicons, tmp_path, monkeypatch, damage):
    expected = _load(lexicons)
    (validated_file,) = _validated_files(tmp_path)
    validated_file.write_bytes(damage)
    validated = _count_validations(monkeypatch)
    assert _load(lexicons) == expected and len(validated) == 1
    assert _load(lexicons) == expected and len(validated) == 1  # rewritten: the third load validates nothing


def test_a_lexicon_validated_by_other_code_is_validated_again(lexicons, monkeypatch):
    expected = _load(lexicons)
    monkeypatch.setattr(loader, "_code_digest", lambda: b"other validating code")
    validated = _count_validations(monkeypatch)
    assert _load(lexicons) == expected and len(validated) == 1


def test_a_changed_lexicon_file_is_validated_again_even_with_a_validated_copy(lexicons, monkeypatch):
    _load(lexicons)
    concepts = lexicons / "concepts.yaml"
    concepts.write_text(concepts.read_text(encoding="utf-8").replace("role: generic", "role: unheard_of", 1),
                        encoding="utf-8")
    with pytest.raises(loader.LexiconError, match=r"concepts\.yaml:\d+: "):
        _load(lexicons)


def test_a_validated_lexicon_of_another_folder_is_not_taken(lexicons, tmp_path):
    """Two folders with the same files: each gets its own lexicon, naming its own folder."""
    other = tmp_path / "other"
    other.mkdir()
    for name in loader.LEXICON_FILES:
        (other / name).write_bytes((lexicons / name).read_bytes())
    first, second = _load(lexicons), _load(other)
    (mine,) = [f for f in _validated_files(tmp_path) if f.stem == loader._cache_file(lexicons).stem]
    (theirs,) = [f for f in _validated_files(tmp_path) if f != mine]
    theirs.write_bytes(mine.read_bytes())  # same key (same files and code), another folder
    assert _load(other).source == str(other) and second.source == str(other) and first.source == str(lexicons)


# ---------------------------------------------------------------------- compiled templates

DRAFT = "FINDINGS: Calcific tendinitis of the left supraspinatus tendon. No fracture."


def _render(templates_dir: str | None = None, fmt: str = "text") -> tuple[str, int]:
    """The report rendered by a fresh template environment, and how many templates Jinja compiled for it."""
    from reportkit.api import analyse
    from reportkit.render import render, templates

    templates.environment.cache_clear()
    compiled: list[str] = []
    real = templates.ImmutableSandboxedEnvironment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return real(self, source, name, filename, raw, defer_init)

    templates.ImmutableSandboxedEnvironment.compile = counting
    try:
        return render(analyse(DRAFT), DRAFT, fmt, templates_dir), len(compiled)
    finally:
        templates.ImmutableSandboxedEnvironment.compile = real
        templates.environment.cache_clear()


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(loader.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(loader.NO_CACHE_ENV, raising=False)
    return tmp_path / "cache"


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_a_template_compiled_once_is_read_from_the_cache(cache, fmt):
    first, compiled_first = _render(fmt=fmt)
    second, compiled_second = _render(fmt=fmt)
    assert (compiled_first, compiled_second) == (1, 0) and second == first
    assert len(list(cache.glob("template-*.jinja"))) == 1


def test_a_changed_template_is_compiled_again(cache, tmp_path):
    own = tmp_path / "templates"
    own.mkdir()
    (own / "report.txt.j2").write_text("first {{ report.id }}\n", encoding="utf-8")
    assert _render(str(own)) == ("first report\n", 1)
    assert _render(str(own)) == ("first report\n", 0)
    (own / "report.txt.j2").write_text("second {{ report.id }}\n", encoding="utf-8")
    assert _render(str(own)) == ("second report\n", 1)


@pytest.mark.parametrize("damage", [b"", b"j2 not a template", b"x" * 4000, bc_magic + b"not a checksum"])
def test_a_damaged_compiled_template_is_compiled_again(cache, damage):
    expected, _ = _render()
    (compiled_file,) = cache.glob("template-*.jinja")
    compiled_file.write_bytes(damage)
    assert _render() == (expected, 1)
    assert _render() == (expected, 0)


def test_templates_are_not_cached_when_the_cache_is_off(cache, monkeypatch):
    monkeypatch.setenv(loader.NO_CACHE_ENV, "1")
    assert _render()[1] == 1 and _render()[1] == 1
    assert not cache.exists()

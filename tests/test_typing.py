"""The library is typed: it ships py.typed, its lazily imported names have their real types, and mypy passes on
the public API (configured in pyproject.toml)."""

import importlib
import inspect
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent

USAGE = '''\
from collections.abc import Iterator

from reportkit import analyse, extract, extract_many
from reportkit.engine import get_engine, lint_text
from reportkit.lint import Diagnostic, LintConfig
from reportkit.models import Finding, ReportResult, StructuredReport
from reportkit.pipeline import FINDINGS_KEY, build_pipeline

result: ReportResult = extract("Calcific tendinitis of the right shoulder.", report_id="r1")
first: Finding = result.findings[0]
size: float | None = first.size_mm
many: Iterator[ReportResult] = extract_many([("a", "No foreign body."), ("b", "Pelvic phleboliths.")])
report: StructuredReport = analyse("Chondrocalcinosis of the knee.")
diagnostics: list[Diagnostic] = lint_text("Calcific tendinitis.", config=LintConfig())
engine_result: ReportResult = get_engine().extract("Phleboliths.").result
doc = build_pipeline()("Calcific tendinitis.")
labels: list[str] = [span.label_ for span in doc.spans[FINDINGS_KEY]]
reveal_type(extract)
reveal_type(extract_many)
reveal_type(analyse)
'''


def _mypy(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )


def test_public_api_usage_type_checks_with_real_types(tmp_path):
    usage = tmp_path / "usage.py"
    usage.write_text(USAGE)
    run = _mypy(tmp_path, str(usage))
    assert run.returncode == 0, run.stdout + run.stderr
    revealed = re.findall(r'Revealed type is "(.*)"', run.stdout)
    assert len(revealed) == 3 and not any(t == "Any" for t in revealed), revealed
    assert "-> reportkit.models.ReportResult" in revealed[0]
    assert "-> reportkit.models.StructuredReport" in revealed[2]


def test_mypy_rejects_a_wrong_call_of_the_public_api(tmp_path):
    """Through the lazy import the names are not Any: a wrong argument is an error."""
    misuse = tmp_path / "misuse.py"
    misuse.write_text("from reportkit import extract\n\nextract(42)\nextract('x').no_such_field\n")
    run = _mypy(tmp_path, str(misuse))
    assert run.returncode == 1
    assert 'Argument 1 to "extract" has incompatible type "int"' in run.stdout
    assert '"ReportResult" has no attribute "no_such_field"' in run.stdout


def test_mypy_passes_on_the_package(tmp_path):
    run = _mypy(tmp_path, "-p", "reportkit")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_wheel_ships_py_typed(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("reportkit-*.whl")
    assert "reportkit/py.typed" in zipfile.ZipFile(wheel).namelist()


DOCUMENTED = [ROOT / "docs" / "api.md", ROOT / "docs" / "spacy.md"]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def test_the_documented_examples_type_check(tmp_path):
    """The Python examples of the API pages (run by tests/test_docs.py) also pass mypy."""
    files = []
    for page in DOCUMENTED:
        for i, block in enumerate(PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))):
            files.append(tmp_path / f"{page.stem}_{i}.py")
            files[-1].write_text(block)
    assert len(files) >= 8
    run = _mypy(tmp_path, *map(str, files))
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_api_reference_names_every_public_name():
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    modules = ["reportkit", "reportkit.engine", "reportkit.lint", "reportkit.models", "reportkit.pipeline",
               "reportkit.render"]
    missing = []
    for name in modules:
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None) or [
            n for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == name
            and (inspect.isclass(v) or inspect.isfunction(v))]
        assert f"## `{name}`" in reference
        missing += [f"{name}.{n}" for n in public if not re.search(rf"`{re.escape(n)}\b", reference)]
    assert not missing, missing

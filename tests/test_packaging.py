"""Lexicons and templates ship inside the wheel; one version source."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import reportkit

ROOT = Path(__file__).parent.parent


def test_wheel_contains_lexicons_and_templates(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("reportkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for lexicon in (ROOT / "lexicons").glob("*.yaml"):
        assert f"reportkit/lexicons/{lexicon.name}" in names
    for template in (ROOT / "templates").iterdir():
        if template.suffix in {".j2", ".css"}:
            assert f"reportkit/templates/{template.name}" in names
    for module in (ROOT / "reportkit").rglob("*.py"):  # every module of every sub-package ships
        assert module.relative_to(ROOT).as_posix() in names


def test_version_comes_from_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert reportkit.__version__ == declared

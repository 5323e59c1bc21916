"""Lexicons, templates, the licence and the article's attribution ship inside the wheel; one version source."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import reportkit

ROOT = Path(__file__).parent.parent


def test_wheel_contains_lexicons_templates_licence_and_attribution(tmp_path):
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
    wheel_files = zipfile.ZipFile(wheel)
    # the code's licence, and the CC BY 4.0 attribution of the article the lexicons restate
    licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert licence and wheel_files.read(licence[0]).decode().startswith("MIT License")
    attribution = wheel_files.read("reportkit/lexicons/ATTRIBUTION.md").decode()
    for part in ("Freire", "Moser", "Lepage-Saucier", "Radiological identification and analysis of soft tissue",
                 "Insights into Imaging", "2018", "https://doi.org/10.1007/s13244-018-0619-0",
                 "http://creativecommons.org/licenses/by/4.0/"):
        assert part in attribution
    metadata = wheel_files.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata


def test_version_comes_from_pyproject():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert reportkit.__version__ == declared

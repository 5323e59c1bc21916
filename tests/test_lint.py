"""`reportkit lint`: rules against their fixtures, documentation, formats, exit codes,
fixes, configuration, suppressions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
from lint_fixture_io import expected_outputs, trigger_files
from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.lint import DOC_HEADINGS, LintConfig, Position, format_sarif, rules
from reportkit.engine import lint_text

FIXTURES = Path(__file__).parent / "lint_fixtures"
DATA = Path(__file__).parent / "data"
RULES = rules()
runner = CliRunner()


# ---------------------------------------------------------------------- meta: every rule documented and tested


def test_every_rule_has_documentation_headings_and_fixtures():
    for code, r in RULES.items():
        for heading in DOC_HEADINGS:
            assert re.search(rf"^{heading}:\n\s+\S", r.doc, re.MULTILINE), f"{code} lacks '{heading}:'"
        folder = FIXTURES / code
        assert trigger_files(folder), f"{code} has no trigger fixtures"
        assert list((folder / "clean").glob("*.txt")), f"{code} has no clean fixtures"
        assert (folder / "expected.txt").is_file(), f"{code} has no expected.txt"
    fixture_codes = {p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("RK")}
    assert fixture_codes == set(RULES), "fixture folders and registered rules differ"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_fixtures(code):
    folder = FIXTURES / code
    only = LintConfig(select=[code])
    for file in trigger_files(folder):
        assert [d for d in lint_text(file.read_text(), file.name, only) if d.code == code], f"{file} must trigger"
    everything = LintConfig()
    for file in sorted((folder / "clean").glob("*.txt")):
        found = [d.code for d in lint_text(file.read_text(), file.name, everything)]
        assert code not in found, f"{file} must not trigger {code}"
    text, diff = expected_outputs(folder)
    assert text == (folder / "expected.txt").read_text()
    expected_diff = folder / "expected.diff"
    assert diff == (expected_diff.read_text() if expected_diff.exists() else "")


def test_rule_command_prints_documentation():
    result = runner.invoke(app, ["rule", "RK301"])
    assert result.exit_code == 0
    assert result.stdout.startswith("RK301 incomplete-hadd-description (default severity: warning)")
    assert all(f"{h}:" in result.stdout for h in DOC_HEADINGS)
    listing = runner.invoke(app, ["rule", "--all"]).stdout.splitlines()
    assert [line.split()[0] for line in listing] == sorted(RULES)
    assert runner.invoke(app, ["rule", "RK999"]).exit_code == 2


# ---------------------------------------------------------------------- positions and formats

CRLF = "EXAM: MRI RIGHT SHOULDER\r\nFINDINGS: Calcific tendinitis.\r\n\r\nImpression: Pseudogout of the menisci.\r\n"


def test_line_and_column_are_exact_with_crlf(tmp_path):
    draft = tmp_path / "crlf.txt"
    draft.write_bytes(CRLF.encode())
    result = runner.invoke(app, ["lint", str(draft), "--format", "json", "--select", "RK201"])
    (d,) = json.loads(result.stdout)
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (4, 13, 4, 23)
    lines = draft.read_bytes().split(b"\r\n")
    assert lines[d["line"] - 1][d["column"] - 1 : d["end_column"] - 1] == b"Pseudogout"
    assert CRLF[d["start"] : d["end"]] == "Pseudogout"


def test_text_format_shows_source_line_and_caret():
    diagnostics = lint_text(CRLF, "d.txt", LintConfig(select=["RK201"]))
    from reportkit.lint import format_text

    out = format_text(diagnostics, {"d.txt": CRLF}).splitlines()
    assert out[0].startswith("d.txt:4:13: RK201 [warning]")
    assert out[1] == "  4 | Impression: Pseudogout of the menisci."
    assert out[2] == "    |             ^^^^^^^^^^"
    assert out[3] == "    = fix (safe): replace 'Pseudogout' with 'Chondrocalcinosis'"


def _sarif_schema() -> dict:
    from test_standard_outputs import sarif_schema  # the full OASIS schema, from an installed package

    return sarif_schema()


def test_sarif_output_validates_against_the_schema():
    diagnostics = []
    for code in RULES:
        for file in trigger_files(FIXTURES / code):
            diagnostics += lint_text(file.read_text(), f"drafts/{file.name}", LintConfig())
    log = json.loads(format_sarif(diagnostics))
    jsonschema.validate(log, _sarif_schema(), format_checker=jsonschema.FormatChecker())
    run = log["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(RULES)
    assert len(run["results"]) == len(diagnostics)
    assert any("fixes" in r for r in run["results"])
    broken = json.loads(format_sarif(diagnostics))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _sarif_schema())


def test_github_annotations(tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text("EXAM: RIGHT KNEE RADIOGRAPH\nFINDINGS: Chondrocalcinosis of the left medial meniscus.\n")
    result = runner.invoke(app, ["lint", str(draft), "--format", "github"])
    assert result.exit_code == 1
    assert f"::error file={draft},line=2,col=36,endLine=2,endColumn=40,title=RK501 laterality-conflict::" in result.stdout


# ---------------------------------------------------------------------- exit codes


def test_exit_codes(tmp_path):
    clean = tmp_path / "clean.txt"
    clean.write_text("EXAM: Radiograph of the left knee.\nFINDINGS: No fracture. No soft tissue calcification.\n")
    info_only = tmp_path / "info.txt"
    info_only.write_text("EXAM: Radiograph of the right shoulder.\nFINDINGS: Ill-defined 9 mm calcific tendinitis of "
                         "the supraspinatus tendon.\nIMPRESSION: HADD of the supraspinatus.\n")
    assert runner.invoke(app, ["lint", str(clean)]).exit_code == 0
    assert runner.invoke(app, ["lint", str(info_only)]).exit_code == 0  # RK204 is info, below fail-on
    assert runner.invoke(app, ["lint", str(info_only), "--fail-on", "info"]).exit_code == 1
    assert runner.invoke(app, ["lint", str(tmp_path / "missing.txt")]).exit_code == 2
    assert runner.invoke(app, ["lint", str(clean), "--fail-on", "fatal"]).exit_code == 2


# ---------------------------------------------------------------------- fixes


def test_fix_applies_safe_fixes_in_place_and_relints(tmp_path):
    draft = tmp_path / "d.txt"
    original = "EXAM: Radiographs of both knees.\r\nFINDINGS: Pseudogout of the menisci.\r\nIMPRESSION: Pseudogout changes.\r\n"
    draft.write_bytes(original.encode())
    result = runner.invoke(app, ["lint", str(draft), "--fix", "--select", "RK201"])
    fixed = draft.read_bytes().decode()
    assert fixed == original.replace("Pseudogout of", "Chondrocalcinosis of")  # CRLF kept; unsafe one untouched
    assert "1 fix(es) applied" in result.stderr
    assert result.exit_code == 1  # the unsafe one remains
    assert "IMPRESSION: Pseudogout changes" in result.stdout


def test_diff_shows_fixes_without_writing(tmp_path):
    draft = tmp_path / "d.txt"
    text = "FINDINGS: Calcific tendinitis of the supraspinatus tendon.\nIMPRESSION: HADD.\n"
    draft.write_text(text)
    result = runner.invoke(app, ["lint", str(draft), "--diff"])
    assert draft.read_text() == text
    assert ("-FINDINGS: Calcific tendinitis of the supraspinatus tendon.\n"
            "+FINDINGS: Calcific tendinopathy of the supraspinatus tendon.\n IMPRESSION: HADD.\n") in result.stdout
    assert result.exit_code == 1


def test_unsafe_fixes_only_on_request(tmp_path):
    draft = tmp_path / "d.txt"
    draft.write_text("EXAM: Radiograph of the right knee.\nFINDINGS: CPPD of the lateral meniscus.\n")
    runner.invoke(app, ["lint", str(draft), "--fix"])
    assert "CPPD of" in draft.read_text()
    runner.invoke(app, ["lint", str(draft), "--fix", "--unsafe-fixes"])
    assert "Chondrocalcinosis of the lateral meniscus" in draft.read_text()


def test_fixes_do_not_change_clinical_meaning_of_findings():
    """After safe fixes, the extracted findings keep kind, negation, location and diagnosis."""
    from reportkit import extract
    from reportkit.engine import fix_text

    def meaning(t):
        return [(f.kind, f.negated, f.location_category, f.laterality, f.diagnosis) for f in extract(t).findings]

    fixed_files = 0
    for code in RULES:
        for file in trigger_files(FIXTURES / code):
            text = file.read_text()
            fixed, applied, _ = fix_text(text, file.name, LintConfig())
            if applied:
                fixed_files += 1
                assert fixed != text
                assert meaning(fixed) == meaning(text), file
    assert fixed_files >= 2  # RK201 and RK204 fixtures carry safe fixes


def test_overlapping_fixes_apply_only_the_first():
    """Two fixes on the same or overlapping text: only the first is applied and the result reads correctly."""
    from reportkit.lint import Diagnostic, Edit, Fix, apply_fixes

    text = "FINDINGS: Pseudogout of the menisci."
    word = text.index("Pseudogout")

    def diagnostic(start, end, replacement):
        fix = Fix(f"replace with {replacement}", (Edit(start, end, replacement),), safe=True)
        return Diagnostic("d.txt", "RK201", "x", "warning", "m", start, end, 1, start + 1, 1, end + 1, fix)

    first = diagnostic(word, word + len("Pseudogout"), "Chondrocalcinosis")
    same_span = diagnostic(word, word + len("Pseudogout"), "CPPD")
    overlapping = diagnostic(word + 6, word + len("Pseudogout of"), "in")
    elsewhere = diagnostic(text.index("menisci"), text.index("menisci") + 7, "meniscus")
    for second in (same_span, overlapping):
        assert apply_fixes(text, [first, second]) == ("FINDINGS: Chondrocalcinosis of the menisci.", 1)
    assert apply_fixes(text, [first, same_span, elsewhere]) == ("FINDINGS: Chondrocalcinosis of the meniscus.", 2)


# ---------------------------------------------------------------------- configuration and suppression


def test_pyproject_configuration(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.reportkit.lint]\nignore = ["RK3"]\nfail-on = "error"\nseverity = { RK201 = "error" }\n')
    draft = tmp_path / "d.txt"
    draft.write_text("FINDINGS: Calcific tendinitis of the shoulder. Pseudogout of the menisci.\n")
    result = runner.invoke(app, ["lint", str(draft), "--format", "json", "--config", str(tmp_path / "pyproject.toml")])
    codes = {(d["code"], d["severity"]) for d in json.loads(result.stdout)}
    assert ("RK201", "error") in codes
    assert not any(code.startswith("RK3") for code, _ in codes)
    assert result.exit_code == 1


def test_reportkit_toml_is_found_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "reportkit.toml").write_text('[lint]\nselect = ["RK501"]\n')
    draft = tmp_path / "d.txt"
    draft.write_text("EXAM: RIGHT KNEE RADIOGRAPH\nFINDINGS: Chondrocalcinosis of the left meniscus. CPPD.\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["lint", "d.txt", "--format", "json"])
    assert {d["code"] for d in json.loads(result.stdout)} == {"RK501"}


def test_unknown_configuration_key_is_a_usage_error(tmp_path):
    (tmp_path / "reportkit.toml").write_text('[lint]\nselekt = ["RK1"]\n')
    draft = tmp_path / "d.txt"
    draft.write_text("FINDINGS: Calcification.\n")
    result = runner.invoke(app, ["lint", str(draft), "--config", str(tmp_path / "reportkit.toml")])
    assert result.exit_code == 2
    assert "reportkit.toml: lint.selekt" in result.stderr


def test_inline_suppressions():
    text = ("FINDINGS: Calcific tendinitis of the shoulder. [reportkit: ignore RK301]\n"
            "[reportkit: off]\nPseudogout of the menisci.\n[reportkit: on]\n"
            "IMPRESSION: Pseudogout of the knees.\n")
    codes = [(d.code, d.line) for d in lint_text(text, "d.txt", LintConfig(select=["RK2", "RK3"]))]
    assert ("RK301", 1) not in codes
    assert ("RK201", 3) not in codes
    assert ("RK201", 5) in codes


def test_many_inputs_folder_glob_and_stdin(tmp_path):
    (tmp_path / "a.txt").write_text("FINDINGS: Pseudogout of the menisci.\n")
    (tmp_path / "b.txt").write_text("FINDINGS: No calcification.\n")
    result = runner.invoke(app, ["lint", str(tmp_path), str(tmp_path / "*.txt"), "-", "--format", "json",
                                 "--select", "RK201"], input="Impression: Pseudogout of the wrist.\n")
    paths = [d["path"] for d in json.loads(result.stdout)]
    assert paths.count(str(tmp_path / "a.txt")) == 2 and paths.count("-") == 1


def test_position_helper_handles_last_line_without_newline():
    position = Position("a\r\nbc")
    assert position.line_col(3) == (2, 1)
    assert position.line_text(2) == "bc"


def test_diff_from_stdin_shows_the_real_original():
    result = runner.invoke(app, ["lint", "-", "--diff", "--select", "RK201"],
                           input="FINDINGS: Pseudogout of the menisci.\n")
    assert "-FINDINGS: Pseudogout of the menisci.\n+FINDINGS: Chondrocalcinosis of the menisci.\n" in result.stdout


def test_rk204_keeps_a_negated_name_out_of_the_comparison():
    from reportkit.engine import lint_text

    text = ("XR BOTH SHOULDERS\nRIGHT: Dense 6 mm calcification in the infraspinatus tendon.\nLEFT: No calcific "
            "tendinopathy.\nIMPRESSION: Right infraspinatus calcific tendinitis.")
    assert "RK204" not in {d.code for d in lint_text(text)}
    both = text.replace("LEFT: No calcific tendinopathy.", "LEFT: Calcific tendinopathy of the supraspinatus.")
    assert "RK204" in {d.code for d in lint_text(both)}

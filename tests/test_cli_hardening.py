"""Lint suppressions, CLI options and outputs that must refuse bad input plainly rather than
silence, crash or mislead: suppressions that switch off only what they name, an empty rule
selection, audit column mappings, the extract table, evaluation gold offsets and report folders."""

from __future__ import annotations

from typer.testing import CliRunner

from reportkit.cli import app
from reportkit.engine import lint_text
from reportkit.lint import LintConfig

runner = CliRunner()

RIGHT_KNEE_LEFT_FINDING = "EXAM: Radiograph of the right knee.\nFINDINGS: Chondrocalcinosis of the left meniscus."


def _found(text: str) -> set[tuple[str, int]]:
    return {(d.code, d.line) for d in lint_text(text, "d.txt", LintConfig())}


# ---------------------------------------------------------------------- suppressions


def test_off_with_codes_switches_off_only_those_codes(tmp_path):
    text = f"[reportkit: off RK301]\n{RIGHT_KNEE_LEFT_FINDING}\n"
    assert ("RK501", 3) in _found(text)  # the side conflict is still an error
    draft = tmp_path / "d.txt"
    draft.write_text(text)
    assert runner.invoke(app, ["lint", str(draft)]).exit_code == 1
    # the listed code (or rule name) is switched off, up to an "on" naming it or a bare "on"
    for listed in ("RK501", "laterality-conflict", "RK301, RK501"):
        assert ("RK501", 3) not in _found(f"[reportkit: off {listed}]\n{RIGHT_KNEE_LEFT_FINDING}\n"), listed
    for on in ("[reportkit: on RK501]", "[reportkit: on]"):
        text = f"[reportkit: off RK501]\n[reportkit: on RK301]\n{on}\n{RIGHT_KNEE_LEFT_FINDING}\n"
        assert ("RK501", 5) in _found(text), on
    closed_other = f"[reportkit: off RK501]\n[reportkit: on RK301]\n{RIGHT_KNEE_LEFT_FINDING}\n"
    assert ("RK501", 4) not in _found(closed_other)
    # a bare off still switches off every rule
    assert not {code for code, _ in _found(f"[reportkit: off]\n{RIGHT_KNEE_LEFT_FINDING}\n")} - {"RK002"}


def test_off_with_only_unknown_codes_switches_off_nothing_and_is_reported():
    found = _found(f"[reportkit: off RK-501]\n{RIGHT_KNEE_LEFT_FINDING}\n")
    assert ("RK501", 3) in found and ("RK001", 1) in found


def test_ignore_with_an_empty_code_list_silences_nothing_and_is_reported():
    for empty in ("[reportkit: ignore ,]", "[reportkit: ignore , ,]", "[reportkit: off ,]"):
        found = [(d.code, d.line, d.message) for d in lint_text(f"{RIGHT_KNEE_LEFT_FINDING} {empty}\n", "d.txt",
                                                                 LintConfig())]
        assert ("RK501", 2) in {(code, line) for code, line, _ in found}, empty
        (rk001,) = [message for code, _, message in found if code == "RK001"]
        assert "lists no rule code" in rk001
    # a bare ignore still silences its line (and is used, so RK002 stays quiet)
    assert not {code for code, line in _found(f"{RIGHT_KNEE_LEFT_FINDING} [reportkit: ignore]\n") if line == 2}


# ---------------------------------------------------------------------- an empty rule selection


def test_an_empty_select_in_a_configuration_file_is_an_error_naming_the_file(tmp_path, monkeypatch):
    draft = tmp_path / "d.txt"
    draft.write_text(f"{RIGHT_KNEE_LEFT_FINDING}\n")
    monkeypatch.chdir(tmp_path)
    for name, table in (("reportkit.toml", "[lint]"), ("pyproject.toml", "[tool.reportkit.lint]")):
        config = tmp_path / name
        config.write_text(f"{table}\nselect = []\n")
        result = runner.invoke(app, ["lint", str(draft)])
        assert result.exit_code == 2, name
        assert f"{config}: lint.select: empty rule selection" in result.stderr
        assert "All checks passed" not in result.stdout
        config.unlink()
    # as the command line refuses it
    assert runner.invoke(app, ["lint", str(draft), "--select", ""]).exit_code == 2
    # an empty ignore list ignores nothing, which is no error
    (tmp_path / "reportkit.toml").write_text("[lint]\nignore = []\n")
    assert runner.invoke(app, ["lint", str(draft)]).exit_code == 1


# ---------------------------------------------------------------------- audit run --columns


def test_audit_columns_naming_an_unknown_field_is_refused_before_the_store_is_made(tmp_path):
    archive = tmp_path / "a.csv"
    archive.write_text("ACC,REPORT\n1,FINDINGS: Calcific tendinitis of the right shoulder.\n")
    store = tmp_path / "run"
    result = runner.invoke(app, ["audit", "run", str(store), str(archive), "--columns", "foo=bar", "-q"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --columns: unknown field(s) in column map: foo")
    assert "Traceback" not in result.output and not store.exists()


def test_a_malformed_or_repeated_audit_column_mapping_is_one_plain_error(tmp_path):
    archive = tmp_path / "a.csv"
    archive.write_text("ACC,REPORT\n1,FINDINGS: Calcific tendinitis of the right shoulder.\n")
    store = tmp_path / "run"
    for value, message in (("id", "--columns must look like id=ACC,text=REPORT, not 'id'"),
                           ("id=ACC,text=", "--columns must look like id=ACC,text=REPORT, not 'id=ACC,text='"),
                           ("id=ACC,id=REPORT,text=REPORT", "--columns gives id more than once")):
        result = runner.invoke(app, ["audit", "run", str(store), str(archive), "--columns", value, "-q"])
        assert result.exit_code == 2, value
        assert result.stderr == f"error: {message}\n", value  # one line, no stray exit code
        assert not store.exists()


# ---------------------------------------------------------------------- extract -f table


def test_extract_table_escapes_tabs_and_line_breaks_in_ids_and_gives_every_input_a_row(tmp_path):
    import json

    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a\tb\nc\\d", "text": "FINDINGS: Chondrocalcinosis of the left meniscus."}),
        json.dumps({"id": "clear", "text": "FINDINGS: Normal alignment. No fracture."}),
        "{not json",
        json.dumps({"id": "no-text"}),
    ]) + "\n")
    result = runner.invoke(app, ["extract", str(batch), "-f", "table"])
    assert result.exit_code == 1  # two inputs became errors
    header, *rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert all(len(row) == len(header) == 8 for row in rows)
    assert [row[0] for row in rows] == ["a\\tb\\nc\\\\d", "clear", f"{batch}:3", "no-text"]
    assert rows[0][2:4] == ["calcification", "Chondrocalcinosis"] and rows[0][6] == "left"
    assert rows[1][1:] == ["-"] * 7  # a report without findings still has its row
    assert [row[2] for row in rows[2:]] == ["error", "error"]
    assert all(row[3] not in ("", "-") for row in rows[2:])  # the reason, as on stderr


# ---------------------------------------------------------------------- eval gold offsets

GOLD_TEXT = "FINDINGS: Chondrocalcinosis of the left meniscus."


def _gold_file(tmp_path, *mentions: dict):
    import json

    gold = tmp_path / "gold.jsonl"
    lines = [{"id": "r1", "text": "FINDINGS: No fracture.", "gold": {"mentions": []}},
             {"id": "r2", "text": GOLD_TEXT, "gold": {"mentions": list(mentions)}}]
    gold.write_text("".join(json.dumps(line) + "\n" for line in lines))
    # r2 is predicted without findings: every gold mention is a miss
    (tmp_path / "pred.jsonl").write_text(json.dumps({"id": "r1", "findings": []}) + "\n"
                                         + json.dumps({"id": "r2", "findings": []}) + "\n")
    return gold


def test_eval_gold_mention_with_end_and_no_span_is_scored_and_listed(tmp_path):
    start = GOLD_TEXT.index("Chondro")
    gold = _gold_file(tmp_path, {"start": start, "end": start + len("Chondrocalcinosis"), "kind": "calcification"})
    result = runner.invoke(app, ["eval", str(gold), "--pred", str(tmp_path / "pred.jsonl"), "--misses"])
    assert result.exit_code == 0, result.output
    assert "gold='Chondrocalcinosis'" in result.stdout


def test_eval_gold_offsets_past_the_text_or_off_the_span_are_refused_naming_file_and_line(tmp_path):
    start = GOLD_TEXT.index("Chondro")
    for mention, why in (({"start": start, "end": len(GOLD_TEXT) + 5, "kind": "calcification"}, "not within the text"),
                         ({"start": len(GOLD_TEXT), "span": "meniscus", "kind": "calcification"}, "not within the text"),
                         ({"start": 12, "end": 4, "kind": "calcification"}, "not within the text"),
                         ({"start": start, "span": "Chondrocalcinosus", "kind": "calcification"},
                          "'span' is not the text")):
        gold = _gold_file(tmp_path, mention)
        result = runner.invoke(app, ["eval", str(gold), "--pred", str(tmp_path / "pred.jsonl")])
        assert result.exit_code == 2, mention
        assert result.stderr.startswith(f"error: {gold}:2: gold mention 1 ") and why in result.stderr, result.stderr
        assert "Traceback" not in result.output


# ---------------------------------------------------------------------- report -o


def test_report_to_a_folder_under_a_missing_folder_is_refused_before_anything_is_written(tmp_path):
    import json

    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps({"id": f"r{i}", "text": GOLD_TEXT}) + "\n" for i in range(2)))
    for output in (tmp_path / "missing" / "out", tmp_path / "missing" / "deeper" / "out.html"):
        result = runner.invoke(app, ["report", str(batch), "-f", "html", "-o", str(output)])
        assert result.exit_code == 2, output
        assert result.stderr == f"error: {output}: folder {output.parent} does not exist\n"
        assert not (tmp_path / "missing").exists()
    # the folder -o names is made when the folder it goes in exists, as documented
    made = tmp_path / "out"
    assert runner.invoke(app, ["report", str(batch), "-f", "md", "-o", str(made)]).exit_code == 0
    assert sorted(p.name for p in made.iterdir()) == ["r0.md", "r1.md"]

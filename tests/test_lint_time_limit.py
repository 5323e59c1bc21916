"""A runaway draft in a lint run becomes an input error; the other drafts are still linted."""

from __future__ import annotations

from typer.testing import CliRunner

from reportkit.cli import app


def test_a_draft_over_the_time_limit_is_an_error_and_the_rest_are_linted(tmp_path):
    slow = tmp_path / "slow.txt"
    slow.write_text("FINDINGS: " + "Pseudogout of the menisci, calcification in the left knee. " * 3000, encoding="utf-8")
    quick = tmp_path / "quick.txt"
    quick.write_text("FINDINGS: Pseudogout of the menisci.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(slow), str(quick), "--time-limit", "0.05"])
    assert result.exit_code == 2
    assert f"error: {slow}: took longer than the 0.05 s time limit" in result.output
    assert f"{quick}:2:" not in result.output and f"{quick}:1:" in result.output  # quick draft linted
    assert "Pseudogout of the menisci, calcification" not in result.output.split("error:")[1]  # no report text

"""The advice self-audit: every piece of advice listed, a seeded sheet stratified by advice type with no
report text, and precision with Wilson intervals from a filled sheet."""

from __future__ import annotations

import csv
import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.advice_audit import (
    COLUMNS,
    AdviceCorpus,
    blank_quotations,
    collect,
    draw_sheet,
    parse_spans,
    read_sheet,
    score_sheet,
    summarise,
    wilson,
    write_sheet,
)
from reportkit.cli import app
from reportkit.selfaudit import SheetError

REPORTS = Path(__file__).parent / "data" / "advice_reports.jsonl"
TEXTS = {r["id"]: r["text"] for r in map(json.loads, REPORTS.read_text(encoding="utf-8").splitlines())}


@pytest.fixture(scope="module")
def advice() -> AdviceCorpus:
    return collect([REPORTS])


def test_every_kind_of_advice_is_listed_at_its_deposit(advice):
    from reportkit.engine import lint_text

    types = set(advice.counts())
    assert {"differential:hadd", "differential:cppd", "note", "warning", "recommendation:radiograph_correlation",
            "recommendation:hadd_description"} <= types
    # RK301 asks the draft for the description hadd_description recommends for the same deposit: one item
    assert "RK301" in {d.code for d in lint_text(TEXTS["adv-3"])}
    assert "lint:RK301" not in types
    # a lint rule that restates a recommendation in the draft's words is the same advice: listed once
    assert "RK101" in {d.code for d in lint_text(TEXTS["adv-10"])}
    assert {i.advice_type for i in advice.items if i.id == "adv-10"} >= {"recommendation:radiograph_correlation"}
    assert not {"lint:RK101", "lint:RK701"} & types
    assert advice.reports == len(TEXTS)
    by_report = Counter(item.id for item in advice.items)
    assert by_report["adv-6"] == 0  # a negated deposit gets no differential, and this report no other advice
    for item in advice.items:
        text = TEXTS[item.id]
        assert 0 <= item.start < item.end <= len(text)
        assert all(0 <= s < e <= len(text) for s, e in item.evidence)
    shoulder = [i for i in advice.items if i.id == "adv-4" and i.advice_type.startswith("differential:")]
    assert [TEXTS["adv-4"][i.start:i.end] for i in shoulder] == ["calcification"]
    assert shoulder[0].score is not None and shoulder[0].advice.startswith("Differential: calcific tendinopathy")
    young = [i for i in advice.items if i.id == "adv-2" and i.advice_type == "note"]
    assert [(i.advice_id, "younger patient" in i.advice) for i in young] == [("cppd", True)]


def test_the_sheet_is_seeded_and_stratified_and_its_counts_reconcile(advice):
    counts = advice.counts()
    sheet = draw_sheet(advice, seed=3, per_type=2)
    assert sheet == draw_sheet(advice, seed=3, per_type=2)
    assert [row["row"] for row in sheet] == list(range(1, len(sheet) + 1))
    sampled = Counter(row["advice_type"] for row in sheet)
    assert sampled == {t: min(2, n) for t, n in counts.items()}
    sizes = {row["advice_type"]: row["stratum_size"] for row in sheet}
    assert sizes == dict(counts) and sum(sizes.values()) == len(advice.items)
    # a type with more items than the quota is sampled, and another seed draws other items of it
    assert counts["differential:hadd"] == 4  # a tendon deposit each report leaves unnamed
    drawn = {tuple((r["id"], r["start"]) for r in draw_sheet(advice, seed=s, per_type=2)
                   if r["advice_type"] == "differential:hadd") for s in range(10)}
    assert len(drawn) > 1
    assert advice.per_thousand(len(advice.items)) == pytest.approx(1000 * len(advice.items) / len(TEXTS))


def test_the_sheet_holds_ids_offsets_and_advice_but_no_report_text(advice, tmp_path):
    path = tmp_path / "sheet.csv"
    write_sheet(draw_sheet(advice, seed=1, per_type=5), path)
    content = path.read_text(encoding="utf-8").lower()
    assert list(csv.reader(content.splitlines()))[0] == list(COLUMNS)
    runs = {" ".join(words[i:i + 4]) for text in TEXTS.values() for words in [text.lower().split()]
            for i in range(len(words) - 3)}
    assert not [run for run in runs if run in content]
    rows = read_sheet(path)
    assert {r["judgement"] for r in rows} == {""} and {r["note"] for r in rows} == {""}
    lint = [r["advice"] for r in rows if r["advice_type"] == "lint:RK602"]
    assert lint == ["RK602 '…' leads to a recommendation but is not in the impression"]


def test_quotations_of_the_report_are_blanked_and_the_rest_kept():
    text = "Small Baker's cyst calcification behind the knee."
    message = "'Baker's cyst calcification' is deprecated: prefer 'popliteal cyst'"
    assert blank_quotations(message, text) == "'…' is deprecated: prefer 'popliteal cyst'"
    assert blank_quotations('location of "knee" is ambiguous', text) == 'location of "…" is ambiguous'


def test_wilson_interval_matches_known_values():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def _row(n: int, advice_type: str, size: int, judgement: str) -> dict:
    return {"row": n, "advice_type": advice_type, "advice_id": advice_type.split(":")[-1], "file": "a.jsonl",
            "id": f"r{n}", "start": 0, "end": 4, "stratum_size": size, "judgement": judgement}


def test_a_filled_sheet_gives_precision_per_type_and_overall(tmp_path):
    rows = [_row(1, "lint:RK101", 100, "right"), _row(2, "lint:RK101", 100, "Right"),
            _row(3, "lint:RK101", 100, "wrong"), _row(4, "lint:RK101", 100, "doubtful"),
            _row(5, "note", 10, "right"), _row(6, "note", 10, "right")]
    path = tmp_path / "filled.csv"
    write_sheet(rows, path)
    summary = summarise(score_sheet(read_sheet(path), str(path)))
    rk101 = summary["types"]["lint:RK101"]
    assert (rk101["right"], rk101["wrong"], rk101["doubtful"], rk101["stratum_size"]) == (2, 1, 1, 100)
    assert rk101["precision"] == round(2 / 3, 4) and rk101["worst_case"]["precision"] == 0.5
    assert (rk101["low"], rk101["high"]) == tuple(round(x, 4) for x in wilson(2, 3))
    overall = summary["overall"]
    assert (overall["precision"], overall["worst_case"]["precision"]) == (0.8, round(4 / 6, 4))
    assert (overall["low"], overall["high"]) == tuple(round(x, 4) for x in wilson(4, 5))
    weighted = summary["weighted"]
    assert weighted["precision"] == round((100 * 2 / 3 + 10 * 1) / 110, 4)
    assert weighted["worst_case"]["precision"] == round((100 * 0.5 + 10) / 110, 4)
    # item weights 100/3 (three decided RK101 items) and 10/2 (two notes): Kish's n = 110² / Σw²
    assert weighted["effective_n"] == round(110 ** 2 / (3 * (100 / 3) ** 2 + 2 * 5 ** 2), 1)
    assert weighted["low"] < weighted["precision"] < weighted["high"]

    result = CliRunner().invoke(app, ["advice-score", str(path)])
    assert result.exit_code == 0
    assert re.search(r"^lint:RK101\s+100\s+2\s+1\s+1\s+0\.667 \[", result.stdout, re.M)
    as_json = json.loads(CliRunner().invoke(app, ["advice-score", str(path), "--json"]).stdout)
    assert as_json == summary


@pytest.mark.parametrize(("rows", "complaint"), [
    ([_row(1, "note", 3, "right"), _row(2, "note", 3, "")], "judgement must be right, wrong or doubtful"),
    ([_row(1, "note", 3, "right"), _row(2, "note", 3, "maybe")], "not 'maybe'"),
    ([_row(1, "note", 3, "right"), _row(2, "note", "x", "right")], "stratum_size must be a whole number"),
    ([_row(1, "note", 3, "right"), _row(2, "note", 4, "right")], "differs from 3"),
    ([_row(1, "note", 1, "right"), _row(2, "note", 1, "right")], "more note rows than its stratum_size"),
    ([_row(1, "note", 3, "right"), _row(2, "", 3, "right")], "advice_type is empty"),
])
def test_a_bad_sheet_is_refused_naming_file_and_row(tmp_path, rows, complaint):
    path = tmp_path / "bad.csv"
    write_sheet(rows, path)
    with pytest.raises(SheetError, match=re.escape(complaint)) as error:
        score_sheet(read_sheet(path), str(path))
    assert f"{path}:3 (row 2)" in str(error.value)
    result = CliRunner().invoke(app, ["advice-score", str(path)])
    assert result.exit_code == 2 and "row 2" in result.output


def test_a_sheet_without_the_columns_is_refused(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("row,sample,file\n1,found,a\n", encoding="utf-8")
    with pytest.raises(SheetError, match=re.escape(f"{path}: missing columns")):
        read_sheet(path)
    with pytest.raises(SheetError, match="cannot read"):
        read_sheet(tmp_path / "absent.csv")


def test_the_commands_write_a_sheet_print_counts_and_show_a_row(tmp_path):
    sheet = tmp_path / "sheet.csv"
    result = CliRunner().invoke(app, ["advice-sample", str(REPORTS), "--seed", "2", "--per-type", "1", "-o", str(sheet)])
    assert result.exit_code == 0, result.output
    rows = read_sheet(sheet)
    assert re.search(rf"^all advice\s+\d+\s+[\d.]+\s+{len(rows)}$", result.stdout, re.M)
    assert f"reports: {len(TEXTS)}" in result.stdout
    differential = next(r for r in rows if r["advice_type"] == "differential:cppd")
    shown = CliRunner().invoke(app, ["advice-show", str(sheet), differential["row"], "--corpus", str(REPORTS.parent)])
    assert shown.exit_code == 0
    assert "advice: Consider: CPPD crystal deposition disease." in shown.stdout
    assert "Linear [[calcification]] of the meniscus" in shown.stdout
    missing = CliRunner().invoke(app, ["advice-show", str(sheet), "999", "--corpus", str(REPORTS.parent)])
    assert missing.exit_code == 2 and "no row [999]" in missing.output


def _corpus_files() -> list[Path]:
    configured = os.environ.get("REPORTKIT_CORPUS")
    shared = Path(os.environ.get("REPORTKIT_SHARED") or Path(__file__).parent.parent.parent / "shared")
    corpus = Path(configured) if configured else shared / "corpus"
    return sorted(corpus.glob("*.jsonl")) if corpus.is_dir() else []


def test_the_corpus_sheet_reconciles_and_quotes_no_report():
    files = _corpus_files()
    if not files:
        pytest.skip("no shared corpus")
    advice = collect(files)
    texts = {(f.name, r["id"]): r["text"] for f in files
             for r in map(json.loads, f.read_text(encoding="utf-8").splitlines()) if r.get("text")}
    counts = advice.counts()
    sheet = draw_sheet(advice, seed=7, per_type=10)
    assert Counter(r["advice_type"] for r in sheet) == {t: min(10, n) for t, n in counts.items()}
    assert sum({r["advice_type"]: r["stratum_size"] for r in sheet}.values()) == len(advice.items)
    for row in sheet:
        text = texts[(row["file"], row["id"])]
        assert 0 <= row["start"] <= row["end"] <= len(text)
        assert all(0 <= s <= e <= len(text) for s, e in parse_spans(row["evidence"]))
        if row["advice_type"].startswith("lint:"):  # what is left quoted is reportkit's own words
            quoted = re.findall(r"'([^'…]{3,})'", row["advice"])
            assert not [q for q in quoted if q.lower() in text.lower()], row["row"]


def test_a_description_lint_is_listed_where_no_recommendation_gives_the_same_advice(tmp_path):
    # tendon and size given: no reminder for comparison, but RK301 still asks for the appearance
    text = "EXAM: Radiograph of the right shoulder.\nFINDINGS: 12 mm calcification in the supraspinatus tendon."
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"id": "r1", "text": text}) + "\n", encoding="utf-8")
    types = set(collect([path]).counts())
    assert "lint:RK301" in types and "recommendation:hadd_description" not in types
    unsized = tmp_path / "two.jsonl"
    unsized.write_text(json.dumps({"id": "r2", "text": text.replace("12 mm ", "")}) + "\n", encoding="utf-8")
    advice = collect([unsized])
    assert set(advice.counts()) >= {"recommendation:hadd_description"} and "lint:RK301" not in advice.counts()
    [reminder] = [i for i in advice.items if i.advice_type == "recommendation:hadd_description"]
    assert "the size of the deposit" in reminder.advice and "tendon" not in reminder.advice


def test_every_restated_follow_up_is_a_rule_of_the_lexicon():
    from reportkit.lexicon import load_lexicon
    from reportkit.lint.registry import rules

    known = {r.id for r in load_lexicon().followup.rules}
    restated = {rec_id for rule in rules().values() for rec_id in rule.restates}
    assert restated and restated <= known

"""The corpus gold set: pointers rebuilt from the corpus, scoring views, and the accuracy bars.

The gold file holds record ids, offsets, hashes and labels only (tests/gold/README.md); its
text is read from shared/corpus at run time, and the bars are asserted on the working three
quarters of the split (the locked quarter is scored only at the end of a round of work).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import TESTS, corpus_dir

from reportkit.evaluation import EvalError, load_gold, predict, score, score_by, source_of

GOLD = TESTS / "gold" / "corpus.gold.jsonl"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def write_pointer_set(tmp_path: Path, text: str, span: str) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "x.jsonl").write_text(json.dumps({"id": "x-1", "text": text}) + "\n")
    start = text.index(span)
    mention = {"start": start, "end": start + len(span), "span_sha256": sha(span), "kind": "calcification",
               "negated": False, "uncertain": False, "location_category": "tendon", "laterality": "right",
               "diagnosis": "HADD"}
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x-1", "file": "x.jsonl", "sha256": sha(text), "split": "work",
                                "gold": {"mentions": [mention]}}) + "\n")
    return corpus, gold


TEXT = "Right shoulder radiograph: amorphous calcific deposit in the supraspinatus tendon."
SPAN = "amorphous calcific deposit in the supraspinatus tendon"


def test_a_pointer_gold_file_is_rebuilt_from_the_corpus(tmp_path):
    corpus, gold = write_pointer_set(tmp_path, TEXT, SPAN)
    [item] = load_gold(gold, corpus)
    assert item["text"] == TEXT
    assert item["gold"]["mentions"][0]["span"] == SPAN


def test_an_edited_corpus_record_is_refused_with_its_record_named(tmp_path):
    corpus, gold = write_pointer_set(tmp_path, TEXT, SPAN)
    (corpus / "x.jsonl").write_text(json.dumps({"id": "x-1", "text": TEXT.replace("Right", "Left")}) + "\n")
    with pytest.raises(EvalError, match=r"gold\.jsonl:1: record 'x-1' differs"):
        load_gold(gold, corpus)


def test_a_span_that_no_longer_hashes_is_refused(tmp_path):
    corpus, gold = write_pointer_set(tmp_path, TEXT, SPAN)
    row = json.loads(gold.read_text())
    row["gold"]["mentions"][0]["start"] += 1
    gold.write_text(json.dumps(row) + "\n")
    with pytest.raises(EvalError, match="mention 1 does not hash"):
        load_gold(gold, corpus)


def test_a_missing_corpus_is_named(tmp_path):
    _, gold = write_pointer_set(tmp_path, TEXT, SPAN)
    with pytest.raises(EvalError, match="needs the corpus file"):
        load_gold(gold, tmp_path / "nowhere")


def test_category_and_confusion_views_count_misses_and_spurious_mentions():
    gold = [{"start": 0, "end": 5, "kind": "calcification", "location_category": "tendon", "laterality": "left"},
            {"start": 10, "end": 15, "kind": "ossification", "location_category": "soft_tissue", "laterality": None}]
    pred = [{"start": 0, "end": 4, "kind": "calcification", "location_category": "articular", "laterality": "left"},
            {"start": 20, "end": 25, "kind": "foreign_body", "location_category": None, "laterality": "right"}]
    report = score([{"id": "mp-1", "text": "", "gold": {"mentions": gold}}], {"mp-1": pred})
    confusion = report.confusion("location_category")
    assert confusion[("tendon", "articular")] == 1
    assert confusion[("soft_tissue", "(missed)")] == 1
    assert confusion[("(spurious)", "null")] == 1
    by_location = report.by_category("location_category")
    assert (by_location["tendon"].fn, by_location["articular"].fp) == (1, 1)
    assert report.confusion("laterality")[("left", "left")] == 1


def test_scores_break_down_by_source():
    items = [{"id": "iu-1", "text": "", "gold": {"mentions": [{"start": 0, "end": 3, "kind": "calcification"}]}},
             {"id": "mt-s2", "text": "", "gold": {"mentions": [{"start": 0, "end": 3, "kind": "calcification"}]}}]
    reports = score_by(items, {"iu-1": [{"start": 1, "end": 2, "kind": "calcification"}]}, source_of)
    assert reports["iu"].typed.f1 == 1.0 and reports["mt"].typed.f1 == 0.0


@pytest.fixture(scope="module")
def working_quarters():
    corpus = corpus_dir()
    if not corpus.is_dir():
        pytest.skip(f"no shared corpus at {corpus}")
    items = [item for item in load_gold(GOLD, corpus) if item["split"] == "work"]
    predictions, _ = predict(items)
    return items, predictions


def test_the_gold_set_is_large_and_split_by_hash():
    rows = [json.loads(line) for line in GOLD.read_text().splitlines()]
    assert sum(len(r["gold"]["mentions"]) for r in rows) >= 500
    for row in rows:
        locked = int(hashlib.sha256(row["id"].encode()).hexdigest()[:8], 16) % 4 == 0
        assert row["split"] == ("locked" if locked else "work")
    assert "text" not in rows[0] and all("span" not in m for r in rows for m in r["gold"]["mentions"])


def test_working_quarters_meet_the_accuracy_bars(working_quarters):
    items, predictions = working_quarters
    report = score(items, predictions)
    assert report.typed.f1 >= 0.96
    assert report.attributes["negated"].value >= 0.98
    assert report.attributes["laterality_all"].value >= 0.95
    assert report.attributes["location_category_all"].value >= 0.92
    assert report.attributes["diagnosis"].value >= 0.92


def test_every_source_meets_the_f1_bar(working_quarters):
    items, predictions = working_quarters
    for source, report in score_by(items, predictions, source_of).items():
        assert report.typed.f1 >= 0.93, source

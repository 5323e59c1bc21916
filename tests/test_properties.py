"""Property-based hostile input over every command path: extract, lint (and --fix), report in every
format, and the input readers; arbitrary Unicode, control characters, huge tokens, mixed newlines.

Invariants: no crash, every offset points at the text it names, and counts reconcile
(inputs = results + errors). Examples are few per test so the file runs in well under a minute.
"""

from __future__ import annotations

import csv
import gzip
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportkit import extract
from reportkit.audit.readers import read_path
from reportkit.io import Tally, extract_inputs, read_inputs
from reportkit.engine import lint_text
from reportkit.engine import get_engine

reason = get_engine().reason
from reportkit.render import Format, render

WORDS = ["calcification", "calcific", "tendinitis", "ossification", "phleboliths", "no", "possible", "left",
         "right", "bilateral", "knee", "shoulder", "supraspinatus", "tendon", "5 mm", "1,5 cm", "HADD", "?",
         "FINDINGS:", "IMPRESSION:", "EXAM:", "history of", "not", "pelvis", "gout", "."]
NEWLINES = ["\n", "\r\n", "\r", "\u2028", "\u0085", "\x0c", "\n\n"]
piece = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(NEWLINES),
    st.text(max_size=12),  # any code point, control characters included
    st.builds(lambda c, n: c * n, st.sampled_from("a9 x\x00é漢-"), st.integers(200, 3000)),  # huge tokens
)
reports = st.lists(piece, max_size=40).map(" ".join)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_offsets(result, text: str) -> None:
    for finding in result.findings + result.queries:
        assert text[finding.start : finding.end] == finding.text
        assert finding.sentence_start <= finding.start <= finding.end <= finding.sentence_end <= len(text)
        for evidence in finding.evidence:
            assert text[evidence.start : evidence.end] == evidence.text
    for scope in result.assertion_scopes:
        assert 0 <= scope.start <= scope.end <= len(text)


@FAST
@given(reports)
def test_extract_offsets_always_point_at_their_text(text):
    _check_offsets(extract(text), text)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports)
def test_report_renders_every_format(text):
    structured = reason(extract(text), text)
    for fmt in Format:
        content = render(structured, text, fmt)
        if fmt in (Format.json, Format.fhir):
            json.loads(content)


@FAST
@given(reports)
def test_lint_places_every_diagnostic_in_the_draft(text):
    for diagnostic in lint_text(text):
        assert 0 <= diagnostic.start <= diagnostic.end <= len(text)
        assert 1 <= diagnostic.line <= diagnostic.end_line


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(reports, min_size=1, max_size=4))
def test_io_readers_reconcile_counts(tmp_path, texts):
    jsonl = tmp_path / "reports.jsonl"
    jsonl.write_text("".join(json.dumps({"id": f"r{i}", "text": t}) + "\n" for i, t in enumerate(texts)),
                     encoding="utf-8")
    folder = tmp_path / "txt"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for i, text in enumerate(texts):
        (folder / f"r{i}.txt").write_bytes(text.encode("utf-8", "surrogatepass"))
    stdin = "".join(json.dumps({"id": f"s{i}", "text": t}) + "\n" for i, t in enumerate(texts)).encode()
    for paths, expected, kw in (([str(jsonl)], len(texts), {}), ([str(folder)], len(texts), {}),
                                (["-"], len(texts), {"stdin": stdin})):
        tally = Tally()
        for outcome in extract_inputs(read_inputs(paths, **kw)):
            tally.add(outcome)
        assert tally.inputs == expected == tally.results + tally.errors


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(reports, min_size=1, max_size=4))
def test_audit_readers_yield_one_item_per_record(tmp_path, texts):
    rows = [{"id": f"r{i}", "text": t.replace("\x00", "")} for i, t in enumerate(texts)]
    with gzip.open(tmp_path / "a.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    for name, delimiter in (("a.csv", ","), ("a.tsv", "\t")):
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["id", "text"], delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
    bundle = {"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "DiagnosticReport", "id": row["id"], "status": "final",
                      "code": {"text": "x"}, "conclusion": row["text"]}} for row in rows]}
    (tmp_path / "a.json").write_text(json.dumps(bundle), encoding="utf-8")
    for name in ("a.jsonl.gz", "a.csv", "a.tsv", "a.json"):
        items = list(read_path(tmp_path / name))
        assert len(items) == len(rows), name
        for item in items:
            text = getattr(item, "text", None)
            if text is not None:
                _check_offsets(extract(text), text)

"""Refactors change no behaviour: per-report snapshots of every command's output.

For each run (extract, report in every format, the audit store's rows) over the dev set and the
shared corpus, ``tests/snapshots/<run>.jsonl`` holds one line per report: its id, a digest of
everything the command wrote for it, and a short summary of what it found (offsets and labels,
never report text). A failure names the reports whose output changed and shows their old and new
summaries; a deliberate change is recorded with

    python tests/test_output_snapshots.py --update [RUN ...]

and ``git diff tests/snapshots`` then shows which reports changed and how.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
DEV = ["eval/dev.jsonl"]
CORPUS = ["corpus/iu.jsonl", "corpus/mp.jsonl", "corpus/mt.jsonl"]
REPORT_FORMATS = {"text": ".txt", "md": ".md", "html": ".html", "json": ".json", "fhir": ".fhir.json"}


def _digest(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()[:16]


def _cli(shared: Path, *args: str) -> bytes:
    # relative input paths: results name their source file, which must not depend on where shared/ is
    out = subprocess.run([sys.executable, "-m", "reportkit", *args], cwd=shared, capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode("utf-8", "replace")[-500:]
    return out.stdout


def _mention_summary(finding: dict) -> str:
    flags = "".join(c for c, key in (("N", "negated"), ("U", "uncertain"), ("H", "historical"),
                                    ("Y", "hypothetical")) if finding[key])
    return (f"{finding['start']}-{finding['end']} {finding['kind']} {flags or '-'} "
            f"{finding['location_category']} {finding['laterality']} {finding['diagnosis']}")


def _result_summary(result: dict) -> list[str]:
    return ([_mention_summary(f) for f in result["findings"]]
            + ["query " + _mention_summary(f) for f in result["queries"]])


def _extract(shared: Path, inputs: list[str]) -> dict[str, dict]:
    records = {}
    for line in _cli(shared, "extract", *inputs).decode("utf-8").splitlines():
        record = json.loads(line)
        records[record["id"]] = {"digest": _digest(line), "summary": _result_summary(record)}
    return records


def _report(shared: Path, inputs: list[str], fmt: str) -> dict[str, dict]:
    """Each report's file from ``report -f FMT -o DIR``; summarised from the json run's assessments."""
    with tempfile.TemporaryDirectory() as folder:
        _cli(shared, "report", "-f", fmt, "-o", folder, *inputs)
        suffix = REPORT_FORMATS[fmt]
        files = {p.name[: -len(suffix)]: p for p in Path(folder).iterdir()}
        records = {}
        for stem, path in sorted(files.items()):
            data = path.read_bytes()
            record: dict = {"digest": _digest(data)}
            if fmt == "json":
                report = json.loads(data)
                record["summary"] = [
                    f"{a['deposit']}: {a['kind']['kind']} {a.get('suggested_entity')} "
                    f"{[d['id'] for d in a['differential'][:3]]}{' offered' if a['differential_offered'] else ''} "
                    f"notes={len(a['notes'])} warnings={len(a['warnings'])}"
                    for a in report["assessments"]
                ] + [f"rec {r['id']} {r['findings']}" for r in report["recommendations"]]
            records[stem] = record
        return records


def _audit(shared: Path, inputs: list[str]) -> dict[str, dict]:
    """Every row the audit stores for each report (all row tables, correlations), by report id."""
    import duckdb

    from reportkit.audit.store import ROW_TABLES, STORE_FILE

    with tempfile.TemporaryDirectory() as folder:
        _cli(shared, "audit", "run", folder + "/run", *inputs, "--workers", "1", "--quiet")
        con = duckdb.connect(f"{folder}/run/{STORE_FILE}", read_only=True)
        try:
            ids = dict(con.execute("SELECT rid, id FROM reports UNION ALL SELECT rid, id FROM errors").fetchall())
            rows: dict[str, list[str]] = defaultdict(list)
            counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            codes: dict[str, list[str]] = defaultdict(list)
            for table in [*ROW_TABLES, "correlations"]:
                cursor = con.execute(f"SELECT * FROM {table} ORDER BY ALL")
                columns = [c[0] for c in cursor.description]
                for row in cursor.fetchall():
                    values = dict(zip(columns, row, strict=True))
                    report_id = ids[values["rid"]]
                    rows[report_id].append(table + json.dumps(row, default=str, sort_keys=True))
                    counts[report_id][table] += 1
                    if table == "diagnostics":
                        codes[report_id].append(values["code"])
        finally:
            con.close()
    return {rid: {"digest": _digest("\n".join(sorted(lines))),
                  "summary": [f"{t}={n}" for t, n in sorted(counts[rid].items())] + sorted(codes[rid])}
            for rid, lines in rows.items()}


# run name -> function of shared/ giving {report id: {"digest", "summary"?}}
RUNS: dict[str, Callable[[Path], dict[str, dict]]] = {
    "extract_dev": lambda s: _extract(s, DEV),
    "extract_corpus": lambda s: _extract(s, CORPUS),
    **{f"report_{fmt}_dev": (lambda s, fmt=fmt: _report(s, DEV, fmt)) for fmt in REPORT_FORMATS},
    "report_json_corpus": lambda s: _report(s, CORPUS, "json"),
    "audit_dev": lambda s: _audit(s, DEV),
    "audit_corpus": lambda s: _audit(s, CORPUS),
}


def snapshot_path(name: str) -> Path:
    return SNAPSHOTS / f"{name}.jsonl"


def write_snapshot(name: str, records: dict[str, dict]) -> None:
    SNAPSHOTS.mkdir(exist_ok=True)
    lines = [json.dumps({"id": rid, **records[rid]}, ensure_ascii=False) for rid in sorted(records)]
    snapshot_path(name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_snapshot(name: str) -> dict[str, dict]:
    lines = snapshot_path(name).read_text(encoding="utf-8").splitlines()
    return {record.pop("id"): record for record in map(json.loads, lines)}


def describe_changes(old: dict[str, dict], new: dict[str, dict], limit: int = 20) -> str:
    """Which reports changed and how (their summaries before and after); empty when none did."""
    lines = []
    for rid in sorted(old.keys() | new.keys()):
        before, after = old.get(rid), new.get(rid)
        if before == after:
            continue
        if before is None or after is None:
            lines.append(f"{rid}: {'added' if before is None else 'removed'}")
        elif before.get("summary") == after.get("summary"):
            lines.append(f"{rid}: output changed (same summary {before.get('summary')})")
        else:
            lines.append(f"{rid}:\n    was {before.get('summary')}\n    now {after.get('summary')}")
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"... and {len(lines) - limit} more reports")
    return "\n".join(shown)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_output_matches_the_snapshot(shared_dir: Path, name: str) -> None:
    inputs = DEV if name.endswith("_dev") else CORPUS
    for path in inputs:
        if not (shared_dir / path).is_file():
            pytest.skip(f"{path} not in shared/")
    changes = describe_changes(read_snapshot(name), RUNS[name](shared_dir))
    assert not changes, (f"{name}: output changed for these reports (if deliberate: "
                         f"python tests/test_output_snapshots.py --update {name}):\n{changes}")


def test_a_change_is_described_by_report() -> None:
    old = {"a": {"digest": "1", "summary": ["0-5 calcification - tendon left HADD"]}, "b": {"digest": "2"}}
    new = {"a": {"digest": "3", "summary": ["0-5 calcification N tendon left HADD"]}, "c": {"digest": "4"}}
    text = describe_changes(old, new)
    assert "a:\n    was ['0-5 calcification - tendon left HADD']\n    now ['0-5 calcification N" in text
    assert "b: removed" in text and "c: added" in text
    assert describe_changes(old, old) == ""


if __name__ == "__main__":
    if sys.argv[1:2] != ["--update"]:
        sys.exit("usage: python tests/test_output_snapshots.py --update [RUN ...]")
    from conftest import _shared_dir

    shared = _shared_dir()
    for name in sys.argv[2:] or sorted(RUNS):
        new = RUNS[name](shared)
        old = read_snapshot(name) if snapshot_path(name).is_file() else {}
        write_snapshot(name, new)
        changed = describe_changes(old, new, limit=10)
        print(f"{name}: {len(new)} reports" + (f"; changed:\n{changed}" if changed else "; unchanged"))

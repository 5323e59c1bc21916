"""Annotation tools for the corpus gold set (records are read from the corpus at run time).

    python tests/gold/tools.py show BATCH [--from K] [--count N]   # print records to label
    python tests/gold/tools.py check LABELS BATCH                   # validate a label file
    python tests/gold/tools.py pointers LABELS... -o OUT            # label files -> pointer file

An annotator's label file has one JSON line per record of the batch:
``{"id": ..., "mentions": [{"span": ..., "occurrence": 0, "kind": ..., "negated": ...,
"uncertain": ..., "location_category": ..., "laterality": ..., "diagnosis": ...}]}``;
``span`` is copied exactly from the record and ``occurrence`` says which occurrence of it
(0 = first). ``pointers`` replaces each span by its offsets and sha256, so no text is kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
CORPUS = HERE.parents[2] / "shared" / "corpus"
LABELS = {
    "kind": {"calcification", "ossification", "foreign_body"},
    "location_category": {"tendon", "articular", "soft_tissue", "vascular", "other", None},
    "laterality": {"left", "right", "bilateral", None},
    "diagnosis": {"HADD", "CPPD", "gout", "tumoral_calcinosis", "calcinosis_SSc", "calcinosis_dermatomyositis",
                  "myositis_ossificans", "heterotopic_ossification", "synovial_chondromatosis", "phlebolith",
                  "enthesophyte", "chondroid_matrix", "arterial_calcification", "foreign_body", "other", None},
    "negated": {True, False},
    "uncertain": {True, False},
}


def records() -> list[dict]:
    return [json.loads(line) for line in (HERE / "records.jsonl").read_text().splitlines()]


def texts(corpus: Path = CORPUS) -> dict[str, str]:
    wanted = {r["id"]: r for r in records()}
    found = {}
    for name in {r["file"] for r in wanted.values()}:
        for line in (corpus / name).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["id"] in wanted:
                text = record["text"]
                if hashlib.sha256(text.encode()).hexdigest() != wanted[record["id"]]["sha256"]:
                    sys.exit(f"{name}: record {record['id']} changed since it was sampled")
                found[record["id"]] = text
    return found


def batch_ids(batch: int) -> list[str]:
    return [r["id"] for r in records() if r["batch"] == batch]


def show(batch: int, start: int, count: int) -> None:
    ids = batch_ids(batch)
    all_texts = texts()
    for number, record_id in enumerate(ids[start:start + count], start):
        print(f"===== [{number + 1}/{len(ids)}] id={record_id} =====")
        print(all_texts[record_id])
        print()


def locate(text: str, span: str, occurrence: int) -> int:
    at = -1
    for _ in range(occurrence + 1):
        at = text.find(span, at + 1)
        if at < 0:
            raise ValueError(f"span not found (occurrence {occurrence})")
    return at


def pointer_mention(start: int, span: str, labels: dict, fields) -> dict:
    """A mention as stored: its offsets, the sha256 of its span and its labels (``fields``, in that order)."""
    return {"start": start, "end": start + len(span), "span_sha256": hashlib.sha256(span.encode()).hexdigest(),
            **{f: labels.get(f) for f in fields}}


def read_labels(path: Path) -> dict[str, dict]:
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{number}: not JSON ({exc.msg})")
            out[row["id"]] = row | {"_line": number}
    return out


def problems(labels: dict[str, dict], ids: list[str], all_texts: dict[str, str]) -> list[str]:
    found = []
    for record_id in ids:
        if record_id not in labels:
            found.append(f"{record_id}: no line")
    for record_id, row in labels.items():
        if record_id not in all_texts:
            found.append(f"line {row['_line']}: unknown id {record_id}")
            continue
        for n, mention in enumerate(row.get("mentions", []), 1):
            try:
                locate(all_texts[record_id], mention["span"], mention.get("occurrence", 0))
            except (ValueError, KeyError) as exc:
                found.append(f"{record_id} mention {n}: {exc}")
            for field, allowed in LABELS.items():
                if mention.get(field, "<missing>") not in allowed:
                    found.append(f"{record_id} mention {n}: {field}={mention.get(field, '<missing>')!r}")
    return found


def pointer_record(meta: dict, mentions: list[dict]) -> dict:
    """A gold record in the shared/eval schema with the text replaced by its hash."""
    return {"id": meta["id"], "file": meta["file"], "sha256": meta["sha256"], "stratum": meta["stratum"],
            "note_kind": meta["note_kind"], "split": meta["split"], "gold": {"mentions": mentions}}


def pointers(paths: list[Path], out: Path) -> None:
    all_texts = texts()
    meta = {r["id"]: r for r in records()}
    rows = {}
    for path in paths:
        for record_id, row in read_labels(path).items():
            text = all_texts[record_id]
            mentions = []
            for mention in row.get("mentions", []):
                start = locate(text, mention["span"], mention.get("occurrence", 0))
                mentions.append(pointer_mention(start, mention["span"], mention, LABELS))
            mentions.sort(key=lambda m: (m["start"], m["end"]))
            rows[record_id] = pointer_record(meta[record_id], mentions)
    with open(out, "w", encoding="utf-8") as handle:
        for record_id in sorted(rows):
            handle.write(json.dumps(rows[record_id]) + "\n")
    print(f"{out}: {len(rows)} records, {sum(len(r['gold']['mentions']) for r in rows.values())} mentions")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("show")
    s.add_argument("batch", type=int)
    s.add_argument("--from", dest="start", type=int, default=0)
    s.add_argument("--count", type=int, default=10)
    c = sub.add_parser("check")
    c.add_argument("labels", type=Path)
    c.add_argument("batch", type=int)
    p = sub.add_parser("pointers")
    p.add_argument("labels", type=Path, nargs="+")
    p.add_argument("-o", dest="out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "show":
        show(args.batch, args.start, args.count)
    elif args.command == "check":
        found = problems(read_labels(args.labels), batch_ids(args.batch), texts())
        print("\n".join(found) or f"{args.labels}: all {len(batch_ids(args.batch))} records labelled, every span found")
        sys.exit(1 if found else 0)
    else:
        pointers(args.labels, args.out)


if __name__ == "__main__":
    main()

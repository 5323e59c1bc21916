"""Agreement between the two annotations, the units an adjudicator decides, and the adjudicated gold.

    python tests/gold/adjudicate.py agreement A.jsonl B.jsonl           # before adjudication
    python tests/gold/adjudicate.py units A.jsonl B.jsonl -o UNITS       # disagreements, with context
    python tests/gold/adjudicate.py agreed A.jsonl B.jsonl -o AGREED     # agreed mentions, with context
    python tests/gold/adjudicate.py apply A.jsonl B.jsonl DECISIONS -o GOLD --log LOG [--review REVIEW]

A and B are pointer files (tools.py pointers). UNITS holds report text for the adjudicator and
stays outside the repository; GOLD and LOG hold ids, offsets, hashes and labels only.
A decision names its record and each annotator's offsets (``id``, ``a``, ``b``), as UNITS
lists them. Mentions of A and B are paired by the scorer's matching (character overlap, one to one).
A pair that agrees on every label is gold as it stands (A's span); every other pair, and every
mention only one annotator labelled, is a unit the adjudicator decides. Once the adjudication
has written its rules, a review of the agreed mentions against those rules may relabel or drop
an agreed mention ({"agreed": N, ...}) or add one both annotators missed ({"add": true, "id",
"span", "occurrence", labels...}); the log records each with its rule.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from tools import locate, pointer_mention

from reportkit.evaluation import load_gold, max_overlap_matching

FIELDS = ("kind", "negated", "uncertain", "location_category", "laterality", "diagnosis")


def paired(a_path: Path, b_path: Path) -> list[tuple[dict, dict | None, dict | None]]:
    """(record, A mention or None, B mention or None) for every mention either annotator labelled."""
    a_items = {i["id"]: i for i in load_gold(a_path)}
    b_items = {i["id"]: i for i in load_gold(b_path)}
    if set(a_items) != set(b_items):
        raise SystemExit(f"the annotations cover different records: {len(set(a_items) ^ set(b_items))} differ")
    out = []
    for record_id in sorted(a_items):
        a, b = a_items[record_id]["gold"]["mentions"], b_items[record_id]["gold"]["mentions"]
        pairs = max_overlap_matching(a, b)
        out += [(a_items[record_id], a[i], b[j]) for i, j in pairs]
        out += [(a_items[record_id], m, None) for i, m in enumerate(a) if i not in {i for i, _ in pairs}]
        out += [(a_items[record_id], None, m) for j, m in enumerate(b) if j not in {j for _, j in pairs}]
    return out


def kappa(pairs: list[tuple[object, object]]) -> float:
    """Cohen's kappa of two raters' values (null is a value)."""
    n = len(pairs)
    if not n:
        return float("nan")
    observed = sum(a == b for a, b in pairs) / n
    a_counts, b_counts = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(a_counts[v] * b_counts[v] for v in set(a_counts) | set(b_counts)) / n / n
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(a_path: Path, b_path: Path) -> None:
    rows = paired(a_path, b_path)
    both = [(a, b) for _, a, b in rows if a and b]
    only_a = sum(1 for _, a, b in rows if a and not b)
    only_b = sum(1 for _, a, b in rows if b and not a)
    f1 = 2 * len(both) / (2 * len(both) + only_a + only_b) if rows else 1.0
    print(f"mentions: A {len(both) + only_a}, B {len(both) + only_b}, matched {len(both)}, "
          f"A only {only_a}, B only {only_b}; mention F1 (untyped overlap) {f1:.3f}")
    typed = sum(1 for a, b in both if a["kind"] == b["kind"])
    print(f"typed mention F1 {2 * typed / (2 * len(both) + only_a + only_b):.3f}")
    print(f"{'attribute (matched pairs)':<28}{'agree':>8}{'n':>6}{'kappa':>8}")
    for field in FIELDS:
        values = [(a.get(field), b.get(field)) for a, b in both]
        same = sum(x == y for x, y in values)
        print(f"{field:<28}{same / len(values):>8.3f}{len(values):>6}{kappa(values):>8.3f}")


def context(text: str, mention: dict) -> str:
    """The mention's line, at most 400 characters either side."""
    lo = max(0, text.rfind("\n", 0, mention["start"]) + 1, mention["start"] - 400)
    hi = min(len(text), mention["end"] + 400)
    nl = text.find("\n", mention["end"])
    return text[lo:min(hi, nl) if nl >= 0 else hi]


def agreed(a_path: Path, b_path: Path, out: Path) -> None:
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        for record, a, b in paired(a_path, b_path):
            if a and b and all(a.get(f) == b.get(f) for f in FIELDS):
                count += 1
                handle.write(json.dumps({"agreed": count, "id": record["id"], "context": context(record["text"], a),
                                         "a": [a["start"], a["end"]], "b": [b["start"], b["end"]],
                                         "span": a["span"], **{f: a.get(f) for f in FIELDS}}) + "\n")
    print(f"{out}: {count} agreed mentions")


def units(a_path: Path, b_path: Path, out: Path) -> None:
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        for record, a, b in paired(a_path, b_path):
            if a and b and all(a.get(f) == b.get(f) for f in FIELDS):
                continue
            count += 1
            handle.write(json.dumps({
                "unit": count, "id": record["id"], "context": context(record["text"], a or b),
                "a": a and [a["start"], a["end"]], "b": b and [b["start"], b["end"]],
                "A": None if a is None else {"span": a["span"], **{f: a.get(f) for f in FIELDS}},
                "B": None if b is None else {"span": b["span"], **{f: b.get(f) for f in FIELDS}},
            }) + "\n")
    print(f"{out}: {count} units to adjudicate")


def pair_key(record: dict, a: dict | None, b: dict | None) -> tuple:
    """What a decision names: the record and each annotator's offsets (None for no mention)."""
    return record["id"], a and (a["start"], a["end"]), b and (b["start"], b["end"])


def key_of(row: dict) -> tuple:
    return row["id"], row["a"] and tuple(row["a"]), row["b"] and tuple(row["b"])


def read_rows(path: Path | None) -> list[dict]:
    if path is None:
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def apply(a_path: Path, b_path: Path, decisions_path: Path, out: Path, log: Path, review: Path | None) -> None:
    """Agreed pairs plus every unit's decision and the review -> the gold pointer file, and the log."""
    decisions = {key_of(row): row for row in read_rows(decisions_path)}
    reviewed = {key_of(row): row for row in read_rows(review) if "agreed" in row}
    additions = [row for row in read_rows(review) if row.get("add")]
    # every record is in the gold, those neither annotator found a mention in included
    records: dict[str, dict] = {item["id"]: {k: item[k] for k in ("id", "file", "sha256", "stratum", "note_kind", "split")}
                                | {"gold": {"mentions": []}, "_text": item["text"]} for item in load_gold(a_path)}
    log_rows = []
    unit = agreed_number = 0
    for record, a, b in paired(a_path, b_path):
        gold = records[record["id"]]
        if a and b and all(a.get(f) == b.get(f) for f in FIELDS):
            agreed_number += 1
            change = reviewed.pop(pair_key(record, a, b), None)
            if change is None:
                gold["gold"]["mentions"].append(pointer_mention(a["start"], a["span"], a, FIELDS))
                continue
            labels = {f: change.get("labels", {}).get(f, a.get(f)) for f in FIELDS}
            log_rows.append({"review": agreed_number, "id": record["id"], "start": a["start"], "end": a["end"],
                             "disagreement": "agreed, reviewed against the rules", "A": {f: a.get(f) for f in FIELDS},
                             "B": {f: b.get(f) for f in FIELDS}, "keep": change["keep"],
                             "labels": labels if change["keep"] else None, "rule": change.get("rule"),
                             "reason": change.get("reason")})
            if change["keep"]:
                gold["gold"]["mentions"].append(pointer_mention(a["start"], a["span"], labels, FIELDS))
            continue
        unit += 1
        decision = decisions.pop(pair_key(record, a, b), None)
        if decision is None:
            raise SystemExit(f"{decisions_path}: no decision for {record['id']} at {(a or b)['start']}")
        differing = [f for f in FIELDS if a and b and a.get(f) != b.get(f)]
        log_rows.append({"unit": unit, "id": record["id"], "start": (a or b)["start"], "end": (a or b)["end"],
                         "disagreement": "A only" if b is None else "B only" if a is None else ",".join(differing),
                         "A": None if a is None else {f: a.get(f) for f in FIELDS},
                         "B": None if b is None else {f: b.get(f) for f in FIELDS},
                         "keep": decision["keep"], "labels": decision.get("labels"), "rule": decision.get("rule"),
                         "reason": decision.get("reason")})
        if decision["keep"]:
            base = a or b
            labels = {f: decision.get("labels", {}).get(f, base.get(f)) for f in FIELDS}
            gold["gold"]["mentions"].append(pointer_mention(base["start"], base["span"], labels, FIELDS))
    if decisions or reviewed:
        raise SystemExit(f"{len(decisions) + len(reviewed)} decisions match no disagreement or agreed mention")
    for row in additions:
        record = records[row["id"]]
        text = record["_text"]
        try:
            start = locate(text, row["span"], row.get("occurrence", 0))
        except ValueError:
            raise SystemExit(f"{review}: added mention not found in {row['id']}") from None
        labels = {f: row.get(f) for f in FIELDS}
        record["gold"]["mentions"].append(pointer_mention(start, row["span"], labels, FIELDS))
        log_rows.append({"review": "added", "id": row["id"], "start": start, "end": start + len(row["span"]),
                         "disagreement": "both annotators missed it", "A": None, "B": None, "keep": True,
                         "labels": labels, "rule": row.get("rule"), "reason": row.get("reason")})
    for record in records.values():
        del record["_text"]
        record["gold"]["mentions"].sort(key=lambda m: (m["start"], m["end"]))
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(records[record_id]) + "\n" for record_id in sorted(records))
    with open(log, "w", encoding="utf-8") as handle:
        for row in log_rows:
            handle.write(json.dumps(row) + "\n")
    kept = sum(len(r["gold"]["mentions"]) for r in records.values())
    print(f"{out}: {len(records)} records, {kept} mentions; {log}: {len(log_rows)} decisions")


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("agreement", "units", "agreed", "apply"):
        p = sub.add_parser(name)
        p.add_argument("a", type=Path)
        p.add_argument("b", type=Path)
        if name == "apply":
            p.add_argument("decisions", type=Path)
            p.add_argument("--log", type=Path, required=True)
            p.add_argument("--review", type=Path)
        if name != "agreement":
            p.add_argument("-o", dest="out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "agreement":
        agreement(args.a, args.b)
    elif args.command == "units":
        units(args.a, args.b, args.out)
    elif args.command == "agreed":
        agreed(args.a, args.b, args.out)
    else:
        apply(args.a, args.b, args.decisions, args.out, args.log, args.review)


if __name__ == "__main__":
    main()

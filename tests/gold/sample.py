"""Draw the corpus gold set's records: a seeded sample stratified by source and finding class.

The strata come from this script's own word patterns, never from reportkit's output, so the
sample does not favour what reportkit already finds. Writes ``records.jsonl`` beside this file:
one line per record (id, corpus file, sha256 of the text, stratum, split), no text.

    python tests/gold/sample.py ../shared/corpus

The split is fixed by a hash of the record id: a quarter of the records is locked (scored
only at the end of a round of work), three quarters are for working on.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
SEED = 20261206
# Longer notes cost an annotator too much; length effects are measured by the benchmarks.
MAX_CHARS = 8000

FINDING = re.compile(
    r"calcif|calcin|ossif|ossicle|foreign bod|fragment|bullet|shrapnel|pellet|needle|glass|metallic|"
    r"phlebolith|toph(?:us|i|aceous)|enthesophyte|syndesmophyte|\bspurs?\b|\bDISH\b|\bOPLL\b|"
    r"calcul|\bstones?\b|minerali[sz]|granuloma", re.IGNORECASE)
FOREIGN = re.compile(r"foreign bod|bullet|shrapnel|pellet|needle|glass|metallic (?:fragment|density|object)", re.IGNORECASE)
MSK = re.compile(
    r"shoulder|knee|\bhip|elbow|wrist|ankle|\bfoot|\bfeet|\bhand|finger|\btoe|tendon|ligament|muscle|bursa|"
    r"joint|cartilage|menisc|femor|femur|tibi|fibul|humer|radius|ulna|calcane|patell|soft tissue|spine|spinal|"
    r"vertebra|sacr|pelvi|clavic|scapul|rotator|achilles|plantar|digit|phalan", re.IGNORECASE)
NEGATION = re.compile(r"\b(?:no|without|negative for|free of|absence of|denies|resolved)\b", re.IGNORECASE)
HEDGE = re.compile(r"\b(?:possibl[ey]|probabl[ey]|may (?:be|represent)|likely|suspicious|question(?:able)?|"
                   r"cannot be excluded|presumed|consistent with|suggest)", re.IGNORECASE)
OPERATIVE = re.compile(r"PROCEDURE|OPERATION|OPERATIVE|INCISION|ANESTHESIA", re.IGNORECASE)
CLINICAL = re.compile(r"HISTORY OF PRESENT ILLNESS|CHIEF COMPLAINT|SUBJECTIVE:|ASSESSMENT|PLAN:|DISCHARGE", re.IGNORECASE)
SENTENCE = re.compile(r"[^.\n]+")

# records to draw per stratum; ALL takes the whole stratum. Chest radiographs (iu) are many and
# mostly non-MSK, so only part of their plain-finding stratum is drawn; every MSK, negated,
# hedged and several-finding record of every source is taken, so MSK text is over-represented.
ALL = 10**6
PLAN = {
    "iu": {"msk": ALL, "negated": ALL, "hedged": ALL, "several": ALL, "foreign_body": ALL, "finding": 100, "none": 20},
    "mp": {"msk": ALL, "negated": ALL, "hedged": ALL, "several": ALL, "foreign_body": ALL, "finding": ALL, "none": 15},
    "mt": {"msk": ALL, "negated": ALL, "hedged": ALL, "several": ALL, "foreign_body": 50, "finding": ALL, "none": 15},
}
# A second draw, taken after the first from what it left, once the first draw's mentions fell
# short of the set's size: the first draw and its annotation batches stay exactly as they were.
EXTENSION = {"iu": {"finding": 70}}
# A third draw: every remaining record that names an MSK deposit in words the strata's finding
# pattern does not cover (heterotopic bone, loose bodies, ...), so no MSK record is left out.
MSK_DEPOSIT = re.compile(
    r"calcific tendin|chondrocalcinosis|heterotopic|myositis ossificans|enthesophyte|\bspurs?\b|toph(?:us|i)|"
    r"calcinosis|phlebolith|\bDISH\b|syndesmophyte|soft tissue calcif|ossific|loose bod", re.IGNORECASE)
# A fourth draw, once the first three were adjudicated: more operative and clinical notes with
# foreign-body words, the stratum where the work quarter showed most errors (instruments, devices and
# objects restated across a narrative), drawn from what the first draw left of it.
NOTES = {"mt": {"foreign_body": 60}}
# A fifth draw, once the fourth was adjudicated and scored: 60 more of the same stratum, whose foreign bodies
# were still the locked quarter's weakest category.
MORE_NOTES = {"mt": {"foreign_body": 60}}


def split_of(record_id: str) -> str:
    return "locked" if int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % 4 == 0 else "work"


def kind_of_note(text: str) -> str:
    if OPERATIVE.search(text):
        return "operative"
    if CLINICAL.search(text):
        return "clinical"
    return "imaging"


def stratum_of(text: str) -> str:
    sentences = [s for s in SENTENCE.findall(text) if FINDING.search(s)]
    if not sentences:
        return "none"
    if any(FOREIGN.search(s) for s in sentences):
        return "foreign_body"
    if any(MSK.search(s) for s in sentences):
        return "msk"
    if any(NEGATION.search(s) for s in sentences):
        return "negated"
    if any(HEDGE.search(s) for s in sentences):
        return "hedged"
    return "several" if len(sentences) > 1 else "finding"


def main(corpus: Path) -> None:
    rng = random.Random(SEED)
    pools: dict[tuple[str, str], list[dict]] = {}
    for source in PLAN:
        for line in (corpus / f"{source}.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text = record["text"]
            if len(text) > MAX_CHARS:
                continue
            pools.setdefault((source, stratum_of(text)), []).append({
                "id": record["id"], "file": f"{source}.jsonl",
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "note_kind": kind_of_note(text) if source == "mt" else ("caption" if record["id"].startswith("mpc") else "report"),
                "msk_deposit": bool(MSK_DEPOSIT.search(text)),
            })
    rows = []
    msk_plan = {source: {stratum: ALL for (s, stratum) in pools if s == source} for source in PLAN}
    for draw, plan in enumerate((PLAN, EXTENSION, msk_plan, NOTES, MORE_NOTES)):
        taken = {r["id"] for r in rows}
        drawn = []
        for source, strata in plan.items():
            for stratum, wanted in strata.items():
                pool = sorted((r for r in pools.get((source, stratum), [])
                               if r["id"] not in taken and (draw != 2 or r["msk_deposit"])), key=lambda r: r["id"])
                drawn += [{**row, "stratum": f"{source}/{stratum}", "split": split_of(row["id"])}
                          for row in rng.sample(pool, min(wanted, len(pool)))]
        drawn.sort(key=lambda r: r["id"])
        # annotation batches: the first draw alternates between two, a later draw is a batch of its own
        for index, row in enumerate(drawn):
            row["batch"] = 1 + index % 2 if draw == 0 else 2 + draw
        rows += drawn
    rows.sort(key=lambda r: r["id"])
    with open(HERE / "records.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps({k: v for k, v in row.items() if k != "msk_deposit"}) + "\n")
    print(f"{len(rows)} records", dict(Counter(r["stratum"] for r in rows)), dict(Counter(r["split"] for r in rows)))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "corpus"))

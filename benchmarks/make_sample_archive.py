"""Generate a sample MSK report archive with RIS metadata, written as JSONL, CSV, Parquet, HL7 v2 and FHIR.

Usage: python benchmarks/make_sample_archive.py OUT_DIR [-n 2000] [--seed 1] [--finding-rate 0.05]

Importable without reportkit: ``generate(n, seed)`` returns plain dicts (id, text, patient_id, accession,
exam_date, modality, body_part, side, procedure, scenario). Each patient episode is one scenario: a
radiograph alone, an MRI with a prior radiograph, an MRI with none, an MRI whose radiograph is of the other
side, too old, or taken a few days after, an ultrasound or CT, or an MRI with incomplete metadata. About
``finding_rate`` of the reports mention a calcification, ossification or foreign body (positive, negated or
with the clinical term "pseudogout" misused); the rest contain no such word. All text here is written for
this generator.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import gzip
import json
import random
from pathlib import Path

START = dt.date(2023, 1, 1)
DAYS = 730  # about two years of exams

PARTS = {  # body part -> (words for the procedure, may have a side)
    "SHOULDER": True, "KNEE": True, "HIP": True, "ANKLE": True, "FOOT": True, "THIGH": True,
    "CALF": True, "ELBOW": True, "WRIST": True, "PELVIS": False,
}
SIDE_WORD = {"L": "left", "R": "right", "": ""}
MODALITY_WORD = {"XR": "Radiographs", "MR": "MRI", "US": "Ultrasound", "CT": "CT"}

HISTORY = [
    "Pain for {weeks} weeks after a fall.", "Chronic pain, worse at night.", "Reduced range of movement.",
    "Swelling after a sports injury {weeks} weeks ago.", "Persistent ache, no trauma recalled.",
    "Pain on exertion; assess for structural cause.",
]
NORMAL = {
    "XR": ["No fracture or dislocation is seen.", "Joint spaces are preserved for age.",
           "Alignment is anatomical.", "Mild degenerative change at the joint margins.",
           "The visible soft tissues are unremarkable."],
    "MR": ["There is a small joint effusion.", "Mild tendinopathy without a discrete tear.",
           "Marrow signal is normal.", "The ligaments are intact.", "Low-grade muscle strain with mild oedema.",
           "No focal cartilage defect is identified."],
    "US": ["The tendon is thickened and hypoechoic in keeping with tendinopathy.", "No fluid collection.",
           "Normal tendon thickness and echotexture.", "Small bursal effusion with mild hyperaemia."],
    "CT": ["No acute bony injury.", "Cortical outlines are smooth.", "Mild joint space narrowing.",
           "No collection or soft tissue mass."],
}
IMPRESSION = {
    "XR": ["No acute bony abnormality.", "Mild degenerative change."],
    "MR": ["Tendinopathy without tear.", "Small effusion, otherwise unremarkable study."],
    "US": ["Tendinopathy.", "Unremarkable study."],
    "CT": ["No acute abnormality.", "Mild degenerative change."],
}
# Calcification sentences by body part: (findings sentence, impression sentence)
FINDINGS = {
    "SHOULDER": [("A {size} mm oval homogeneous calcific deposit sits in the supraspinatus tendon close to "
                  "the greater tuberosity.", "Calcific tendinitis of the supraspinatus."),
                 ("Dense amorphous calcification lies within the subscapularis tendon, measuring {size} mm.",
                  "Hydroxyapatite deposition in the subscapularis tendon.")],
    "KNEE": [("Fine linear calcification outlines the medial and lateral menisci.", "Chondrocalcinosis."),
             ("Meniscal calcification is present on both sides of the joint.", "Findings consistent with pseudogout."),
             ("Thin calcification follows the articular cartilage of the femoral condyles.",
              "Chondrocalcinosis, likely calcium pyrophosphate deposition.")],
    "CALF": [("Several round calcifications with lucent centres lie in the calf soft tissues.",
              "Phleboliths, of no clinical concern.")],
    "FOOT": [("A {size} mm radiopaque foreign body lies in the plantar subcutaneous fat of the forefoot.",
              "Retained foreign body in the sole of the foot.")],
    "THIGH": [("A mass in the vastus lateralis shows peripheral mineralisation with a lucent centre.",
               "Appearances suggest myositis ossificans; a short-interval follow-up film is advised.")],
    "HIP": [("Amorphous calcification sits next to the greater trochanter, {size} mm across.",
             "Calcific tendinopathy of the gluteus medius insertion.")],
}
NEGATED = ("No soft tissue calcification or foreign body is seen.", "No calcification.")
SCENARIOS = [  # (name, weight)
    ("xr_only", 30), ("mri_with_prior_xr", 20), ("mri_no_xr", 12), ("mri_xr_other_side", 5),
    ("mri_xr_after", 5), ("mri_xr_too_old", 5), ("us_only", 9), ("ct_only", 6), ("mri_missing_meta", 4),
    ("us_with_prior_xr", 4),
]


def _report_text(rng: random.Random, modality: str, part: str, side: str, finding: tuple[str, str] | None) -> str:
    where = f"{SIDE_WORD[side]} {part.lower()}".strip()
    findings = rng.sample(NORMAL[modality], k=min(3, len(NORMAL[modality])))
    impression = rng.choice(IMPRESSION[modality])
    if finding:
        size = rng.randint(3, 22)
        findings.insert(rng.randint(0, len(findings)), finding[0].format(size=size))
        impression = finding[1]
    return "\n".join([
        f"EXAMINATION: {MODALITY_WORD[modality]} of the {where}.",
        f"CLINICAL HISTORY: {rng.choice(HISTORY).format(weeks=rng.randint(2, 30))}",
        "FINDINGS: " + " ".join(findings),
        f"IMPRESSION: {impression}",
    ]) + "\n"


def _episodes(rng: random.Random, scenario: str) -> list[tuple[str, int, str]]:
    """(modality, day offset from the episode start, side rule) for each exam of a scenario."""
    if scenario == "xr_only":
        return [("XR", 0, "same")]
    if scenario == "mri_with_prior_xr":
        return [("XR", 0, "same"), ("MR", rng.randint(0, 300), "same")]
    if scenario == "mri_xr_other_side":
        return [("XR", 0, "other"), ("MR", rng.randint(5, 200), "same")]
    if scenario == "mri_xr_after":
        return [("MR", 0, "same"), ("XR", rng.randint(1, 30), "same")]
    if scenario == "mri_xr_too_old":
        return [("XR", 0, "same"), ("MR", rng.randint(400, 600), "same")]
    if scenario == "us_with_prior_xr":
        return [("XR", 0, "same"), ("US", rng.randint(1, 90), "same")]
    return [({"us_only": "US", "ct_only": "CT"}.get(scenario, "MR"), 0, "same")]  # mri_no_xr, mri_missing_meta


def generate(n: int, seed: int = 1, finding_rate: float = 0.05) -> list[dict]:
    """``n`` reports as dicts, reproducible from ``seed``; about ``finding_rate`` carry a mineralisation sentence."""
    rng = random.Random(seed)
    names, weights = zip(*SCENARIOS)
    reports: list[dict] = []
    patient = 0
    while len(reports) < n:
        patient += 1
        scenario = rng.choices(names, weights)[0]
        part = rng.choice([p for p, sided in PARTS.items() if sided or scenario != "mri_xr_other_side"])
        side = rng.choice("LR") if PARTS[part] else ""
        start = START + dt.timedelta(days=rng.randint(0, DAYS - 1))
        for modality, offset, side_rule in _episodes(rng, scenario):
            if len(reports) >= n:
                break
            exam_side = {"L": "R", "R": "L", "": ""}[side] if side_rule == "other" else side
            finding = None
            if rng.random() < finding_rate:
                finding = rng.choice(FINDINGS.get(part, []) + [NEGATED]) if modality != "US" else NEGATED
            number = len(reports) + 1
            # an incomplete export: no patient id or no body part
            dropped = rng.choice(["patient_id", "body_part"]) if scenario == "mri_missing_meta" else None
            reports.append({
                "id": f"R{number:06d}",
                "text": _report_text(rng, modality, part, exam_side, finding),
                "patient_id": "" if dropped == "patient_id" else f"P{patient:05d}",
                "accession": f"A{seed % 100:02d}{number:07d}",
                "exam_date": (start + dt.timedelta(days=offset)).isoformat(),
                "modality": modality,
                "body_part": "" if dropped == "body_part" else part,
                "side": exam_side,
                "procedure": " ".join(filter(None, [modality, "" if dropped == "body_part" else part,
                                                     {"L": "LT", "R": "RT"}.get(exam_side, "")])),
                "scenario": scenario,
            })
    return reports


META = ("patient_id", "accession", "exam_date", "modality", "body_part", "side")


def write_jsonl(reports: list[dict], path: Path) -> None:
    """One {"id", "text", metadata} object per line."""
    with path.open("w", encoding="utf-8") as out:
        for r in reports:
            out.write(json.dumps({k: r[k] for k in ("id", "text", *META) if r[k] != ""}) + "\n")


def write_csv(reports: list[dict], path: Path) -> None:
    """A RIS-style export with its own column names (see the column map in the README)."""
    columns = {"report_id": "id", "report_text": "text", "mrn": "patient_id", "accession_no": "accession",
               "study_date": "exam_date", "modality": "modality", "body_part": "body_part", "laterality": "side"}
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for r in reports:
            writer.writerow([r[field].replace("-", "") if field == "exam_date" else r[field] for field in columns.values()])


def write_parquet(reports: list[dict], path: Path) -> None:
    """The same columns as the JSONL, exam_date as a date column (needs pyarrow)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {k: [r[k] or None for r in reports] for k in ("id", "text", *META)}
    columns["exam_date"] = [dt.date.fromisoformat(d) for d in columns["exam_date"]]
    pq.write_table(pa.table(columns), path, row_group_size=500)


def _hl7_escape(text: str) -> str:
    for raw, escaped in (("\\", "\\E\\"), ("|", "\\F\\"), ("^", "\\S\\"), ("&", "\\T\\"), ("~", "\\R\\")):
        text = text.replace(raw, escaped)
    return text


def write_hl7(reports: list[dict], path: Path) -> None:
    """ORU^R01 messages: FT text with \\.br\\ line breaks, or one TX OBX per line; every third MLLP-framed."""
    with path.open("w", encoding="utf-8", newline="") as out:
        for i, r in enumerate(reports):
            date = r["exam_date"].replace("-", "")
            service = {"XR": "RAD"}.get(r["modality"], r["modality"])
            segments = [
                f"MSH|^~\\&|RIS|SAMPLE|REPORTKIT|AUDIT|{date}1200||ORU^R01|{r['id']}|P|2.5.1",
                f"PID|1||{r['patient_id']}^^^SAMPLE^MR||Sample^Patient",
                f"OBR|1|PL{i + 1:07d}|{r['accession']}|PROC^{r['procedure']}|||{date}0930" + "|" * 17 + service,
            ]
            lines = r["text"].rstrip("\n").split("\n")
            if i % 2:
                segments += [f"OBX|{n}|TX|REPORT^Report||{_hl7_escape(line)}||||||F" for n, line in enumerate(lines, 1)]
            else:
                segments.append("OBX|1|FT|REPORT^Report||" + "\\.br\\".join(map(_hl7_escape, lines)) + "||||||F")
            message = "\r".join(segments) + "\r"
            out.write(f"\x0b{message}\x1c\r" if i % 3 == 0 else message + "\n")


def diagnostic_report(r: dict, index: int) -> dict:
    """A FHIR R4 DiagnosticReport: text/plain base64, HTML every 7th, conclusion only every 11th."""
    resource = {
        "resourceType": "DiagnosticReport", "id": r["id"], "status": "final",
        "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                             "code": "ACSN"}]}, "value": r["accession"]}],
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD"}]}],
        "code": {"text": r["procedure"]},
        "effectiveDateTime": r["exam_date"],
    }
    if r["patient_id"]:
        resource["subject"] = {"reference": f"Patient/{r['patient_id']}"}
    if index % 11 == 10:
        resource["conclusion"] = r["text"]
    elif index % 7 == 6:
        html = "".join(f"<p>{line}</p>" for line in r["text"].splitlines())
        resource["presentedForm"] = [{"contentType": "text/html", "data": base64.b64encode(html.encode()).decode()}]
    else:
        data = base64.b64encode(r["text"].encode()).decode()
        resource["presentedForm"] = [{"contentType": "text/plain; charset=utf-8", "data": data}]
    return resource


def write_fhir(reports: list[dict], bundle_path: Path, ndjson_path: Path) -> None:
    """A Bundle (collection) of all reports, and the same resources as NDJSON."""
    resources = [diagnostic_report(r, i) for i, r in enumerate(reports)]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": res} for res in resources]}
    bundle_path.write_text(json.dumps(bundle, indent=1) + "\n", encoding="utf-8")
    with ndjson_path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(res) + "\n" for res in resources)


def write_archive(reports: list[dict], out_dir: Path, compress_lines: bool = False) -> list[Path]:
    """Write every format into ``out_dir``; Parquet only when pyarrow is installed. Returns the files written.

    ``compress_lines`` gzips the JSONL and NDJSON files (the bundled example does, so that
    ``reportkit extract examples/`` does not take the archive for example reports).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in ("archive.jsonl", "archive.csv", "archive.hl7", "archive.fhir.json",
                                         "archive.fhir.ndjson")]
    write_jsonl(reports, paths[0])
    write_csv(reports, paths[1])
    write_hl7(reports, paths[2])
    write_fhir(reports, paths[3], paths[4])
    if compress_lines:
        for index in (0, 4):
            gz_path = paths[index].with_name(paths[index].name + ".gz")
            with gzip.GzipFile(gz_path, "wb", mtime=0) as out:  # mtime 0: reproducible bytes
                out.write(paths[index].read_bytes())
            paths[index].unlink()
            paths[index] = gz_path
    try:
        write_parquet(reports, out_dir / "archive.parquet")
        paths.append(out_dir / "archive.parquet")
    except ImportError:
        pass
    return paths


def main() -> None:
    """Command line: write the archive in every format."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--finding-rate", type=float, default=0.05)
    parser.add_argument("--gzip", action="store_true", help="gzip the JSONL and NDJSON files")
    args = parser.parse_args()
    reports = generate(args.n, args.seed, args.finding_rate)
    for path in write_archive(reports, args.out_dir, compress_lines=args.gzip):
        print(path)


if __name__ == "__main__":
    main()

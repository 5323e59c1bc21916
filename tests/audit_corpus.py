"""Generated MSK reports with archive metadata for the audit tests (text written for these tests)."""

from __future__ import annotations

import json
import random
from pathlib import Path

EXAMS = ["MRI RIGHT SHOULDER", "RADIOGRAPH LEFT KNEE", "XR RIGHT HIP", "ULTRASOUND LEFT SHOULDER",
         "CT PELVIS", "MR LEFT ELBOW", "X-ray right wrist, 3 views", "US-guided barbotage, right shoulder"]
FINDING_SENTENCES = [
    "Calcific tendinitis of the supraspinatus tendon measuring 12 mm.",
    "Amorphous calcification in the infraspinatus tendon.",
    "No soft tissue calcification.",
    "Chondrocalcinosis of the medial and lateral menisci.",
    "Pseudogout of the menisci.",
    "Possible heterotopic ossification adjacent to the hip.",
    "Small radiopaque foreign body in the thenar soft tissues.",
    "Bone mineralization is within normal limits.",
    "Rule out calcific tendinopathy.",
    "Dense calcificaton at the greater tuberosity.",
    "Low signal focus in the meniscus, possibly a tear.",
]
PLAIN_SENTENCES = [
    "The joint space is preserved.", "No fracture or dislocation.", "Alignment is anatomic.",
    "Mild degenerative change.", "Small joint effusion.", "Soft tissues are unremarkable.",
    "T2 signal is normal in the tendon.", "The bone marrow signal is normal.", "Compared with the prior study.",
]


def make_report(rng: random.Random, trigger_rate: float = 0.5) -> str:
    """One report: exam line, history, findings and impression, sometimes with a mention."""
    body = rng.sample(PLAIN_SENTENCES, 3)
    if rng.random() < trigger_rate:
        body.insert(rng.randrange(len(body) + 1), rng.choice(FINDING_SENTENCES))
    lines = [f"EXAM: {rng.choice(EXAMS)}", "HISTORY: Pain.", "FINDINGS: " + " ".join(body),
             "IMPRESSION: " + rng.choice(["No acute abnormality.", body[0]])]
    return "\n".join(lines)


def write_archive(path: Path, count: int, seed: int = 7, trigger_rate: float = 0.5, bad_lines: int = 2) -> Path:
    """A JSONL archive of ``count`` reports with metadata, plus ``bad_lines`` malformed lines."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            record = {"id": f"r{i}", "text": make_report(rng, trigger_rate), "patient_id": f"p{i % 37}",
                      "accession": f"A{i:06d}", "exam_date": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                      "modality": rng.choice(["MR", "CR", "US", "CT"]), "body_part": "shoulder"}
            out.write(json.dumps(record) + "\n")
            if bad_lines and i % max(1, count // bad_lines) == 3:
                out.write("{not json\n")
    return path

"""Render a StructuredReport as text, Markdown, HTML, JSON or a FHIR R4 Bundle.

Templates load from ``templates/`` in the package (Jinja2 PackageLoader); a user folder
given as ``templates_dir`` overrides any of them by name. Undefined variables are errors
(StrictUndefined) and HTML output escapes the report text.

Entry point: :func:`render`.
"""

from __future__ import annotations

import functools
import json
import uuid
from enum import StrEnum
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined

from reportkit import __version__
from reportkit.lexicon import load_lexicon
from reportkit.models import StructuredReport


class Format(StrEnum):
    text = "text"
    md = "md"
    html = "html"
    json = "json"
    fhir = "fhir"


EXTENSIONS = {Format.text: "txt", Format.md: "md", Format.html: "html", Format.json: "json", Format.fhir: "fhir.json"}
TEMPLATES = {Format.text: "report.txt.j2", Format.md: "report.md.j2", Format.html: "report.html.j2"}
LOCATION_ORDER = ["tendon", "articular", "soft_tissue", "vascular", "other", None]
LOCATION_TITLES = {
    "tendon": "Tendon",
    "articular": "Articular",
    "soft_tissue": "Other soft tissue",
    "vascular": "Vascular",
    "other": "Other (non-musculoskeletal, spine, intra-osseous)",
    None: "Location not stated",
}
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


@functools.cache
def environment(templates_dir: str | None = None) -> Environment:
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    loaders.append(PackageLoader("reportkit.templates", "."))
    env = Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=lambda name: name is not None and ".html" in name,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["label"] = lambda value: "-" if value is None else str(value).replace("_", " ")
    env.filters["first_upper"] = lambda value: value[:1].upper() + value[1:]
    return env


def _items(report: StructuredReport) -> list[dict]:
    return [
        {"index": i, "finding": f, "assessment": a}
        for i, (f, a) in enumerate(zip(report.result.findings, report.assessments, strict=True))
    ]


def _by_location(items: list[dict]) -> list[dict]:
    groups = []
    for location in LOCATION_ORDER:
        members = [it for it in items if it["finding"].location_category == location]
        if members:
            groups.append({"location": location, "title": LOCATION_TITLES[location], "items": members})
    return groups


def _segments(text: str, report: StructuredReport) -> list[dict]:
    """Split ``text`` into runs covered by the same finding terms and evidence roles."""
    marks: list[tuple[int, int, str, int]] = []
    for i, finding in enumerate(report.result.findings):
        marks.append((finding.start, finding.end, "finding", i))
        for ev in finding.evidence:
            if ev.role != "term":
                marks.append((ev.start, ev.end, f"ev-{ev.role}", i))
    for finding in report.result.queries:
        marks.append((finding.start, finding.end, "query", -1))
    cuts = sorted({0, len(text)} | {m[0] for m in marks} | {m[1] for m in marks})
    segments = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in marks if m[0] <= start and end <= m[1]]
        roles = sorted({m[2] for m in covering})
        findings = sorted({m[3] for m in covering if m[3] >= 0})
        segments.append({"text": text[start:end], "roles": [r for r in roles if r != "finding"],
                         "findings": findings, "is_finding": "finding" in roles})
    return segments


def render(report: StructuredReport, text: str, fmt: Format | str, templates_dir: str | None = None,
           lexicon_dir: str | None = None) -> str:
    """Render one report. ``text`` is the original report text (for HTML highlighting)."""
    fmt = Format(fmt)
    if fmt is Format.json:
        return report.model_dump_json(indent=2) + "\n"
    if fmt is Format.fhir:
        return json.dumps(to_fhir(report, lexicon_dir), indent=2) + "\n"
    items = _items(report)
    template = environment(templates_dir).get_template(TEMPLATES[fmt])
    return template.render(
        report=report,
        items=items,
        groups=_by_location(items),
        segments=_segments(text, report) if fmt is Format.html else [],
        version=__version__,
    )


# ---------------------------------------------------------------------- FHIR R4


def _ref(report_id: str, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'reportkit:{report_id}:{name}')}"


def _finding_observation(report: StructuredReport, index: int, lexicon_dir: str | None = None) -> dict:
    finding = report.result.findings[index]
    assessment = report.assessments[index]
    presence = ("NEG", "Negative") if finding.negated else (("IND", "Indeterminate") if finding.uncertain
                                                             else ("POS", "Positive"))
    name = assessment.term.preferred if assessment.term else finding.text
    components: list[dict] = [
        {"code": {"text": "kind"}, "valueString": finding.kind},
        {"code": {"text": "kind (assessed from cues)"}, "valueString": assessment.kind.kind},
    ]
    if finding.laterality:
        side = {"text": finding.laterality}
        code = load_lexicon(lexicon_dir).anatomy.laterality_codes.get(finding.laterality)
        if code:
            side["coding"] = [{"system": "http://snomed.info/sct", "code": code.code, "display": code.display}]
        components.append({"code": {"text": "laterality"}, "valueCodeableConcept": side})
    if finding.location_category:
        components.append({"code": {"text": "location category"}, "valueString": finding.location_category})
    if finding.size_mm is not None:
        components.append({"code": {"text": "largest dimension"}, "valueQuantity": {
            "value": finding.size_mm, "unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}})
    for descriptor in finding.descriptors:
        components.append({"code": {"text": "descriptor"}, "valueString": descriptor})
    if finding.diagnosis:
        components.append({"code": {"text": "diagnosis named or inferred"}, "valueString": finding.diagnosis})
    for rank, item in enumerate(assessment.differential, 1):
        components.append({"code": {"text": f"differential {rank}"},
                           "valueString": f"{item.literal} (score {item.score}; {', '.join(item.supporting) or 'prior'})"})
    observation = {
        "resourceType": "Observation",
        "status": "preliminary",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "imaging", "display": "Imaging"}]}],
        "code": {"text": name},
        "interpretation": [{"coding": [{"system": INTERPRETATION, "code": presence[0], "display": presence[1]}]}],
        "component": components,
        "note": [{"text": f"Evidence: '{ev.text}' ({ev.role}, characters {ev.start}-{ev.end})"}
                 for ev in finding.evidence],
    }
    if finding.site:
        observation["bodySite"] = {"text": finding.site}
    if finding.modality:
        observation["method"] = {"text": finding.modality}
    return observation


def to_fhir(report: StructuredReport, lexicon_dir: str | None = None) -> dict:
    """A FHIR R4 (R4B models) Bundle: DiagnosticReport, a panel Observation with one member
    Observation per finding. Validated by fhir.resources before it is returned."""
    from fhir.resources.R4B.bundle import Bundle

    rid = report.id
    entries = []
    member_refs = []
    for i in range(len(report.result.findings)):
        url = _ref(rid, f"finding-{i}")
        member_refs.append({"reference": url})
        entries.append({"fullUrl": url, "resource": _finding_observation(report, i, lexicon_dir)})
    panel_url = _ref(rid, "panel")
    panel = {
        "resourceType": "Observation",
        "status": "preliminary",
        "code": {"text": "Soft-tissue calcification, ossification and foreign-body findings"},
        "hasMember": member_refs,
    }
    if not member_refs:
        panel["valueString"] = "No soft-tissue calcification, ossification or foreign body mentioned."
    conclusion = [report.disclaimer] + [f"Consider: {r.text}" for r in report.recommendations]
    diagnostic = {
        "resourceType": "DiagnosticReport",
        "status": "preliminary",
        "code": {"text": "Soft-tissue mineralisation analysis (reportkit)"},
        "result": [{"reference": panel_url}] + member_refs,
        "conclusion": "\n".join(conclusion),
    }
    if report.result.modality:
        diagnostic["category"] = [{"text": ", ".join(report.result.modality)}]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": _ref(rid, "report"), "resource": diagnostic},
                  {"fullUrl": panel_url, "resource": panel}] + entries,
    }
    return json.loads(Bundle.model_validate(bundle).model_dump_json(exclude_none=True))


def write_reports(outputs: list[tuple[str, str]], fmt: Format, folder: Path) -> list[Path]:
    """Write rendered reports as ``<id>.<ext>`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for report_id, content in outputs:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in report_id) or "report"
        path = folder / f"{safe}.{EXTENSIONS[fmt]}"
        path.write_text(content, encoding="utf-8")
        paths.append(path)
    return paths

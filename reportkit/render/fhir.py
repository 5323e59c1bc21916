"""A StructuredReport as a FHIR R4 Bundle (R4B models), validated before it is returned."""

from __future__ import annotations

import json
import math
import uuid

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import StructuredReport
from reportkit.render.templates import deposit_items

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
# FHIR system URIs of the code systems the terminology lexicon may cite.
CODE_SYSTEMS = {"ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm", "SNOMED CT": "http://snomed.info/sct"}


def _ref(report_id: str, name: str) -> str:
    """A stable urn:uuid for resource ``name`` of report ``report_id``."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'reportkit:{report_id}:{name}')}"


def _code(name: str, codes: list[dict]) -> dict:
    """The Observation code: the term's name with the codes reasoning found to fit this finding (site, context)."""
    coding = [{"system": CODE_SYSTEMS[c["system"]], "code": c["code"], "display": c["display"]}
              for c in codes if c["system"] in CODE_SYSTEMS]
    return {"text": name, "coding": coding} if coding else {"text": name}


def _finding_observation(report: StructuredReport, item: dict, lexicon: Lexicon) -> dict:
    """The Observation for one deposit: presence, kind, location, size, descriptors, differential, evidence."""
    finding, assessment = item["finding"], item["assessment"]
    presence = ("NEG", "Negative") if finding.negated else (("IND", "Indeterminate") if finding.uncertain
                                                             else ("POS", "Positive"))
    name = assessment.term.preferred if assessment.term else finding.text
    components: list[dict] = [
        {"code": {"text": "kind"}, "valueString": finding.kind},
        {"code": {"text": "kind (assessed from cues)"}, "valueString": assessment.kind.kind},
    ]
    if finding.laterality:
        side = {"text": finding.laterality}
        code = lexicon.anatomy.laterality_codes.get(finding.laterality)
        if code:
            side["coding"] = [{"system": "http://snomed.info/sct", "code": code.code, "display": code.display}]
        components.append({"code": {"text": "laterality"}, "valueCodeableConcept": side})
    if finding.location_category:
        components.append({"code": {"text": "location category"}, "valueString": finding.location_category})
    if finding.scope:
        components.append({"code": {"text": "body system (scope)"}, "valueString": finding.scope})
    if finding.size_mm is not None and math.isfinite(finding.size_mm):  # FHIR decimals have no infinity
        components.append({"code": {"text": "largest dimension"}, "valueQuantity": {
            "value": finding.size_mm, "unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}})
    for descriptor in item["descriptors"]:
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
        "code": _code(name, assessment.term.codes if assessment.term else []),
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
    """A FHIR Bundle: DiagnosticReport, a findings panel, a pertinent-negatives panel, one Observation per deposit."""
    from fhir.resources.R4B.bundle import Bundle

    lexicon = load_lexicon(lexicon_dir)
    rid = report.id
    entries = []
    member_refs: list[dict] = []
    negative_refs: list[dict] = []
    for item in deposit_items(report):
        url = _ref(rid, f"deposit-{item['index']}")
        (negative_refs if item["finding"].negated else member_refs).append({"reference": url})
        entries.append({"fullUrl": url, "resource": _finding_observation(report, item, lexicon)})
    panel_url = _ref(rid, "panel")
    panel = {
        "resourceType": "Observation",
        "status": "preliminary",
        "code": {"text": "Soft-tissue calcification, ossification and foreign-body findings"},
        "hasMember": member_refs,
    }
    if not member_refs:
        panel["valueString"] = "No soft-tissue calcification, ossification or foreign body reported present."
    panels = [{"fullUrl": panel_url, "resource": panel}]
    if negative_refs:
        panels.append({"fullUrl": _ref(rid, "pertinent-negatives"), "resource": {
            "resourceType": "Observation",
            "status": "preliminary",
            "code": {"text": "Pertinent negatives"},
            "hasMember": negative_refs,
        }})
    conclusion = [report.disclaimer] + [f"Consider: {r.text}" for r in report.recommendations]
    diagnostic = {
        "resourceType": "DiagnosticReport",
        "status": "preliminary",
        "code": {"text": "Soft-tissue mineralisation analysis (reportkit)"},
        "result": [{"reference": p["fullUrl"]} for p in panels] + member_refs,
        "conclusion": "\n".join(conclusion),
    }
    if report.result.modality:
        diagnostic["category"] = [{"text": ", ".join(report.result.modality)}]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": _ref(rid, "report"), "resource": diagnostic}] + panels + entries,
    }
    return json.loads(Bundle.model_validate(bundle).model_dump_json(exclude_none=True))

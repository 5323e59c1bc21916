"""A StructuredReport as a FHIR R4 Bundle (R4B models), validated before it is returned.

The DiagnosticReport's results are its narrative sections, each an Observation coded with its
LOINC section code and holding the section's text: Findings (59776-5, also the panel of the
deposits reported present), Impression (19005-8) and Recommendations (18783-1); then the
pertinent negatives and one Observation per deposit. Sections are Observations rather than a
Composition because a Composition must carry a date, and a report without its study's date
would get the day it was rendered: the same report would give a different Bundle every day.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Mapping

from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import StructuredReport
from reportkit.render.templates import deposit_items

INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
# FHIR system URIs of the code systems the terminology lexicon may cite.
CODE_SYSTEMS = {"ICD-10-CM": "http://hl7.org/fhir/sid/icd-10-cm", "SNOMED CT": "http://snomed.info/sct"}
LOINC = "http://loinc.org"
# LOINC codes of a diagnostic imaging report's sections (DICOM CID 7001 headings, as C-CDA's Diagnostic
# Imaging Report uses them); displays are left to the code system, titles are ours
SECTIONS = {"findings": ("59776-5", "Findings"), "impression": ("19005-8", "Impression"),
            "recommendations": ("18783-1", "Recommendations")}
ACCESSION_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN",
                              "display": "Accession ID"}]}
RADIOLOGY = {"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "RAD", "display": "Radiology"}
# coding systems an HL7 v2 message names by mnemonic (table 0396), as FHIR system URIs
V2_CODING_SYSTEMS = {"LN": LOINC, "SCT": "http://snomed.info/sct"}


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


def fhir_date(value: object) -> str | None:
    """An exam date as a FHIR dateTime: an ISO date or timezone-aware timestamp, a compact HL7/DICOM
    date (its time dropped: FHIR wants a timezone with a time) or YYYY/MM/DD; None if it is none of these."""
    if isinstance(value, dt.datetime):
        return value.isoformat() if value.tzinfo else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})(\d{2,6}(\.\d+)?)?([+-]\d{4})?", text) or re.fullmatch(
        r"(\d{4})/(\d{2})/(\d{2})", text)
    try:
        if match:
            return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.isoformat() if parsed.tzinfo else parsed.date().isoformat()


def exam_coding(value: object) -> dict | None:
    """An exam code as a FHIR Coding: ``{system, code, display}`` (a FHIR Coding, or HL7 v2's coding-system
    mnemonic such as LN), or a bare code string; None when there is no code."""
    if isinstance(value, str):
        return {"code": value.strip()} if value.strip() else None
    if not isinstance(value, Mapping) or not str(value.get("code") or "").strip():
        return None
    coding = {"code": str(value["code"]).strip()}
    system = str(value.get("system") or "").strip()
    if system:
        system = V2_CODING_SYSTEMS.get(system.upper(), system)
        if ":" in system:  # a URI; an unknown mnemonic is no system a reader could resolve
            coding["system"] = system
    if value.get("display"):
        coding["display"] = str(value["display"]).strip()
    return coding


def _report_code(exam: Mapping[str, object]) -> dict:
    """DiagnosticReport.code: the exam's code and description when known, else what this report is."""
    coding = exam_coding(exam.get("exam_code"))
    text = (coding or {}).get("display") or str(exam.get("procedure") or "").strip()
    if coding is None and not text:
        return {"text": "Soft-tissue mineralisation analysis (reportkit)"}
    code: dict = {"coding": [coding]} if coding else {}
    if text:
        code["text"] = text
    return code


def _section(name: str, lines: list[str]) -> dict:
    """A narrative section as an Observation: its LOINC section code, its title and its text, one line each."""
    code, title = SECTIONS[name]
    return {"resourceType": "Observation", "status": "preliminary",
            "code": {"coding": [{"system": LOINC, "code": code}], "text": title}, "valueString": "\n".join(lines)}


def _finding_line(item: dict) -> str:
    finding = item["finding"]
    where = ", ".join(part for part in (finding.site, finding.laterality) if part)
    state = "absent" if finding.negated else "possible" if finding.uncertain else "present"
    return f"{finding.text}{f' ({where})' if where else ''}: {finding.kind.replace('_', ' ')}, {state}"


def _impression_line(item: dict) -> str:
    finding, assessment = item["finding"], item["assessment"]
    name = assessment.term.preferred if assessment.term else finding.text
    line = ", ".join(part for part in (name[:1].upper() + name[1:], finding.laterality, finding.site) if part)
    if assessment.suggested_entity and assessment.differential:
        line += f"; consider {assessment.differential[0].literal}"
    return line + "."


def to_fhir(report: StructuredReport, lexicon_dir: str | None = None,
            exam: Mapping[str, object] | None = None) -> dict:
    """A FHIR Bundle: DiagnosticReport, its Findings (the panel of positive deposits), Impression and
    Recommendations sections, a pertinent-negatives panel, one Observation per deposit.

    ``exam``: the study's metadata, as readers and the service carry it: ``patient_id`` (subject),
    ``accession`` (identifier, typed ACSN), ``exam_date`` (effectiveDateTime), ``exam_code`` (code: a
    ``{system, code, display}`` mapping or a bare code) and ``procedure`` (the code's text).
    """
    from fhir.resources.R4B.bundle import Bundle

    exam = exam or {}
    lexicon = load_lexicon(lexicon_dir)
    rid = report.id
    items = deposit_items(report)
    entries = []
    member_refs: list[dict] = []
    negative_refs: list[dict] = []
    for item in items:
        url = _ref(rid, f"deposit-{item['index']}")
        (negative_refs if item["finding"].negated else member_refs).append({"reference": url})
        entries.append({"fullUrl": url, "resource": _finding_observation(report, item, lexicon)})
    findings = [_finding_line(it) for it in items if not it["finding"].negated]
    panel = _section("findings", findings or [
        "No soft-tissue calcification, ossification or foreign body reported present."])
    panel["hasMember"] = member_refs
    positives = [it for it in items if not it["finding"].negated and not it["finding"].hypothetical]
    impression = [_impression_line(it) for it in positives] or ["No positive finding."]
    recommendations = [f"{r.text} [{r.source}]" for r in report.recommendations] or ["None."]
    panels = [{"fullUrl": _ref(rid, "panel"), "resource": panel},
              {"fullUrl": _ref(rid, "impression"), "resource": _section("impression", impression)},
              {"fullUrl": _ref(rid, "recommendations"), "resource": _section("recommendations", recommendations)}]
    if negative_refs:
        panels.append({"fullUrl": _ref(rid, "pertinent-negatives"), "resource": {
            "resourceType": "Observation",
            "status": "preliminary",
            "code": {"text": "Pertinent negatives"},
            "valueString": "\n".join(_finding_line(it) for it in items if it["finding"].negated),
            "hasMember": negative_refs,
        }})
    conclusion = [report.disclaimer] + [f"Consider: {r.text}" for r in report.recommendations]
    patient = str(exam.get("patient_id") or "").strip()
    subject = {"type": "Patient", "identifier": {"value": patient}} if patient else None
    effective = fhir_date(exam.get("exam_date"))
    diagnostic = {
        "resourceType": "DiagnosticReport",
        "status": "preliminary",
        "category": [{"coding": [RADIOLOGY]}],
        "code": _report_code(exam),
        "result": [{"reference": p["fullUrl"]} for p in panels] + member_refs,
        "conclusion": "\n".join(conclusion),
    }
    accession = str(exam.get("accession") or "").strip()
    if accession:
        diagnostic["identifier"] = [{"type": ACCESSION_TYPE, "value": accession}]
    if subject:
        diagnostic["subject"] = subject
    if effective:
        diagnostic["effectiveDateTime"] = effective
    if report.result.modality:
        diagnostic["category"].append({"text": ", ".join(report.result.modality)})
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": _ref(rid, "report"), "resource": diagnostic}] + panels + entries,
    }
    return json.loads(Bundle.model_validate(bundle).model_dump_json(exclude_none=True))

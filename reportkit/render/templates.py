"""Jinja rendering of a StructuredReport (text, Markdown, HTML).

Templates load from ``templates/`` in the package (Jinja2 PackageLoader); a user folder
given as ``templates_dir`` overrides any of them by name. Every template runs in Jinja's
sandbox (a user template is code from outside: no private attributes, no ``os``), undefined
variables are errors (StrictUndefined) and HTML output escapes the report text.
"""

from __future__ import annotations

import functools

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from reportkit import __version__
from reportkit.models import Finding, StructuredReport

LOCATION_ORDER = ["tendon", "articular", "soft_tissue", "vascular", "other", None]
LOCATION_TITLES = {
    "tendon": "Tendon",
    "articular": "Articular",
    "soft_tissue": "Other soft tissue",
    "vascular": "Vascular",
    "other": "Other (non-musculoskeletal, spine, intra-osseous)",
    None: "Location not stated",
}


@functools.cache
def environment(templates_dir: str | None = None) -> Environment:
    """The sandboxed Jinja environment: ``templates_dir`` first (when given), then the shipped templates."""
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    loaders.append(PackageLoader("reportkit.templates", "."))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=lambda name: name is not None and ".html" in name,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["label"] = lambda value: "-" if value is None else str(value).replace("_", " ")
    env.filters["first_upper"] = lambda value: value[:1].upper() + value[1:]
    env.filters["scope_note"] = scope_note
    return env


def scope_note(scope: str | None) -> str:
    """What a deposit's scope means for the advice shown with it ("" for a musculoskeletal one)."""
    if scope in (None, "msk"):
        return ""
    if scope == "unknown":
        return "body system not stated: the article's advice is withheld"
    return f"{scope.replace('_', ' ')}: outside the article's scope (musculoskeletal soft tissue)"


def render_template(report: StructuredReport, text: str, name: str, templates_dir: str | None = None,
                    highlight: bool = False) -> str:
    """Render template ``name``; with ``highlight`` it also gets ``text`` cut into marked segments."""
    items = deposit_items(report)
    template = environment(templates_dir).get_template(name)
    return template.render(
        report=report,
        items=[it for it in items if not it["finding"].negated],
        negatives=[it for it in items if it["finding"].negated],
        groups=_by_location([it for it in items if not it["finding"].negated]),
        segments=_segments(text, report) if highlight else [],
        version=__version__,
    )


def deposit_items(report: StructuredReport) -> list[dict]:
    """One item per deposit: its index, merged finding, assessment, mentions and descriptors as written."""
    findings = report.result.findings
    items = []
    for a in report.assessments:
        deposit = report.result.deposits[a.deposit] if a.deposit is not None else None
        finding = report.assessed_finding(a)
        members = deposit.findings if deposit else [a.finding]
        items.append({"index": a.deposit if a.deposit is not None else a.finding, "finding": finding,
                      "assessment": a, "members": members, "mentions": [findings[m] for m in members],
                      "descriptors": written_descriptors(finding)})
    return items


def written_descriptors(finding: Finding) -> list[str]:
    """The finding's descriptor cues in the report's own words ("round", not the cue id "oval")."""
    words: dict[str, str] = {}
    for ev in finding.evidence:
        if ev.role == "descriptor" and ev.value in finding.descriptors:
            words.setdefault(ev.value, ev.text.lower())
    return [words.get(d, d.replace("_", " ")) for d in finding.descriptors]


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

"""Render a StructuredReport as text, Markdown, HTML, JSON or a FHIR R4 Bundle.

Text, Markdown and HTML come from Jinja templates (:mod:`.templates`), JSON is the report
model itself, FHIR is built in :mod:`.fhir`.

Entry point: :func:`render`.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

from reportkit.models import StructuredReport
from reportkit.render.fhir import to_fhir
from reportkit.render.templates import render_template

__all__ = ["Format", "render", "to_fhir", "write_reports"]


class Format(StrEnum):
    """An output format of ``reportkit report``."""

    text = "text"
    md = "md"
    html = "html"
    json = "json"
    fhir = "fhir"


EXTENSIONS = {Format.text: "txt", Format.md: "md", Format.html: "html", Format.json: "json", Format.fhir: "fhir.json"}
TEMPLATES = {Format.text: "report.txt.j2", Format.md: "report.md.j2", Format.html: "report.html.j2"}


def render(report: StructuredReport, text: str, fmt: Format | str, templates_dir: str | None = None,
           lexicon_dir: str | None = None) -> str:
    """Render one report. ``text`` is the original report text (for HTML highlighting)."""
    fmt = Format(fmt)
    if fmt is Format.json:
        return report.model_dump_json(indent=2) + "\n"
    if fmt is Format.fhir:
        return json.dumps(to_fhir(report, lexicon_dir), indent=2) + "\n"
    return render_template(report, text, TEMPLATES[fmt], templates_dir, highlight=fmt is Format.html)


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

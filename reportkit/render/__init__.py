"""Render a StructuredReport as text, Markdown, HTML, JSON or a FHIR R4 Bundle.

Text, Markdown and HTML come from Jinja templates (:mod:`.templates`), JSON is the report
model itself, FHIR is built in :mod:`.fhir`.

Entry point: :func:`render`.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
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
           lexicon_dir: str | None = None, diagnostics: list[dict] | None = None,
           exam: Mapping[str, object] | None = None) -> str:
    """Render one report. ``text`` is the original report text (for HTML highlighting).

    ``diagnostics``: the report's lint diagnostics as ``Diagnostic.to_dict()`` records, shown by the
    HTML page (None: not linted). ``exam``: the study's metadata for FHIR (see :func:`to_fhir`).
    """
    fmt = Format(fmt)
    if fmt is Format.json:
        return report.model_dump_json(indent=2) + "\n"
    if fmt is Format.fhir:
        return json.dumps(to_fhir(report, lexicon_dir, exam), indent=2) + "\n"
    return render_template(report, text, TEMPLATES[fmt], templates_dir, highlight=fmt is Format.html,
                           diagnostics=diagnostics)


def _file_stem(report_id: str) -> str:
    """A file name stem from an id: no separators, not hidden, not empty, not overlong."""
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in report_id).lstrip(".")
    return stem[:100] or "report"


def _write_atomically(path: Path, content: str) -> None:
    # the same temporary-then-rename as reportkit.io.atomic_output, which this layer cannot import
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_reports(outputs: Iterable[tuple[str, str]], fmt: Format, folder: Path,
                  protected: Iterable[Path] = ()) -> Iterator[tuple[Path, str | None]]:
    """Write each rendered report as ``<id>.<ext>`` in ``folder``; yield its path and a note when renamed.

    Names are made safe (no path separators, no leading dot) and unique within the run, case
    folded: a second id that maps to a taken name, or a name that is one of the ``protected``
    files (the inputs), gets a ``-2``, ``-3``... suffix and a note saying so.
    """
    folder.mkdir(parents=True, exist_ok=True)
    taken = {p.resolve() for p in protected}
    used: set[str] = set()
    for report_id, content in outputs:
        stem, extension = _file_stem(report_id), EXTENSIONS[fmt]
        name, number = f"{stem}.{extension}", 1
        while name.casefold() in used or (folder / name).resolve() in taken:
            number += 1
            name = f"{stem}-{number}.{extension}"
        used.add(name.casefold())
        path = folder / name
        _write_atomically(path, content)
        note = None if number == 1 else f"id {report_id!r} written as {name}: {stem}.{extension} was taken"
        yield path, note

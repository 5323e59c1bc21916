"""Lint output formats: text (with source carets), JSON, SARIF 2.1.0 and GitHub annotations."""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path
from urllib.parse import quote

from reportkit import __version__
from reportkit.lint.registry import Diagnostic, rules


class Position:
    """Map character offsets of the original text (CRLF kept) to 1-based line and column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of a character offset."""
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its line ending."""
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


# ANSI styles of the text format on a terminal (ruff's palette: bold location, red code, cyan fix)
STYLES = {"path": "1", "code": "1;31", "error": "31", "warning": "33", "info": "36", "caret": "31", "fix": "36",
          "dim": "2"}


def _styler(color: bool):
    def style(name: str, value: str) -> str:
        return f"\x1b[{STYLES[name]}m{value}\x1b[0m" if color else value

    return style


def format_text(diagnostics: list[Diagnostic], texts: dict[str, str], color: bool = False, unread: int = 0) -> str:
    """Human-readable diagnostics with the source line and carets, then a summary line.

    ``color``: ANSI colours, for a terminal. ``unread``: inputs that could not be read (reported elsewhere);
    with none of them a run without diagnostics ends "All checks passed."."""
    style = _styler(color)
    out = []
    for d in diagnostics:
        position = Position(texts[d.path])
        out.append(f"{style('path', f'{d.path}:{d.line}:{d.column}:')} {style('code', d.code)} "
                   f"{style(d.severity, f'[{d.severity}]')} {d.message} {style('dim', f'({d.name})')}")
        source = position.line_text(d.line)
        width = len(str(d.line))
        caret_end = d.end_column if d.end_line == d.line else len(source) + 1
        gutter = " " * width
        out.append(f"  {style('dim', f'{d.line} |')} {source}")
        out.append(f"  {style('dim', gutter + ' |')} {' ' * (d.column - 1)}"
                   f"{style('caret', '^' * max(1, caret_end - d.column))}")
        if d.fix:
            safety = "safe" if d.fix.safe else "unsafe"
            out.append(f"  {gutter} {style('fix', f'= fix ({safety}): {d.fix.description}')}")
    out.append(summary_line(diagnostics, unread))
    return "\n".join(out) + "\n"


def summary_line(diagnostics: list[Diagnostic], unread: int = 0) -> str:
    """The closing line of the text format: counts by severity and fixable, or "All checks passed."."""
    not_read = f"; {unread} input{'s' if unread != 1 else ''} could not be read" if unread else ""
    if not diagnostics:
        return f"No diagnostics{not_read}." if unread else "All checks passed."
    counts = {s: sum(1 for d in diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    fixable = sum(1 for d in diagnostics if d.fix and d.fix.safe)
    return (f"Found {len(diagnostics)} diagnostic{'s' if len(diagnostics) != 1 else ''} "
            f"({counts['error']} error, {counts['warning']} warning, {counts['info']} info); "
            f"{fixable} fixable with --fix{not_read}.")


def statistics(diagnostics: list[Diagnostic]) -> list[dict]:
    """Diagnostics counted by rule, most frequent first (``lint --statistics``, as ruff's)."""
    by_code: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_code.setdefault(d.code, []).append(d)
    rows = [{"code": code, "name": found[0].name, "count": len(found),
             "fixable": any(d.fix is not None and d.fix.safe for d in found)} for code, found in by_code.items()]
    return sorted(rows, key=lambda row: (-row["count"], row["code"]))


def format_statistics(diagnostics: list[Diagnostic], color: bool = False, unread: int = 0) -> str:
    """One line per rule: count, code, ``[*]`` when some are fixable with --fix, name; then the summary line."""
    style = _styler(color)
    rows = statistics(diagnostics)
    width = max((len(str(row["count"])) for row in rows), default=1)
    lines = [f"{row['count']:>{width}}\t{style('code', row['code'])}\t{'[*]' if row['fixable'] else '[ ]'} {row['name']}"
             for row in rows]
    return "\n".join([*lines, summary_line(diagnostics, unread)]) + "\n"


def format_fixed(fixed: list[Diagnostic]) -> str:
    """What --fix fixed, per file and rule (``lint --show-fixes``, as ruff's)."""
    if not fixed:
        return "No fixes applied.\n"
    by_path: dict[str, dict[tuple[str, str], int]] = {}
    for d in fixed:
        counts = by_path.setdefault(d.path, {})
        counts[(d.code, d.name)] = counts.get((d.code, d.name), 0) + 1
    lines = [f"Fixed {len(fixed)} diagnostic{'s' if len(fixed) != 1 else ''}:"]
    for path, counts in by_path.items():
        lines.append(f"- {path}:")
        lines += [f"    {count} \u00d7 {code} ({name})" for (code, name), count in counts.items()]
    return "\n".join(lines) + "\n"


def format_json(diagnostics: list[Diagnostic]) -> str:
    """A JSON array of diagnostics (see :meth:`Diagnostic.to_dict`)."""
    return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"


def format_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands (::error/::warning/::notice), one per diagnostic."""
    level = {"error": "error", "warning": "warning", "info": "notice"}

    def escape_data(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    def escape_property(value: str) -> str:
        # a property value ends at ',' and the properties at '::' (GitHub's workflow-command rules)
        return escape_data(value).replace(":", "%3A").replace(",", "%2C")

    lines = [
        f"::{level[d.severity]} file={escape_property(d.path)},line={d.line},col={d.column},endLine={d.end_line},"
        f"endColumn={d.end_column},title={escape_property(f'{d.code} {d.name}')}::{escape_data(d.message)}"
        for d in diagnostics
    ]
    return "\n".join(lines) + ("\n" if lines else "")


# the uriBaseId of paths made relative to ``--base`` (SARIF §3.14.14; GitHub code scanning reads it)
SARIF_BASE_ID = "SRCROOT"


def sarif_artifact_location(path: str, base: Path | None = None) -> dict:
    """Where a draft is, as a SARIF artifactLocation whose ``uri`` is a valid, percent-encoded URI reference.

    Under ``base``: a relative URI with ``uriBaseId`` :data:`SARIF_BASE_ID`; elsewhere an absolute
    ``file:`` URI. Standard input has no URI: it is described instead.
    """
    if path == "-":
        return {"description": {"text": "standard input"}}
    absolute = Path(path).resolve()
    if base is not None and absolute.is_relative_to(base.resolve()):
        relative = absolute.relative_to(base.resolve()).as_posix()
        return {"uri": quote(relative, safe="/"), "uriBaseId": SARIF_BASE_ID}
    return {"uri": absolute.as_uri()}


def format_sarif(diagnostics: list[Diagnostic], base: Path | None = None) -> str:
    """SARIF 2.1.0: one run, every registered rule described, one result per diagnostic.

    Artifact locations are ``file:`` URIs, or URIs relative to ``base`` (see :func:`sarif_artifact_location`).
    """
    all_rules = list(rules().values())
    index = {r.code: i for i, r in enumerate(all_rules)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    descriptors = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.doc},
            "help": {"text": r.doc, "markdown": r.doc},
            "defaultConfiguration": {"level": level[r.severity]},
        }
        for r in all_rules
    ]
    results = []
    for d in diagnostics:
        region = {"startLine": d.line, "startColumn": d.column, "endLine": d.end_line, "endColumn": d.end_column,
                  "charOffset": d.start, "charLength": d.end - d.start}
        artifact = sarif_artifact_location(d.path, base)
        location = {"physicalLocation": {"artifactLocation": artifact, "region": region}}
        result = {"ruleId": d.code, "ruleIndex": index[d.code], "level": level[d.severity],
                  "message": {"text": d.message}, "locations": [location]}
        if d.fix:
            result["fixes"] = [{
                "description": {"text": f"{d.fix.description} ({'safe' if d.fix.safe else 'unsafe'})"},
                "artifactChanges": [{
                    "artifactLocation": artifact,
                    "replacements": [{"deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                                      "insertedContent": {"text": e.replacement}} for e in d.fix.edits],
                }],
            }]
        results.append(result)
    run: dict = {
        "tool": {"driver": {"name": "reportkit", "version": __version__, "semanticVersion": __version__,
                            "rules": descriptors}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if base is not None:  # a base URI ends in "/", or resolving against it would drop its last segment
        run["originalUriBaseIds"] = {SARIF_BASE_ID: {"uri": base.resolve().as_uri().rstrip("/") + "/"}}
    log = {
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(log, indent=2) + "\n"

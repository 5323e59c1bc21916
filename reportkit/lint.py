"""Lint draft reports: rule registry, configuration, suppressions, fixes and output formats.

A rule is a function registered with :func:`rule`; its docstring is its documentation
(`reportkit rule CODE` prints it) and must carry the headings in :data:`DOC_HEADINGS`.
Rules live in :mod:`reportkit.rules` and are found through :data:`REGISTRY`.

Entry point: :func:`lint_text` (one draft) and :func:`lint_paths` (files, folders, globs).
"""

from __future__ import annotations

import bisect
import difflib
import inspect
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reportkit import __version__
from reportkit.lexicon import Lexicon, load_lexicon
from reportkit.models import ReportResult, StructuredReport

Severity = Literal["info", "warning", "error"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
DOC_HEADINGS = ("What it checks", "Why it matters", "Example", "Use instead", "Fix safety")
SUPPRESS = re.compile(r"\[reportkit:\s*(?P<verb>ignore|off|on)\b(?P<codes>[^\]]*)\]", re.IGNORECASE)
MAX_FIX_PASSES = 5


class LintError(ValueError):
    """A usage, configuration or input problem (exit code 2)."""


# ---------------------------------------------------------------------- rules and registry


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    safe: bool


@dataclass(frozen=True)
class Violation:
    """What a rule reports: a character span of the draft, a message, an optional fix."""

    start: int
    end: int
    message: str
    fix: Fix | None = None


@dataclass
class LintContext:
    """Everything a rule may look at for one draft."""

    text: str
    result: ReportResult
    report: StructuredReport
    lexicon: Lexicon

    def section_text(self, *categories: str) -> list[tuple[int, str]]:
        return [(s.start, self.text[s.start : s.end]) for s in self.result.sections if s.category in categories]


RuleCheck = Callable[[LintContext], Iterable[Violation]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    check: RuleCheck
    doc: str

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0]


REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity) -> Callable[[RuleCheck], RuleCheck]:
    """Register a lint rule. Its docstring is its documentation."""

    def register(check: RuleCheck) -> RuleCheck:
        if code in REGISTRY:
            raise ValueError(f"duplicate rule code {code}")
        if not re.fullmatch(r"RK\d{3}", code) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
            raise ValueError(f"rule {code} {name}: code must be RKnnn and name kebab-case")
        REGISTRY[code] = Rule(code, name, severity, check, inspect.getdoc(check) or "")
        return check

    return register


def rules() -> dict[str, Rule]:
    """All registered rules, by code (importing the rule module registers them)."""
    import reportkit.rules  # noqa: F401

    return dict(sorted(REGISTRY.items()))


def find_rule(code_or_name: str) -> Rule:
    for r in rules().values():
        if code_or_name.upper() == r.code or code_or_name.lower() == r.name:
            return r
    raise LintError(f"unknown rule '{code_or_name}' (see: reportkit rule --all)")


# ---------------------------------------------------------------------- configuration


class LintConfig(BaseModel):
    """``[tool.reportkit.lint]`` in pyproject.toml, or ``[lint]`` in reportkit.toml."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    select: list[str] = Field(default_factory=lambda: ["RK"])
    ignore: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=dict)
    fail_on: Severity = Field(default="warning", alias="fail-on")

    def enabled(self, code: str) -> bool:
        return any(code.startswith(s.upper()) for s in self.select) and not any(
            code.startswith(i.upper()) for i in self.ignore
        )

    def severity_of(self, r: Rule) -> Severity:
        return self.severity.get(r.code, self.severity.get(r.name, r.severity))


def load_config(explicit: Path | None = None, start: Path | None = None) -> tuple[LintConfig, Path | None]:
    """The explicit file, else the nearest reportkit.toml or pyproject.toml with a lint table."""
    candidates: list[Path] = []
    if explicit:
        if not explicit.is_file():
            raise LintError(f"{explicit}: configuration file not found")
        candidates = [explicit]
    else:
        here = (start or Path.cwd()).resolve()
        for folder in [here, *here.parents]:
            candidates += [folder / "reportkit.toml", folder / "pyproject.toml"]
    for path in candidates:
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise LintError(f"{path}: not valid TOML ({exc})") from exc
        table = data.get("lint") if path.name != "pyproject.toml" else data.get("tool", {}).get("reportkit", {}).get("lint")
        if table is None:
            if explicit:
                raise LintError(f"{path}: no [lint] or [tool.reportkit.lint] table")
            continue
        try:
            config = LintConfig.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise LintError(f"{path}: lint.{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc
        for code in list(config.severity):
            find_rule(code)
        return config, path
    return LintConfig(), None


# ---------------------------------------------------------------------- diagnostics


class Position:
    """Map character offsets of the original text (CRLF kept) to 1-based line and column."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


@dataclass
class Diagnostic:
    path: str
    code: str
    name: str
    severity: Severity
    message: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    fix: Fix | None = None

    def to_dict(self) -> dict:
        data = {k: getattr(self, k) for k in ("path", "code", "name", "severity", "message", "start", "end", "line",
                                               "column", "end_line", "end_column")}
        data["fix"] = None if self.fix is None else {
            "description": self.fix.description,
            "safe": self.fix.safe,
            "edits": [{"start": e.start, "end": e.end, "replacement": e.replacement} for e in self.fix.edits],
        }
        return data


def _suppressions(text: str) -> tuple[dict[int, set[str] | None], list[tuple[int, int]]]:
    """Per-line ignores ({line: codes or None for all}) and [off, on) character ranges."""
    position = Position(text)
    per_line: dict[int, set[str] | None] = {}
    off_ranges: list[tuple[int, int]] = []
    off_start: int | None = None
    for m in SUPPRESS.finditer(text):
        verb = m.group("verb").lower()
        if verb == "ignore":
            line = position.line_col(m.start())[0]
            codes = {c.upper() for c in re.findall(r"RK\d{3}", m.group("codes"), re.IGNORECASE)}
            per_line[line] = None if not codes or per_line.get(line, set()) is None else (per_line.get(line) or set()) | codes
        elif verb == "off" and off_start is None:
            off_start = m.start()
        elif verb == "on" and off_start is not None:
            off_ranges.append((off_start, m.end()))
            off_start = None
    if off_start is not None:
        off_ranges.append((off_start, len(text)))
    return per_line, off_ranges


def lint_text(text: str, path: str = "-", config: LintConfig | None = None,
              lexicon_dir: str | None = None, report: StructuredReport | None = None) -> list[Diagnostic]:
    """Lint one draft (``report``: its analysis, if already made); diagnostics sorted by position."""
    from reportkit.api import analyse

    config = config or LintConfig()
    report = report or analyse(text, path, lexicon_dir=lexicon_dir)
    context = LintContext(text=text, result=report.result, report=report, lexicon=load_lexicon(lexicon_dir))
    position = Position(text)
    per_line, off_ranges = _suppressions(text)
    diagnostics = []
    for r in rules().values():
        if not config.enabled(r.code):
            continue
        for v in r.check(context):
            line, column = position.line_col(v.start)
            end_line, end_column = position.line_col(max(v.end, v.start + 1) - 1)
            ignored = per_line.get(line, set())
            if ignored is None or r.code in ignored or any(a <= v.start < b for a, b in off_ranges):
                continue
            diagnostics.append(Diagnostic(path, r.code, r.name, config.severity_of(r), v.message, v.start, v.end,
                                          line, column, end_line, end_column + 1, v.fix))
    diagnostics.sort(key=lambda d: (d.start, d.code))
    return diagnostics


def apply_fixes(text: str, diagnostics: list[Diagnostic], unsafe: bool = False) -> tuple[str, int]:
    """Apply non-overlapping fixes (safe ones, and unsafe ones if asked); returns (text, count)."""
    chosen: list[Fix] = []
    taken: list[tuple[int, int]] = []
    for d in diagnostics:
        if d.fix is None or (not d.fix.safe and not unsafe):
            continue
        spans = [(e.start, e.end) for e in d.fix.edits]
        if any(s < te and ts < e or s == ts for s, e in spans for ts, te in taken):
            continue
        chosen.append(d.fix)
        taken += spans
    edits = sorted((e for f in chosen for e in f.edits), key=lambda e: e.start, reverse=True)
    for e in edits:
        text = text[: e.start] + e.replacement + text[e.end :]
    return text, len(chosen)


def fix_text(text: str, path: str, config: LintConfig, unsafe: bool = False,
             lexicon_dir: str | None = None) -> tuple[str, int, list[Diagnostic]]:
    """Fix, re-lint and repeat until nothing more applies; returns (text, fixes, remaining)."""
    total = 0
    diagnostics = lint_text(text, path, config, lexicon_dir)
    for _ in range(MAX_FIX_PASSES):
        text, applied = apply_fixes(text, diagnostics, unsafe)
        if not applied:
            break
        total += applied
        diagnostics = lint_text(text, path, config, lexicon_dir)
    return text, total, diagnostics


# ---------------------------------------------------------------------- inputs


@dataclass
class Draft:
    path: str
    text: str


def read_drafts(paths: Iterable[str], stdin_text: str | None = None) -> Iterator[Draft]:
    """Files, folders (their .txt and .md files), globs, or - for standard input."""
    import sys

    from reportkit.inputs import expand_path

    for raw in paths:
        if raw == "-":
            yield Draft("-", stdin_text if stdin_text is not None else sys.stdin.read())
            continue
        files = expand_path(raw, {".txt", ".md"})
        if not files:
            raise LintError(f"{raw}: no such file, folder or matching glob")
        for file in files:
            try:
                # newline="" keeps CRLF so columns match the file exactly
                with file.open(encoding="utf-8", newline="") as handle:
                    text = handle.read()
            except UnicodeDecodeError as exc:
                raise LintError(f"{file}: not UTF-8 text (byte {exc.start})") from exc
            yield Draft(str(file), text)


# ---------------------------------------------------------------------- output formats


def format_text(diagnostics: list[Diagnostic], texts: dict[str, str]) -> str:
    out = []
    for d in diagnostics:
        position = Position(texts[d.path])
        out.append(f"{d.path}:{d.line}:{d.column}: {d.code} [{d.severity}] {d.message} ({d.name})")
        source = position.line_text(d.line)
        width = len(str(d.line))
        caret_end = d.end_column if d.end_line == d.line else len(source) + 1
        out.append(f"  {d.line} | {source}")
        out.append(f"  {' ' * width} | {' ' * (d.column - 1)}{'^' * max(1, caret_end - d.column)}")
        if d.fix:
            out.append(f"  {' ' * width} = fix ({'safe' if d.fix.safe else 'unsafe'}): {d.fix.description}")
    counts = {s: sum(1 for d in diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    fixable = sum(1 for d in diagnostics if d.fix and d.fix.safe)
    if diagnostics:
        out.append(f"Found {len(diagnostics)} diagnostic{'s' if len(diagnostics) != 1 else ''} "
                   f"({counts['error']} error, {counts['warning']} warning, {counts['info']} info); "
                   f"{fixable} fixable with --fix.")
    else:
        out.append("All checks passed.")
    return "\n".join(out) + "\n"


def format_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diagnostics], indent=2) + "\n"


def format_github(diagnostics: list[Diagnostic]) -> str:
    level = {"error": "error", "warning": "warning", "info": "notice"}

    def escape(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = [
        f"::{level[d.severity]} file={escape(d.path)},line={d.line},col={d.column},endLine={d.end_line},"
        f"endColumn={d.end_column},title={d.code} {d.name}::{escape(d.message)}"
        for d in diagnostics
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def format_sarif(diagnostics: list[Diagnostic]) -> str:
    """SARIF 2.1.0: one run, every registered rule described, one result per diagnostic."""
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
        location = {"physicalLocation": {"artifactLocation": {"uri": Path(d.path).as_posix()}, "region": region}}
        result = {"ruleId": d.code, "ruleIndex": index[d.code], "level": level[d.severity],
                  "message": {"text": d.message}, "locations": [location]}
        if d.fix:
            result["fixes"] = [{
                "description": {"text": f"{d.fix.description} ({'safe' if d.fix.safe else 'unsafe'})"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": Path(d.path).as_posix()},
                    "replacements": [{"deletedRegion": {"charOffset": e.start, "charLength": e.end - e.start},
                                      "insertedContent": {"text": e.replacement}} for e in d.fix.edits],
                }],
            }]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "reportkit", "version": __version__, "semanticVersion": __version__,
                                "rules": descriptors}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2) + "\n"


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path.lstrip('/')}", tofile=f"b/{path.lstrip('/')}"))


@dataclass
class LintRun:
    """Diagnostics for many drafts, and what --fix did."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)  # path -> fixed text, where it changed
    fixes_applied: int = 0

    @property
    def texts(self) -> dict[str, str]:
        """The text each diagnostic refers to: the fixed one where fixes were applied."""
        return {**self.originals, **self.fixed}

    def worst(self) -> int:
        return max((SEVERITY_RANK[d.severity] for d in self.diagnostics), default=-1)


def lint_paths(paths: Iterable[str], config: LintConfig, fix: bool = False, unsafe: bool = False,
               stdin_text: str | None = None, lexicon_dir: str | None = None) -> LintRun:
    run = LintRun()
    for draft in read_drafts(paths, stdin_text):
        run.originals[draft.path] = draft.text
        if fix:
            text, applied, diagnostics = fix_text(draft.text, draft.path, config, unsafe, lexicon_dir)
            if applied:
                run.fixed[draft.path] = text
                run.fixes_applied += applied
        else:
            diagnostics = lint_text(draft.text, draft.path, config, lexicon_dir)
        run.diagnostics += diagnostics
    return run

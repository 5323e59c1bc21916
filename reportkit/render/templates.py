"""Jinja rendering of a StructuredReport (text, Markdown, HTML).

Templates load from ``templates/`` in the package (Jinja2 PackageLoader); a user folder
given as ``templates_dir`` overrides any of them by name. A user template is code from
outside, so every template:
- receives plain data only (dicts, lists, strings, numbers, booleans, None): no model object
  whose methods could read files or unpickle;
- runs in Jinja's immutable sandbox (no private attributes, no changing the data);
- may not build a value or an output larger than ``MAX_SIZE`` characters or items, nor recurse
  without end: each is refused with a SecurityError, which commands report as exit 2.
Undefined variables are errors (StrictUndefined) and HTML output escapes the report text.
"""

from __future__ import annotations

import functools
import hashlib
import operator
from collections.abc import Callable, Sized
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.exceptions import SecurityError, TemplateRuntimeError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from reportkit import __version__
from reportkit.lexicon.loader import cache_dir, replace_whole
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


# far above any real report's output, far below what would exhaust a worker's memory
MAX_SIZE = 5_000_000
MAX_POWER_BITS = 100_000


def _refuse_oversize(values: tuple) -> None:
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and abs(value) > MAX_SIZE:
            raise SecurityError(f"template used a number above {MAX_SIZE:,}")
        if isinstance(value, Sized) and not isinstance(value, dict) and len(value) > MAX_SIZE:
            raise SecurityError(f"template built a value longer than {MAX_SIZE:,}")


def _bounded(function: Callable) -> Callable:
    """A filter that refuses oversize arguments and results (``center(10**9)``, joins of huge lists)."""
    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _refuse_oversize(args[1:] if getattr(function, "jinja_pass_arg", None) else args)
        _refuse_oversize(tuple(kwargs.values()))
        if function.__name__ in {"do_join", "sync_do_join"}:
            joined = [a for a in args if isinstance(a, (list, tuple))]
            if sum(len(str(item)) for value in joined for item in value) > MAX_SIZE:
                raise SecurityError(f"template joined more than {MAX_SIZE:,} characters")
        result = function(*args, **kwargs)
        _refuse_oversize((result,))
        return result
    return bounded


class ReportTemplateEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with sizes bounded where a template could build something huge."""
    intercepted_binops = frozenset({"*", "**", "+"})

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**" and isinstance(left, int) and isinstance(right, int) and left.bit_length() * right > MAX_POWER_BITS:
            raise SecurityError(f"template raised a number past {MAX_POWER_BITS:,} bits")
        if op == "*" and isinstance(left, int) and isinstance(right, Sized):
            left, right = right, left
        if op == "*" and isinstance(left, Sized) and isinstance(right, int) and len(left) * right > MAX_SIZE:
            raise SecurityError(f"template built a value longer than {MAX_SIZE:,}")
        if op == "+" and isinstance(left, Sized) and isinstance(right, Sized) and len(left) + len(right) > MAX_SIZE:
            raise SecurityError(f"template built a value longer than {MAX_SIZE:,}")
        return {"*": operator.mul, "**": operator.pow, "+": operator.add}[op](left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _refuse_oversize(args)
        _refuse_oversize(tuple(kwargs.values()))
        return super().call(__context, __obj, *args, **kwargs)


class CompiledTemplates(BytecodeCache):
    """Templates compiled by Jinja, kept in reportkit's cache folder (:func:`~reportkit.lexicon.loader.cache_dir`):
    compiling the text report's template was about 15 ms of every ``reportkit report`` process.

    Jinja keeps a template's code with a checksum of its source and the Python version, and compiles a template
    whose source changed again. The key adds what Jinja's does not cover: Jinja's version and this module, which
    sets the environment's options (the same source compiles to other code with other options).
    """

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._code = hashlib.sha256(jinja2.__version__.encode() + b"\0" + Path(__file__).read_bytes()).hexdigest()

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{self._code}\0{name}", filename)

    def _file(self, bucket: Bucket) -> Path:
        return self._folder / f"template-{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            bucket.bytecode_from_string(self._file(bucket).read_bytes())
        except Exception:  # noqa: BLE001 - missing or damaged: compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        replace_whole(self._file(bucket), bucket.bytecode_to_string())  # a folder that cannot be written: no cache


@functools.cache
def environment(templates_dir: str | None = None) -> Environment:
    """The sandboxed Jinja environment: ``templates_dir`` first (when given), then the shipped templates."""
    loaders = [FileSystemLoader(templates_dir)] if templates_dir else []
    loaders.append(PackageLoader("reportkit.templates", "."))
    env = ReportTemplateEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=lambda name: name is not None and ".html" in name,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=CompiledTemplates(folder) if (folder := cache_dir()) is not None else None,
    )
    env.filters["label"] = lambda value: "-" if value is None else str(value).replace("_", " ")
    env.filters["first_upper"] = lambda value: value[:1].upper() + value[1:]
    env.filters["scope_note"] = scope_note
    env.filters = {name: _bounded(f) for name, f in env.filters.items()}
    # a namespace lets a loop grow one value without bound; report templates do not need it
    del env.globals["namespace"]
    return env


def render_bounded(template: Any, context: dict) -> str:
    """Render, refusing an output past ``MAX_SIZE`` and recursion without end (SecurityError)."""
    parts, size = [], 0
    try:
        for part in template.generate(**context):
            size += len(part)
            if size > MAX_SIZE:
                raise SecurityError(f"template output exceeds {MAX_SIZE:,} characters")
            parts.append(part)
    except RecursionError:
        raise SecurityError("template recursion too deep") from None
    except MemoryError:
        raise SecurityError("template ran out of memory") from None
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
        # a template's own mistake (e.g. a filter applied to the wrong value), not the report's
        raise TemplateRuntimeError(f"template failed: {type(exc).__name__}") from None
    return "".join(parts)


def scope_note(scope: str | None) -> str:
    """What a deposit's scope means for the advice shown with it ("" for a musculoskeletal one)."""
    if scope in (None, "msk"):
        return ""
    if scope == "unknown":
        return "body system not stated: the article's advice is withheld"
    return f"{scope.replace('_', ' ')}: outside the article's scope (musculoskeletal soft tissue)"


def render_template(report: StructuredReport, text: str, name: str, templates_dir: str | None = None,
                    highlight: bool = False, diagnostics: list[dict] | None = None) -> str:
    """Render template ``name``; with ``highlight`` it also gets ``text`` cut into marked segments.

    ``diagnostics``: the report's lint diagnostics (``Diagnostic.to_dict()``), or None when not linted.
    """
    items = [plain_item(it) for it in deposit_items(report)]
    positives = [it for it in items if not it["finding"]["negated"]]
    template = environment(templates_dir).get_template(name)
    return render_bounded(template, template_context(
        report=report.model_dump(mode="json"),
        items=positives,
        negatives=[it for it in items if it["finding"]["negated"]],
        groups=_by_location(positives),
        segments=_segments(text, report, diagnostics or []) if highlight else [],
        diagnostics=diagnostics,
        version=__version__,
    ))


def template_context(**context: Any) -> dict:
    """The variables a template receives, refused unless every value in them is plain data."""
    stack = list(context.values())
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            stack += value
        elif value is not None and not isinstance(value, (str, int, float)):
            raise TypeError(f"template data must be plain, not {type(value).__name__}")
    return context


def plain_item(item: dict) -> dict:
    """A deposit item (``deposit_items``) as plain data."""
    return {"index": item["index"], "finding": item["finding"].model_dump(mode="json"),
            "assessment": item["assessment"].model_dump(mode="json"), "members": list(item["members"]),
            "mentions": [m.model_dump(mode="json") for m in item["mentions"]],
            "descriptors": list(item["descriptors"]), "evidence": evidence_spans(item["finding"]),
            "sizes": written_sizes(item["finding"])}


def evidence_spans(finding: Finding) -> list[dict]:
    """The finding's evidence, each span of the text once with every role it plays, in text order.

    A deposit merges its mentions' evidence, so one word ("left") can be a mention's side and
    another's antecedent: it is one piece of evidence, shown once.
    """
    spans: dict[tuple[int, int], dict] = {}
    for ev in finding.evidence:
        span = spans.setdefault((ev.start, ev.end), {"text": ev.text, "start": ev.start, "end": ev.end, "roles": []})
        if ev.role not in span["roles"]:
            span["roles"].append(ev.role)
    return [spans[key] for key in sorted(spans)]


def written_sizes(finding: Finding) -> list[str]:
    """The deposit's sizes as the report writes them ("14 × 9 mm"), each once; the parsed size if none is cited."""
    sizes = list(dict.fromkeys(ev.text for ev in finding.evidence if ev.role == "size"))
    if not sizes and finding.size_mm is not None:
        sizes = [f"{finding.size_mm:g} mm"]
    return sizes


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
        members = [it for it in items if it["finding"]["location_category"] == location]
        if members:
            groups.append({"location": location, "title": LOCATION_TITLES[location], "items": members})
    return groups


def _segments(text: str, report: StructuredReport, diagnostics: list[dict]) -> list[dict]:
    """Split ``text`` into runs covered by the same finding terms, evidence roles and lint diagnostics."""
    marks: list[tuple[int, int, str, int]] = []
    for d in diagnostics:
        marks.append((d["start"], d["end"], f"lint-{d['severity']}", -1))
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

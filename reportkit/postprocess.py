"""Dictation post-processing: one draft in, everything a reporting system shows before signing out.

The draft comes back with its safe terminology fixes applied (each edit with its offsets into
the draft as sent), the lint diagnostics of the fixed draft, and the structured block to
append (findings, impression items, recommended follow-up, missing radiograph correlation) as
text and as data; FHIR if asked. Exam metadata from the ordering system stands in for what
the text does not state. Nothing is kept between calls.

Entry point: :func:`postprocess`. ``reportkit postprocess`` and ``POST /v1/postprocess`` call it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from reportkit import __version__
from reportkit.engine import Exam, get_engine
from reportkit.lint import Diagnostic, LintConfig
from reportkit.models import Recommendation, StructuredReport
from reportkit.render import render, to_fhir

MAX_FIX_PASSES = 3  # a fix can reveal another; the shipped safe rules settle in one pass
RADIOGRAPH_CORRELATION = "RK101"  # lint rule whose firing means radiograph correlation is missing


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Draft(_Record):
    """A request: the dictated draft, an optional id and the exam metadata."""

    text: str
    id: str = Field(default="draft", max_length=200)
    exam: Exam | None = None


class TextEdit(_Record):
    """One applied fix: replace ``draft[start:end]`` (offsets into the draft as sent) with ``replacement``."""

    start: int = Field(description="character (code point) offset into the draft as sent")
    end: int = Field(description="exclusive offset into the draft as sent")
    original: str
    replacement: str
    rules: list[str] = Field(default_factory=list, description="lint rules whose fixes make up this edit")


class FixRecord(_Record):
    """A fix a diagnostic offers (offsets into the fixed draft)."""

    description: str
    safe: bool
    edits: list[dict] = Field(default_factory=list, description="{start, end, replacement} in the fixed draft")


class DiagnosticRecord(_Record):
    """One lint diagnostic of the fixed draft, with 1-based line and column."""

    code: str
    name: str
    severity: str
    message: str
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int
    fix: FixRecord | None = None


class BlockItem(_Record):
    """One line of the structured block, with the finding it describes."""

    finding: int = Field(description="index into report.result.findings")
    text: str


class StructuredBlock(_Record):
    """The block to append to the draft, as text and as data."""

    text: str = Field(description="plain-text block a dictation system can paste")
    findings: list[BlockItem] = Field(default_factory=list)
    impression: list[BlockItem] = Field(default_factory=list, description="positive findings, as impression items")
    follow_up: list[Recommendation] = Field(default_factory=list)
    radiograph_correlation_missing: bool = False


class PostprocessResult(_Record):
    """Everything returned for one draft; offsets in ``report`` and ``diagnostics`` are into ``text``."""

    id: str
    text: str = Field(description="the draft with its safe fixes applied")
    edits: list[TextEdit] = Field(default_factory=list, description="applied fixes, in draft order")
    diagnostics: list[DiagnosticRecord] = Field(default_factory=list)
    block: StructuredBlock
    report: StructuredReport
    exam_used: list[str] = Field(default_factory=list, description="exam fields that stood in for the text")
    fhir: dict | None = None
    version: str = __version__


class LintResult(_Record):
    """The diagnostics of a draft as sent (no fixes applied)."""

    id: str
    diagnostics: list[DiagnosticRecord] = Field(default_factory=list)


# ---------------------------------------------------------------------- analysis with exam metadata


def analyse_draft(text: str, report_id: str, exam: Exam | None,
                  lexicon_dir: str | None = None) -> tuple[StructuredReport, list[str]]:
    """Extract and reason over ``text``, filling what it leaves unstated from ``exam``; also the fields used."""
    engine = get_engine(lexicon_dir)
    analysis = engine.analyse(text, report_id, exam=exam or Exam())
    return analysis.report, engine.exam_fields_used(analysis, exam)


# ---------------------------------------------------------------------- safe fixes with draft offsets


class _Segment:
    """A run of the current text: a copy of ``draft[start:end]``, or ``new`` text replacing it."""

    __slots__ = ("start", "end", "new", "rules")

    def __init__(self, start: int, end: int, new: str | None = None, rules: tuple[str, ...] = ()) -> None:
        self.start, self.end, self.new, self.rules = start, end, new, rules

    def text(self, draft: str) -> str:
        return self.new if self.new is not None else draft[self.start : self.end]


def _split(draft: str, segments: list[_Segment], at: int) -> list[_Segment]:
    """Cut the copied segment that straddles current offset ``at`` in two."""
    out: list[_Segment] = []
    position = 0
    for seg in segments:
        length = len(seg.text(draft))
        if seg.new is None and position < at < position + length:
            cut = seg.start + at - position
            out += [_Segment(seg.start, cut), _Segment(cut, seg.end)]
        else:
            out.append(seg)
        position += length
    return out


def _apply(draft: str, segments: list[_Segment], start: int, end: int, replacement: str,
           rule: str) -> list[_Segment]:
    """Replace ``current[start:end]``; earlier edits it touches merge into it, so offsets stay the draft's."""
    segments = _split(draft, _split(draft, segments, start), end)
    position = 0
    for seg in segments:  # an earlier replacement cut by this edit is absorbed whole
        length = len(seg.text(draft))
        if position < start < position + length:
            replacement, start = seg.text(draft)[: start - position] + replacement, position
        if position < end < position + length:
            replacement, end = replacement + seg.text(draft)[end - position :], position + length
        position += length
    before: list[_Segment] = []
    inside: list[_Segment] = []
    after: list[_Segment] = []
    position = 0
    for seg in segments:
        length = len(seg.text(draft))
        if start <= position and position + length <= end and not (length and start == end):
            inside.append(seg)
        else:
            (before if position + length <= start and not inside else after).append(seg)
        position += length
    anchor = inside[0].start if inside else (before[-1].end if before else 0)
    rules = tuple(dict.fromkeys([r for seg in inside for r in seg.rules] + [rule]))
    merged = _Segment(anchor, inside[-1].end if inside else anchor, replacement, rules)
    return before + [merged] + after


def _safe_edits(diagnostics: list[Diagnostic]) -> list[tuple[int, int, str, str]]:
    """Non-overlapping edits of the safe fixes, first diagnostic first (as ``lint --fix`` chooses)."""
    chosen: list[tuple[int, int, str, str]] = []
    for d in diagnostics:
        if d.fix is None or not d.fix.safe:
            continue
        spans = [(e.start, e.end) for e in d.fix.edits]
        if any(s < ce and cs < e or s == cs for s, e in spans for cs, ce, _, _ in chosen):
            continue
        chosen += [(e.start, e.end, e.replacement, d.code) for e in d.fix.edits]
    return chosen


def _edits(draft: str, segments: list[_Segment]) -> list[TextEdit]:
    """The replaced segments as edits of the draft; touching ones merge, so no two share an offset."""
    edits: list[TextEdit] = []
    previous: _Segment | None = None
    for seg in segments:
        if seg.new is not None and previous is not None and previous.new is not None and edits:
            last = edits[-1]
            last.end, last.original = seg.end, draft[last.start : seg.end]
            last.replacement += seg.new
            last.rules = list(dict.fromkeys(last.rules + list(seg.rules)))
        elif seg.new is not None:
            edits.append(TextEdit(start=seg.start, end=seg.end, original=draft[seg.start : seg.end],
                                  replacement=seg.new, rules=list(seg.rules)))
        previous = seg if seg.new is not None or seg.end > seg.start else previous
    return edits


# ---------------------------------------------------------------------- the call


def postprocess(text: str, id: str = "draft", exam: Exam | None = None, lexicon_dir: str | None = None,
                config: LintConfig | None = None, fhir: bool = False) -> PostprocessResult:
    """Post-process one dictated draft: safe fixes, diagnostics, structured block, FHIR if asked.

    Each pass extracts the current text and asks only the rules that may offer a safe fix
    (:meth:`reportkit.engine.Engine.safe_fix_diagnostics`); the text left when no safe fix remains (or
    after ``MAX_FIX_PASSES``) is the one reasoned over and fully linted. Nothing returned
    depends on the reasoning or the other rules of a text that is then fixed, so they are not
    run for it: the answer is byte-identical to analysing every pass (tests/test_postprocess_passes.py).
    """
    engine = get_engine(lexicon_dir)
    exam = exam or Exam()
    segments = [_Segment(0, len(text))]
    current = text
    for passes in range(MAX_FIX_PASSES + 1):
        analysis = engine.extract(current, id, exam=exam)
        if passes == MAX_FIX_PASSES:
            break
        edits = _safe_edits(engine.safe_fix_diagnostics(analysis, id, config))
        if not edits:
            break
        for start, end, replacement, rule in sorted(edits, key=lambda e: e[0], reverse=True):
            segments = _apply(text, segments, start, end, replacement, rule)
        current = "".join(seg.text(text) for seg in segments)
    report = analysis.report
    diagnostics = engine.lint(analysis, id, config)
    return PostprocessResult(
        id=id,
        text=current,
        edits=_edits(text, segments),
        diagnostics=[_diagnostic_record(d) for d in diagnostics],
        block=_block(report, current, diagnostics),
        report=report,
        exam_used=engine.exam_fields_used(analysis, exam),
        fhir=to_fhir(report, lexicon_dir, exam.model_dump(exclude_none=True)) if fhir else None,
    )


def lint_draft(draft: Draft, lexicon_dir: str | None = None, config: LintConfig | None = None) -> LintResult:
    """Lint a draft as sent, with its exam metadata standing in for what the text does not state."""
    engine = get_engine(lexicon_dir)
    diagnostics = engine.lint(engine.analyse(draft.text, draft.id, exam=draft.exam or Exam()), draft.id, config)
    return LintResult(id=draft.id, diagnostics=[_diagnostic_record(d) for d in diagnostics])


def _diagnostic_record(d: Diagnostic) -> DiagnosticRecord:
    data = d.to_dict()
    data.pop("path", None)
    return DiagnosticRecord.model_validate(data)


def _block(report: StructuredReport, text: str, diagnostics: list[Diagnostic]) -> StructuredBlock:
    """The structured block: the plain-text summary and its items as data."""
    findings, impression = [], []
    for a in report.assessments:  # one per deposit: a restated deposit is listed once
        i = a.finding
        f = report.assessed_finding(a)
        where = ", ".join(part for part in (f.laterality, f.site) if part)
        state = "absent" if f.negated else "possible" if f.uncertain else "present"
        findings.append(BlockItem(finding=i, text=f"{f.text}{f' ({where})' if where else ''}: {f.kind.replace('_', ' ')}, {state}"))
        if not f.negated and not f.hypothetical:
            name = a.term.preferred if a.term else f.text
            phase = f" ({a.phase})" if a.phase else ""
            impression.append(BlockItem(finding=i, text=f"{name[:1].upper()}{name[1:]}{', ' + where if where else ''}{phase}"))
    return StructuredBlock(
        text=render(report, text, "text"),
        findings=findings,
        impression=impression,
        follow_up=report.recommendations,
        radiograph_correlation_missing=any(d.code == RADIOGRAPH_CORRELATION for d in diagnostics),
    )

"""The engine: the one way from report text to an analysed report.

Every command and the library's public calls come through here; no other module runs the
pipeline or the reasoning. For one report the engine

1. runs the spaCy/medspaCy pipeline (:mod:`reportkit.pipeline`) and turns the Doc into a plain
   :class:`~reportkit.models.ReportResult` (ConText may be left out of a report with no mention and
   no word a rule reads: its scopes would feed nothing);
2. lets exam metadata stand in for what the text does not state (:class:`Exam`);
3. reasons once (:class:`~reportkit.reasoning.ReportReasoning`): labels the mentions' diagnoses, then,
   when asked, assesses the deposits and recommends follow-up, sharing one context and one ranking;
4. lints the analysed report (:mod:`reportkit.lint` rules read the same result and reasoning).

A batch caller (``extract``, ``report``, ``lint``, ``audit run``, the service) runs each report under the
engine's time limit and turns a failure into :func:`failure_message`, which never quotes the report.

Entry points: :func:`get_engine` (one :class:`Engine` per lexicon folder and process) and its methods.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from reportkit.lexicon import Laterality, Lexicon, ModalityName, load_lexicon
from reportkit.lint import REGISTRY, SEVERITY_RANK, Diagnostic, LintConfig, apply_fixes, run_rules
from reportkit.lint.fixes import chosen_fixes
from reportkit.models import ReportResult, StructuredReport
from reportkit.timeout import ReportTimeout, time_limit

MAX_FIX_PASSES = 5  # lint --fix: a fix can reveal another

if TYPE_CHECKING:
    from spacy.language import Language

    from reportkit.prefilter import Prefilter, Verdict
    from reportkit.reasoning import Reasoner, ReportReasoning


class ExamCode(BaseModel):
    """The exam's code, e.g. a LOINC or RadLex Playbook procedure code (system: a URI, or HL7 v2's LN)."""

    model_config = ConfigDict(extra="forbid")

    system: str | None = Field(default=None, max_length=200)
    code: str = Field(min_length=1, max_length=100)
    display: str | None = Field(default=None, max_length=200)


class Exam(BaseModel):
    """Order metadata from the RIS; each field is used only where the text is silent.

    The study's identity (patient, accession, date, code) is not read by the analysis: FHIR output
    puts it on the DiagnosticReport.
    """

    model_config = ConfigDict(extra="forbid")

    modality: ModalityName | None = None
    body_part: str | None = Field(default=None, max_length=100, description="echoed in the block header")
    side: Laterality | None = None
    patient_age: int | None = Field(default=None, ge=0, le=130)
    patient_id: str | None = Field(default=None, max_length=100, description="FHIR: DiagnosticReport.subject")
    accession: str | None = Field(default=None, max_length=100, description="FHIR: DiagnosticReport.identifier")
    exam_date: dt.date | dt.datetime | None = Field(default=None, description="FHIR: effectiveDateTime")
    exam_code: ExamCode | None = Field(default=None, description="FHIR: DiagnosticReport.code")


@dataclass
class Analysis:
    """One report through the engine: its mentions now, its reasoning made once when first asked for."""

    text: str
    result: ReportResult
    reasoning: ReportReasoning = field(repr=False)
    exam_used: list[str] = field(default_factory=list)

    @functools.cached_property
    def report(self) -> StructuredReport:
        """The deposits assessed and the follow-up recommended (reasoned on first use, then kept)."""
        return self.reasoning.report(self.result)


@dataclass
class Audited:
    """What the audit keeps of one report: its analysis (or the pre-filter's stand-in) and diagnostics."""

    report: StructuredReport
    diagnostics: list
    prefiltered: bool


def failure_message(exc: BaseException) -> str:
    """The error text for a report that failed: the time limit says so; anything else names only the
    exception's type (its message may quote the report, and is added only when REPORTKIT_DEBUG is set)."""
    if isinstance(exc, ReportTimeout):
        return str(exc)
    detail = f": {exc}" if os.environ.get("REPORTKIT_DEBUG") else ""
    return f"pipeline failed: {type(exc).__name__}{detail}"


class Engine:
    """Text -> analysed report for the lexicons of one folder (default: the shipped ones).

    The lexicons are loaded and validated when the engine is made, so a broken lexicon folder is
    refused up front (``LexiconError`` naming file and line) before any report is read. ``plain``: run
    spaCy's and medspaCy's own code instead of the fast paths (the same results; for reference).
    """

    def __init__(self, lexicon_dir: str | None = None, plain: bool = False) -> None:
        self.lexicon_dir = lexicon_dir
        self.plain = plain
        self.lexicon: Lexicon = load_lexicon(lexicon_dir)
        self._prefilter: tuple[tuple[str, ...], Prefilter] | None = None  # (rule codes it was built for, it)

    # ------------------------------------------------------------------ parts, built on first use

    @functools.cached_property
    def nlp(self) -> Language:
        """The spaCy pipeline (built once per process and lexicon folder)."""
        from reportkit.pipeline import get_pipeline

        return get_pipeline(self.lexicon_dir, plain=self.plain)

    @functools.cached_property
    def reasoner(self) -> Reasoner:
        from reportkit.reasoning import get_reasoner

        return get_reasoner(self.lexicon_dir)

    @property
    def prefilter(self) -> Prefilter:
        """The audit's character-level pre-filter, built from the same lexicons and pipeline and from the
        declarations of the rules registered now (made again when a rule is registered or removed, so a
        new rule is never skipped)."""
        from reportkit.prefilter import Prefilter

        registered = tuple(REGISTRY)
        if self._prefilter is None or self._prefilter[0] != registered:
            self._prefilter = (registered, Prefilter(self.lexicon, self.nlp))
        return self._prefilter[1]

    def warm_up(self) -> Engine:
        """Build the pipeline and reasoning now (before a clock starts or a worker forks)."""
        self.nlp  # noqa: B018 - built on first use
        self.reasoner  # noqa: B018
        return self

    # ------------------------------------------------------------------ one report

    def extract(self, text: str, report_id: str = "report", *, exam: Exam | None = None,
                patient_age: int | None = None, context: Callable[[], bool] | None = None) -> Analysis:
        """The report's mentions, diagnoses labelled; exam metadata stands in where the text is silent.

        ``context``: when given, ConText runs on a report with no mention only if it returns True (its
        scopes feed nothing else); by default ConText always runs.
        """
        from reportkit.pipeline import to_result

        result = to_result(self._run_pipeline(text, context), report_id)
        age = exam.patient_age if exam is not None and patient_age is None else patient_age
        reasoning = self.reasoner.over(result, text, age)
        reasoning.label(result)
        if exam is None:
            return Analysis(text, result, reasoning)
        used = self._apply_exam(result, exam)
        if "modality" in used:  # the context reads the report's modalities: reason over the ones now stated
            reasoning = self.reasoner.over(result, text, age)
        analysis = Analysis(text, result, reasoning, used)
        return analysis

    def analyse(self, text: str, report_id: str = "report", *, exam: Exam | None = None,
                patient_age: int | None = None) -> Analysis:
        """:meth:`extract`, with the reasoning made (``analysis.report``)."""
        analysis = self.extract(text, report_id, exam=exam, patient_age=patient_age)
        analysis.report  # noqa: B018 - reasoned now
        return analysis

    def reason(self, result: ReportResult, text: str, *, patient_age: int | None = None) -> StructuredReport:
        """The reasoning over a result already extracted from ``text`` (by this engine or built by hand)."""
        return self.reasoner.over(result, text, patient_age).report(result)

    def exam_fields_used(self, analysis: Analysis, exam: Exam | None) -> list[str]:
        """The exam fields that stood in for the text (the age only when the text states none), sorted."""
        used = list(analysis.exam_used)
        if exam is not None and exam.patient_age is not None:
            from reportkit.reasoning import ReportContext

            if analysis.report.patient_age == exam.patient_age and ReportContext(text=analysis.text).age is None:
                used.append("patient_age")
        return sorted(used)

    def lint(self, analysis: Analysis, path: str = "-", config: LintConfig | None = None) -> list[Diagnostic]:
        """Every enabled lint rule's diagnostics of the analysed report, sorted by position."""
        return run_rules(analysis.text, analysis.result, lambda: analysis.report, self.lexicon, path, config)

    def safe_fix_diagnostics(self, analysis: Analysis, path: str = "-",
                             config: LintConfig | None = None) -> list[Diagnostic]:
        """The diagnostics of the rules that may offer a safe fix: enough to choose the fixes to apply."""
        return run_rules(analysis.text, analysis.result, lambda: analysis.report, self.lexicon, path, config,
                         safe_fixes_only=True)

    def lint_text(self, text: str, path: str = "-", config: LintConfig | None = None) -> list[Diagnostic]:
        """Lint one draft: analysed, then every enabled rule; diagnostics sorted by position."""
        return self.lint(self.extract(text, path), path, config)

    def fix_text(self, text: str, path: str, config: LintConfig, unsafe: bool = False) -> tuple[str, int, list]:
        """Fix, re-lint and repeat until nothing more applies; returns (text, fixes, remaining)."""
        text, fixed, diagnostics = self.fix_passes(text, path, config, unsafe)
        return text, len(fixed), diagnostics

    def fix_passes(self, text: str, path: str, config: LintConfig,
                   unsafe: bool = False) -> tuple[str, list[Diagnostic], list[Diagnostic]]:
        """Fix, re-lint and repeat until nothing more applies; returns (text, the fixed diagnostics, remaining)."""
        fixed: list[Diagnostic] = []
        diagnostics = self.lint_text(text, path, config)
        for _ in range(MAX_FIX_PASSES):
            chosen = chosen_fixes(diagnostics, unsafe)
            if not chosen:
                break
            text, _ = apply_fixes(text, chosen, unsafe)
            fixed += chosen
            diagnostics = self.lint_text(text, path, config)
        return text, fixed, diagnostics

    def audit(self, text: str, report_id: str, *, prefilter: bool = True,
              verdict: Verdict | None = None) -> Audited:
        """Analyse and lint one archive report; with ``prefilter``, a report that provably holds nothing any
        rule reads skips the pipeline (``verdict``: the pre-filter's, when the caller has it)."""
        if prefilter:
            verdict = verdict or self.prefilter.verdict(text)
            if verdict.skipped is not None:
                # no mention, no rule word: assessments, recommendations and diagnostics are provably empty
                return Audited(self.prefilter.skipped_report(text, report_id), [], True)
        rule_words = verdict.rule_words if verdict is not None else None
        # without a verdict, the rule words are asked for only when the report has no mention
        analysis = self.extract(text, report_id,
                                context=lambda: rule_words if rule_words is not None
                                else self.prefilter.has_rule_words(text))
        return Audited(analysis.report, self.lint(analysis, report_id), False)

    # ------------------------------------------------------------------ many reports

    def extract_many(self, items: Iterable[tuple[str, str]], batch_size: int = 64) -> Iterator[ReportResult]:
        """Extract from ``(id, text)`` pairs, streaming, in input order."""
        from reportkit.pipeline import to_result

        pairs = iter(items)
        ids: list[str] = []

        def texts() -> Iterator[str]:
            for report_id, text in pairs:
                ids.append(report_id)
                yield text

        for i, doc in enumerate(self.nlp.pipe(texts(), batch_size=batch_size)):
            result = to_result(doc, ids[i])
            yield self.reasoner.over(result, doc.text).label(result)

    # ------------------------------------------------------------------ internals

    def _run_pipeline(self, text: str, context: Callable[[], bool] | None):
        """The pipeline over ``text``; ConText left out of a report with no mention when ``context()`` says so."""
        if context is None:
            return self.nlp(text)
        from reportkit.pipeline import CONTEXT, MENTION_GROUP

        doc = self.nlp.make_doc(text)
        for name, component in self.nlp.pipeline:
            if name == CONTEXT and not doc.spans.get(MENTION_GROUP) and not context():
                continue
            doc = component(doc)
        return doc

    def _apply_exam(self, result: ReportResult, exam: Exam) -> list[str]:
        """Study modality, and the exam's side where the text gives a finding none and the exam title could.

        The side follows the linker's exam-title rule (lexicons/linking.yaml ``exam_side_locations``): a
        limb-type location, never a vessel, viscus or midline structure, since a wrong side is worse than none.
        """
        used = []
        records = result.findings + result.queries + result.deposits
        if exam.modality and not result.modality:
            result.modality = [exam.modality]
            for record in records:
                record.modality = record.modality or exam.modality
            used.append("modality")
        if exam.side:
            eligible = set(self.lexicon.linking.exam_side_locations)
            unsided = [r for r in records if r.laterality is None and r.location_category in eligible]
            for record in unsided:
                record.laterality = exam.side
                if hasattr(record, "laterality_source"):
                    record.laterality_source = "exam"
            if unsided:
                used.append("side")
        if exam.body_part:
            used.append("body_part")
        return used


@dataclass
class LintRun:
    """Diagnostics for many drafts, and what --fix did."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    originals: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)  # path -> fixed text, where it changed
    fixes_applied: int = 0
    fixed_diagnostics: list[Diagnostic] = field(default_factory=list)  # what --fix fixed, in order
    failed: bool = False  # some diagnostic at or above its file's fail-on severity
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, why) of drafts that could not be linted

    @property
    def texts(self) -> dict[str, str]:
        """The text each diagnostic refers to: the fixed one where fixes were applied."""
        return {**self.originals, **self.fixed}

    def worst(self) -> int:
        """The highest severity rank among the diagnostics, -1 when there are none."""
        return max((SEVERITY_RANK[d.severity] for d in self.diagnostics), default=-1)


def lint_text(text: str, path: str = "-", config: LintConfig | None = None,
              lexicon_dir: str | None = None, report: StructuredReport | None = None) -> list[Diagnostic]:
    """Lint one draft (``report``: its analysis, if already made); diagnostics sorted by position."""
    engine = get_engine(lexicon_dir)
    if report is None:
        return engine.lint_text(text, path, config)
    return run_rules(text, report.result, lambda: report, engine.lexicon, path, config)


def fix_text(text: str, path: str, config: LintConfig, unsafe: bool = False,
             lexicon_dir: str | None = None) -> tuple[str, int, list[Diagnostic]]:
    """Fix, re-lint and repeat until nothing more applies; returns (text, fixes, remaining)."""
    return get_engine(lexicon_dir).fix_text(text, path, config, unsafe)


def lint_drafts(drafts: Iterable[tuple[str, str]], config: LintConfig | Callable[[str], LintConfig],
                fix: bool = False, unsafe: bool = False, lexicon_dir: str | None = None,
                seconds: float | None = None) -> LintRun:
    """Lint (and, if asked, fix) already-read (path, text) drafts in order; ``config`` may be one per path.

    A draft that takes longer than ``seconds`` is recorded in ``run.errors`` and the others go on.
    """
    engine = get_engine(lexicon_dir)
    if seconds:
        engine.warm_up()  # built once, before any draft's clock starts
    config_for = config if callable(config) else lambda _path: config
    run = LintRun()
    for path, text in drafts:
        settings = config_for(path)
        run.originals[path] = text
        try:
            with time_limit(seconds):
                if fix:
                    fixed, fixed_diagnostics, diagnostics = engine.fix_passes(text, path, settings, unsafe)
                else:
                    fixed, fixed_diagnostics, diagnostics = text, [], engine.lint_text(text, path, settings)
        except ReportTimeout as exc:
            run.errors.append((path, str(exc)))
            continue
        if fixed_diagnostics:
            run.fixed[path] = fixed
            run.fixes_applied += len(fixed_diagnostics)
            run.fixed_diagnostics += fixed_diagnostics
        run.diagnostics += diagnostics
        run.failed |= any(SEVERITY_RANK[d.severity] >= SEVERITY_RANK[settings.fail_on] for d in diagnostics)
    return run


@functools.cache
def get_engine(lexicon_dir: str | None = None, plain: bool = False) -> Engine:
    """The engine for the lexicons in ``lexicon_dir`` (default: the shipped ones), made once per process."""
    return Engine(lexicon_dir, plain)

"""The rule registry and the values rules and diagnostics are made of.

A rule is a function registered with :func:`rule`; its docstring is its documentation
(`reportkit rule CODE` prints it) and must carry the headings in :data:`DOC_HEADINGS`.
The rules live in :mod:`reportkit.lint.rules`; importing that package registers them.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from reportkit.triggers import Reads, describe

if TYPE_CHECKING:  # annotations only: listing rules must not load the lexicon models
    from reportkit.lexicon import Lexicon
    from reportkit.models import ReportResult, StructuredReport


Severity = Literal["info", "warning", "error"]
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
DOC_HEADINGS = ("What it checks", "Why it matters", "Example", "Use instead", "Fix safety")


class LintError(ValueError):
    """A usage, configuration or input problem (exit code 2)."""


@dataclass(frozen=True)
class Edit:
    """Replace the characters [start, end) of the draft with ``replacement``."""

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A described set of edits that together fix one violation; ``safe`` ones apply with --fix."""

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
    """Everything a rule may look at for one draft.

    ``report`` (the reasoning over ``result``) is made by ``reasoned`` when a rule first reads
    it, so a run of rules that never read it (choosing the safe fixes) does not pay for it.
    """

    text: str
    result: ReportResult
    lexicon: Lexicon
    reasoned: Callable[[], StructuredReport] = field(repr=False)

    @functools.cached_property
    def report(self) -> StructuredReport:
        """The draft's analysis: assessments and recommendations over ``result``."""
        return self.reasoned()

    @functools.cached_property
    def clinical_note(self) -> bool:
        """Is the draft a clinical, operative or referral note (lint.yaml ``clinical_note_titles``,
        ``clinical_note_openers``)? Its examination and assessment headers are not a radiology report's findings
        and impression, and what a report should describe of its finding is asked of the imaging study's report."""
        from reportkit.description import is_clinical_note  # loads the lexicon models: only when a rule asks

        vocabulary = self.lexicon.lint
        return is_clinical_note(self.result, self.text, vocabulary.clinical_note_titles,
                                vocabulary.clinical_note_openers)

    def section_text(self, *categories: str) -> list[tuple[int, str]]:
        """(start offset, text) of every section of the given categories."""
        return [(s.start, self.text[s.start : s.end]) for s in self.result.sections if s.category in categories]


RuleCheck = Callable[[LintContext], Iterable[Violation]]


@dataclass(frozen=True)
class Precondition:
    """What a deposit must be for a rule to speak about it, declared with the rule (``reportkit rule`` shows it).

    ``scopes``: the body systems it is advice for (the article's: "msk"); empty, any. ``affirmed``: only
    deposits the report asserts (neither negated nor hypothetical). A finding not yet given a scope (a
    record made by hand, without the engine) is not held back by ``scopes``.
    """

    scopes: tuple[str, ...] = ()
    affirmed: bool = True
    # the rule speaks only through follow-up recommendations: those of lexicons/followup.yaml of this purpose
    # ("work_up"), those whose ids the lint vocabulary lists under this name (lint.yaml), or "all"; each
    # recommendation states its own conditions
    recommendations: str | None = None

    def followup_ids(self, lexicon) -> set[str] | None:
        """The ids of the follow-up rules the rule speaks through; None for all of them."""
        if self.recommendations is None or self.recommendations == "all":
            return None
        rules = lexicon.followup.rules
        by_purpose = {r.id for r in rules if r.purpose == self.recommendations}
        return by_purpose or set(getattr(lexicon.lint, self.recommendations))

    def holds(self, finding) -> bool:  # a Finding or Deposit (annotation-free: listing rules loads no models)
        """Whether the rule may speak about ``finding``."""
        if self.affirmed and (finding.negated or getattr(finding, "hypothetical", False)):
            return False
        return not self.scopes or finding.scope is None or finding.scope in self.scopes

    @property
    def summary(self) -> str:
        """The precondition in words."""
        if self.recommendations:
            return ("the deposits a follow-up recommendation is made for; each follow-up rule's conditions "
                    "(lexicons/followup.yaml):")
        parts = [f"body system {' or '.join(self.scopes)}" if self.scopes else "any body system"]
        if self.affirmed:
            parts.append("affirmed (not negated, not hypothetical)")
        return "deposits of " + "; ".join(parts)


# The article's advice: musculoskeletal soft-tissue deposits the report asserts
MSK_AFFIRMED = Precondition(scopes=("msk",))


@dataclass(frozen=True)
class Rule:
    """A registered lint rule: code, kebab-case name, default severity, check, documentation and what it reads."""

    code: str
    name: str
    severity: Severity
    check: RuleCheck
    doc: str
    safe_fix: bool = False  # may offer a safe fix (see reportkit.lint.engine.run_rules)
    reads: Reads | None = None  # what may make it speak (reportkit.triggers); None: it may speak about any report
    when: Precondition | None = None  # what a deposit must be for the rule to speak about it; None: no deposit rule
    # the follow-up rules (lexicons/followup.yaml ids) whose advice this rule asks of a draft in its own words:
    # where both speak of one deposit, they are one piece of advice
    restates: tuple[str, ...] = ()

    @property
    def reads_summary(self) -> str:
        """What the rule reads, in words (``reportkit rule CODE`` prints it)."""
        return describe(self.reads)

    @property
    def summary(self) -> str:
        """The first line of the rule's documentation."""
        return self.doc.strip().splitlines()[0]


@dataclass
class Diagnostic:
    """A violation placed in a file: rule, effective severity, offsets and 1-based line/column."""

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
        """The diagnostic as JSON-ready data (the --format json record)."""
        data = {k: getattr(self, k) for k in ("path", "code", "name", "severity", "message", "start", "end", "line",
                                               "column", "end_line", "end_column")}
        data["fix"] = None if self.fix is None else {
            "description": self.fix.description,
            "safe": self.fix.safe,
            "edits": [{"start": e.start, "end": e.end, "replacement": e.replacement} for e in self.fix.edits],
        }
        return data


REGISTRY: dict[str, Rule] = {}


def rule(code: str, name: str, severity: Severity, safe_fix: bool = False, reads: Reads | None = None,
         when: Precondition | None = None, restates: tuple[str, ...] = ()) -> Callable[[RuleCheck], RuleCheck]:
    """Register a lint rule. Its docstring is its documentation.

    ``safe_fix``: the rule may offer a fix marked safe. Only such rules are run to choose the
    fixes applied before the final lint, and the engine refuses a safe fix from any other rule.
    ``reads``: what may make it speak (:mod:`reportkit.triggers`): the audit's pre-filter lets a
    report skip lint only when no rule can speak about it. Undeclared, the rule runs on every report.
    ``when``: the precondition a deposit must meet for the rule to speak about it (the rule checks it with
    ``when.holds``); ``reportkit rule CODE`` prints it. ``restates``: the follow-up rules whose advice it gives in
    the draft's words for the same deposit (the advice sheet lists such a pair once).
    """

    def register(check: RuleCheck) -> RuleCheck:
        if code in REGISTRY:
            raise ValueError(f"duplicate rule code {code}")
        if not re.fullmatch(r"RK\d{3}", code) or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
            raise ValueError(f"rule {code} {name}: code must be RKnnn and name kebab-case")
        REGISTRY[code] = Rule(code, name, severity, check, inspect.getdoc(check) or "", safe_fix, reads, when,
                              restates)
        return check

    return register


def rules() -> dict[str, Rule]:
    """All registered rules, by code (reportkit.lint imports reportkit.lint.rules, which registers them)."""
    return dict(sorted(REGISTRY.items()))


# codes no longer given, with why: a code is never reused, and naming one says what became of it
REMOVED = {
    "RK401": "removed: ossification cues in a finding written as a calcification were, in every reviewed case, "
             "the author's loose word, early ossification or another object's cue (docs/lint.md#removed-rules)",
    "RK402": "removed: calcification cues in a finding written as an ossification were, in every reviewed case, "
             "cues an ossification has too (docs/lint.md#removed-rules)",
}


def find_rule(code_or_name: str) -> Rule:
    """The rule with this code (any case) or name; LintError if there is none."""
    for r in rules().values():
        if code_or_name.upper() == r.code or code_or_name.lower() == r.name:
            return r
    if (code := code_or_name.upper()) in REMOVED:
        raise LintError(f"rule {code} was {REMOVED[code]}")
    raise LintError(f"unknown rule '{code_or_name}' (see: reportkit rule --all)")

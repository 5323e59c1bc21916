"""Rules declare what they read, and the audit's pre-filter is built from those declarations: a rule added
later is never silently skipped by ``audit run``, and a rule that declares nothing runs on every report."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from reportkit.prefilter import rule_declarations
from reportkit.audit.store import TABLES
from reportkit.audit.work import WorkOptions, process_chunk, worker_state
from reportkit.cli import app
from reportkit.lexicon import load_lexicon
from reportkit.lint import REGISTRY, LintContext, Violation, rule, rules
from reportkit.text import find_all_words
from reportkit.triggers import MENTIONS, LexiconWords, Reads, Words, text

# written for these tests: no finding, no query, no word any rule of the lexicons reacts to
QUIET = "EXAM: CHEST RADIOGRAPH\nFINDINGS: The lungs are clear. Heart size is normal.\nIMPRESSION: Unremarkable study."
TRIGGER = "unremarkable"  # the throwaway rule's trigger word: in QUIET, in no lexicon list a rule reads
REPORT_COLUMNS = [name for name, _ in TABLES["reports"]]


def _audit(text: str) -> dict[str, list[tuple]]:
    """The audit's rows for one report, through the per-chunk work every engine runs (pre-filter on)."""
    return process_chunk([("report", 1, "r1", text, "test", 1, {})], WorkOptions())


def _report_row(rows: dict[str, list[tuple]]) -> dict:
    (row,) = rows["reports"]
    return dict(zip(REPORT_COLUMNS, row, strict=True))


@contextlib.contextmanager
def _registered(code: str, reads: Reads | None) -> Iterator[None]:
    """A throwaway rule reporting every whole word ``TRIGGER`` of a draft, registered for the ``with`` block."""

    def check(ctx: LintContext) -> Iterator[Violation]:
        """Reports a word (a throwaway rule of the tests)."""
        for m in find_all_words([TRIGGER], ctx.text):
            yield Violation(m.start(), m.end(), "a throwaway rule spoke")

    rule(code, f"throwaway-{code.lower()}", "info", reads=reads)(check)
    worker_state.cache_clear()  # each audit process builds its pre-filter once, after the rules are registered
    try:
        yield
    finally:
        del REGISTRY[code]
        worker_state.cache_clear()


def test_the_quiet_report_skips_the_pipeline_without_throwaway_rules():
    rows = _audit(QUIET)
    assert _report_row(rows)["prefiltered"] and _report_row(rows)["n_diagnostics"] == 0
    assert rows["findings"] == rows["diagnostics"] == []


def test_a_new_raw_text_rule_is_reported_by_the_audit_on_a_report_with_no_mention():
    with _registered("RK991", text(Words((TRIGGER,), "a test"))):
        rows = _audit(QUIET)
        row = _report_row(rows)
        assert (row["n_findings"], row["n_queries"], row["prefiltered"]) == (0, 0, False)
        assert [d[2] for d in rows["diagnostics"]] == ["RK991"] and row["n_diagnostics"] == 1
        # its declaration is what sends the report through: a report without its word still skips
        assert _report_row(_audit(QUIET.replace("Unremarkable study", "Normal study")))["prefiltered"]
    assert _audit(QUIET)["diagnostics"] == []  # unregistered again


def test_a_rule_that_declares_nothing_runs_on_every_report():
    with _registered("RK992", None):
        assert rules()["RK992"].reads_summary.startswith("undeclared")
        rows = _audit(QUIET)
        assert [d[2] for d in rows["diagnostics"]] == ["RK992"]
        assert not _report_row(rows)["prefiltered"]
        assert worker_state(None).prefilter.verdict("FINDINGS: Normal study.").skipped is None


def test_a_rule_that_reads_mentions_lets_a_report_without_one_skip():
    with _registered("RK993", MENTIONS):
        rows = _audit(QUIET)
        assert _report_row(rows)["prefiltered"] and rows["diagnostics"] == []


def test_every_rule_of_the_package_and_the_lexicons_declares_what_it_reads():
    # undeclared rules are allowed (they run always), but the package's own would cost every report the pipeline
    assert [name for name, reads in rule_declarations(load_lexicon()) if reads is None] == []


def test_every_declared_lexicon_field_lists_words():
    lexicon = load_lexicon()
    fields = [t for _, reads in rule_declarations(lexicon) if reads is not None for t in reads.triggers
              if isinstance(t, LexiconWords)]
    assert fields and all(field.words(lexicon) for field in fields)
    with pytest.raises(AttributeError):
        LexiconWords("terminology.terms.no_such_field").words(lexicon)


def test_the_rule_command_shows_what_a_rule_reads():
    runner = CliRunner()
    shown = {code: runner.invoke(app, ["rule", code]).stdout.splitlines()[1] for code in ("RK203", "RK301", "RK701")}
    assert shown == {
        "RK203": "Reads: raw text, when it holds words of lexicon terminology.terms.deprecated",
        "RK301": "Reads: mentions (speaks only about a report with a finding or a query)",
        "RK701": "Reads: recommendations (speaks only when a follow-up rule recommends something)",
    }

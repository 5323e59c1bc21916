"""Lint draft reports: rule registry, configuration, suppressions, fixes and output formats.

Entry point: :func:`run_rules` (the rules over one analysed draft); text-level linting
(``lint_text``, ``fix_text``, ``lint_drafts``) is in :mod:`reportkit.engine`. Importing this package registers every rule
(:mod:`reportkit.lint.rules`) without loading spaCy; only linting text does.
"""

# The rule families must be imported before `rules` is bound below: importing the
# sub-package reportkit.lint.rules sets the attribute `rules` on this package, and the
# public name `rules` is the function that lists them.
from reportkit.lint import rules as _rule_families  # noqa: F401  (registers every rule)
from reportkit.lint.config import ConfigFinder, LintConfig, find_config_file, load_config
from reportkit.lint.engine import run_rules
from reportkit.lint.fixes import apply_fixes, drop_conflicting_fixes, unified_diff
from reportkit.lint.formats import (
    Position,
    format_fixed,
    format_github,
    format_json,
    format_sarif,
    format_statistics,
    format_text,
    statistics,
)
from reportkit.lint.registry import (
    DOC_HEADINGS,
    REGISTRY,
    SEVERITY_RANK,
    Diagnostic,
    Edit,
    Fix,
    LintContext,
    LintError,
    Rule,
    Severity,
    Violation,
    find_rule,
    rule,
    rules,
)

__all__ = [
    "DOC_HEADINGS",
    "REGISTRY",
    "SEVERITY_RANK",
    "ConfigFinder",
    "Diagnostic",
    "Edit",
    "Fix",
    "LintConfig",
    "LintContext",
    "LintError",
    "Position",
    "Rule",
    "Severity",
    "Violation",
    "apply_fixes",
    "drop_conflicting_fixes",
    "find_config_file",
    "find_rule",
    "format_fixed",
    "format_github",
    "format_json",
    "format_sarif",
    "format_statistics",
    "format_text",
    "load_config",
    "rule",
    "rules",
    "run_rules",
    "statistics",
    "unified_diff",
]

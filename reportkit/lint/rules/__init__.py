"""The lint rules, one module per family. Importing this package registers every rule with
:func:`reportkit.lint.registry.rule`; each rule's docstring is its documentation, with the
headings of :data:`reportkit.lint.registry.DOC_HEADINGS`.

Rules read what extraction and reasoning found (:class:`~reportkit.lint.registry.LintContext`);
vocabulary, section sets and ids come from the lexicons (``ctx.lexicon.lint``), not from literals.
Each rule declares what it reads (``reads=``: mentions, recommendations, or raw-text triggers from
the lexicon; see :mod:`reportkit.triggers`): the audit lets a report skip lint only when no rule's
declaration holds for it, and a rule that declares nothing runs on every report.
"""

from reportkit.lint.rules import (  # noqa: F401  (imported to register their rules)
    completeness,
    consistency,
    followup,
    laterality,
    recommendations,
    suppression,
    terminology,
)

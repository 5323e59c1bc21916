"""Which of a term's verified codes fit a finding: codes may depend on its site and on affirmed facts.

M75.3 is calcific tendinitis of the shoulder only; M77.3 a calcaneal spur only; M61.0 needs
documented trauma (lexicons/terminology.yaml says which code needs what, and its source).
"""

from __future__ import annotations

from reportkit.lexicon import Term
from reportkit.models import Finding
from reportkit.reasoning.context import ReportContext


def codes_for(term: Term, finding: Finding, ctx: ReportContext) -> list[dict]:
    """The codes of ``term`` whose site and context conditions hold for ``finding``."""
    return [code.model_dump(include={"system", "code", "display", "verified_by"}) for code in term.codes
            if (not code.when_site or ctx.site_match(code.when_site, finding))
            and not (code.unless_site and ctx.site_match(code.unless_site, finding))
            and (not code.when_document or ctx.find(code.when_document, finding))]

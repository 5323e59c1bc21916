"""Step 1 of the article: is a finding a calcification, an ossification or a foreign body?

Descriptor cues vote for the kind they suggest (lexicons/descriptors.yaml); a density in HU in
the finding's sentence votes by the thresholds of lexicons/differential.yaml.
"""

from __future__ import annotations

import re

from reportkit.lexicon import Lexicon
from reportkit.models import Evidence, Finding, KindAssessment
from reportkit.reasoning.context import ReportContext, match_evidence
from reportkit.reasoning.scope import MSK, UNKNOWN

HU = re.compile(r"(-?\d{2,4})\s*(?:HU|hounsfield units?)\b", re.IGNORECASE)


class KindAssessor:
    """Step 1: the kind the descriptor and density cues point to, compared with the stated kind."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.density = lexicon.differential.density
        self.suggests_kind = {d.id: d.suggests_kind for d in lexicon.descriptors.descriptors if d.suggests_kind}

    def assess(self, finding: Finding, ctx: ReportContext) -> KindAssessment:
        """The kind the cues vote for ("indeterminate" when silent or evenly split), with its evidence."""
        votes: dict[str, list[Evidence]] = {}
        for ev in finding.evidence:
            if (ev.role == "descriptor" and ev.value in self.suggests_kind
                    and ctx.affirmed(ev.start, ev.end, finding)):
                votes.setdefault(self.suggests_kind[ev.value], []).append(ev)
        sentence = ctx.sentence(finding)
        low, high = self.density.calcification_hu
        for m in HU.finditer(sentence):
            value = int(m.group(1))
            if not ctx.affirmed(finding.sentence_start + m.start(), finding.sentence_start + m.end(), finding):
                continue
            kind = "ossification" if value >= self.density.bone_hu_min else (
                "calcification" if low <= value <= high else None)
            if kind:
                votes.setdefault(kind, []).append(match_evidence(m, "cue", f"{value} HU", finding.sentence_start))
        if not votes:
            concept = self.lexicon.concept(finding.concept)
            if concept.role == "specific":  # the term itself says what it is ("enthesophyte")
                term = next(ev for ev in finding.evidence if ev.role == "term")
                return KindAssessment(kind=finding.kind, stated=finding.kind, agrees=True, evidence=[term])
            return KindAssessment(kind="indeterminate", stated=finding.kind, agrees=None)
        concept = self.lexicon.concept(finding.concept)
        if finding.kind == "foreign_body" and concept.role == "specific" and not finding.uncertain:
            # an object named outright ("an 8 mm linear echogenic FB") is a foreign body, whatever its shape or echo
            term = next(ev for ev in finding.evidence if ev.role == "term")
            return KindAssessment(kind=finding.kind, stated=finding.kind, agrees=True, evidence=[term])
        kind = max(votes, key=lambda k: len(votes[k]))
        if len(votes) > 1 and len({len(v) for v in votes.values()}) == 1:
            kind = "indeterminate"  # cues disagree evenly
        # no dispute over a deposit the report does not assert ("No radiopaque calculus"), nor over an object
        # named outright ("a linear fragment of the port catheter" is a foreign body, whatever its shape), nor
        # outside the article's musculoskeletal soft tissue (a renal stone of 1100 HU is no ossification)
        undisputed = (concept.kind_unworded or finding.negated or finding.hypothetical
                      or (finding.kind == "foreign_body" and concept.role == "specific")
                      or finding.scope not in (None, MSK, UNKNOWN))
        return KindAssessment(
            kind=kind, stated=finding.kind,
            agrees=None if kind == "indeterminate" or undisputed else kind == finding.kind,
            evidence=[ev for evs in votes.values() for ev in evs],
        )

"""What the pipeline's components react to, declared for the audit's pre-filter (:mod:`reportkit.prefilter`).

- the target matcher and the gates component make a mention only from a concept's terms and token patterns
  (a gated typo pattern only around its text trigger), kept only where the concept's document
  gates pass (:func:`mention_triggers`);
- the linker names a modality only from the modalities' cue terms and patterns (:func:`modality_cues`);
- the sectionizer finds headers with its ``header`` regex (:class:`reportkit.pipeline.sections.Sectionizer`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportkit.lexicon import Lexicon

Pattern = list[dict]  # a spaCy Matcher token pattern


@dataclass(frozen=True)
class MentionTrigger:
    """What can make the target matcher and the gates component keep a mention of one concept."""

    id: str  # the concept's
    terms: tuple[str, ...]  # phrases the target matcher matches on LOWER
    patterns: tuple[Pattern, ...]  # the target matcher's token patterns (before reportkit.pipeline.rules splits them)
    gated_patterns: tuple[Pattern, ...]  # the gates component's typo patterns (run around their text trigger)
    document_requires: str | None  # the gates component keeps the concept's mentions only where this matches
    document_vetoed_by: str | None  # ... and only where this does not


def mention_triggers(lexicon: Lexicon) -> list[MentionTrigger]:
    """Every concept that can make a mention, in lexicon order.

    Exclusion concepts are left out: an exclusion phrase only removes a mention ("bone mineralization is
    within normal limits", see :mod:`reportkit.pipeline.linking.grouping`), so the mention's own term triggers.
    """
    return [MentionTrigger(c.id, tuple(c.terms), tuple(c.patterns), tuple(c.gated_patterns), c.document_requires,
                           c.document_vetoed_by)
            for c in lexicon.concepts.concepts if c.role != "exclusion"]


@dataclass(frozen=True)
class ModalityCue:
    """What makes the linker's cue finder name one modality."""

    modality: str
    terms: tuple[str, ...]  # phrases matched on LOWER
    patterns: tuple[Pattern, ...]  # token patterns as written (the cue finder splits each: split_patterns)


def modality_cues(lexicon: Lexicon) -> list[ModalityCue]:
    """Every modality's cues, in lexicon order (the order of ``ReportResult.modality``)."""
    return [ModalityCue(m.id, tuple(m.terms), tuple(m.patterns)) for m in lexicon.modalities.modalities]

"""What the reasoning steps share: the report as a whole, and evidence built from a match."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from reportkit.models import Evidence, Finding
from reportkit.text import find_words

AGE = re.compile(
    r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|y)\s*(?:-|\s)?\s*(?:old|o)\b|\b(\d{1,3})\s*y/o\b|\baged?\s+(\d{1,3})\b",
    re.IGNORECASE,
)
TOP = 3  # items of the differential that count as "considered"


@dataclass
class ReportContext:
    """What a report says as a whole: text, stated age, modalities named."""

    text: str
    modalities: set[str] = field(default_factory=set)
    patient_age: int | None = None  # from exam metadata: used only when the text states no age
    _found: dict[tuple[str, ...], re.Match[str] | None] = field(default_factory=dict, repr=False)

    def find(self, phrases: Iterable[str]) -> re.Match[str] | None:
        """The first of ``phrases`` in the whole report (cached: cues ask the same question often)."""
        key = tuple(phrases)
        if key not in self._found:
            self._found[key] = find_words(key, self.text)
        return self._found[key]

    @functools.cached_property
    def age(self) -> int | None:
        """The patient's age as the report first states it (0-119), else the exam metadata's, else None."""
        for m in AGE.finditer(self.text):
            value = int(next(g for g in m.groups() if g))
            if 0 < value < 120:
                return value
        return self.patient_age

    def sentence(self, finding: Finding) -> str:
        """The text of the sentence ``finding`` sits in."""
        return self.text[finding.sentence_start : finding.sentence_end]


def match_evidence(match: re.Match[str], role: str, value: str | None = None, offset: int = 0) -> Evidence:
    """Evidence for a regex match in a piece of text that starts at ``offset`` in the report."""
    return Evidence(role=role, text=match.group(0), start=offset + match.start(), end=offset + match.end(), value=value)

"""What a deposit's description lacks of what the article asks it to give, and which documents are asked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from reportkit.lexicon import Lexicon
from reportkit.text import find_words

if TYPE_CHECKING:
    from reportkit.models import ReportResult


class HaddDescription:
    """The article asks every calcific tendinopathy (HADD) to be described with the tendon involved, the size and
    the appearance, for comparison with follow-up studies (Freire 2018, Calcific tendinopathy). Read by the
    ``hadd_description`` follow-up (``description_incomplete``) and by lint rule RK301."""

    # what comparison at follow-up needs of it; a missing appearance alone is RK301's to ask for
    COMPARED = frozenset({"tendon", "size"})

    def __init__(self, lexicon: Lexicon) -> None:
        self._tendons = {t for site in lexicon.anatomy.sites if site.category == "tendon" for t in site.terms}
        # the tendons themselves, not the bursae their calcium migrates to
        self._own_tendons = {t for site in lexicon.anatomy.sites if site.category == "tendon"
                             and not site.receives_migrated_calcium for t in site.terms}
        self._appearance = frozenset(lexicon.lint.hadd_appearance)
        self._asks = lexicon.lint.hadd_description_asks.model_dump()
        # where a deposit is the article's tendon deposit: the locations of the follow-up rule that asks for its
        # description (lexicons/followup.yaml), or none stated; not a disc's hydroxyapatite
        self.locations = frozenset({None}).union(*(r.when.location_any for r in lexicon.followup.rules
                                                     if r.when.description_incomplete))

    def missing(self, sites: Iterable[str | None], size_mm: float | None, descriptors: Iterable[str]) -> list[str]:
        """The parts missing: "tendon" (no site is a tendon of anatomy.yaml), "size", "appearance"."""
        missing = []
        if _none_in(sites, self._tendons):
            missing.append("tendon")
        if size_mm is None:
            missing.append("size")
        if self._appearance.isdisjoint(descriptors):
            missing.append("appearance")
        return missing

    def migrated(self, sites: Iterable[str | None], side: str | None,
                 tendon_deposits: Iterable[tuple[Iterable[str | None], str | None]]) -> bool:
        """Is a HADD deposit placed at no tendon (a bursa, the bone it overlies) the migrated calcium of another
        HADD deposit of the report, at a tendon on its side (``tendon_deposits``: each one's sites and side)? In
        the resorptive phase the calcium migrates into the surrounding bursae (Freire 2018, Calcific tendinopathy):
        the description is the tendon deposit's to give, not its migrated part's."""
        if not _none_in(sites, self._own_tendons):
            return False
        return any(side in (None, other_side) and not _none_in(other_sites, self._own_tendons)
                   for other_sites, other_side in tendon_deposits)

    def asked(self, missing: Iterable[str]) -> str:
        """What to report of the parts ``missing`` (lint.yaml ``hadd_description_asks``): "the size of the deposit
        and its appearance (...)"."""
        words = [self._asks[part] for part in missing]
        return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def _none_in(sites: Iterable[str | None], terms: set[str]) -> bool:
    """Is none of ``sites`` one of ``terms``?"""
    return all((site or "").lower() not in terms for site in sites)


_OPENING = re.compile(r"[^\n.:]*")


def is_clinical_note(result: ReportResult, text: str, titles: Iterable[str], openers: Iterable[str]) -> bool:
    """Is the document a clinical, operative or referral note rather than the report of an imaging study: one of
    its section titles is a note's (lint.yaml clinical_note_titles), or its opening names one ("Pre-op clinic.",
    lint.yaml clinical_note_openers)?"""
    if not result.section_titles().isdisjoint(titles):
        return True
    opening = _OPENING.match(text.lstrip())
    return find_words(tuple(openers), opening.group(0) if opening else "") is not None

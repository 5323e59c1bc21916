"""What a deposit's description lacks of what the article asks it to give."""

from __future__ import annotations

from collections.abc import Iterable

from reportkit.lexicon import Lexicon


class HaddDescription:
    """The article asks every calcific tendinopathy (HADD) to be described with the tendon involved, the size and
    the appearance, for comparison with follow-up studies (Freire 2018, Calcific tendinopathy). Read by the
    ``hadd_description`` follow-up (``description_incomplete``) and by lint rule RK301."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._tendons = {t for site in lexicon.anatomy.sites if site.category == "tendon" for t in site.terms}
        self._appearance = frozenset(lexicon.lint.hadd_appearance)

    def missing(self, sites: Iterable[str | None], size_mm: float | None, descriptors: Iterable[str]) -> list[str]:
        """The parts missing: "tendon" (no site is a tendon of anatomy.yaml), "size", "appearance"."""
        missing = []
        if all((site or "").lower() not in self._tendons for site in sites):
            missing.append("tendon")
        if size_mm is None:
            missing.append("size")
        if self._appearance.isdisjoint(descriptors):
            missing.append("appearance")
        return missing

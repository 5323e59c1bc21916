"""Per-document indexes the linking steps search with bisect instead of scanning the whole report.

Built once per document, so linking costs time in proportion to the report's length and mention
count: sentences by token, sections by character, cues and findings by token offset.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Protocol

from spacy.attrs import IS_PUNCT, LOWER
from spacy.tokens import Doc, Span

from reportkit.models import Evidence, Section
from reportkit.pipeline.linking.cues import Cue, Cues
from reportkit.pipeline.sections import sentence_starts

Sentence = tuple[int, int]  # a sentence's start and end token


class Group(Protocol):
    """What the indexes need of a finding under construction (:class:`.context.Group`)."""

    @property
    def start(self) -> int:
        """First token of the finding's first term."""
        ...

    @property
    def last_end(self) -> int:
        """End token of the finding's last term, interpretation or description."""
        ...


class Sentences:
    """Sentence boundaries by token, answering what spaCy's ``Span.sent`` answers without walking tokens."""

    def __init__(self, doc: Doc) -> None:
        self._doc = doc
        self._starts = sentence_starts(doc)

    def start_of(self, token: int) -> int:
        """Token offset where the sentence holding ``token`` starts."""
        return self._starts[bisect_right(self._starts, token) - 1]

    def end_of(self, token: int) -> int:
        """Token offset where the sentence holding ``token`` ends."""
        i = bisect_right(self._starts, token)
        return self._starts[i] if i < len(self._starts) else len(self._doc)

    def bounds(self, start: int, end: int) -> tuple[int, int]:
        """Token offsets of ``doc[start:end].sent``: the start of the first token's sentence, the end of the last's."""
        return self.start_of(start), self.end_of(max(end - 1, start))

    def sent(self, start: int, end: int) -> Span:
        """``doc[start:end].sent`` (see :meth:`bounds`)."""
        first, last = self.bounds(start, end)
        return self._doc[first:last]


class SortedCues:
    """One family's cues (sorted, never overlapping, so their ends are sorted too) with bisect lookups."""

    def __init__(self, cues: list[Cue]) -> None:
        self.cues = cues
        self.starts = [c.start for c in cues]
        self.ends = [c.end for c in cues]

    def starting(self, lo: int, hi: int) -> list[Cue]:
        """Cues with ``lo <= start < hi``, in text order."""
        return self.cues[bisect_left(self.starts, lo) : bisect_left(self.starts, hi)]

    def ending(self, lo: int, hi: int) -> list[Cue]:
        """Cues with ``lo < end <= hi``, in text order."""
        return self.cues[bisect_right(self.ends, lo) : bisect_right(self.ends, hi)]

    def containing(self, start: int, end: int) -> Cue | None:
        """The cue holding tokens ``start:end``, if any (only the last cue starting at or before can)."""
        i = bisect_right(self.starts, start) - 1
        return self.cues[i] if i >= 0 and self.cues[i].end >= end else None

    def nearest(self, position: int, lo: int, hi: int) -> Cue | None:
        """The cue starting in ``[lo, hi)`` nearest ``position`` (the earlier on a tie)."""
        first, last = bisect_left(self.starts, lo), bisect_left(self.starts, hi)
        k = min(max(bisect_left(self.starts, position), first), last)
        picks = [self.cues[i] for i in (k - 1, k) if first <= i < last]
        return min(picks, key=lambda c: abs(c.start - position), default=None)


@dataclass
class ExamTitle:
    """The side and the body regions named on the first line of the exam section."""

    side: Cue | None = None
    regions: set[str] = field(default_factory=set)
    every_region: bool = True  # the side is for every region the title names (not "AP PELVIS AND LEFT KNEE")


@dataclass
class RegionMention:
    """A limb-region site named in the report, with the side word naming it, if any."""

    site: Cue
    region: str | None  # None: a site of every region ("clavicle", "soft tissues")
    side: Cue | None


@dataclass
class RegionSides:
    """The exam title and, in text order, every limb region the report names, with its side."""

    exam: ExamTitle
    named: list[RegionMention] = field(default_factory=list)

    def __post_init__(self) -> None:
        # after each mention: the side last given to each region, and the latest mention
        self._ends = [m.site.end for m in self.named]
        self._states: list[tuple[dict[str | None, Cue], RegionMention]] = []
        self._both: list[frozenset[str | None]] = []  # after each mention: the regions given both sides so far
        sides_of: dict[str | None, Cue] = {}
        both: frozenset[str | None] = frozenset()
        for mention in self.named:
            if mention.side is not None:
                given = sides_of.get(mention.region)
                if given is not None and given.value != mention.side.value:
                    both = both | {mention.region}
                sides_of = {**sides_of, mention.region: mention.side}
            self._states.append((sides_of, mention))
            self._both.append(both)

    def named_before(self, token: int) -> tuple[dict[str | None, Cue], RegionMention | None]:
        """The side last given to each region by mentions ending at or before ``token``, and the latest one."""
        count = bisect_right(self._ends, token)
        return self._states[count - 1] if count else ({}, None)

    def given_both_sides(self, token: int) -> frozenset[str | None]:
        """The regions that mentions ending at or before ``token`` gave two different sides ("right knee pain ...
        the left knee was replaced")."""
        count = bisect_right(self._ends, token)
        return self._both[count - 1] if count else frozenset()


@dataclass
class LinkingCaches:
    """What the linking steps work out once per document or sentence and share among its findings.

    Findings are keyed by ``id`` of their group: groups live as long as the document's linking.
    """

    nearest_group: dict[Sentence, NearestGroup] = field(default_factory=dict)
    descriptors_by_group: dict[Sentence, dict[int, list[Cue]]] = field(default_factory=dict)
    sizes_by_group: dict[Sentence, dict[int, tuple[list[float], list[Evidence]]]] = field(default_factory=dict)
    region_sides: RegionSides | None = None
    organ_sides: dict[str, list[tuple[int, Cue]]] | None = None  # paired organ -> (token, side naming it), in order
    organ_namings: dict[str, list[int]] | None = None  # paired organ -> the tokens where a name of it starts, in order
    side_values: frozenset[str] | None = None  # every side the document states
    deciding_sites: tuple[SortedCues, SortedCues, SortedCues] | None = None  # all, the usual ones, last resorts
    study_modality: Cue | None = None
    study_modality_read: bool = False


@dataclass
class DocIndex:
    """Everything the linking steps look up in one document, indexed once."""

    doc: Doc
    cues: Cues
    sentences: Sentences
    sections: list[Section]
    sites: SortedCues
    sides: SortedCues
    descriptors: SortedCues
    modalities: SortedCues
    lower: list[int]  # each token's lower-cased word id (:mod:`.phrases`)
    punct: list[int]  # 1 where the token is punctuation
    groups: list[Group] = field(default_factory=list)
    caches: LinkingCaches = field(default_factory=LinkingCaches)

    @classmethod
    def build(cls, doc: Doc, cues: Cues, sections: list[Section]) -> DocIndex:
        """Index ``doc``'s sentences, sections, cues and words (findings are added with :meth:`set_groups`)."""
        lower, punct = doc.to_array([LOWER, IS_PUNCT]).T.tolist()
        return cls(doc, cues, Sentences(doc), sections, SortedCues(cues.sites), SortedCues(cues.sides),
                   SortedCues(cues.descriptors), SortedCues(cues.modalities), lower, punct)

    def set_groups(self, groups: list[Group]) -> None:
        """Index the findings (in text order) by start and by where they end."""
        self.groups = groups
        self._group_starts = [g.start for g in groups]
        self._last_ends = sorted(g.last_end for g in groups)
        self._section_starts = [s.start for s in self.sections]

    def section_at(self, char: int) -> Section:
        """The section containing character offset ``char`` (as :func:`reportkit.text.section_at`)."""
        return self.sections[max(bisect_right(self._section_starts, char) - 1, 0)]

    def next_group_start(self, token: int) -> int | None:
        """Start of the first finding starting at or after ``token``."""
        i = bisect_left(self._group_starts, token)
        return self._group_starts[i] if i < len(self._group_starts) else None

    def last_end_between(self, lo: int, hi: int) -> int | None:
        """The greatest finding end in ``[lo, hi]``, if any."""
        i = bisect_right(self._last_ends, hi) - 1
        return self._last_ends[i] if i >= 0 and self._last_ends[i] >= lo else None

    def place_word(self, token: int) -> bool:
        """Is the token part of a site or side word?"""
        return (self.sites.containing(token, token + 1) is not None
                or self.sides.containing(token, token + 1) is not None)

    def groups_starting(self, lo: int, hi: int) -> list[Group]:
        """Findings with ``lo <= start < hi``, in text order."""
        return self.groups[bisect_left(self._group_starts, lo) : bisect_left(self._group_starts, hi)]


class NearestGroup:
    """Finds, among one sentence's groups (in text order), the group nearest a token.

    When the groups follow one another without overlapping, only the two before the token and the
    first after it can be nearest; otherwise every group is compared.
    """

    def __init__(self, candidates: list[Group]) -> None:
        self._candidates = candidates
        self._starts = [g.start for g in candidates]
        self._ordered = all(a.last_end <= b.start for a, b in zip(candidates, candidates[1:], strict=False))

    def __call__(self, position: int) -> Group | None:
        """The group whose start or end is nearest token ``position`` (the first on a tie)."""
        def distance(g: Group) -> int:
            return min(abs(position - g.start), abs(position - g.last_end))

        candidates = self._candidates
        if not self._ordered:
            return min(candidates, key=distance, default=None)
        k = bisect_left(self._starts, position)
        return min((candidates[i] for i in (k - 2, k - 1, k) if 0 <= i < len(candidates)), key=distance,
                   default=None)

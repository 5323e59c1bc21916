"""What the reasoning steps share: the report as a whole, its affirmed words, and evidence from a match.

Every cue lookup (descriptors, sentence, site and report words, HU, age) goes through
:class:`ReportContext`, which skips words inside negated, hypothetical or questioned
statements (:mod:`reportkit.assertion`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, get_origin

from reportkit.assertion import HEDGED, NOT_EVIDENCE, AffirmedText, Hit, Span
from reportkit.models import AssertionScope, Evidence, Finding, ReportResult
from reportkit.text import find_words

if TYPE_CHECKING:
    from reportkit.lexicon.schema import Anatomy

AGE = re.compile(
    r"\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?|y)\s*(?:-|\s)?\s*(?:old|o)\b|\b(\d{1,3})\s*y/o\b"
    r"|\baged?(?:\s*:\s*|\s+)(\d{1,3})\b"  # "aged 62", "Age: 62"
    # a note's opening "82M, fever" or "Rheumatology: 58F": the age and a capital sex letter, where a phrase starts
    # (not "a 5F catheter")
    r"|(?:(?<=\A)|(?<=[\n.:;,(])|(?<=[\n.:;,(] ))(\d{1,3})(?-i:[MF])\b",
    re.IGNORECASE,
)
TOP = 3  # items of the differential that count as "considered"
# Where a clause ends: a word belongs to a deposit only in the deposit's own clause (or site)
CLAUSE_BREAK = re.compile(r"[;:,.()\n]|\b(?:but|however|whereas|although|while|which|and there|there is|there are)\b",
                          re.IGNORECASE)


@dataclass(frozen=True)
class RowSites:
    """The anatomy words :meth:`ReportContext.row_settled` reads: the terms of sites that put a deposit in the
    other-soft-tissue row only as a hint (a bone it lies beside, a limb, the bare words "soft tissue"), and of the
    structures of another row it may lie in instead (linking.yaml ``row_competitors``: tendons, ligaments, arteries;
    a joint is as often the landmark such a deposit lies beside)."""

    hinting: frozenset[str]
    structures: tuple[str, ...]
    around_joint: frozenset[str]  # linking.yaml around_joint

    @classmethod
    def of(cls, anatomy: Anatomy, competitors: Iterable[str], around_joint: Iterable[str]) -> RowSites:
        named = set(competitors)
        return cls(frozenset(term for s in anatomy.sites if s.category in ("bone", "limb") or s.names_no_structure
                             for term in s.terms),
                   tuple(sorted({term for s in anatomy.sites if s.category in named or s.id in named
                                 for term in s.terms})),
                   frozenset(w.lower() for w in around_joint))


@dataclass
class ReportContext:
    """What a report says as a whole: text, stated age, modalities named, non-affirmed scopes."""

    text: str
    modalities: set[str] = field(default_factory=set)
    patient_age: int | None = None  # from exam metadata: used only when the text states no age
    scopes: list[AssertionScope] = field(default_factory=list)
    _found: dict[tuple, Hit | None] = field(default_factory=dict, repr=False)
    places: list[tuple[int, int, str]] | None = field(default=None, repr=False)  # the report's place words (scope)
    # an operative or procedure note (followup.yaml procedure_titles), a clinical note (lint.yaml clinical_note_titles)
    at_procedure: bool = False
    clinical_note: bool = False
    examined_words: tuple[str, ...] = ()  # differential.yaml examined_words ("palpable")
    # RowSites of the lexicon: what puts a deposit in the other-soft-tissue row only as a hint (row_settled)
    row_sites: RowSites | None = None
    # the mentions by which the report names a diagnosis itself: neither negated nor hypothetical, and by no
    # interpretation that is ("calcification, ?chondrocalcinosis"). A hedge still names it: "likely calcific
    # tendinitis" has raised what a suggestion would, and "known calcific tendinitis" is of the history, still named
    naming_findings: tuple[Finding, ...] = ()
    named_concepts: frozenset[str] = frozenset()  # the concepts they name
    # the sections of a physical examination: titled with one of the examined words ("O/E:")
    examined_sections: list[tuple[int, int]] = field(default_factory=list)
    # the history or indication headers' (start, title end, line end): a sentence after the header's own is often
    # the unheaded findings ("Hx: fever. Amorphous calcification ...")
    history_lines: list[tuple[int, int, int]] = field(default_factory=list)
    # the study's clinical context: its exam title and its history or indication sections, (start, end)
    clinical_context: list[tuple[int, int]] = field(default_factory=list)
    # a deposit (by its first mention's span) -> imaged, read from all its mentions (see imaged_deposit)
    _deposits_imaged: dict[tuple[int, int], bool] = field(default_factory=dict, repr=False)
    # the differentials and suggestions (their entities), notes and warnings given so far, deposit by deposit
    advised: set[tuple[str, ...] | str] = field(default_factory=set, repr=False)
    # (mention span, descriptors, descriptor evidence) -> the affirmed descriptors
    _descriptors: dict[tuple, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, result: ReportResult, text: str, patient_age: int | None = None) -> ReportContext:
        """The context of ``result``, extracted from ``text`` (``patient_age``: exam metadata, if any)."""
        history = [(s.start, s.start + len(s.title or ""), _line_end(text, s.start, s.end))
                   for s in result.sections if s.category == "indication"]
        context = [(s.start, s.end) for s in result.sections if s.category in ("exam", "indication")]
        return cls(text=text, modalities=set(result.modality), scopes=list(result.assertion_scopes),
                   patient_age=patient_age, history_lines=history, clinical_context=context)

    @functools.cached_property
    def words(self) -> AffirmedText:
        """The report's text with its non-affirmed scopes."""
        return AffirmedText(self.text, self.scopes)

    @functools.cached_property
    def stated_words(self) -> AffirmedText:
        """The report's text with its non-affirmed and its hedged scopes: what it states outright."""
        return AffirmedText(self.text, self.scopes, NOT_EVIDENCE | {HEDGED})

    def remember_naming(self, findings: Iterable[Finding]) -> None:
        """Remember the mentions of ``findings`` that name what they are (:attr:`naming_findings`)."""
        self.naming_findings = tuple(
            f for f in findings if not (f.negated or f.hypothetical)
            and all(self.words.affirmed(ev.start, ev.end) for ev in f.evidence if ev.role == "interpretation"))
        self.named_concepts = frozenset(c for f in self.naming_findings for c in f.named_concepts)

    def find_stated(self, phrases: Iterable[str]) -> Hit | None:
        """The first match of ``phrases`` the report states outright: affirmed and not hedged."""
        return self.stated_words.find(tuple(phrases))

    def find(self, phrases: Iterable[str], finding: Finding | None = None) -> Hit | None:
        """The first affirmed match of ``phrases`` in the whole report (cached: cues ask often)."""
        exempt = _span(finding)
        key = (tuple(phrases), exempt)
        if key not in self._found:
            self._found[key] = self.words.find(key[0], exempt=exempt)
        return self._found[key]

    def modality_seen(self, finding: Finding) -> str | None:
        """The modality that showed the deposit: the finding's, except in an operative or procedure note, where
        only a modality its own sentence names showed it (the study's, often an MRI of the history, did not)."""
        if not self.at_procedure:
            return finding.modality
        return finding.modality if _sentence_names_modality(finding) else None

    def imaged(self, finding: Finding) -> bool:
        """Was the deposit seen on imaging, as far as the report tells? Not one an operative or procedure note
        found at the procedure, nor a clinical note's, unless its own sentence names the imaging that showed it
        ("Radiographs showed ..."); not, in a report that names no imaging, one its own clause says was examined
        ("palpable"); nor, in an imaging report, one named only in the sentence of its history or indication
        header. The article's advice reads images. A deposit read by :meth:`imaged_deposit` answers for
        all its mentions."""
        known = self._deposits_imaged.get((finding.start, finding.end))
        if known is not None:
            return known
        if self.at_procedure:
            return self.modality_seen(finding) is not None
        if self.modalities and not self.clinical_note and any(
                lo <= finding.start < hi and finding.sentence_start <= head for lo, head, hi in self.history_lines):
            return False  # an imaging report's history ("Hx: calcinosis of the fingertips" on a renal US)
        if self.clinical_note:
            # a note records what imaging showed in the sentence that names it ("Radiographs showed ..."); a
            # deposit of its history, examination or assessment ("the firmness raises concern for myositis
            # ossificans"; "US requested") is no image's
            return _sentence_names_modality(finding)
        examined = bool(self.examined_words) and (self.find_own(self.examined_words, finding) is not None or any(
            lo <= finding.start < hi for lo, hi in self.examined_sections))
        return bool(self.modalities) or not examined

    def imaged_deposit(self, merged: Finding, mentions: list[Finding]) -> bool:
        """Was a deposit seen on imaging: any of its mentions (an operative note's "MRI showed a deposit" and the
        deposit removed at operation are one)? Remembered for the deposit's merged finding."""
        seen = any(self.imaged(m) for m in mentions)
        self._deposits_imaged[(merged.start, merged.end)] = seen
        return seen

    def find_in_sentence(self, phrases: Iterable[str], finding: Finding) -> Hit | None:
        """The first affirmed match of ``phrases`` in the finding's sentence."""
        return self.words.find(tuple(phrases), finding.sentence_start, finding.sentence_end, _span(finding))

    def find_own(self, phrases: Iterable[str], finding: Finding) -> Hit | re.Match[str] | None:
        """An affirmed match of ``phrases`` that belongs to the finding: in its site, or in the clause of one of
        its own words (its term, interpretation or site), never merely elsewhere in its sentence or report."""
        phrases = tuple(phrases)
        site = self.site_match(phrases, finding)
        if site is not None:
            return site
        for start, end in self.own_clauses(finding):
            hit = self.words.find(phrases, start, end, _span(finding))
            if hit is not None:
                return hit
        return None

    def own_clauses(self, finding: Finding) -> list[tuple[int, int]]:
        """The character ranges of the clauses holding the finding's own words (its mention, term, site)."""
        spans = {(finding.start, finding.end)} | {(ev.start, ev.end) for ev in finding.evidence
                                                   if ev.role in ("term", "interpretation", "site")}
        return sorted({self.clause_of(start, end, finding) for start, end in spans})

    def clause_of(self, start: int, end: int, finding: Finding) -> tuple[int, int]:
        """The clause around [start, end): between the nearest clause breaks within the finding's sentence."""
        low = max(finding.sentence_start, 0) if finding.sentence_start <= start else 0
        high = finding.sentence_end if finding.sentence_end >= end else len(self.text)
        before = [m.end() for m in CLAUSE_BREAK.finditer(self.text, low, start)]
        after = CLAUSE_BREAK.search(self.text, end, high)
        return (before[-1] if before else low, after.start() if after else high)

    def affirmed(self, start: int, end: int, finding: Finding | None = None) -> bool:
        """Whether the characters [start, end) are affirmed (for ``finding``: its own scopes aside)."""
        return self.words.affirmed(start, end, _span(finding))

    def descriptors(self, finding: Finding) -> frozenset[str]:
        """The finding's descriptors that some affirmed words state (all of them when none is cited).

        Kept by everything the answer reads (every descriptor cue of every entity asks).
        """
        cited = tuple((ev.value, ev.start, ev.end) for ev in finding.evidence if ev.role == "descriptor" and ev.value)
        key = (finding.start, finding.end, tuple(finding.descriptors), cited)
        found = self._descriptors.get(key)
        if found is None:
            affirmed = {value for value, start, end in cited if self.affirmed(start, end, finding)}
            found = frozenset(d for d in finding.descriptors if d in affirmed or all(c[0] != d for c in cited))
            self._descriptors[key] = found
        return found

    def site_match(self, phrases: Iterable[str], finding: Finding) -> re.Match[str] | None:
        """A match of ``phrases`` in the finding's site, when the site's words are affirmed."""
        match = find_words(tuple(phrases), finding.site or "")  # first: most cue lists name no word of the site
        if match is None:
            return None
        sites = [ev for ev in finding.evidence if ev.role == "site"]
        return None if sites and not any(self.affirmed(ev.start, ev.end, finding) for ev in sites) else match

    @functools.cached_property
    def age(self) -> int | None:
        """The patient's age as the report first states it in affirmed words (0-119), else the exam metadata's."""
        for m in _age_matches(self.text):
            value = int(next(g for g in m.groups() if g))
            if 0 < value < 120 and self.words.affirmed(m.start(), m.end()):
                return value
        return self.patient_age

    def first_time(self, advice: tuple[str, ...] | str) -> bool:
        """Is ``advice`` (a differential's entities, a note's or warning's text) given for the first time in this
        report? Remembered as given: one report's advice is given once, on its first deposit."""
        if advice in self.advised:
            return False
        self.advised.add(advice)
        return True

    def row_settled(self, finding: Finding) -> bool:
        """Does the deposit's own sentence settle its row of Table 1, as advice needs? Not when its only place is
        one another sentence names (a location the linker carried over as a best guess), nor when a bone, limb or
        bare "soft tissue" put it in the other-soft-tissue row while its sentence also names a tendon, ligament or
        vessel it may lie in ("volar to the pisiform, along the course of flexor carpi ulnaris"; "Tibials:
        calcified, occlusion suspected at mid calf"); nor a joint it lies around ("deposits around the PIP
        joint"). A row the concept gives ("calcific tendinitis") or no place at all is not in question here."""
        sites = [ev for ev in finding.evidence if ev.role == "site"]
        own = [ev for ev in sites if finding.sentence_start <= ev.start < finding.sentence_end]
        if sites and not own:
            return False
        rows = self.row_sites
        if rows is None:
            return True
        if finding.location_category == "articular":
            # "calcific deposits around the 5th PIP joint": in the joint or in the soft tissue around it
            between = (self.text[finding.end:ev.start].lower() for ev in own if ev.start >= finding.end)
            return not any(find_words(tuple(rows.around_joint), words) for words in between)
        if finding.location_category != "soft_tissue":
            return True
        hinted = any(ev.text.lower() in rows.hinting for ev in own)
        return not (hinted and self.find_in_sentence(rows.structures, finding) is not None)

    def sentence(self, finding: Finding) -> str:
        """The text of the sentence ``finding`` sits in."""
        return self.text[finding.sentence_start : finding.sentence_end]


_KEY_FIELDS = [name for name in Finding.model_fields
               if name not in ("diagnosis", "diagnosis_uncertain", "diagnosis_basis", "evidence")]
_LIST_FIELDS = [name for name in _KEY_FIELDS if get_origin(Finding.model_fields[name].annotation) is list]
_SCALAR_FIELDS = attrgetter(*(name for name in _KEY_FIELDS if name not in _LIST_FIELDS))
_LIST_VALUES = attrgetter(*_LIST_FIELDS)
_EVIDENCE_FIELDS = attrgetter(*Evidence.model_fields)


def finding_key(finding: Finding) -> tuple:
    """Every attribute of ``finding`` but its diagnosis, as a hashable value.

    Kind assessment and ranking never read the diagnosis, so two findings with equal keys get the
    same ones (a deposit of one mention and that mention; a finding before and after its label).
    """
    return (_SCALAR_FIELDS(finding), tuple(map(tuple, _LIST_VALUES(finding))),
            tuple(map(_EVIDENCE_FIELDS, finding.evidence)))


def _age_matches(text: str) -> Iterator[re.Match[str]]:
    """``AGE.finditer(text)``, tried only where a match can start in an ASCII text: at a digit or at "age".

    AGE opens with a word boundary, so ``re`` would try it at every character of the report.
    """
    if not text.isascii():  # \d is any Unicode digit
        yield from AGE.finditer(text)
        return
    lowered = text.lower()
    resume = 0
    for start in sorted({i for key in (*"0123456789", "age") for i in _occurrences(key, lowered)}):
        if start >= resume and (m := AGE.match(text, start)):
            resume = m.end()  # as finditer: the next match starts after this one (none is empty)
            yield m


def _occurrences(key: str, text: str) -> Iterator[int]:
    """Every offset where ``key`` starts in ``text``."""
    i = text.find(key)
    while i != -1:
        yield i
        i = text.find(key, i + 1)


def _span(finding: Finding | None) -> Span | None:
    """The finding's mention as a character range (its own scopes do not hide words from it)."""
    return (finding.start, finding.end) if finding is not None else None


def match_evidence(match: re.Match[str] | Hit, role: str, value: str | None = None, offset: int = 0) -> Evidence:
    """Evidence for a match (a regex match in text starting at ``offset``, or a report-wide Hit)."""
    if isinstance(match, Hit):
        return Evidence(role=role, text=match.text, start=match.start, end=match.end, value=value)
    return Evidence(role=role, text=match.group(0), start=offset + match.start(), end=offset + match.end(), value=value)


def _sentence_names_modality(finding: Finding) -> bool:
    """Does the finding's own sentence name the modality it was seen with ("MRI showed a deposit")?"""
    return any(ev.role == "modality" and finding.sentence_start <= ev.start and ev.end <= finding.sentence_end
               for ev in finding.evidence)


def _line_end(text: str, start: int, end: int) -> int:
    """Where the line from ``start`` ends, within [start, end]."""
    newline = text.find("\n", start, end)
    return end if newline < 0 else newline

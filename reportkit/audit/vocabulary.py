"""Archive vocabulary: normalise metadata (modality, body region, side, date) as RIS/PACS/HL7/FHIR exports spell it.

Data comes from ``lexicons/body_regions.yaml`` (regions, side codes), and from the shared lexicons:
``modalities.yaml`` (modality terms and single-token codes such as MR, US, XR) and ``anatomy.yaml``
(side words).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from reportkit.lexicon import ModalityName, load_lexicon

Side = str  # "left" | "right" | "bilateral"
_WORD = re.compile(r"[a-z0-9]+")


def _lower_all(values: list[str]) -> list[str]:
    return [v.lower() for v in values]


class Region(BaseModel):
    """A body region and the body-part words that name it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    terms: list[str]

    _lower = field_validator("terms")(_lower_all)


class NeedsRadiograph(BaseModel):
    """Modalities whose findings need a radiograph: always, or when the finding's kind is unsettled."""

    model_config = ConfigDict(extra="forbid")

    always: list[ModalityName]
    when_kind_unsettled: list[ModalityName]


class BodyRegions(BaseModel):
    """The contents of ``body_regions.yaml``."""

    model_config = ConfigDict(extra="forbid")

    needs_radiograph: NeedsRadiograph
    regions: list[Region]
    side_codes: dict[str, list[str]]

    @field_validator("side_codes")
    @classmethod
    def _lower_codes(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return {side: _lower_all(codes) for side, codes in value.items()}

    @model_validator(mode="after")
    def _one_owner_per_term(self) -> BodyRegions:
        owner: dict[str, str] = {}
        for region in self.regions:
            for term in region.terms:
                if owner.setdefault(term, region.id) != region.id:
                    raise ValueError(f"term '{term}' is listed under both '{owner[term]}' and '{region.id}'")
        if unknown := set(self.side_codes) - {"left", "right", "bilateral"}:
            raise ValueError(f"side_codes: unknown side(s) {sorted(unknown)}")
        return self


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Vocabulary:
    """Lookup tables built once from the lexicons."""

    region_terms: dict[tuple[str, ...], str]  # term words -> region id
    longest_region_term: int
    side_words: dict[tuple[str, ...], Side]  # side word(s) -> side, from anatomy.yaml
    side_codes: dict[str, Side]  # whole-field codes (L, RT, BIL) -> side
    modality_terms: dict[tuple[str, ...], str]  # lower-cased words -> modality id
    modality_codes: dict[str, str]  # exact codes (MR, US, XR) -> modality id
    radiograph_modalities: frozenset[str]
    needs_radiograph: NeedsRadiograph

    def needs_correlation(self, modality: str | None, kind_unsettled: bool) -> bool:
        """Does a finding of this study need a radiograph (body_regions.yaml ``needs_radiograph``)?"""
        rule = self.needs_radiograph
        return modality in rule.always or (kind_unsettled and modality in rule.when_kind_unsettled)

    def region(self, body_part: str | None) -> str | None:
        """The region id a body-part field or procedure description names, or None."""
        return _region_and_rest(self, _words(body_part or ""))[0]

    def side(self, value: str | None) -> Side | None:
        """The side a laterality field or procedure description states, or None."""
        if not value:
            return None
        words = _words(value)
        if len(words) == 1 and words[0] in self.side_codes:
            return self.side_codes[words[0]]
        _, rest = _region_and_rest(self, words)
        return _find_side(self, rest)

    def modality(self, value: str | None) -> str | None:
        """Reportkit's modality id for an archive modality code (MR, US) or description, or None."""
        if value is None or not value.strip():
            return None
        for token in re.findall(r"[A-Za-z0-9]+", value):
            if token in self.modality_codes:
                return self.modality_codes[token]
        found = _longest_match(self.modality_terms, _words(value), 4)
        return found[0] if found else None


def _longest_match(table: dict[tuple[str, ...], str], words: list[str], longest: int) -> tuple[str, int, int] | None:
    """First, longest term of ``table`` in ``words``: (value, start, end)."""
    for start in range(len(words)):
        for size in range(min(longest, len(words) - start), 0, -1):
            key = tuple(words[start : start + size])
            if key in table:
                return table[key], start, start + size
    return None


def _region_and_rest(vocab: Vocabulary, words: list[str]) -> tuple[str | None, list[str]]:
    """The first region named and the words left once every region term is removed ("L SPINE" is no side)."""
    region: str | None = None
    rest = list(words)
    while found := _longest_match(vocab.region_terms, rest, vocab.longest_region_term):
        value, start, end = found
        region = region or value
        rest = rest[:start] + ["|"] + rest[end:]
    return region, rest


def _find_side(vocab: Vocabulary, words: list[str]) -> Side | None:
    sides = set()
    for i, word in enumerate(words):
        two = tuple(words[i : i + 2])
        if two in vocab.side_words:
            sides.add(vocab.side_words[two])
        elif (word,) in vocab.side_words:
            sides.add(vocab.side_words[(word,)])
        elif word in vocab.side_codes and len(word) > 1:
            sides.add(vocab.side_codes[word])
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    return sides.pop() if sides else None


@functools.cache
def load_vocabulary() -> Vocabulary:
    """Build the archive vocabulary from the shipped lexicons (once per process)."""
    text = (files("reportkit.lexicons") / "body_regions.yaml").read_text(encoding="utf-8")
    regions = BodyRegions.model_validate(yaml.safe_load(text))
    lexicon = load_lexicon()
    region_terms = {tuple(_words(t)): r.id for r in regions.regions for t in r.terms}
    side_words = {tuple(_words(t)): side for side, terms in lexicon.anatomy.laterality.items() for t in terms}
    modality_terms: dict[tuple[str, ...], str] = {}
    modality_codes: dict[str, str] = {}
    for modality in lexicon.modalities.modalities:
        modality_terms.update({tuple(_words(t)): modality.id for t in modality.terms})
        modality_codes.update({code: modality.id for code in _single_token_codes(modality.patterns)})
    return Vocabulary(
        region_terms=region_terms,
        longest_region_term=max(len(k) for k in region_terms),
        side_words={k: v for k, v in side_words.items() if len(k) <= 2},
        side_codes={code: side for side, codes in regions.side_codes.items() for code in codes},
        modality_terms=modality_terms,
        modality_codes=modality_codes,
        radiograph_modalities=frozenset(m.id for m in lexicon.modalities.modalities if m.projection_radiograph),
        needs_radiograph=regions.needs_radiograph,
    )


def _single_token_codes(patterns: list) -> list[str]:
    """Exact ORTH values of one-token patterns (MR, US, XR): the codes archives use for a modality."""
    codes: list[str] = []
    for pattern in patterns:
        if len(pattern) != 1:
            continue
        orth = pattern[0].get("ORTH")
        if isinstance(orth, str):
            codes.append(orth)
        elif isinstance(orth, dict) and isinstance(orth.get("IN"), list):
            codes.extend(orth["IN"])
    return codes


# Dates: ISO (2024-03-05, with or without time), HL7/DICOM (20240305, 202403051130), 2024/03/05.
# Day-first and month-first slash dates (03/05/2024) are ambiguous and not guessed.
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{0,6})(\.\d+)?([+-]\d{4})?$")
_SLASHED = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")


def parse_date(value: object) -> dt.date | None:
    """A date from an ISO, compact (HL7/DICOM) or YYYY/MM/DD value; None when empty.

    Raises ValueError for a value that is not one of those forms.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if match := _COMPACT.match(text):
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    if match := _SLASHED.match(text):
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("not a date (ISO, YYYYMMDD or YYYY/MM/DD expected)") from None

"""Cue matching: every site, side, descriptor and modality word of a document, longest match first.

Names that only look like a side or a site ("left main", "soft-tissue density"; anatomy.yaml
`not_sides`, `not_sites`) are matched with their family and dropped after the longest-match filter,
so they hide the side or site word inside them.
"""

import re
from dataclasses import dataclass, field

import numpy

from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from reportkit.lexicon import Lexicon
from reportkit.pipeline.doc_text import doc_text
from reportkit.pipeline.extensions import MENTION_GROUP
from reportkit.pipeline.fast.token_prefilter import PrefilteredMatcher, pattern_phrases, split_patterns, text_prefilter
from reportkit.text import fold

ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)?$", re.IGNORECASE)  # "2nd", "3", "4th"
JOINING = {"and", "&", ",", "-", "to"}  # what joins the numbers of a run ("2nd and 3rd", "2-4")
NUMBERED_RUN = 6  # tokens a run of numbers before a site may take


@dataclass
class Cue:
    """A matched cue: token offsets, its normalised value and (for sites) the site category."""

    start: int
    end: int
    value: str
    category: str = ""


@dataclass
class Cues:
    """The cues of one document, by family, in text order."""

    sites: list[Cue] = field(default_factory=list)
    sides: list[Cue] = field(default_factory=list)
    descriptors: list[Cue] = field(default_factory=list)
    modalities: list[Cue] = field(default_factory=list)


# match-id prefix -> Cues field
_FAMILIES = {"site": "sites", "side": "sides", "desc": "descriptors", "mod": "modalities"}
_MASK = ""  # the value of a name that is no side or site: it wins the longest match, then is dropped


class CueFinder:
    """Phrase and token-pattern matchers for the anatomy, descriptor and modality lexicons.

    Fast (the default): token patterns behind the token prefilter (:mod:`..fast.token_prefilter`); plain: one
    spaCy ``Matcher``.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon, fast: bool = True) -> None:
        self._vocab = nlp.vocab
        self._labels: dict[int, tuple[str, str]] = {}
        self._fast = fast
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._patterns = PrefilteredMatcher(nlp.vocab) if fast else Matcher(nlp.vocab)
        # fast: REGEX-first patterns run only on documents whose text their text prefilter matches
        self._prefiltered: list[tuple[re.Pattern[str], Matcher]] = []
        anatomy = lexicon.anatomy
        self._site_category = {s.id: s.category for s in anatomy.sites}
        self._site_named = {t: s.id for s in anatomy.sites for t in s.terms}
        # a head noun of site names, in either number ("valve", "valves") -> its singular
        self._heads = {**{h: h for h in anatomy.plural_heads}, **{p: h for h, p in anatomy.plural_heads.items()}}
        self._joining = {w for w in lexicon.linking.coordinators if " " not in w}
        self._paired = {s.id for s in anatomy.sites if not s.midline}
        self._both = {nlp.vocab.strings.add(w.strip().lower()) for w in anatomy.bilateral_determiners}
        self._both_ids = numpy.array(sorted(self._both), dtype=numpy.uint64)
        self._both_words = [w.strip().lower() for w in anatomy.bilateral_determiners]
        self._one_limb_pairs = {w.strip().lower() for w in anatomy.one_limb_pairs}
        self._and = {nlp.vocab.strings.add(w) for w in ("and", "&")}
        self._verb_sides = {w.lower() for w in anatomy.verb_sides}
        self._auxiliaries = {w.lower() for w in anatomy.auxiliaries}
        self._prepositions = {w.lower() for w in (*lexicon.linking.prepositions, *anatomy.participle_followers)}
        self._letters = {nlp.vocab.strings.add(spelling): side for letter, side in anatomy.side_letters.items()
                         for spelling in (letter, f"{letter}.")}  # spaCy keeps a stop with a capital ("on the L.")
        self._the = nlp.vocab.strings.add("the")
        self._letter_ids = numpy.array(sorted(self._letters), dtype=numpy.uint64)
        # a paired organ's word also names what a side letter stands before ("L UVJ", "R renal pelvis")
        self._paired_words = {t.split()[0] for terms in anatomy.paired_organs.values() for t in terms}
        self._placeholder = re.compile(lexicon.linking.placeholder_pattern)
        for site in anatomy.sites:
            self._phrases.add(f"site|{site.id}", [nlp.make_doc(t) for t in site.terms])
            if site.patterns:
                self._add_patterns(nlp, f"site|{site.id}", site.patterns)
        for side, terms in anatomy.laterality.items():
            self._phrases.add(f"side|{side}", [nlp.make_doc(t) for t in terms])
        for family, names in (("side", anatomy.not_sides), ("site", anatomy.not_sites)):
            if names:
                self._phrases.add(f"{family}|{_MASK}", [nlp.make_doc(t) for t in names])
        for desc in lexicon.descriptors.descriptors:
            self._phrases.add(f"desc|{desc.id}", [nlp.make_doc(t) for t in desc.terms])
            if desc.pattern:
                self._add_patterns(nlp, f"desc|{desc.id}", [desc.pattern])
        for mod in lexicon.modalities.modalities:
            if mod.terms:
                self._phrases.add(f"mod|{mod.id}", [nlp.make_doc(t) for t in mod.terms])
            if mod.patterns:
                self._add_patterns(nlp, f"mod|{mod.id}", mod.patterns)

    def _add_patterns(self, nlp: Language, key: str, patterns: list) -> None:
        """Add token patterns (fast: each first-token IN split per value, REGEX-first ones that are no word list
        behind their text prefilter)."""
        if not self._fast:
            self._patterns.add(key, patterns)
            return
        for pattern in split_patterns(patterns):
            prefilter = None if pattern_phrases(pattern) is not None else text_prefilter(pattern)
            if prefilter is None:
                self._patterns.add(key, [pattern])
            else:
                matcher = Matcher(nlp.vocab)
                matcher.add(key, [pattern])
                self._prefiltered.append((prefilter, matcher))

    def __call__(self, doc: Doc) -> Cues:
        found: dict[str, list[tuple[int, int, str]]] = {family: [] for family in _FAMILIES}
        matches = list(self._phrases(doc)) + (list(self._patterns(doc)) if len(self._patterns) else [])
        if self._prefiltered:
            text = doc_text(doc)
            folded = fold(text)  # a LOWER regex sees the plain spelling form; the same offsets
            matches += [m for prefilter, matcher in self._prefiltered
                        if prefilter.search(text) or (folded is not text and prefilter.search(folded))
                        for m in matcher(doc)]
        for match_id, start, end in matches:
            family, value = self._label(match_id)
            found[family].append((start, end, value))
        cues = Cues()
        for family, spans in found.items():
            setattr(cues, _FAMILIES[family], [
                Cue(start, end, value, self._site_category.get(value, ""))
                for start, end, value in longest_first(spans) if value != _MASK
            ])
        if self._heads:
            cues.sites = [self._with_shared_head(doc, cue) for cue in cues.sites]
        if self._both:
            lowered = doc_text(doc).lower()  # most reports say neither "both" nor "each": no token array then
            if any(word in lowered for word in self._both_words):
                self._add_both(doc, cues)
        if self._letters:
            self._add_letters(doc, cues)
        if self._verb_sides:
            cues.sides = [c for c in cues.sides if not self._as_verb(doc, c, cues)]
        return cues

    def _as_verb(self, doc: Doc, cue: Cue, cues: Cues) -> bool:
        """Is a one-word side cue the participle it also spells (anatomy.yaml ``verb_sides``): written in lower case
        after an auxiliary or a noun that is no place ("fragments left", "was left"), and before a preposition or an
        adverb that opens no place ("left on inspection", "left partly open"), or nothing?"""
        i = cue.start
        if cue.end != i + 1 or i == 0 or doc[i].text not in self._verb_sides:
            return False
        before = doc[i - 1]
        if not before.is_alpha or any(c.start <= i - 1 < c.end for c in (*cues.sites, *cues.sides)):
            return False  # "knee left", "right and left"
        if before.is_stop and before.lower_ not in self._auxiliaries:
            return False  # "the left", "on left"
        after = doc[i + 1] if i + 1 < len(doc) else None
        if after is None or after.is_punct or after.is_space:
            return before.lower_ in self._auxiliaries  # "... was left." (but "Calcification, left.")
        if not (after.lower_ in self._prepositions or after.lower_.endswith("ly")):
            return False  # "left side", "left and right", "left of midline"
        site_at = {c.start for c in cues.sites}
        return i + 1 not in site_at and not (i + 2 in site_at and after.lower_.endswith("ly"))

    def _add_letters(self, doc: Doc, cues: Cues) -> None:
        """A side for a capital letter (anatomy.yaml ``side_letters``) that labels what follows ("R: 2 cm
        calcification"), closes its phrase as a place ("on the L."), or stands right before a site's name, one
        modifier between at most ("L index fingertip", "R 2nd DIP") or a run of numbers ("R 2nd and 3rd DIPs"), or
        right before a paired organ's word ("L UVJ") or a finding's term ("R nephrolithiasis")."""
        # a site's name, or a finding's own term ("R nephrolithiasis"), may follow the letter
        site_at = {c.start for c in cues.sites} | {s.start for s in doc.spans.get(MENTION_GROUP, ())}
        added = []
        for i in numpy.flatnonzero(numpy.isin(doc.to_array(ORTH), self._letter_ids)).tolist():
            following = doc[i + 1] if i + 1 < len(doc) else None
            # the side as a place of its own, closing the phrase ("on the L.", "to the R,")
            closing = i > 0 and doc[i - 1].lower == self._the and (
                following is None or doc[i].text.endswith(".") or following.is_punct or following.is_space)
            if following is None or closing:
                if closing:
                    added.append(Cue(i, i + 1, self._letters[doc[i].orth]))
                continue
            label = following.text == ":" and (i == 0 or doc[i - 1].is_punct or "\n" in doc[i - 1].text_with_ws
                                               or doc[i - 1].is_space)
            # up to two modifiers between ("L lower pole calculus"), neither punctuation nor a stop word
            between = doc[i + 1 : i + 3]
            named = (following.i in site_at or following.lower_ in self._paired_words
                     or any(j + 1 in site_at and all(not t.is_punct and not t.is_stop for t in between[: j - i])
                            for j in range(i + 1, min(i + 3, len(doc))))
                     or _numbered_run_end(doc, following.i) in site_at)
            if label or named:
                added.append(Cue(i, i + 1, self._letters[doc[i].orth]))
        if added:
            cues.sides = sorted(cues.sides + added, key=lambda c: c.start)

    def _with_shared_head(self, doc: Doc, cue: Cue) -> Cue:
        """A site word coordinated with another before the head noun they share ("the aortic and mitral valves",
        "hip and knee joints") is the site it names with that head, when that is a site name of its own."""
        if cue.end >= len(doc) or doc[cue.end].lower_ not in self._joining:
            return cue
        for token in doc[cue.end + 1 : cue.end + 4]:  # the other modifier (one or two words), then the head
            if (head := self._heads.get(token.lower_)) is not None:
                site = self._site_named.get(f"{doc[cue.start : cue.end].text.lower()} {head}")
                return cue if site is None or site == cue.value else Cue(
                    cue.start, cue.end, site, self._site_category.get(site, ""))
            if not token.is_alpha:
                break
        return cue

    def _add_both(self, doc: Doc, cues: Cues) -> None:
        """A bilateral side for "both" or "each" directly before a paired structure's name (one modifier may come
        between) or a placeholder ("both hila", "each kidney", "both frontal lobes", "both XXXX"), unless it
        opens "both A and B" or names a structure one limb has two of ("both menisci")."""
        site_at = {c.start: c for c in cues.sites}
        taken = {i for c in cues.sides for i in range(c.start, c.end)}
        added = []
        # the few tokens that are "both"/"each", found at array speed rather than token by token
        for i in numpy.flatnonzero(numpy.isin(doc.to_array(LOWER), self._both_ids)).tolist():
            token = doc[i]
            if token.i in taken or token.i + 1 >= len(doc):
                continue
            following = doc[token.i + 1]
            site = site_at.get(following.i)
            if site is None and token.i + 2 < len(doc) and following.is_alpha and not following.is_stop:
                site = site_at.get(following.i + 1)  # one modifier between: "both frontal lobes"
            if site is not None and site.value in self._paired:
                if doc[site.start : site.end].text.lower() in self._one_limb_pairs:
                    continue  # "both menisci": the knee's two, on its side
                end = site.end
            elif self._placeholder.match(following.text):
                end = following.i + 1
            else:
                continue
            if any(t.lower in self._and for t in doc[end : end + 3]):
                continue  # "both hilar and mediastinal": the two named, not two sides
            added.append(Cue(token.i, token.i + 1, "bilateral"))
        if added:
            cues.sides = sorted(cues.sides + added, key=lambda c: c.start)

    def _label(self, match_id: int) -> tuple[str, str]:
        """(family, value) of a match id ("site|knee" -> ("site", "knee")), decoded once per id."""
        label = self._labels.get(match_id)
        if label is None:
            family, _, value = self._vocab.strings[match_id].partition("|")
            label = self._labels[match_id] = (family, value)
        return label


def longest_first(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """spaCy's ``filter_spans`` on (start, end, label) tuples: longest first, then earliest; a span whose
    first or last token is taken is dropped; the rest in text order. Tuples spare a Span per cue."""
    taken: set[int] = set()
    kept = []
    for span in sorted(spans, key=lambda s: (s[1] - s[0], -s[0]), reverse=True):
        start, end, _ = span
        if start not in taken and end - 1 not in taken:
            kept.append(span)
            taken.update(range(start, end))
    return sorted(kept, key=lambda s: s[0])


def _numbered_run_end(doc: Doc, start: int) -> int:
    """The token after a short run of numbers and ordinals joined by "and", commas or dashes, from ``start`` ("2nd
    and 3rd", "2-4"); ``start`` itself when none starts there."""
    end = start
    while end < min(len(doc), start + NUMBERED_RUN) and (ORDINAL.match(doc[end].text) or doc[end].lower_ in JOINING):
        end += 1
    return end if end > start and ORDINAL.match(doc[end - 1].text) else start

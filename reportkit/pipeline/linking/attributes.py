"""Attributes a finding takes from its sentence: descriptors, size and the imaging modality."""

import math
import re
from collections.abc import Iterator

from spacy.language import Language
from spacy.tokens import Span

from reportkit.lexicon import Lexicon, Linking
from reportkit.models import Evidence
from reportkit.pipeline.linking.context import FindingContext, Group, cite, span_text
from reportkit.pipeline.linking.cues import Cue
from reportkit.pipeline.linking.index import NearestGroup
from reportkit.pipeline.linking.phrases import Phrases

NUMBER = r"\d+(?:\.\d+|,\d{1,2}(?!\d))?"
# Where a size's first number may not start, so no part of a longer number is read as a size (none is better
# than a wrong one): inside a number ("1,500 cm", ".5 cm", "1.500,5 mm"), in an exponent ("1e400 mm", "10^3 mm"),
# or as a digit group after a space or an apostrophe ("1 500 mm" as SI groups thousands, "1'500 mm")
SIZE_START = (r"(?<![\d.^])(?<!\d[,'\u2019])(?<!\d[eE])(?<!\d[eE][+-])"
              r"(?!(?<=\d[ \u00a0\u2009\u202f])\d{3}(?!\d))")
LARGEST_SIZE_MM = 1000  # no deposit or foreign body in a report measures a metre: a larger reading is a misreading
DIGIT = re.compile(r"\d")
PHRASE_WORDS = 8  # words after a descriptor read for the noun it modifies


def _nearest_in_sentence(ctx: FindingContext) -> NearestGroup:
    """The nearest-group finder over the groups starting in this finding's sentence, built once per sentence."""
    cache, sentence = ctx.index.caches.nearest_group, (ctx.sent.start, ctx.sent.end)
    if sentence not in cache:
        cache[sentence] = NearestGroup(ctx.index.groups_starting(*sentence))
    return cache[sentence]


class DescriptorReader:
    """Each descriptor of a sentence goes to the finding whose noun phrase it stands in.

    Without a parser, a descriptor's phrase is read from the words after it up to the next function word
    (linking.yaml: prepositions, noun links, determiners, clause openers, finite verbs, coordinators):

    * a phrase that holds a finding's term: that finding ("ill-defined 8 mm calcification");
    * no word after it ("the deposit is amorphous", "with cortical erosion"): the nearest finding;
    * a noun after it that names a part, property or the make-up of a finding (``attribute_nouns``:
      "ill-defined margins", "trabecular bone"), or another descriptor's words: the nearest finding, unless
      a word that sets another thing beside it (``other_entity``: "adjacent", "next to", "and a") stands
      between the two ("a tophus with an adjacent corticated erosion");
    * a noun that can restate a finding (``restating_nouns``: "a dense rounded focus"): the same, and not
      across a coordinator either ("hilar calcifications and dense lung nodules");
    * any other noun ("dense sclerotic bone island"): that noun's, no finding's.

    A stage descriptor (``stage: true``) is never given to a negated finding.
    """

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        linking = lexicon.linking
        self._phrase_ends = Phrases(nlp, linking.prepositions + linking.noun_links + linking.determiners
                                    + linking.clause_openers + linking.finite_verbs + linking.coordinators)
        self._attribute_nouns = Phrases(nlp, linking.attribute_nouns)
        self._restating_nouns = Phrases(nlp, linking.restating_nouns)
        self._coordinators = Phrases(nlp, [c for c in linking.coordinators if c != ","])
        self._other_entity = Phrases(nlp, linking.other_entity)
        self._stages = {d.id for d in lexicon.descriptors.descriptors if d.stage}
        self._joiners = {nlp.vocab.strings.add(j) for j in ("-", "/")}

    def __call__(self, ctx: FindingContext, negated: bool) -> tuple[list[str], list[Evidence]]:
        """Descriptor ids of this finding's phrases in its sentence, with their evidence."""
        cache, sentence = ctx.index.caches.descriptors_by_group, (ctx.sent.start, ctx.sent.end)
        if sentence not in cache:  # each descriptor of the sentence goes to one finding at most, once
            cache[sentence] = self._by_group(ctx)
        found: list[str] = []
        evidence: list[Evidence] = []
        for cue in cache[sentence].get(id(ctx.group), []):
            if negated and cue.value in self._stages:
                continue
            if cue.value not in found:
                found.append(cue.value)
            evidence.append(cite(ctx.doc[cue.start : cue.end], "descriptor", cue.value))
        return found, evidence

    def _by_group(self, ctx: FindingContext) -> dict[int, list[Cue]]:
        nearest = _nearest_in_sentence(ctx)
        groups = ctx.index.groups_starting(ctx.sent.start, ctx.sent.end)
        cues = ctx.index.descriptors.starting(ctx.sent.start, ctx.sent.end)
        by_group: dict[int, list[Cue]] = {}
        for cue in cues:
            owner = self._owner(ctx, cue, cues, groups, nearest)
            if owner is not None:
                by_group.setdefault(id(owner), []).append(cue)
        return by_group

    def _owner(self, ctx: FindingContext, cue: Cue, cues: list[Cue], groups: list[Group],
               nearest: NearestGroup) -> Group | None:
        """The finding ``cue`` describes, else None."""
        words, punct = ctx.index.lower, ctx.index.punct
        end = min(ctx.sent.end, cue.end + PHRASE_WORDS)
        phrase_end = cue.end
        while phrase_end < end and not self._ends_phrase(words, punct, phrase_end):
            phrase_end += 1
        named = next((g for g in groups if any(s.start < phrase_end and cue.start < s.end for s in _terms(g))), None)
        if named is not None:
            return named
        owner = nearest(cue.start)
        if owner is None or phrase_end == cue.end:
            return owner
        head = phrase_end - 1
        restating = self._restating_nouns.starts_at(words, head)
        if not (restating or self._attribute_nouns.starts_at(words, head)
                or any(c is not cue and c.start <= head < c.end for c in cues)):
            return None  # it describes another noun
        lo, hi = (owner.last_end, cue.start) if owner.start < cue.start else (phrase_end, owner.start)
        between = words[lo:hi]
        if self._other_entity.found_in(between) or restating and self._coordinators.found_in(between):
            return None  # it describes another thing beside the finding
        return owner

    def _ends_phrase(self, words: list[int], punct: list[int], i: int) -> bool:
        """Whether token ``i`` ends a noun phrase (a word joined by hyphens, "ring-and-arc", does not)."""
        if words[i] in self._joiners:
            return False
        if i > 0 and words[i - 1] in self._joiners and i + 1 < len(words) and words[i + 1] in self._joiners:
            return False
        return bool(punct[i]) or self._phrase_ends.starts_at(words, i)


def _terms(group: Group) -> list[Span]:
    """Every span of a finding's own words: its terms and the interpretations and descriptions folded into it."""
    return group.spans + [s for s, _ in group.interpretations] + group.descriptions


class SizeReader:
    """The first size in the finding's sentence that lies nearest this finding, in millimetres (linking.yaml units)."""

    def __init__(self, linking: Linking) -> None:
        self._units = linking.size_units
        # "1,5 cm" is a decimal comma; "1,500" (three digits) is a thousands group, read as no size at all
        number = NUMBER
        joiners = "|".join(re.escape(j) for j in linking.size_joiners)
        units = "|".join(re.escape(u) for u in sorted(self._units, key=len, reverse=True))
        # a match starts where a whole number starts, so a huge run of digits is read once, not once per digit
        self._pattern = re.compile(
            rf"{SIZE_START}(?P<dims>{number}(?:\s*(?:{joiners})\s*{number}){{0,2}})\s*(?P<unit>{units})\b",
            re.IGNORECASE,
        )

    def __call__(self, ctx: FindingContext) -> tuple[list[float], list[Evidence]]:
        """The finding's size in millimetres and its evidence, else empty lists."""
        cache, sentence = ctx.index.caches.sizes_by_group, (ctx.sent.start, ctx.sent.end)
        if sentence not in cache:
            cache[sentence] = self._sentence_sizes(ctx)
        return cache[sentence].get(id(ctx.group), ([], []))

    def _sentence_sizes(self, ctx: FindingContext) -> dict[int, tuple[list[float], list[Evidence]]]:
        """For each group of the sentence (by id), the first size read in it that lies nearest that group."""
        sent, nearest = ctx.sent, _nearest_in_sentence(ctx)
        sizes: dict[int, tuple[list[float], list[Evidence]]] = {}
        for dims, evidence in self.sizes(span_text(sent), sent.start_char):
            token = ctx.doc.char_span(evidence.start, evidence.start + 1, alignment_mode="expand")
            group = nearest(token.start) if token is not None else None
            if group is None or id(group) in sizes:
                continue
            sizes[id(group)] = dims, [evidence]
        return sizes

    def sizes(self, text: str, offset: int = 0) -> Iterator[tuple[list[float], Evidence]]:
        """Every size in ``text`` (which starts at ``offset`` in the report): dimensions in mm and evidence."""
        first_digit = DIGIT.search(text)  # a size starts with a digit: most sentences hold none
        if first_digit is None:
            return
        for m in self._pattern.finditer(text, first_digit.start()):
            factor = self._units[m.group("unit").lower()]
            dims = [round(float(x.replace(",", ".")) * factor, 2) for x in re.findall(NUMBER, m.group("dims"))]
            if not all(math.isfinite(d) and 0 < d <= LARGEST_SIZE_MM for d in dims):  # "0 mm", 400 digits: no size
                continue
            value = " x ".join(f"{d:g}" for d in dims) + " mm"
            yield dims, Evidence(role="size", text=m.group(0), start=offset + m.start(), end=offset + m.end(),
                                 value=value)


class ModalityReader:
    """The modality named nearest the finding in its sentence, else the study's own modality."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._study_sections = {s.category for s in lexicon.sections.sections if s.study_modality}

    def __call__(self, ctx: FindingContext) -> tuple[str | None, list[Evidence]]:
        doc = ctx.doc
        cue = ctx.index.modalities.nearest(ctx.group.start, ctx.sent.start, ctx.sent.end)
        if cue is None:
            cue = self._study_modality(ctx)
        if cue is None:
            return None, []
        return cue.value, [cite(doc[cue.start : cue.end], "modality", cue.value)]

    def _study_modality(self, ctx: FindingContext) -> Cue | None:
        """The study's own modality: one named in a study section (exam, technique), else the only one named."""
        caches = ctx.index.caches
        if not caches.study_modality_read:
            mods, index = ctx.index.modalities.cues, ctx.index
            header = (c for c in mods if index.section_at(ctx.doc[c.start].idx).category in self._study_sections)
            distinct = {c.value for c in mods}
            caches.study_modality = next(header, None) or (mods[0] if len(distinct) == 1 else None)
            caches.study_modality_read = True
        return caches.study_modality

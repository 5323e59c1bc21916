"""Grouping: drop look-alikes, merge one noun phrase's terms, fold interpretations and descriptions.

Steps 1-3 of the linker: from the matched concept spans of a document to one :class:`Group` per finding.
"""

import re

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from reportkit.lexicon import Concept, Lexicon
from reportkit.pipeline.extensions import MENTION_GROUP
from reportkit.pipeline.linking.context import Group
from reportkit.pipeline.linking.cues import Cue
from reportkit.pipeline.linking.index import DocIndex
from reportkit.pipeline.linking.location import SiteReader
from reportkit.pipeline.linking.phrases import Clauses, Phrases

RELATIVE_REACH = 3  # words between a relative pronoun and its copula ("which in this setting is")
DASHES = {"-", "–", "—"}
CONCLUSION_MODIFIERS = 2  # words between a concluding dash and the term ("- early heterotopic ossification")

class Grouper:
    """Turns a document's concept spans into findings under construction, one :class:`Group` each."""

    def __init__(self, nlp: Language, lexicon: Lexicon, sites: SiteReader, clauses: Clauses) -> None:
        link = lexicon.linking
        self._concepts = {c.id: c for c in lexicon.concepts.concepts}  # a dict read, not a pydantic private attr
        self._sites = sites
        self._clauses = clauses
        self._interpretation_links = Phrases(nlp, link.interpretation_links)
        self._interpretation_denials = Phrases(nlp, link.interpretation_denials)
        self._relatives = {nlp.vocab.strings.add(w) for w in link.relative_pronouns if w != "who"}
        self._copulas = {nlp.vocab.strings.add(w) for w in link.copulas}
        self._breaks = {nlp.vocab.strings.add(w) for w in (*link.coordinators, ",", ";", ":", ".")}
        self._negations = {nlp.vocab.strings.add(w) for w in (*link.subject_negations, "without")}
        self._coordinators = clauses.coordinators
        self._apposition = set(link.apposition)
        self._apposition_openers = set(link.apposition_openers)
        self._placeholder = re.compile(link.placeholder_pattern)
        self._word_conditions = {  # concept -> its sentence's required and vetoing words
            c.id: ([Phrases(nlp, words) for words in (c.requires_any, c.requires_also) if words],
                   Phrases(nlp, c.vetoed_by))
            for c in lexicon.concepts.concepts
        }

    def __call__(self, doc: Doc, index: DocIndex) -> list[Group]:
        """One group per finding, in text order."""
        groups: list[Group] = []
        start_of = index.sentences.start_of
        kept: dict[tuple[int, int, str], bool] = {}  # (sentence, concept) -> meets its word conditions
        established: set[str] = set()  # concepts whose required words an earlier sentence held
        for span in sorted(doc.spans[MENTION_GROUP], key=lambda s: s.start):
            concept = self._concepts[span.label_]
            sent_start, sent_end = index.sentences.bounds(span.start, span.end)
            key = (sent_start, sent_end, concept.id)
            if key not in kept:
                kept[key] = self._keep(index.lower[sent_start:sent_end], concept, concept.id in established)
                if kept[key]:
                    established.add(concept.id)
            if not kept[key]:
                continue
            previous = groups[-1] if groups else None
            if previous is not None and start_of(previous.spans[0].start) == start_of(span.start):
                gap = doc[previous.last_end : span.start]
                if not previous.interpretations and not previous.descriptions and (
                        self._adjacent(gap) or self._modifiers_between(previous, concept, gap, index)):
                    _merge(previous, span, concept)
                    continue
                if self._other_part(previous, concept, gap):
                    previous.add_description(span)
                    continue
                if self._restates(previous, span, concept, gap, index):
                    previous.add_interpretation(span, concept)
                    continue
                if self._describes(previous, span, concept, gap, index):
                    previous.add_description(span)
                    continue
            groups.append(Group([span], concept, concept.kind or "calcification"))
        return groups

    def _is_placeholder(self, token: Token) -> bool:
        return bool(self._placeholder.match(token.text))

    def _keep(self, words: list[int], concept: Concept, established: bool = False) -> bool:
        """Not a look-alike: no exclusion concept, and the term's sentence (its ``words``) passes the concept's
        word conditions (``requires_any``, ``requires_also``, ``vetoed_by``). Once an earlier sentence of the
        report met the required words, the term means the same thing again ("a coin in the oesophagus ... the coin
        was removed"): only the vetoes are read."""
        if concept.role == "exclusion":
            return False
        requires, vetoes = self._word_conditions[concept.id]
        if not requires and not vetoes:
            return True
        if not established and not all(required.found_in(words) for required in requires):
            return False
        return not (vetoes and vetoes.found_in(words))

    def _adjacent(self, gap: Span) -> bool:
        """Two terms of one noun phrase: nothing, or placeholders only, between them."""
        return all(self._is_placeholder(t) for t in gap)

    def _modifiers_between(self, group: Group, concept: Concept, gap: Span, index: DocIndex) -> bool:
        """A generic term, then only site and side words and the words coordinating them, then a term naming what
        the deposit is: one noun phrase whose modifiers name several places ("calcified renal or ureteral
        stones", "calcified left and right renal stones"): one finding (conventions: a finding noun with
        coordinated sites is one mention). The run opens with a place word, so a predicate ("the aorta is
        calcified and renal stones ...") is not read as a modifier; a generic term after it opens a phrase of
        its own ("calcified right lung granuloma and calcified hilar nodes")."""
        return (len(group.spans) == 1 and group.concept.role == "generic" and concept.role != "generic"
                and self._clauses.modifiers_only(index, gap.start, gap.end))

    def _other_part(self, group: Group, concept: Concept, gap: Span) -> bool:
        """A "non-" form coordinated right after a term of its kind names the other part of one mixed noun phrase
        ("mixed calcific and non-calcific plaque", "no calcific or non-calcific plaque"): one finding, asserted
        as its first term is, not a second, negated one."""
        return (concept.negated and not group.concept.negated and (concept.kind or "calcification") == group.kind
                and len(gap) == 1 and self._coordinators.starts_at([gap[0].lower], 0) and gap[0].text != ",")

    def _describes(self, group: Group, span: Span, concept: Concept, gap: Span, index: DocIndex) -> bool:
        """A generic term after a named finding, at no other kind of site, describes that finding
        ("HADD in the flexor carpi ulnaris with amorphous cloudlike calcifications"), and so does
        a generic term inside a descriptor phrase ("... with peripheral ossification")."""
        if concept.role != "generic" or concept.negated:
            return False
        phrase = index.descriptors.containing(span.start, span.end)
        if phrase is not None and phrase.end - phrase.start > span.end - span.start:
            return True
        if group.effective_concept.role != "specific":
            return False
        gap_words = index.lower[gap.start : gap.end]
        if self._clauses.breaks.found_in(gap_words):
            return False
        if self._coordinators.found_in(gap_words) and self._heads_another_structure(group, span, index):
            return False
        return not self._names_another_site(group, span, index)

    def _heads_another_structure(self, group: Group, span: Span, index: DocIndex) -> bool:
        """A coordinated noun phrase whose own head site is another structure than the finding's ("calcified
        granuloma at the right base and calcified right hilar nodes"): a second finding, even in an
        organ of the same category (conventions: distinct structures give separate mentions)."""
        own = self._own_sites(span, index)
        if not own:
            return False
        head = own[-1].value  # English noun phrases are head-final: the last site names the structure
        anchor = {c.value for c in index.sites.starting(group.start - self._clauses.before, span.start)}
        return bool(anchor) and head not in anchor

    def _names_another_site(self, group: Group, span: Span, index: DocIndex) -> bool:
        """Does the text right after ``span`` place it at another kind of site than ``group``?
        ("calcification in the tendon, phleboliths in the pelvis": two findings)"""
        def key(cue: Cue) -> str:  # a place that does not decide the category counts as its own ("pelvis")
            return self._sites.value(cue, None)[0] or f"{cue.category}:{cue.value}"

        own_sites = self._own_sites(span, index)
        if not own_sites:
            return False
        own = {key(c) for c in own_sites}
        anchor_sites = index.sites.starting(group.start - self._clauses.before, span.start)
        anchor = {key(c) for c in anchor_sites}
        anchor.add(group.effective_concept.location or group.effective_concept.default_location)
        if not any(place and ":" not in place for place in anchor):
            # the finding is only in a region ("in the right upper quadrant"): an organ of that body system may be
            # what it is ("possibly a porcelain gallbladder"); one of another system is not ("in the shoulder")
            regions = {self._sites.scope(c) for c in anchor_sites} - {None}
            organs = {self._sites.scope(c) for c in own_sites} - {None}
            return bool(regions and organs) and not regions & organs
        return not own & anchor

    def _own_sites(self, span: Span, index: DocIndex) -> list[Cue]:
        """The sites of the phrase after ``span``, up to its clause's end or a coordinator that opens another noun
        phrase with no site named before it ("with ostial calcification and possible proximal lesion": the
        lesion is not where the calcification is)."""
        clauses = self._clauses
        sent_end = index.sentences.end_of(max(span.end - 1, span.start))
        end = clauses.clause_end(index.lower, span.end, min(sent_end, span.end + clauses.after))
        own = index.sites.starting(span.end, end)
        if own:
            joined = self._coordinators.first_in(index.lower[span.end : own[0].start])
            if joined is not None:
                return []
        return own

    def _list_item(self, span: Span, index: DocIndex) -> bool:
        """A term followed by a comma or a coordinator is an item of a list ("denies renal calculi,
        cholelithiasis, asthma"): when it names another concept, a finding of its own, not an apposition
        restating the one before it."""
        after = index.lower[span.end : span.end + 1]
        return bool(after) and self._coordinators.starts_at(after, 0)

    def _restates(self, group: Group, span: Span, concept: Concept, gap: Span, index: DocIndex) -> bool:
        """Is ``concept`` (after ``gap``) an interpretation of the finding in ``group``? A specific term; or any term
        after one that is a deposit of its kind only as the text reads it ("shadowing focus ..., consistent with a
        calcific deposit")."""
        anchor = group.concept
        if concept.role != "specific" and not anchor.kind_by_reading:
            return False
        compatible = (
            anchor.role == "generic"
            or anchor.diagnosis is None
            or anchor.id == concept.id
            or anchor.diagnosis == concept.diagnosis
        )
        if not compatible:
            return False
        gap_words = [t.lower for t in gap if not self._is_placeholder(t)]
        only_comma = [t.text for t in gap if not self._is_placeholder(t)] == [","]
        if anchor.role == "specific" and only_comma and (anchor.id == concept.id or concept.diagnosis == "other"):
            # a list, not an apposition: findings of one concept, or of the catch-all diagnosis, which names
            # no entity for the second to restate ("cholelithiasis, choledocholithiasis", "renal calculi, gallstones")
            return False
        link = self._interpretation_links.last_start(gap_words, 0, len(gap_words))
        if link is None:
            link = self._relative_copula(gap_words)
        if link is None:
            link = self._concluding_dash(group, [t for t in gap if not self._is_placeholder(t)])
        denial = self._interpretation_denials.last_start(gap_words, 0, len(gap_words))
        # a denial starting with a link ("favoured over" after "favoured") is the longer phrase, and wins
        if denial is not None and (link is None or denial >= link):
            return False  # "probably related to the injections rather than HADD": HADD is denied, not restating
        if link is not None:
            return True
        # a term in parentheses right after another glosses it ("heterotopic ossification (HO) around the hip"):
        # a site after the parenthesis is the site of both
        # ("calcium pyrophosphate deposition disease (CPPD)": the head noun the term leaves out may stand before it)
        words = [t for t in gap if not self._is_placeholder(t)]
        if (words and words[-1].text == "(" and len(words) <= 3 and all(t.is_alpha for t in words[:-1])
                and span.end < len(span.doc) and span.doc[span.end].text == ")"):
            return True
        # apposition: "syndesmophytes in the thoracic spine, DISH" / "hyperostosis (DISH)"
        if self._names_another_site(group, span, index):
            return False
        if concept.id != anchor.id and self._list_item(span, index):
            return False
        for token in reversed(gap):
            if self._is_placeholder(token):
                continue
            if token.lower_ in self._apposition_openers:
                return True
            if token.lower_ not in self._apposition:
                return False
        return not gap_words


    def _concluding_dash(self, group: Group, tokens: list[Token]) -> int | None:
        """Where a spaced dash stands that opens the writer's conclusion about the finding before it, with at most
        CONCLUSION_MODIFIERS words before the term ("cloudy mineralisation ..., no mature cortex yet - early
        heterotopic ossification"), else None. Not after a denied finding ("no calcification - tophus ...")."""
        for i in range(len(tokens) - 1, -1, -1):
            if tokens[i].text in DASHES and tokens[i].whitespace_ and i > 0 and tokens[i - 1].whitespace_:
                after = tokens[i + 1 :]
                if len(after) > CONCLUSION_MODIFIERS or not all(t.is_alpha and not t.is_stop for t in after):
                    return None
                doc = tokens[i].doc
                before = doc[max(group.start - 3, 0) : group.start]
                return None if any(t.lower in self._negations for t in before) else i
        return None

    def _relative_copula(self, words: list[int]) -> int | None:
        """Where a relative pronoun starts that a copula follows with RELATIVE_REACH words between at most ("which
        in this setting is"), the last one in ``words``, else None."""
        for i in range(len(words) - 1, -1, -1):
            if words[i] not in self._relatives:
                continue
            copula = next((k for k in range(i + 1, min(i + 2 + RELATIVE_REACH, len(words)))
                           if words[k] in self._copulas), None)
            # the copula's complement is the term: no other clause or list item opens before it
            if copula is not None and not any(w in self._breaks for w in words[copula + 1 :]):
                return i
            return None
        return None


def _merge(group: Group, span: Span, concept: Concept) -> None:
    """Add a term of the same noun phrase; the head (last) term's kind and a specific concept win."""
    group.add_term(span)
    group.kind = concept.kind or group.kind  # English noun phrases are head-final
    if concept.role == "specific" or group.concept.role == "generic":
        group.concept = concept

"""The ``reportkit_linker`` component: from matched terms to evidence-carrying findings.

Runs after medspaCy's TargetMatcher and ConText. For each sentence it

1. drops look-alikes (exclusion concepts, context-gated terms);
2. merges adjacent terms of one noun phrase ("calcified phleboliths");
3. folds a specific term that restates an earlier finding in the same sentence
   ("calcifications ... favored to represent phleboliths") into that finding;
4. links site and location category, side, descriptors, size and modality;
5. labels the diagnosis the text names (a label the text does not name is inferred afterwards by
   :func:`reportkit.reasoning.label_diagnoses`, called from :mod:`reportkit.api`).

Every attribute keeps the span that gave it as :class:`~reportkit.models.Evidence`.
"""

import re
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from reportkit.lexicon import Concept, Lexicon, load_lexicon
from reportkit.models import Evidence, Finding
from reportkit.pipeline import MENTION_GROUP
from reportkit.text import section_at

for _name in ("rk_findings", "rk_queries", "rk_modality"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

# ConText category -> evidence role
MODIFIER_ROLES = {
    "NEGATED_EXISTENCE": "negation",
    "POSSIBLE_EXISTENCE": "uncertainty",
    "HISTORICAL": "historical",
    "HYPOTHETICAL": "hypothetical",
    "QUESTION": "question",
}
SIZE = re.compile(
    r"(?P<dims>\d+(?:\.\d+)?(?:\s*(?:x|×|by)\s*\d+(?:\.\d+)?){0,2})\s*(?P<unit>mm|cm|millimet(?:er|re)s?|centimet(?:er|re)s?)\b",
    re.IGNORECASE,
)
POST_WINDOW = 12  # tokens after a finding searched for its site
PRE_WINDOW = 3  # tokens before a finding searched for a site modifier ("aortic", "soft tissue")


@dataclass
class _Cue:
    start: int  # token offsets
    end: int
    value: str
    category: str = ""  # for sites: the site category


@dataclass
class _Group:
    """One finding under construction: its term spans and any folded interpretations."""

    spans: list[Span]
    concept: Concept
    kind: str
    interpretations: list[tuple[Span, Concept]] = field(default_factory=list)
    descriptions: list[Span] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.spans[0].start

    @property
    def end(self) -> int:
        return self.spans[-1].end

    @property
    def last_end(self) -> int:
        return max([self.end] + [s.end for s, _ in self.interpretations] + [s.end for s in self.descriptions])

    @property
    def effective_concept(self) -> Concept:
        """The concept that says what the finding is: a folded interpretation if the term is generic."""
        if self.interpretations and (self.concept.role == "generic" or self.concept.diagnosis is None):
            return self.interpretations[0][1]
        return self.concept


@Language.factory("reportkit_linker", default_config={"lexicon_dir": None})
def make_linker(nlp: Language, name: str, lexicon_dir: str | None):
    return FindingLinker(nlp, load_lexicon(lexicon_dir))


def _phrases(nlp: Language, words: list[str]) -> list[tuple[str, ...]]:
    return [tuple(t.lower_ for t in nlp.make_doc(w)) for w in words]


class FindingLinker:
    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.cue_patterns = Matcher(nlp.vocab)
        anatomy = lexicon.anatomy
        self.site_category = {s.id: s.category for s in anatomy.sites}
        self.beside_category = {s.id: s.beside_category or "soft_tissue" for s in anatomy.sites}
        for site in anatomy.sites:
            self.cues.add(f"site|{site.id}", [nlp.make_doc(t) for t in site.terms])
            if site.patterns:
                self.cue_patterns.add(f"site|{site.id}", site.patterns)
        for side, terms in anatomy.laterality.items():
            self.cues.add(f"side|{side}", [nlp.make_doc(t) for t in terms])
        for desc in lexicon.descriptors.descriptors:
            self.cues.add(f"desc|{desc.id}", [nlp.make_doc(t) for t in desc.terms])
        for mod in lexicon.modalities.modalities:
            if mod.terms:
                self.cues.add(f"mod|{mod.id}", [nlp.make_doc(t) for t in mod.terms])
            if mod.patterns:
                self.cue_patterns.add(f"mod|{mod.id}", mod.patterns)
        self.modality_order = [m.id for m in lexicon.modalities.modalities]
        link = lexicon.linking
        self.interpretation_links = _phrases(nlp, link.interpretation_links)
        self.apposition = set(link.apposition)
        self.beside_bone = _phrases(nlp, link.beside_bone)
        self.projection = _phrases(nlp, link.projection)
        self.clause_breaks = _phrases(nlp, link.clause_breaks)
        self.placeholder = re.compile(link.placeholder_pattern)
        self.question_sections = {s.category for s in lexicon.sections.sections if s.questions}
        self.gate_phrases = {
            c.id: (_phrases(nlp, c.requires_any), _phrases(nlp, c.vetoed_by)) for c in lexicon.concepts.concepts
        }

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _has_phrase(words: list[str], phrases: list[tuple[str, ...]]) -> bool:
        for phrase in phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == phrase:
                    return True
        return False

    def _cues(self, doc: Doc) -> dict[str, list[_Cue]]:
        found: dict[str, list[Span]] = {"site": [], "side": [], "desc": [], "mod": []}
        for match_id, start, end in list(self.cues(doc)) + list(self.cue_patterns(doc)):
            family, _, value = doc.vocab.strings[match_id].partition("|")
            found[family].append(Span(doc, start, end, label=value))
        cues: dict[str, list[_Cue]] = {}
        for family, spans in found.items():
            cues[family] = [
                _Cue(s.start, s.end, s.label_, self.site_category.get(s.label_, "")) for s in filter_spans(spans)
            ]
        return cues

    def _is_placeholder(self, token) -> bool:
        return bool(self.placeholder.match(token.text))

    # ------------------------------------------------------------------ component
    def __call__(self, doc: Doc) -> Doc:
        cues = self._cues(doc)
        sections = doc._.rk_sections
        present = {c.value for c in cues["mod"]}
        doc._.rk_modality = [m for m in self.modality_order if m in present]
        groups = self._group(doc, cues)
        findings, queries = [], []
        for group in groups:
            finding = self._finding(doc, group, groups, cues, sections)
            (queries if finding.hypothetical else findings).append(finding)
        doc._.rk_findings = findings
        doc._.rk_queries = queries
        return doc

    # ------------------------------------------------------------------ steps 1-3
    def _keep(self, span: Span, concept: Concept) -> bool:
        if concept.role == "exclusion":
            return False
        requires, vetoes = self.gate_phrases[concept.id]
        words = [t.lower_ for t in span.sent]
        if requires and not self._has_phrase(words, requires):
            return False
        return not (vetoes and self._has_phrase(words, vetoes))

    def _group(self, doc: Doc, cues: "dict[str, list[_Cue]]") -> "list[_Group]":
        spans = sorted(doc.spans[MENTION_GROUP], key=lambda s: s.start)
        groups: list[_Group] = []
        for span in spans:
            concept = self.lexicon.concept(span.label_)
            if not self._keep(span, concept):
                continue
            previous = groups[-1] if groups else None
            if previous is not None and previous.spans[0].sent.start == span.sent.start:
                gap = doc[previous.last_end : span.start]
                if not previous.interpretations and not previous.descriptions and self._adjacent(gap):
                    self._merge(previous, span, concept)
                    continue
                if self._restates(previous, span, concept, gap, cues["site"]):
                    previous.interpretations.append((span, concept))
                    continue
                if self._describes(doc, previous, span, concept, gap, cues):
                    previous.descriptions.append(span)
                    continue
            groups.append(_Group([span], concept, concept.kind or "calcification"))
        return groups

    def _describes(self, doc: Doc, group: _Group, span: Span, concept: Concept, gap: Span, cues) -> bool:
        """A generic term after a named finding, at no other kind of site, describes that finding
        ("HADD in the flexor carpi ulnaris with amorphous cloudlike calcifications"), and so does
        a generic term inside a descriptor phrase ("... with peripheral ossification")."""
        if concept.role != "generic" or concept.negated:
            return False
        if any(c.start <= span.start and span.end <= c.end and c.end - c.start > span.end - span.start
               for c in cues["desc"]):
            return True
        if group.effective_concept.role != "specific":
            return False
        gap_words = [t.lower_ for t in gap]
        if self._has_phrase(gap_words, self.clause_breaks):
            return False
        return not self._names_another_site(group, span, cues["site"])

    def _names_another_site(self, group: _Group, span: Span, sites: "list[_Cue]") -> bool:
        """Does the text right after ``span`` place it at another kind of site than ``group``?
        ("calcification in the tendon, phleboliths in the pelvis": two findings)"""
        def key(cue: _Cue) -> str:  # a region counts as its own place ("pelvis")
            return self._site_value(cue, None)[0] or f"{cue.category}:{cue.value}"

        end = self._clause_end(span.doc, span.end, min(span.sent.end, span.end + POST_WINDOW))
        own = {key(c) for c in sites if span.end <= c.start < end}
        if not own:
            return False
        anchor = {key(c) for c in sites if group.start - PRE_WINDOW <= c.start < span.start}
        anchor.add(group.effective_concept.location or group.effective_concept.default_location)
        return not own & anchor

    def _adjacent(self, gap: Span) -> bool:
        """Two terms of one noun phrase: nothing, or placeholders only, between them."""
        return all(self._is_placeholder(t) for t in gap)

    @staticmethod
    def _merge(group: _Group, span: Span, concept: Concept) -> None:
        group.spans.append(span)
        group.kind = concept.kind or group.kind  # English noun phrases are head-final
        if concept.role == "specific" or group.concept.role == "generic":
            group.concept = concept

    def _restates(self, group: _Group, span: Span, concept: Concept, gap: Span, sites: "list[_Cue]") -> bool:
        """Is ``concept`` (after ``gap``) an interpretation of the finding in ``group``?"""
        if concept.role != "specific":
            return False
        anchor = group.concept
        compatible = (
            anchor.role == "generic"
            or anchor.diagnosis is None
            or anchor.id == concept.id
            or anchor.diagnosis == concept.diagnosis
        )
        if not compatible:
            return False
        gap_words = [t.lower_ for t in gap if not self._is_placeholder(t)]
        if self._has_phrase(gap_words, self.interpretation_links):
            return True
        # apposition: "syndesmophytes in the thoracic spine, DISH" / "hyperostosis (DISH)"
        if self._names_another_site(group, span, sites):
            return False
        for token in reversed(gap):
            if self._is_placeholder(token):
                continue
            if token.lower_ in {",", "("}:
                return True
            if token.lower_ not in self.apposition:
                return False
        return not gap_words

    # ------------------------------------------------------------------ step 4-5
    def _finding(self, doc, group: _Group, groups, cues, sections) -> Finding:
        start_tok, end_tok = group.start, group.end
        head = doc[start_tok:end_tok]
        sent = head.sent
        evidence = [Evidence(role="term", text=s.text, start=s.start_char, end=s.end_char) for s in group.spans]
        for span, concept in group.interpretations:
            evidence.append(
                Evidence(
                    role="interpretation",
                    text=span.text,
                    start=span.start_char,
                    end=span.end_char,
                    value=concept.diagnosis,
                )
            )
        evidence += [
            Evidence(role="description", text=s.text, start=s.start_char, end=s.end_char) for s in group.descriptions
        ]
        flags = self._context_flags(group, evidence)
        section = section_at(sections, head.start_char)
        hypothetical = flags["hypothetical"] or (flags["question"] and section.category in self.question_sections)
        uncertain = flags["uncertain"] or (flags["question"] and not hypothetical)
        negated = flags["negated"] or any(self.lexicon.concept(s.label_).negated for s in group.spans)

        window_end = self._window_end(doc, group, groups, sent)
        concept = group.effective_concept
        location, site = self._location(doc, group, concept, cues["site"], sent, window_end, section, evidence)
        laterality, side_source = self._laterality(doc, group, cues["side"], sent, window_end, evidence)
        descriptors = self._descriptors(doc, group, groups, cues["desc"], sent, evidence)
        dimensions = self._size(doc, group, groups, sent, evidence)
        modality = self._modality(doc, group, cues["mod"], sent, sections, section, evidence)

        interpretation_uncertain = any(s._.is_uncertain for s, _ in group.interpretations)
        finding = Finding(
            start=head.start_char, end=head.end_char, text=head.text, concept=group.concept.id, kind=group.kind,
            named_concepts=list(dict.fromkeys([s.label_ for s in group.spans] + [c.id for _, c in group.interpretations])),
            negated=negated, uncertain=uncertain, historical=flags["historical"], hypothetical=hypothetical,
            section=section.category, location_category=location, site=site, laterality=laterality,
            laterality_source=side_source, descriptors=descriptors,
            size_mm=max(dimensions) if dimensions else None, dimensions_mm=dimensions, modality=modality,
            diagnosis=concept.diagnosis,
            diagnosis_uncertain=bool(concept.diagnosis) and interpretation_uncertain,
            diagnosis_basis=("interpretation" if group.interpretations else "named") if concept.diagnosis else None,
            sentence_start=sent.start_char, sentence_end=sent.end_char, evidence=evidence,
        )
        return finding

    def _context_flags(self, group: _Group, evidence: list[Evidence]) -> dict[str, bool]:
        flags = {"negated": False, "uncertain": False, "historical": False, "hypothetical": False, "question": False}
        names = {
            "negated": "is_negated",
            "uncertain": "is_uncertain",
            "historical": "is_historical",
            "hypothetical": "is_hypothetical",
            "question": "rk_is_question",
        }
        for span in group.spans:
            for flag, attr in names.items():
                flags[flag] |= getattr(span._, attr)
            for modifier in span._.modifiers:
                role = MODIFIER_ROLES.get(modifier.category)
                if role:
                    m_start, m_end = modifier.modifier_span
                    trigger = span.doc[m_start:m_end]
                    evidence.append(
                        Evidence(role=role, text=trigger.text, start=trigger.start_char, end=trigger.end_char)
                    )
        return flags

    def _window_end(self, doc: Doc, group: _Group, groups: list[_Group], sent: Span) -> int:
        """Token offset where the finding's own phrase ends: clause break, next finding, or window."""
        limit = min(sent.end, group.last_end + POST_WINDOW)
        for other in groups:
            if other.start >= group.last_end:
                limit = min(limit, other.start)
                break
        return self._clause_end(doc, group.last_end, limit)

    def _clause_end(self, doc: Doc, start: int, limit: int) -> int:
        """The first clause break in ``doc[start:limit]``, else ``limit``."""
        words = [t.lower_ for t in doc[start:limit]]
        for i in range(len(words)):
            if any(tuple(words[i : i + len(p)]) == p for p in self.clause_breaks):
                return start + i
        return limit

    def _site_value(self, cue: _Cue, relation: str | None) -> tuple[str | None, bool]:
        """Location category for a site cue and whether it is only a weak hint."""
        if cue.category == "region":
            return None, True
        if cue.category == "limb":
            return "soft_tissue", True
        if cue.category == "level":
            return "other", True
        if cue.category == "bone":
            return (self.beside_category[cue.value], True) if relation == "beside" else ("other", False)
        return cue.category, False

    def _relation(self, doc: Doc, start: int, end: int) -> str | None:
        words = [t.lower_ for t in doc[start:end]]
        if self._has_phrase(words, self.projection):
            return "projection"
        if self._has_phrase(words, self.beside_bone):
            return "beside"
        return None

    def _location(self, doc, group, concept, sites, sent, window_end, section, evidence):
        """Location category by precedence: fixed > near site > concept default > weak > sentence > before."""
        near: list[tuple[_Cue, str | None]] = []
        for cue in sites:
            if cue.start >= sent.start and cue.end <= group.end and cue.end > group.start - PRE_WINDOW:
                gap = doc[cue.end : group.start]
                if cue.end >= group.start or not any(t.is_punct for t in gap):
                    near.append((cue, None))
        near.reverse()  # nearest pre-modifier first
        for cue in sites:
            if group.end <= cue.start < window_end:
                near.append((cue, self._relation(doc, group.end, cue.start)))
        # "projecting over the right upper quadrant": only projected, whatever follows
        projected = self._relation(doc, group.end, window_end) == "projection"

        chosen: tuple[_Cue, str | None] | None = None
        category: str | None = None
        weak: tuple[_Cue, str | None, str | None] | None = None
        for cue, rel in near:
            value, is_weak = self._site_value(cue, rel)
            if value and not is_weak:
                chosen, category = (cue, rel), value
                break
            if value and weak is None:
                weak = (cue, rel, value)
        site_cue = chosen[0] if chosen else (weak[0] if weak else (near[0][0] if near else None))

        if concept.location:
            category = concept.location
        elif category is None:
            if group.kind == "foreign_body" and projected:
                category = None
            elif concept.default_location:
                category = concept.default_location
            elif weak:
                category = weak[2]
            elif not near:  # a region named near the finding ("in the shoulder") is the writer's answer
                fallback = self._sentence_site(group, sites, sent) or self._earlier_site(doc, sites, sent, section)
                category = self._site_value(fallback, None)[0] if fallback else None
                site_cue = site_cue or fallback
        if site_cue is None:  # still name the site the sentence gives, for the reader
            site_cue = self._sentence_site(group, sites, sent)
        if site_cue is not None:
            span = doc[site_cue.start : site_cue.end]
            evidence.append(
                Evidence(role="site", text=span.text, start=span.start_char, end=span.end_char, value=category)
            )
        return category, (doc[site_cue.start : site_cue.end].text if site_cue else None)

    def _sentence_site(self, group, sites, sent) -> "_Cue | None":
        """The named site nearest the finding elsewhere in its sentence."""
        in_sentence = [c for c in sites if sent.start <= c.start < sent.end and c.category != "region"]
        return min(in_sentence, key=lambda c: abs(c.start - group.start)) if in_sentence else None

    def _earlier_site(self, doc, sites, sent, section) -> "_Cue | None":
        """The last named site before the sentence, within its section."""
        earlier = [c for c in sites
                   if c.end <= sent.start and doc[c.start].idx >= section.start and c.category != "region"]
        return earlier[-1] if earlier else None

    def _laterality(self, doc, group, sides, sent, window_end, evidence):
        def pick(cues: list[_Cue]) -> str | None:
            values = {c.value for c in cues}
            if "bilateral" in values or {"left", "right"} <= values:
                return "bilateral" if "bilateral" in values else None
            return values.pop() if values else None

        def cite(cue: _Cue, value: str | None) -> None:
            span = doc[cue.start : cue.end]
            evidence.append(
                Evidence(role="laterality", text=span.text, start=span.start_char, end=span.end_char, value=value)
            )

        own = [c for c in sides if group.start - PRE_WINDOW <= c.start < window_end and c.start >= sent.start]
        if own:
            value = pick(own)
            for cue in own:
                cite(cue, value)
            return value, "mention"
        in_sentence = [c for c in sides if sent.start <= c.start < sent.end]
        if in_sentence:
            bilateral = [c for c in in_sentence if c.value == "bilateral"]
            cue = bilateral[0] if bilateral else min(in_sentence, key=lambda c: abs(c.start - group.start))
            cite(cue, cue.value)
            return cue.value, "sentence"
        before = [c for c in sides if c.end <= group.start]
        if before:
            cite(before[-1], before[-1].value)
            return before[-1].value, "preceding_text"
        return None, None

    @staticmethod
    def _nearest_group(position: int, sent: Span, groups: list[_Group]) -> _Group | None:
        candidates = [g for g in groups if sent.start <= g.start < sent.end]
        if not candidates:
            return None
        return min(candidates, key=lambda g: min(abs(position - g.start), abs(position - g.last_end)))

    def _descriptors(self, doc, group, groups, descs, sent, evidence) -> list[str]:
        found: list[str] = []
        for cue in descs:
            if sent.start <= cue.start < sent.end and self._nearest_group(cue.start, sent, groups) is group:
                if cue.value not in found:
                    found.append(cue.value)
                span = doc[cue.start : cue.end]
                evidence.append(
                    Evidence(role="descriptor", text=span.text, start=span.start_char, end=span.end_char, value=cue.value)
                )
        return found

    def _size(self, doc, group, groups, sent, evidence) -> list[float]:
        for m in SIZE.finditer(sent.text):
            start_char = sent.start_char + m.start()
            token = doc.char_span(start_char, start_char + 1, alignment_mode="expand")
            if token is None or self._nearest_group(token.start, sent, groups) is not group:
                continue
            factor = 10.0 if m.group("unit").lower().startswith("c") else 1.0
            dims = [round(float(x) * factor, 2) for x in re.findall(r"\d+(?:\.\d+)?", m.group("dims"))]
            evidence.append(
                Evidence(
                    role="size",
                    text=m.group(0),
                    start=start_char,
                    end=sent.start_char + m.end(),
                    value=" x ".join(f"{d:g}" for d in dims) + " mm",
                )
            )
            return dims
        return []

    def _modality(self, doc, group, mods, sent, sections, section, evidence):
        in_sentence = [c for c in mods if sent.start <= c.start < sent.end]
        if in_sentence:
            cue = min(in_sentence, key=lambda c: abs(c.start - group.start))
        else:
            # the study's own modality: exam or technique section, else the only one named
            header = [
                c for c in mods if section_at(sections, doc[c.start].idx).category in {"exam", "technique"}
            ]
            distinct = {c.value for c in mods}
            cue = header[0] if header else (mods[0] if len(distinct) == 1 else None)
        if cue is None:
            return None
        span = doc[cue.start : cue.end]
        evidence.append(Evidence(role="modality", text=span.text, start=span.start_char, end=span.end_char, value=cue.value))
        return cue.value
